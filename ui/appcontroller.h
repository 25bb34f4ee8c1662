// SPDX-License-Identifier: MIT
#pragma once

#include <core/session/capturesession.h>
#include <core/sim/simserver.h>

#include <QObject>
#include <QThread>

#include <optional>

namespace OddsTap {

/// What the GUI runs: the configured sources, or (with none) the built-in simulator as a demo.
struct AppConfig
{
    std::vector<FeedSourceConfig> sources; ///< empty: the demo feed
    std::optional<StorageTarget> storage; ///< none: nothing is stored
    double demoRate = 2000; ///< events/s of the demo simulator
    int demoFixtures = 200;
    FaultPlan demoFaults; ///< faults the demo simulator injects (none by default)
    int snapshotIntervalMs = 100; ///< 10 Hz to the views

    /// From QSettings (sources and storage), with the demo when no source is configured.
    static AppConfig fromSettings();
    /// The default SQLite file in the XDG data directory.
    static QString defaultDatabasePath();
};

/// Wires the pipeline for the GUI: the demo simulator on its thread ("sim"), the capture session
/// on its own processing thread ("pipeline"), and history reads on the thread pool. The GUI thread
/// only receives snapshots (about 10 Hz) and query results. Lives in: the GUI thread.
class AppController : public QObject
{
    Q_OBJECT
public:
    explicit AppController(AppConfig config, QObject *parent = nullptr);
    ~AppController() override;

    void start();
    /// Stops the sources, drains storage, then emits stopped().
    void stop();

    bool isDemo() const
    {
        return m_config.sources.empty();
    }
    const AppConfig &config() const
    {
        return m_config;
    }
    QString storageDescription() const;

public slots:
    void watchFixture(const QString &sourceId, const QString &fixtureId);
    void disconnectSource(const QString &sourceId);
    void connectSource(const QString &sourceId);
    void addSource(const OddsTap::FeedSourceConfig &source);
    /// Reads one market's stored prices off the GUI thread; answers with historyLoaded().
    void loadPriceHistory(const QString &sourceId, const QString &fixtureId, const QString &marketType);

signals:
    void started(const QString &description);
    void snapshotReady(const OddsTap::SnapshotPtr &snapshot);
    void historyLoaded(quint64 generation, const QString &fixtureId, const QString &marketType,
        const std::vector<OddsTap::PriceRow> &rows, const QString &error);
    void problem(const QString &message);
    void stopped(const QString &reason);

private:
    void startSession(std::vector<FeedSourceConfig> sources);

    AppConfig m_config;
    QThread m_simThread;
    SimServer *m_sim = nullptr; ///< lives in m_simThread
    QThread m_pipelineThread;
    CaptureSession *m_session = nullptr; ///< lives in m_pipelineThread
    quint64 m_historyGeneration = 0;
    bool m_stopping = false;
};

} // namespace OddsTap

Q_DECLARE_METATYPE(std::vector<OddsTap::PriceRow>)

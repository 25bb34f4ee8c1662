// SPDX-License-Identifier: MIT
#pragma once

#include <core/replay/capturereport.h>
#include <core/session/capturesession.h>
#include <core/sim/simserver.h>

#include <QLockFile>
#include <QObject>
#include <QTemporaryDir>
#include <QThread>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>

namespace OddsTap {

/// What the GUI runs: the configured sources and, when switched on or with no source, the
/// built-in simulator as the source "demo".
struct AppConfig
{
    std::vector<FeedSourceConfig> sources;
    /// The demo feed: on, off, or (unset) on exactly when there is no source.
    std::optional<bool> demo;
    std::optional<StorageTarget> storage; ///< none: nothing is stored
    /// With no source and no database chosen (no --db, nothing in Settings), the demo feed stores
    /// into this file of its own, emptied at each start, so that demo runs never grow a database.
    std::optional<QString> demoDatabase;
    /// What of the saved settings could not be used, and why: for the error log at start.
    QStringList settingsProblems;
    double demoRate = 2000; ///< events/s of the demo simulator
    int demoFixtures = 200;
    FaultPlan demoFaults; ///< faults the demo simulator injects (none by default)
    /// Books the demo runs over the same matches (`--demo-books N`): the first is the demo source,
    /// the others "<demo>-book2", ..., each with its own margin and noise (the comparison panel).
    int demoBooks = 1;
    /// Which sources' fixtures are one match (`--fixture-map FILE`); empty: equal ids.
    FixtureMap fixtureMap;
    qint64 latencyAlertMs = 2000; ///< a source's feed latency p99 over this is an alert (0: never)
    int snapshotIntervalMs = 100; ///< 10 Hz to the views
    /// Serve Prometheus metrics on this host and port (`oddstap --metrics`); none: off.
    std::optional<std::pair<QString, quint16>> metrics;
    /// Replay this capture instead of connecting (`oddstap --replay FILE`, File > Open capture):
    /// into a throwaway SQLite database, so the chart's history works as live; nothing is saved.
    QString replayPath;
    /// Betfair files replayed on one clock with replayPath (a match's score stream beside its market).
    QStringList replayCompanions;
    qint64 replayFromWallNs = 0; ///< where the replay starts (what comes before goes at once)
    /// Alert rules run on every event, live and in replays (`oddstap --rules FILE`).
    std::vector<AlertRule> alertRules;
    QString alertRulesPath; ///< where they were read from, for the Alerts panel
    QSet<QString> watchList; ///< fixtureKey()s the user watches (rules scoped to the watch list)
    /// Live alerts are also POSTed here as JSON (`oddstap --webhook URL`); empty: no webhook.
    QUrl webhook;
    double replaySpeed = 1.0;

    /// The default SQLite file in the XDG data directory.
    static QString defaultDatabasePath();
    /// The demo's own file in the data directory.
    static QString defaultDemoDatabasePath();
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

    /// The speed a replay runs at (0: as fast as possible), for the replay bar to show.
    double replaySpeed() const { return m_replaySpeed; }
    /// Whether the demo feed runs at start, alone or beside the sources.
    bool runsDemo() const { return !isReplay() && m_config.demo.value_or(m_config.sources.empty()); }
    /// The demo feed is the only source.
    bool isDemo() const { return runsDemo() && m_config.sources.empty(); }
    /// The demo feed's source id once it has started ("demo", or "demo-<ms>" in a database that
    /// outlives the run), else empty.
    QString demoSourceId() const { return m_demoSourceId; }
    bool isReplay() const { return !m_config.replayPath.isEmpty(); }
    /// Of the replay, once loaded (analysed on the thread pool): times, markers, counts.
    const std::optional<CaptureReport> &replayReport() const { return m_replayReport; }
    const AppConfig &config() const { return m_config; }
    QString storageDescription() const;

public slots:
    void watchFixture(const QString &sourceId, const QString &fixtureId);
    /// Rules from now on, in this session and the next ones (a replay that starts over).
    void setAlertRules(std::vector<AlertRule> rules, const QString &path);
    /// The watch list (fixtureKey()s) rules scoped to it look at.
    void setWatchList(QSet<QString> fixtureKeys);
    void disconnectSource(const QString &sourceId);
    void connectSource(const QString &sourceId);
    void addSource(const OddsTap::FeedSourceConfig &source);
    /// A changed URL or token: a connected source reconnects to it at once.
    void updateSource(const OddsTap::FeedSourceConfig &source);
    /// Switches the demo feed on (its simulator starts if it has not) or off, in this session.
    void setDemoEnabled(bool enabled);
    /// Reads one market's stored prices off the GUI thread; answers with historyLoaded().
    void loadPriceHistory(const QString &sourceId, const QString &fixtureId, const QString &marketType);

    // Recording (any session): into a new capture file, or the last minutes kept in memory.
    void startRecording(const QString &path, const QString &notes);
    void stopRecording();
    void setRing(qint64 keepMs);
    void saveRing(const QString &path, const QString &notes);

    // Replay sessions: the transport bar.
    void setReplayPaused(bool paused);
    void setReplaySpeed(double speed); ///< 0: as fast as possible
    void replayStep();
    /// Forward: replays everything up to @p wallNs at once. Backward: starts over into a fresh
    /// database and replays up to there, so every view is as it was at that moment.
    void seekReplay(qint64 wallNs);

signals:
    void started(const QString &description);
    void snapshotReady(const OddsTap::SnapshotPtr &snapshot);
    void historyLoaded(quint64 generation, const QString &fixtureId, const QString &marketType,
        const std::vector<OddsTap::PriceRow> &rows, const QString &error);
    void problem(const QString &message);
    void stopped(const QString &reason);
    void recordingFinished(const QString &path, quint64 frames, const QString &error);
    void ringSaved(const QString &path, quint64 frames, const QString &error);
    /// The replay's report is ready (replayReport()), or could not be made (error).
    void replayLoaded(const QString &error);
    /// A replay starts over (a backward seek): the views forget what they hold.
    void viewsReset();
    /// The demo feed started (demoSourceId()), or its simulator could not start (none).
    void demoChanged();

private:
    void startSession(std::vector<FeedSourceConfig> sources);
    /// Starts the simulator, then hands the demo's source to @p then on the GUI thread. In its own
    /// file, just emptied, the demo's id is "demo"; elsewhere one of its own per run.
    void startDemo(std::function<void(const FeedSourceConfig &demo)> then, bool inEmptiedOwnFile);
    /// Where @p rules fire in the capture (a back-test, off the GUI thread), at most kMaxAlertMarkers.
    static std::vector<CaptureReport::Marker> alertMarkers(const QStringList &paths,
        const std::vector<AlertRule> &rules, const FixtureMap &map, const std::atomic<bool> *cancel);
    /// Replaces the time line's alert marks with those of the current rules (a back-test).
    void markReplayAlerts();
    int m_markGeneration = 0; ///< counts rule changes: a back-test of older rules is not shown
    std::shared_ptr<std::atomic<bool>> m_cancelBacktests = std::make_shared<std::atomic<bool>>(false);
    static constexpr std::size_t kMaxAlertMarkers = 5000;
    /// Events that wait for storage in memory at most, the rest in the spool (SpoolConfig).
    static constexpr std::size_t kDesktopStorageMemoryEvents = 10000;
    /// The demo's books 2..N beside @p first (book 1), each handed to @p then once it listens.
    void startDemoBooks(const SimServerConfig &first, std::function<void(const FeedSourceConfig &)> then);
    void startReplaySession(qint64 seekToWallNs);
    CaptureConfig sessionConfig(std::optional<StorageTarget> storage) const;
    /// Runs @p call on the session's thread, if there is a session.
    void inSession(std::function<void(CaptureSession &)> call);
    /// A session on the pipeline thread whose snapshots go to @p deliver on this thread, one at a
    /// time (CaptureConfig::snapshotsUnapplied: counted down once delivered).
    CaptureSession *createSession(CaptureConfig config, std::function<void(const SnapshotPtr &)> deliver);

    AppConfig m_config;
    QThread m_simThread;
    SimServer *m_sim = nullptr; ///< lives in m_simThread
    std::vector<SimServer *> m_bookSims; ///< the demo's other books (--demo-books), in m_simThread
    QStringList m_bookSourceIds; ///< their sources, switched with the demo
    QString m_demoSourceId;
    /// Held from the check whether another OddsTap runs its demo into the demo's file until this
    /// one's storage claimed the demo source: two starting at the same moment would otherwise both
    /// find the file free and both empty it.
    std::shared_ptr<QLockFile> m_demoStartLock;
    QThread m_pipelineThread;
    CaptureSession *m_session = nullptr; ///< lives in m_pipelineThread
    /// The newest price-history request: a reader that is not it anymore skips its query.
    std::shared_ptr<std::atomic<quint64>> m_historyGeneration = std::make_shared<std::atomic<quint64>>(0);
    bool m_stopping = false;
    // Replay.
    std::unique_ptr<QTemporaryDir> m_replayDir; ///< the throwaway databases
    int m_replayRun = 0;
    std::optional<StorageTarget> m_replayStorage; ///< of the current run
    std::optional<CaptureReport> m_replayReport;
    qint64 m_replayPositionNs = 0; ///< from the latest snapshot
    std::optional<qint64> m_restartAtNs; ///< a backward seek waits for the old session to finish
    double m_replaySpeed = 1.0; ///< carried over when a run starts over
    bool m_replayPaused = false;
    qint64 m_ringKeepMs = 0; ///< Record > Keep the last minutes
};

} // namespace OddsTap

Q_DECLARE_METATYPE(std::vector<OddsTap::PriceRow>)

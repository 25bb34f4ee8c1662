// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/latencyhistogram.h>
#include <core/models/bettapemodel.h>
#include <core/models/errorlogmodel.h>
#include <core/models/exposuremodel.h>
#include <core/models/fixturetablemodel.h>
#include <core/models/marketmodel.h>
#include <core/models/pricehistory.h>
#include <core/models/sourcetablemodel.h>
#include <core/replay/replaysource.h>

#include <QMainWindow>
#include <QPointer>

#include <functional>
#include <optional>

class QComboBox;
class QDockWidget;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QSortFilterProxyModel;
class QTableView;
class QTimer;
class QCheckBox;
class QToolBar;

namespace OddsTap {

class AppController;
class OddsChartView;
class TrendChart;
class FixtureFilterProxy;
class LogFilterProxy;
class ReplayBar;
struct RecorderStatus;

/// Top-level window: the panels (Sources, Fixtures, Market, Odds chart, Bets, Error log, Health)
/// as dock widgets whose layout is remembered, fed by coalesced snapshots from the controller.
/// Lives in: the GUI thread; does no I/O and no per-event work.
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    /// `controller` may be null (a window with no pipeline, for layout tests).
    explicit MainWindow(AppController *controller = nullptr, QWidget *parent = nullptr);
    ~MainWindow() override;

    // For tests, the self-check and screenshots.
    FixtureTableModel &fixtureModel()
    {
        return m_fixtures;
    }
    MarketModel &marketModel()
    {
        return m_market;
    }
    BetTapeModel &betModel()
    {
        return m_bets;
    }
    ErrorLogModel &logModel()
    {
        return m_log;
    }
    SourceTableModel &sourceModel()
    {
        return m_sources;
    }
    OddsChartView *oddsChart() const
    {
        return m_chart;
    }
    QTableView *fixtureView() const
    {
        return m_fixtureView;
    }
    QDockWidget *dock(const QString &objectName) const;
    const PriceHistory &priceHistory() const
    {
        return m_history;
    }
    /// Selects a fixture as a click would (proxy row of the fixtures table); false if out of range.
    bool selectFixtureRow(int proxyRow);
    /// Selects the first fixture in play as shown (else the first row); false with no rows.
    bool selectLiveFixture();
    /// Lateness of a 50 ms timer on the GUI thread: the event-loop lag.
    const LatencyHistogram &eventLoopLag() const
    {
        return m_lag;
    }
    quint64 snapshotsApplied() const
    {
        return m_snapshotsApplied;
    }
    qint64 snapshotApplyMaxNs() const
    {
        return m_applyMaxNs;
    }
    const MetricsSnapshot &lastMetrics() const
    {
        return m_lastMetrics;
    }

    /// Writes the chart's series (every point of the chosen market) as CSV; returns an error or "".
    QString exportChartSeries(const QString &path) const;
    /// Writes the error log's visible rows (after the filters) as CSV; returns an error or "".
    QString exportVisibleLog(const QString &path) const;
    /// The export dialog, pre-filled from the current selection (not shown).
    class ExportDialog *makeExportDialog();

    /// Where the replay stands, from the latest snapshot (replay windows only).
    const std::optional<ReplayPosition> &lastReplayPosition() const
    {
        return m_lastReplay;
    }
    /// The transport bar of a replay window; null in a live window.
    ReplayBar *replayBar() const
    {
        return m_replayBar;
    }
    QAction *recordAction() const
    {
        return m_recordAction;
    }
    /// What the recording indicator says ("" when nothing is recorded).
    QString recordingText() const;
    /// Starts recording into @p path (the Record button asks for it); false if it cannot.
    bool startRecording(const QString &path);
    /// Opens a capture in a new replay window (a separate process: the live capture goes on).
    bool openCaptureWindow(const QString &path);

public slots:
    void applySnapshot(const OddsTap::SnapshotPtr &snapshot);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void buildMenus();
    void buildRecordBar();
    void buildReplayBar();
    void updateRecorder(const RecorderStatus &status);
    void resetViews();
    void toggleRecording();
    /// Where captures go by default (created if missing).
    static QString capturesDirectory();
    /// A new capture file's path from a save dialog; "" when cancelled or the file exists.
    QString askNewCapturePath(const QString &title, const QString &prefix);
    /// Into the error log and the status bar.
    void notify(LogSeverity severity, const QString &kind, const QString &message);
    void saveRing();
    void buildPanels();
    QDockWidget *addPanel(const QString &title, const QString &objectName, QWidget *content, Qt::DockWidgetArea area);
    void onFixtureSelected();
    void onMarketChosen();
    void updateMarketTitle(const FixtureState &f);
    void onHistoryLoaded(quint64 generation, const QString &fixtureId, const QString &marketType,
        const std::vector<PriceRow> &rows, const QString &error);
    void updateStatusBar(const MetricsSnapshot &m);
    void checkAlerts(const MetricsSnapshot &m);
    void addSourceDialog();
    void settingsDialog();
    void copyLogSelection();
    void showLogDetail();
    void resortFixtures();
    QList<QStringList> visibleLogRows() const;
    /// Runs `write` on the thread pool and reports the outcome in the status bar.
    void writeInBackground(const QString &path, std::function<QString()> write);

    QPointer<AppController> m_controller;
    FixtureTableModel m_fixtures;
    MarketModel m_market;
    BetTapeModel m_bets;
    ExposureModel m_exposure;
    ErrorLogModel m_log;
    SourceTableModel m_sources;
    PriceHistory m_history;
    bool m_historyDirty = false;
    quint64 m_historyGeneration = 0;

    FixtureFilterProxy *m_fixtureProxy = nullptr;
    LogFilterProxy *m_logProxy = nullptr;
    QTableView *m_fixtureView = nullptr;
    QTableView *m_marketView = nullptr;
    QTableView *m_sourceView = nullptr;
    QTableView *m_logView = nullptr;
    QPlainTextEdit *m_logDetail = nullptr;
    QLabel *m_marketTitle = nullptr;
    QComboBox *m_marketCombo = nullptr;
    QComboBox *m_windowCombo = nullptr;
    QCheckBox *m_followLive = nullptr;
    OddsChartView *m_chart = nullptr;
    std::vector<TrendChart *> m_trends;
    QLabel *m_banner = nullptr;
    QLabel *m_rateLabel = nullptr;
    QLabel *m_storageLabel = nullptr;
    QLabel *m_alertLabel = nullptr;

    QString m_watchSource;
    QString m_watchFixture;
    MetricsSnapshot m_lastMetrics;
    quint64 m_snapshotsApplied = 0;
    qint64 m_applyMaxNs = 0;
    qint64 m_lastResortMs = 0;
    qint64 m_lastTrendMs = 0;

    // Alerts: raised once per onset, cleared when the condition goes away.
    QStringList m_activeAlerts;
    qint64 m_backlogGrowingSinceMs = 0;
    quint64 m_lastBacklog = 0;

    // Recording and replay.
    QAction *m_recordAction = nullptr;
    QAction *m_ringAction = nullptr;
    QAction *m_saveRingAction = nullptr;
    QLabel *m_recordLabel = nullptr;
    bool m_recording = false;
    ReplayBar *m_replayBar = nullptr;
    std::optional<ReplayPosition> m_lastReplay;

    QTimer *m_lagTimer = nullptr;
    qint64 m_lagExpectedNs = 0;
    LatencyHistogram m_lag;
};

} // namespace OddsTap

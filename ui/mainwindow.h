// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/latencyhistogram.h>
#include <core/replay/replaysource.h>
#include <core/session/healthalerts.h>
#include <core/session/sessionsnapshot.h>
#include <ui/widgets/lagprobe.h>

#include <QMainWindow>
#include <QPointer>

#include <optional>
#include <vector>

class QDockWidget;
class QLabel;

namespace OddsTap {

class AppController;
class BetsPanel;
class ChartPanel;
class ErrorLogPanel;
class ExportDialog;
class FixturesPanel;
class LadderPanel;
class MarketPanel;
class Panel;
class RecordingControls;
class ReplayBar;

/// Top-level window: creates the panels (ui/panels/) as dock widgets whose layout is remembered,
/// the menus and the status bar, hands every panel each coalesced snapshot from the controller,
/// and connects the panels to each other. Tests and tools find a panel with findChild<>().
/// Lives in: the GUI thread; does no I/O and no per-event work.
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    /// `controller` may be null (a window with no pipeline, for layout tests).
    explicit MainWindow(AppController *controller = nullptr, QWidget *parent = nullptr);
    ~MainWindow() override;

    QDockWidget *dock(const QString &objectName) const;
    /// The pipeline this window shows; null in a window without one.
    AppController *controller() const;
    /// Lateness of a 50 ms timer on the GUI thread: the event-loop lag.
    LagProbe &lagProbe() const { return *m_lagProbe; }
    quint64 snapshotsApplied() const { return m_snapshotsApplied; }
    /// How long each snapshot took to apply to the panels (their painting comes after).
    const LatencyHistogram &snapshotApplyTimes() const { return m_applyTimes; }
    const MetricsSnapshot &lastMetrics() const { return m_lastMetrics; }
    /// The export dialog, pre-filled from the current selection (not shown).
    ExportDialog *makeExportDialog();
    /// Where the replay stands, from the latest snapshot (replay windows only).
    const std::optional<ReplayPosition> &lastReplayPosition() const { return m_lastReplay; }
    /// The transport bar of a replay window; null in a live window.
    ReplayBar *replayBar() const { return m_replayBar; }
    QAction *recordAction() const;
    /// What the recording indicator says ("" when nothing is recorded).
    QString recordingText() const;
    /// Starts recording into @p path (the Record button asks for it); false if it cannot.
    bool startRecording(const QString &path);

public slots:
    void applySnapshot(const OddsTap::SnapshotPtr &snapshot);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void buildPanels();
    void buildMenus();
    void buildStatusBar();
    void buildReplayBar();
    QDockWidget *addPanel(const QString &title, const QString &objectName, Panel *panel, Qt::DockWidgetArea area);
    void watch(const FixtureState &fixture);
    void resetViews();
    /// Into the error log and the status bar.
    void notify(LogSeverity severity, LogKind kind, const QString &message);
    void updateStatusBar(const MetricsSnapshot &m);
    void showAlerts(const MetricsSnapshot &m);

    QPointer<AppController> m_controller;
    std::vector<Panel *> m_panels;
    FixturesPanel *m_fixtures = nullptr;
    MarketPanel *m_market = nullptr;
    ChartPanel *m_chart = nullptr;
    BetsPanel *m_bets = nullptr;
    LadderPanel *m_ladder = nullptr;
    ErrorLogPanel *m_log = nullptr;
    RecordingControls *m_recording = nullptr;
    ReplayBar *m_replayBar = nullptr;
    QLabel *m_banner = nullptr;
    QLabel *m_rateLabel = nullptr;
    QLabel *m_storageLabel = nullptr;
    QLabel *m_alertLabel = nullptr;

    QString m_watchSource;
    QString m_watchFixture;
    MetricsSnapshot m_lastMetrics;
    std::optional<ReplayPosition> m_lastReplay;
    quint64 m_snapshotsApplied = 0;
    LatencyHistogram m_applyTimes;

    HealthAlerts m_alerts;

    LagProbe *m_lagProbe = nullptr;
};

} // namespace OddsTap

// SPDX-License-Identifier: MIT
#include "mainwindow.h"

#include <core/common/logging.h>
#include <core/common/timeutil.h>
#include <core/common/version.h>
#include <core/session/appcontroller.h>
#include <ui/alertnotifier.h>
#include <ui/delegates/livedelegate.h>
#include <ui/dialogs/exportdialog.h>
#include <ui/filemenu.h>
#include <ui/helpmenu.h>
#include <ui/panels/alertspanel.h>
#include <ui/panels/betspanel.h>
#include <ui/panels/chartpanel.h>
#include <ui/panels/comparisonpanel.h>
#include <ui/panels/errorlogpanel.h>
#include <ui/panels/fixturespanel.h>
#include <ui/panels/healthpanel.h>
#include <ui/panels/ladderpanel.h>
#include <ui/panels/marketpanel.h>
#include <ui/panels/sourcespanel.h>
#include <ui/recordingcontrols.h>
#include <ui/replaybar.h>
#include <ui/settings.h>
#include <ui/sourcecontrols.h>
#include <ui/viewmenu.h>
#include <ui/widgets/lagprobe.h>

#include <QAction>
#include <QCloseEvent>
#include <QDockWidget>
#include <QFileInfo>
#include <QFrame>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QShortcut>
#include <QStatusBar>
#include <QThread>
#include <QToolBar>

namespace OddsTap {
namespace {

QString mib(qint64 bytes)
{
    return QStringLiteral("%1 MiB").arg(double(bytes) / 1048576.0, 0, 'f', 1);
}

} // namespace

MainWindow::MainWindow(AppController *controller, QWidget *parent)
    : QMainWindow(parent)
    , m_controller(controller)
{
    setWindowTitle(tr("OddsTap %1").arg(QLatin1String(kVersion)));
    setObjectName(QStringLiteral("MainWindow"));
    setDockOptions(QMainWindow::AnimatedDocks | QMainWindow::AllowTabbedDocks | QMainWindow::AllowNestedDocks);
    resize(1280, 800);
    buildPanels();
    buildMenus();
    if (m_controller && m_controller->isReplay()) {
        buildReplayBar();
    }
    buildStatusBar();
    if (m_controller) {
        connect(m_controller, &AppController::snapshotReady, this, &MainWindow::applySnapshot);
        connect(m_controller, &AppController::historyLoaded, m_chart, &ChartPanel::loadHistory);
        connect(m_controller, &AppController::problem, this,
            [this](const QString &message) { notify(LogSeverity::Error, LogKind::App, message); });
    }

    m_lagProbe = new LagProbe(this);

    restoreGeometry(Settings::windowGeometry());
    restoreState(Settings::windowState());
}

MainWindow::~MainWindow() = default;

QDockWidget *MainWindow::addPanel(
    const QString &title, const QString &objectName, Panel *panel, Qt::DockWidgetArea area)
{
    m_panels.push_back(panel);
    auto *dock = new QDockWidget(title, this);
    dock->setObjectName(objectName);
    dock->setWidget(panel);
    dock->setFeatures(
        QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable | QDockWidget::DockWidgetClosable);
    addDockWidget(area, dock);
    return dock;
}

AppController *MainWindow::controller() const
{
    return m_controller;
}

QDockWidget *MainWindow::dock(const QString &objectName) const
{
    return findChild<QDockWidget *>(objectName);
}

void MainWindow::buildPanels()
{
    m_fixtures = new FixturesPanel(this);
    m_market = new MarketPanel(this);
    m_chart = new ChartPanel(this);
    m_bets = new BetsPanel(this);
    m_ladder = new LadderPanel(this);
    m_log = new ErrorLogPanel(this);
    auto *sources = new SourcesPanel(this);
    auto *health = new HealthPanel(this);
    auto *alerts = new AlertsPanel(this);
    auto *comparison = new ComparisonPanel(this);
    if (m_controller) {
        alerts->setRules(m_controller->config().alertRulesPath, m_controller->config().alertRules.size());
    }
    setCentralWidget(m_chart);

    connect(m_fixtures, &FixturesPanel::fixtureSelected, this, &MainWindow::watch);
    connect(m_fixtures, &FixturesPanel::watchListChanged, m_market, &MarketPanel::setWatchList);
    connect(m_market, &MarketPanel::selectionWatchToggled, m_fixtures, &FixturesPanel::toggleWatchKey);
    if (m_controller) {
        m_fixtures->setWatchList(m_controller->config().watchList);
        connect(m_fixtures, &FixturesPanel::watchListChanged, m_controller, [this](const QSet<QString> &keys) {
            m_controller->setWatchList(keys);
            Settings::setWatchList(keys);
        });
    }
    connect(m_market, &MarketPanel::marketsChanged, m_chart, &ChartPanel::setMarkets);
    connect(m_chart, &ChartPanel::marketChosen, m_market, &MarketPanel::setChosenMarket);
    connect(m_chart, &ChartPanel::historyWanted, this, [this](const QString &s, const QString &f, const QString &m) {
        if (m_controller) {
            m_controller->loadPriceHistory(s, f, m);
        }
    });
    connect(m_chart, &ChartPanel::problem, this, [this](const QString &message) {
        m_log->append({ LogEntry::note(LogKind::Connection, LogSeverity::Warning, message) });
    });
    const auto showMessage = [this](const QString &message) { statusBar()->showMessage(message, 8000); };
    connect(m_chart, &ChartPanel::statusMessage, this, showMessage);
    connect(m_log, &ErrorLogPanel::statusMessage, this, showMessage);
    connect(alerts, &AlertsPanel::statusMessage, this, showMessage);
    new AlertNotifier(alerts, this);
    alerts->setFixtureNames([this](const QString &source, const QString &fixture) -> QString {
        const FixtureState *f = m_fixtures->fixture(source, fixture);
        if (!f || f->fixture.home.isEmpty()) {
            return {};
        }
        return f->fixture.away.isEmpty() ? f->fixture.home
                                         : QStringLiteral("%1 v %2").arg(f->fixture.home, f->fixture.away);
    });
    connect(alerts, &AlertsPanel::fixtureSelected, this,
        [this, showMessage](const QString &source, const QString &fixture) {
            if (!m_fixtures->selectFixture(source, fixture)) {
                showMessage(tr("Fixture %1 is not in the fixtures list (filtered out, or gone)").arg(fixture));
            }
        });

    // Fixtures and sources down the left, full height; the selected fixture's market above the
    // chart; bets, error log and health tabbed below it. Fits 1280x800.
    setCorner(Qt::TopLeftCorner, Qt::LeftDockWidgetArea);
    setCorner(Qt::BottomLeftCorner, Qt::LeftDockWidgetArea);
    // The ladder, when shown, is as tall as the window: a price ladder is read top to bottom.
    setCorner(Qt::TopRightCorner, Qt::RightDockWidgetArea);
    setCorner(Qt::BottomRightCorner, Qt::RightDockWidgetArea);
    QDockWidget *fixtures =
        addPanel(tr("Fixtures"), QStringLiteral("fixturesDock"), m_fixtures, Qt::LeftDockWidgetArea);
    QDockWidget *sourcesDock = addPanel(tr("Sources"), QStringLiteral("sourcesDock"), sources, Qt::LeftDockWidgetArea);
    splitDockWidget(fixtures, sourcesDock, Qt::Vertical);
    QDockWidget *market = addPanel(tr("Market"), QStringLiteral("marketDock"), m_market, Qt::TopDockWidgetArea);
    QDockWidget *compare = addPanel(tr("Compare"), QStringLiteral("compareDock"), comparison, Qt::TopDockWidgetArea);
    tabifyDockWidget(market, compare);
    // Several books or a mapping file: comparing them is what the user came for.
    const AppConfig *config = m_controller ? &m_controller->config() : nullptr;
    (config && (config->demoBooks > 1 || config->fixtureMap.size() > 0) ? compare : market)->raise();
    for (const QString &problem : config ? config->settingsProblems : QStringList()) {
        qCWarning(lcUi).noquote() << problem;
        m_log->append({ LogEntry::note(LogKind::Storage, LogSeverity::Warning, problem) });
    }
    QDockWidget *bets = addPanel(tr("Bets"), QStringLiteral("betsDock"), m_bets, Qt::BottomDockWidgetArea);
    QDockWidget *log = addPanel(tr("Error log"), QStringLiteral("logDock"), m_log, Qt::BottomDockWidgetArea);
    QDockWidget *healthDock = addPanel(tr("Health"), QStringLiteral("healthDock"), health, Qt::BottomDockWidgetArea);
    QDockWidget *alertsDock = addPanel(tr("Alerts"), QStringLiteral("alertsDock"), alerts, Qt::BottomDockWidgetArea);
    // The order book: beside the chart, shown once a feed with books (Betfair) sends one.
    QDockWidget *ladder = addPanel(tr("Ladder"), QStringLiteral("ladderDock"), m_ladder, Qt::RightDockWidgetArea);
    ladder->hide();
    connect(
        m_ladder, &LadderPanel::booksArrived, ladder,
        [this, ladder] {
            ladder->show();
            resizeDocks({ ladder }, { 470 }, Qt::Horizontal);
        },
        Qt::SingleShotConnection);
    tabifyDockWidget(bets, log);
    tabifyDockWidget(log, healthDock);
    tabifyDockWidget(healthDock, alertsDock);
    bets->raise();
    if (m_controller && !m_controller->config().alertRules.empty()) {
        alertsDock->raise(); // rules were asked for: their alerts are what the user wants to see
    }
    resizeDocks({ fixtures }, { 640 }, Qt::Horizontal);
    resizeDocks({ fixtures, sourcesDock }, { 560, 140 }, Qt::Vertical);
    resizeDocks({ market, bets }, { 215, 215 }, Qt::Vertical);
    // The chart is the central widget, not a dock. It takes each snapshot after the market
    // panel, which tells it the markets it may chart.
    m_panels.push_back(m_chart);

    auto *findAction = new QAction(this);
    findAction->setShortcut(QKeySequence::Find);
    connect(findAction, &QAction::triggered, m_fixtures, &FixturesPanel::focusFilter);
    addAction(findAction);
}

void MainWindow::buildMenus()
{
    FileMenu::build(this, menuBar()->addMenu(tr("&File")));

    auto *sourceControls =
        new SourceControls(m_controller, this, findChild<SourcesPanel *>(), menuBar()->addMenu(tr("&Sources")));
    connect(sourceControls, &SourceControls::statusMessage, this,
        [this](const QString &message) { statusBar()->showMessage(message, 8000); });
    connect(sourceControls, &SourceControls::problem, this, [this](const QString &message) {
        qCWarning(lcUi).noquote() << message;
        m_log->append({ LogEntry::note(LogKind::Connection, LogSeverity::Warning, message) });
    });

    m_recording = new RecordingControls(m_controller, this, menuBar()->addMenu(tr("&Record")));
    connect(m_recording, &RecordingControls::notify, this, &MainWindow::notify);
    connect(m_recording, &RecordingControls::statusMessage, this,
        [this](const QString &message) { statusBar()->showMessage(message, 5000); });

    ViewMenu::build(this, menuBar()->addMenu(tr("&View")));

    HelpMenu::build(this);
}

void MainWindow::buildStatusBar()
{
    m_banner = new QLabel(this);
    m_rateLabel = new QLabel(this);
    m_storageLabel = new QLabel(this);
    m_alertLabel = new QLabel(this);
    m_alertLabel->setVisible(false);
    statusBar()->addWidget(m_banner, 1);
    statusBar()->addPermanentWidget(m_alertLabel);
    // The banner and the alerts on its left are free text of any length: a rule keeps the
    // figures apart from them.
    auto *rule = new QFrame(this);
    rule->setFrameShape(QFrame::VLine);
    rule->setFrameShadow(QFrame::Sunken);
    statusBar()->addPermanentWidget(rule);
    statusBar()->addPermanentWidget(m_rateLabel);
    statusBar()->addPermanentWidget(m_storageLabel);
    statusBar()->setVisible(true);
    if (!m_controller) {
        m_banner->setText(tr("Not connected"));
        return;
    }
    if (m_controller->isReplay()) {
        const QString file = QFileInfo(m_controller->config().replayPath).fileName();
        setWindowTitle(tr("OddsTap %1 — replay of %2").arg(QLatin1String(kVersion), file));
        m_banner->setText(tr("Replay of %1 · the views behave as live; nothing is saved").arg(file));
        m_banner->setToolTip(m_controller->config().replayPath);
    } else if (m_controller->isDemo()) {
        m_banner->setText(tr("Demo feed (built-in simulator) · add a real source: Sources ▸ Add source…"));
        m_banner->setToolTip(tr("While no source is enabled, OddsTap starts its simulator on a free loopback "
                                "port so there is live data at once; Disable on its row switches it off."));
    } else {
        m_banner->setText(tr("%n source(s) configured", nullptr, int(m_controller->config().sources.size())));
    }
    const QString storage = m_controller->storageDescription();
    m_storageLabel->setText(
        tr("DB: %1").arg(QFileInfo(storage).fileName().isEmpty() ? storage : QFileInfo(storage).fileName()));
    m_storageLabel->setToolTip(tr("Storing into %1").arg(storage));
}

void MainWindow::buildReplayBar()
{
    auto *bar = new QToolBar(tr("Replay"), this);
    bar->setObjectName(QStringLiteral("replayToolBar"));
    bar->setMovable(false);
    m_replayBar = new ReplayBar(bar);
    bar->addWidget(m_replayBar);
    addToolBar(Qt::BottomToolBarArea, bar);
    auto *space = new QShortcut(QKeySequence(Qt::Key_Space), this);
    space->setWhatsThis(tr("Play or pause the replay"));
    connect(space, &QShortcut::activated, m_replayBar, &ReplayBar::togglePlay);
    AppController *c = m_controller;
    connect(m_replayBar, &ReplayBar::pausedChanged, c, &AppController::setReplayPaused);
    connect(m_replayBar, &ReplayBar::stepRequested, c, &AppController::replayStep);
    m_replayBar->showSpeed(c->replaySpeed());
    connect(m_replayBar, &ReplayBar::speedChosen, c, &AppController::setReplaySpeed);
    connect(m_replayBar, &ReplayBar::seekRequested, c, &AppController::seekReplay);
    connect(c, &AppController::replayLoaded, this, [this](const QString &error) {
        if (!error.isEmpty()) {
            m_replayBar->setLoadError(error);
            notify(LogSeverity::Error, LogKind::Replay, tr("cannot read the capture: %1").arg(error));
            return;
        }
        m_replayBar->setReport(*m_controller->replayReport());
    });
    connect(c, &AppController::viewsReset, this, &MainWindow::resetViews);
}

void MainWindow::watch(const FixtureState &fixture)
{
    if (fixture.sourceId == m_watchSource && fixture.fixture.fixtureId == m_watchFixture) {
        return;
    }
    m_watchSource = fixture.sourceId;
    m_watchFixture = fixture.fixture.fixtureId;
    m_market->watch(fixture);
    m_bets->watch(m_watchSource, m_watchFixture);
    m_ladder->watch(m_watchSource, m_watchFixture);
    m_chart->watch(fixture);
    if (m_controller) {
        m_controller->watchFixture(m_watchSource, m_watchFixture);
    }
}

void MainWindow::resetViews()
{
    // A replay started over (a backward seek or a loop): the panels forget what they hold, and
    // the same fixture is watched in the new run.
    for (Panel *panel : m_panels) {
        panel->reset();
    }
    if (m_controller && !m_watchFixture.isEmpty()) {
        m_controller->watchFixture(m_watchSource, m_watchFixture);
    }
}

void MainWindow::applySnapshot(const SnapshotPtr &snapshot)
{
    Q_ASSERT(QThread::currentThread() == thread());
    const qint64 started = monotonicNs();
    const SessionSnapshot &s = *snapshot;
    for (Panel *panel : m_panels) {
        panel->applySnapshot(s);
    }
    if (s.replay && m_replayBar) {
        m_lastReplay = s.replay;
        m_replayBar->setPosition(*s.replay);
    }
    if (s.recorder) {
        m_recording->update(*s.recorder);
    }
    updateStatusBar(s.metrics);
    showAlerts(s.metrics);
    m_lastMetrics = s.metrics;
    ++m_snapshotsApplied;
    m_applyTimes.add(monotonicNs() - started);
}

void MainWindow::updateStatusBar(const MetricsSnapshot &m)
{
    QString text = tr("%1 events/s · %2 received · %3 rejected")
                       .arg(QString::number(m.eventsPerSec, 'f', 0))
                       .arg(m.received)
                       .arg(m.rejected);
    if (m.storing) {
        text += tr(" · %1 stored · backlog %2").arg(m.persisted).arg(m.queuedEvents);
        if (m.spoolBytes > 0) {
            text += tr(" + %1 on disk").arg(mib(m.spoolBytes));
        }
        if (m.receiveToCommitted.count > 0) {
            text += tr(" · p99 commit %1 ms").arg(double(m.receiveToCommitted.p99Ns) / 1e6, 0, 'f', 0);
        }
    }
    m_rateLabel->setText(text);
}

void MainWindow::showAlerts(const MetricsSnapshot &m)
{
    m_log->append(m_alerts.update(m));
    const QStringList &alerts = m_alerts.active();
    m_alertLabel->setVisible(!alerts.isEmpty());
    if (!alerts.isEmpty()) {
        const LiveColours c = LiveColours::forPalette(palette());
        m_alertLabel->setText(QStringLiteral("⚠ ") + alerts.join(QStringLiteral(" · ")));
        m_alertLabel->setStyleSheet(QStringLiteral("color: %1; font-weight: bold;").arg(c.bad.name()));
    }
}

void MainWindow::notify(LogSeverity severity, LogKind kind, const QString &message)
{
    m_log->append({ LogEntry::note(kind, severity, message) });
    statusBar()->showMessage(message, 10000);
}

ExportDialog *MainWindow::makeExportDialog()
{
    if (!m_controller || !m_controller->config().storage) {
        return nullptr;
    }
    ExportRequest prefill;
    prefill.table = QStringLiteral("odds");
    if (!m_watchFixture.isEmpty()) {
        prefill.fixtures = { m_watchFixture };
        prefill.source = m_watchSource;
        prefill.market = m_chart->chosenMarket();
    }
    return new ExportDialog(*m_controller->config().storage, prefill, this);
}

QAction *MainWindow::recordAction() const
{
    return m_recording->recordAction();
}

QString MainWindow::recordingText() const
{
    return m_recording->text();
}

bool MainWindow::startRecording(const QString &path)
{
    return m_recording->start(path);
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (m_replayBar) {
        QMainWindow::closeEvent(event); // a replay window leaves the live window's layout alone
        return;
    }
    Settings::setWindowLayout(saveGeometry(), saveState());
    QMainWindow::closeEvent(event);
}

} // namespace OddsTap

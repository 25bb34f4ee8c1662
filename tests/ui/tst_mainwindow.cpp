// SPDX-License-Identifier: MIT
// The main flows, offscreen, with the real pipeline: the demo simulator, the session on its
// thread, a real SQLite file. Start on the demo feed, select a fixture, see its market and chart
// fill (live and from the database), a rejected frame in the error log, disconnect and reconnect.
#include <core/common/timeutil.h>
#include <core/common/version.h>
#include <core/session/appcontroller.h>
#include <core/sim/simserver.h>
#include <tests/testutils/csvreader.h>
#include <ui/alertnotifier.h>
#include <ui/charts/oddschart.h>
#include <ui/dialogs/exportdialog.h>
#include <ui/dialogs/rulesdialog.h>
#include <ui/dialogs/sourcedialog.h>
#include <ui/helpmenu.h>
#include <ui/mainwindow.h>
#include <ui/panels/alertspanel.h>
#include <ui/panels/betspanel.h>
#include <ui/panels/chartpanel.h>
#include <ui/panels/comparisonpanel.h>
#include <ui/panels/errorlogpanel.h>
#include <ui/panels/fixturespanel.h>
#include <ui/panels/marketpanel.h>
#include <ui/panels/sourcespanel.h>
#include <ui/settings.h>
#include <ui/workspaces.h>

#include <QApplication>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QPushButton>
#include <QScopeGuard>
#include <QSettings>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTableView>
#include <QTableWidget>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QToolButton>

#include <functional>
#include <sys/stat.h>

using namespace OddsTap;

namespace {

struct DemoApp
{
    std::unique_ptr<AppController> controller;
    std::unique_ptr<MainWindow> window;

    DemoApp(const QString &db, const QString &faults = {})
        : DemoApp(demoConfig(db, faults))
    { }
    explicit DemoApp(const AppConfig &config)
    {
        controller = std::make_unique<AppController>(config);
        window = std::make_unique<MainWindow>(controller.get());
        window->show();
        controller->start();
    }
    static AppConfig demoConfig(const QString &db, const QString &faults)
    {
        AppConfig config;
        config.storage = *StorageTarget::parse(db);
        config.demoRate = 1500;
        config.demoFixtures = 40;
        if (!faults.isEmpty()) {
            config.demoFaults = *FaultPlan::parse(faults);
        }
        return config;
    }
    ~DemoApp()
    {
        bool stopped = false;
        QObject::connect(controller.get(), &AppController::stopped, [&stopped] { stopped = true; });
        controller->stop();
        (void)QTest::qWaitFor([&] { return stopped; }, 15000); // a destructor: nothing to fail
        window.reset();
        controller.reset();
    }
};

} // namespace

class TestMainWindow : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true); // settings and data stay out of the user's files
        QCoreApplication::setOrganizationName(QStringLiteral("OddsTapTest"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_mainwindow"));
        registerMetaTypes();
    }
    void fitsTheMinimumScreenWithEveryPanel();
    void aSettingsFileThatListsBillionsIsReadInPart();
    void everyColumnTitleIsReadableAt1280x800();
    void helpListsTheShortcutsAndFindsTheDocumentation();
    void demoFeedFillsFixturesMarketAndChart();
    void demoKeepsItsOwnFileThatNeverGrows();
    void aSecondDemoSharesTheFileInsteadOfDeletingIt_data();
    void aSecondDemoSharesTheFileInsteadOfDeletingIt();
    void rejectedFrameAppearsInTheErrorLog();
    void disconnectAndReconnectASource();
    void exportsTheChartTheLogAndATableFromTheSelection();
    void savedSourcesAreEditedDisabledEnabledAndRemovedInTheGui();
    void aSavedSourceThatCannotStartIsListedAndSaysWhy();
    void demoFeedIsASourceSwitchedOnAndOff();
    void sourceDialogSavesTheMappingProfile();
    void alertsFillTheAlertsPanelAndSelectTheirFixture();
    void comparisonShowsThreeBooksOfTheSelectedFixture();
    void watchListWorkspacesAndDarkTheme();
    void desktopWebhookPostsLiveAlerts();
    void layoutAndSourcesSavedByAnEarlierVersionLoad();

private:
    QTemporaryDir m_dir;
};

void TestMainWindow::fitsTheMinimumScreenWithEveryPanel()
{
    MainWindow w;
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QVERIFY(w.windowTitle().contains(QLatin1String(kVersion)));
    QVERIFY(w.width() <= 1280 && w.height() <= 800);
    QVERIFY(w.statusBar()->isVisible());
    for (const char *name : { "fixturesDock", "sourcesDock", "marketDock", "betsDock", "logDock", "healthDock" }) {
        QDockWidget *d = w.dock(QLatin1String(name));
        QVERIFY2(d, name);
        QVERIFY(!d->windowTitle().isEmpty());
    }
    QVERIFY(w.findChild<OddsTap::ChartPanel *>()->chart());
}

void TestMainWindow::everyColumnTitleIsReadableAt1280x800()
{
    // Every table's visible columns are at least as wide as their titles (and the sort arrow), so
    // no title reads "connec…" at the smallest screen the app supports.
    MainWindow w;
    w.resize(1280, 800);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    const QList<QTableView *> tables = w.findChildren<QTableView *>();
    QVERIFY(tables.size() >= 5);
    QStringList clipped;
    for (const QTableView *table : tables) {
        const QHeaderView *header = table->horizontalHeader();
        for (int c = 0; c < header->count(); ++c) {
            if (header->isSectionHidden(c)) {
                continue;
            }
            const QString title = table->model()->headerData(c, Qt::Horizontal).toString();
            const int needed = header->sectionSizeHint(c); // the title, margins and sort arrow, by the style
            if (header->sectionSize(c) < needed) {
                clipped << QStringLiteral("%1: '%2' %3 px < %4 px")
                               .arg(table->objectName(), title)
                               .arg(header->sectionSize(c))
                               .arg(needed);
            }
        }
    }
    QVERIFY2(clipped.isEmpty(), qPrintable(clipped.join(QStringLiteral("; "))));
}

void TestMainWindow::helpListsTheShortcutsAndFindsTheDocumentation()
{
    MainWindow w;
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    auto *shortcuts = w.findChild<QAction *>(QStringLiteral("helpShortcuts"));
    QVERIFY(shortcuts);
    shortcuts->trigger();
    QDialog *dialog = nullptr;
    QTRY_VERIFY((dialog = w.findChild<QDialog *>(QStringLiteral("shortcutsDialog"))) && dialog->isVisible());
    auto *table = dialog->findChild<QTableWidget *>(QStringLiteral("shortcutsTable"));
    QVERIFY(table);
    QMultiMap<QString, QString> listed;
    for (int r = 0; r < table->rowCount(); ++r) {
        listed.insert(table->item(r, 0)->text(), table->item(r, 1)->text());
    }
    // The list is read from the window's own actions: every one with a key is there, as it is.
    QCOMPARE(listed.value(QStringLiteral("Quit")), QKeySequence(QKeySequence::Quit).toString(QKeySequence::NativeText));
    QCOMPARE(listed.value(QStringLiteral("Add source")), QStringLiteral("Ctrl+Shift+N"));
    QCOMPARE(listed.value(QStringLiteral("Export CSV")), QStringLiteral("Ctrl+E"));
    for (const QAction *a : w.findChildren<QAction *>()) {
        if (!a->shortcut().isEmpty() && !a->text().isEmpty()) {
            QVERIFY2(std::find(listed.begin(), listed.end(), a->shortcut().toString(QKeySequence::NativeText))
                    != listed.end(),
                qPrintable(a->text()));
        }
    }
    dialog->close();
    auto *docs = w.findChild<QAction *>(QStringLiteral("helpDocumentation"));
    QVERIFY(docs);
    const QUrl url = HelpMenu::documentationUrl();
    QVERIFY2(url.isLocalFile() && QFileInfo(url.toLocalFile()).isFile(), qPrintable(url.toString()));
    QVERIFY(url.toLocalFile().endsWith(QLatin1String("README.md")));
}

void TestMainWindow::demoFeedFillsFixturesMarketAndChart()
{
    DemoApp app(m_dir.filePath(QStringLiteral("demo.db")));
    QVERIFY(QTest::qWaitForWindowExposed(app.window.get()));
    QVERIFY(app.controller->isDemo());
    QTRY_VERIFY_WITH_TIMEOUT(app.window->findChild<OddsTap::FixturesPanel *>()->model().rowCount() >= 10, 20000);
    // Let some history reach the database first, so the chart has a past to load.
    QTRY_VERIFY_WITH_TIMEOUT(app.window->lastMetrics().persisted >= 2000, 20000);
    QVERIFY(app.window->findChild<OddsTap::FixturesPanel *>()->selectLive());
    QTRY_VERIFY_WITH_TIMEOUT(app.window->findChild<OddsTap::MarketPanel *>()->model().rowCount() > 0, 10000);
    const QString fixtureId = app.window->findChild<OddsTap::MarketPanel *>()->model().fixtureId();
    QVERIFY(!fixtureId.isEmpty());
    // The chart fills: from the database (the past) and live points.
    QTRY_VERIFY_WITH_TIMEOUT(app.window->findChild<OddsTap::ChartPanel *>()->chart()->drawnPoints() > 2, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(app.window->findChild<OddsTap::ChartPanel *>()->history().pointCount() >= 5, 10000);
    QCOMPARE(app.window->findChild<OddsTap::ChartPanel *>()->history().fixtureId(), fixtureId);
    // Snapshots arrive at about 10 Hz and the GUI thread keeps up.
    const quint64 before = app.window->snapshotsApplied();
    QElapsedTimer clock;
    clock.start();
    QTRY_VERIFY_WITH_TIMEOUT(app.window->snapshotsApplied() >= before + 10, 10000);
    const double perSecond = 10000.0 / double(std::max<qint64>(1, clock.elapsed()));
    QVERIFY2(perSecond >= 3 && perSecond <= 15, qPrintable(QString::number(perSecond))); // 10 Hz, loaded CI
    QVERIFY(app.window->lastMetrics().received > 0);
    QVERIFY(app.window->findChild<OddsTap::BetsPanel *>()->tape().rowCount() > 0);
    QVERIFY(app.window->findChild<OddsTap::SourcesPanel *>()->model().rowCount() == 1);
}

void TestMainWindow::demoKeepsItsOwnFileThatNeverGrows()
{
    // With no database chosen the demo stores into a file of its own in the data directory,
    // emptied at each start: run after run, it holds one run, and the user's database is untouched.
    Settings::setStorageTarget(QString());
    AppConfig fromSettings = Settings::appConfig();
    QCOMPARE(fromSettings.demoDatabase, std::optional<QString>(AppConfig::defaultDemoDatabasePath()));
    QVERIFY(AppConfig::defaultDemoDatabasePath().startsWith(StorageTarget::dataDirectory() + QLatin1Char('/')));
    Settings::setStorageTarget(m_dir.filePath(QStringLiteral("chosen.db")));
    QVERIFY(!Settings::appConfig().demoDatabase); // a database the user chose: the demo goes there
    Settings::setStorageTarget(QString());

    const QString own = m_dir.filePath(QStringLiteral("own/demo.db"));
    const QString users = m_dir.filePath(QStringLiteral("users.db"));
    qint64 secondRunStartMs = 0;
    for (const quint64 minimum : { 1500, 300 }) {
        secondRunStartMs = wallClockMs();
        AppConfig config;
        config.storage = *StorageTarget::parse(users);
        config.demoDatabase = own;
        config.demoRate = 1500;
        config.demoFixtures = 40;
        AppController controller(config);
        MainWindow window(&controller);
        controller.start();
        QTRY_VERIFY_WITH_TIMEOUT(window.lastMetrics().persisted >= minimum, 20000);
        bool stopped = false;
        QObject::connect(&controller, &AppController::stopped, [&stopped] { stopped = true; });
        controller.stop();
        QTRY_VERIFY_WITH_TIMEOUT(stopped, 15000);
    }
    QVERIFY(!QFileInfo::exists(users));
    auto storage = Storage::open(*StorageTarget::parse(own), QStringLiteral("demo-own"));
    QVERIFY(storage);
    const SeqMap committed = (*storage)->committedSeqs();
    QCOMPARE(committed.size(), std::size_t(1));
    QCOMPARE(committed.begin()->first, QStringLiteral("demo"));
    // One stream from seq 1, all of it received in the second run: nothing of the first is left.
    const auto counts = (*storage)->tableCounts();
    QVERIFY(counts);
    const qint64 rows = counts->value(QStringLiteral("fixture_updates")).toInteger()
        + counts->value(QStringLiteral("odds")).toInteger() + counts->value(QStringLiteral("bets")).toInteger();
    QCOMPARE(quint64(rows), committed.begin()->second);
    qint64 oldest = 0;
    QVERIFY((*storage)->query(QStringLiteral("SELECT min(received_at) FROM odds"), {}, [&](const RowView &row) {
        oldest = row[0]->toByteArray().toLongLong();
        return true;
    }));
    QVERIFY2(oldest >= secondRunStartMs, qPrintable(QStringLiteral("%1 < %2").arg(oldest).arg(secondRunStartMs)));
}

void TestMainWindow::aSecondDemoSharesTheFileInsteadOfDeletingIt_data()
{
    QTest::addColumn<bool>("sameMoment");
    QTest::newRow("one after the other") << false;
    QTest::newRow("at the same moment") << true; // both look before either has claimed the file
}

void TestMainWindow::aSecondDemoSharesTheFileInsteadOfDeletingIt()
{
    // Two OddsTap windows on the demo at once: the second must not empty the file the first
    // is writing into (its rows would vanish with the deleted file); it shares it instead.
    QFETCH(bool, sameMoment);
    const QString own =
        m_dir.filePath(QStringLiteral("shared-%1/demo.db").arg(QLatin1String(QTest::currentDataTag()).size()));
    const auto makeApp = [&] {
        AppConfig config;
        config.demoDatabase = own;
        config.demoRate = 1500;
        config.demoFixtures = 30;
        auto controller = std::make_unique<AppController>(config);
        auto window = std::make_unique<MainWindow>(controller.get());
        controller->start();
        return std::pair { std::move(controller), std::move(window) };
    };
    auto first = makeApp();
    if (!sameMoment) {
        QTRY_VERIFY_WITH_TIMEOUT(first.second->lastMetrics().persisted >= 500, 20000);
    }
    auto second = makeApp();
    QTRY_VERIFY_WITH_TIMEOUT(first.second->lastMetrics().persisted >= 500, 20000);
    QTRY_VERIFY_WITH_TIMEOUT(second.second->lastMetrics().persisted >= 500, 20000);
    const quint64 firstPersisted = first.second->lastMetrics().persisted;
    for (auto *app : { &second, &first }) {
        bool stopped = false;
        QObject::connect(app->first.get(), &AppController::stopped, [&stopped] { stopped = true; });
        app->first->stop();
        QTRY_VERIFY_WITH_TIMEOUT(stopped, 15000);
    }
    auto storage = Storage::open(*StorageTarget::parse(own), QStringLiteral("demo-shared"));
    QVERIFY(storage);
    const SeqMap committed = (*storage)->committedSeqs();
    QCOMPARE(committed.size(), std::size_t(2));
    QVERIFY(committed.count(QStringLiteral("demo")) == 1);
    QVERIFY(committed.at(QStringLiteral("demo")) >= firstPersisted); // the first one's rows are all there
}

void TestMainWindow::rejectedFrameAppearsInTheErrorLog()
{
    DemoApp app(m_dir.filePath(QStringLiteral("rejects.db")), QStringLiteral("malformed=0.01"));
    auto findReject = [&]() -> const LogEntry * {
        for (int row = 0; row < app.window->findChild<OddsTap::ErrorLogPanel *>()->model().rowCount(); ++row) {
            const LogEntry *e = app.window->findChild<OddsTap::ErrorLogPanel *>()->model().entryAt(row);
            if (e->kind == LogKind::Reject) {
                return e;
            }
        }
        return nullptr;
    };
    QTRY_VERIFY_WITH_TIMEOUT(findReject() != nullptr, 20000);
    const LogEntry *e = findReject();
    QVERIFY(!e->code.isEmpty());
    QVERIFY(!e->message.isEmpty());
    QVERIFY(!e->raw.isEmpty()); // the raw text, copyable from the log
    QVERIFY(app.window->lastMetrics().rejected > 0);
}

void TestMainWindow::disconnectAndReconnectASource()
{
    DemoApp app(m_dir.filePath(QStringLiteral("reconnect.db")));
    SourceTableModel &sources = app.window->findChild<OddsTap::SourcesPanel *>()->model();
    QTRY_VERIFY_WITH_TIMEOUT(sources.rowCount() == 1 && sources.sourceAt(0)->lastSeq > 100, 20000);
    auto *disconnect = app.window->findChild<QPushButton *>(QStringLiteral("disconnectSource"));
    auto *connect = app.window->findChild<QPushButton *>(QStringLiteral("connectSource"));
    QVERIFY(disconnect && connect);
    QTest::mouseClick(disconnect, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(
        sources.index(0, SourceTableModel::State).data().toString() == QLatin1String("disconnected (by you)"), 10000);
    const quint64 held = sources.sourceAt(0)->lastSeq;
    const quint64 snapshots = app.window->snapshotsApplied();
    QTRY_VERIFY_WITH_TIMEOUT(app.window->snapshotsApplied() >= snapshots + 4, 10000);
    QCOMPARE(sources.sourceAt(0)->lastSeq, held); // nothing arrives while disconnected
    QTest::mouseClick(connect, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(sources.index(0, SourceTableModel::State).data().toString() == QLatin1String("live")
            && sources.sourceAt(0)->lastSeq > held + 100,
        15000);
    QCOMPARE(sources.sourceAt(0)->gaps, quint64(0)); // resumed after what it held
}

void TestMainWindow::exportsTheChartTheLogAndATableFromTheSelection()
{
    const QString db = m_dir.filePath(QStringLiteral("export.db"));
    DemoApp app(db, QStringLiteral("malformed=0.01"));
    QTRY_VERIFY_WITH_TIMEOUT(app.window->findChild<OddsTap::FixturesPanel *>()->model().rowCount() >= 10, 20000);
    QVERIFY(app.window->findChild<OddsTap::FixturesPanel *>()->selectLive());
    // A series of several points (one fixture's prices come a few a second; fewer on a loaded machine).
    QTRY_VERIFY_WITH_TIMEOUT(app.window->findChild<OddsTap::ChartPanel *>()->history().pointCount() >= 8, 30000);
    QTRY_VERIFY_WITH_TIMEOUT(app.window->findChild<OddsTap::ErrorLogPanel *>()->model().rowCount() >= 3, 20000);
    bool stopped = false;
    QObject::connect(app.controller.get(), &AppController::stopped, [&stopped] { stopped = true; });
    app.controller->stop(); // a still database, so the counts below hold
    QTRY_VERIFY_WITH_TIMEOUT(stopped, 15000);

    // The chart's series: every point, in time order.
    const QString series = m_dir.filePath(QStringLiteral("series.csv"));
    QCOMPARE(app.window->findChild<OddsTap::ChartPanel *>()->exportSeries(series), QString());
    const QList<QStringList> points = Testing::readCsv(series);
    QCOMPARE(qsizetype(points.size() - 1),
        qsizetype(app.window->findChild<OddsTap::ChartPanel *>()->history().pointCount()));
    QCOMPARE(points[0].at(4), QStringLiteral("odd_value"));
    for (qsizetype i = 1; i < points.size(); ++i) {
        QCOMPARE(points[i][1], app.window->findChild<OddsTap::ChartPanel *>()->history().fixtureId());
        QVERIFY(points[i][4].toDouble() > 1.0);
        QVERIFY(i == 1 || points[i - 1][0] <= points[i][0]);
    }
    // The visible error log, with the raw text of rejects.
    const QString log = m_dir.filePath(QStringLiteral("log.csv"));
    QCOMPARE(app.window->findChild<OddsTap::ErrorLogPanel *>()->exportVisible(log), QString());
    const QList<QStringList> lines = Testing::readCsv(log);
    QCOMPARE(lines.size() - 1,
        app.window->findChild<OddsTap::ErrorLogPanel *>()->model().rowCount()); // no filter set: every line
    QVERIFY(std::any_of(lines.begin(), lines.end(),
        [](const QStringList &l) { return l.at(2) == QLatin1String("reject") && !l.at(8).isEmpty(); }));
    // The export dialog, pre-filled with the selected fixture and market, off the GUI thread.
    std::unique_ptr<ExportDialog> dialog(app.window->makeExportDialog());
    QVERIFY(dialog);
    const ExportRequest prefill = dialog->request();
    QCOMPARE(prefill.table, QStringLiteral("odds"));
    QCOMPARE(prefill.fixtures, QStringList { app.window->findChild<OddsTap::ChartPanel *>()->history().fixtureId() });
    QCOMPARE(prefill.market, app.window->findChild<OddsTap::ChartPanel *>()->history().marketType());
    const QString table = m_dir.filePath(QStringLiteral("odds.csv"));
    dialog->setDestination(table);
    bool finished = false;
    bool ok = false;
    QObject::connect(dialog.get(), &ExportDialog::exportFinished, [&](bool success, const QString &) {
        finished = true;
        ok = success;
    });
    dialog->startExport();
    QVERIFY(dialog->isRunning()); // the work runs on the thread pool; the dialog stays responsive
    auto *close = dialog->findChild<QPushButton *>(QStringLiteral("exportClose"));
    QVERIFY(close);
    QCOMPARE(close->text(), QStringLiteral("Cancel"));
    QTRY_VERIFY_WITH_TIMEOUT(finished, 30000);
    QVERIFY2(ok, qPrintable(dialog->lastMessage()));
    QCOMPARE(close->text(), QStringLiteral("Close")); // nothing left to cancel
    QVERIFY(!QFileInfo::exists(table + QStringLiteral(".partial")));
    const QList<QStringList> rows = Testing::readCsv(table);
    QVERIFY(rows.size() > 1);
    auto storage = Storage::open(*StorageTarget::parse(db), QStringLiteral("export-count"));
    QVERIFY(storage);
    quint64 expected = 0;
    QVERIFY((*storage)->query(QStringLiteral("SELECT count(*) FROM odds WHERE fixture_id = ? AND market_type = ? AND "
                                             "source_id = ?"),
        { prefill.fixtures.front(), prefill.market, prefill.source }, [&](const RowView &row) {
            expected = row[0]->toByteArray().toULongLong();
            return true;
        }));
    QCOMPARE(quint64(rows.size() - 1), expected);
    for (qsizetype i = 1; i < rows.size(); ++i) {
        QCOMPARE(rows[i][4], prefill.fixtures.front());
        QCOMPARE(rows[i][5], prefill.market);
    }
}

namespace {

/// The State cell of a source's row in the Sources panel ("" when it is not listed).
QString sourceState(SourcesPanel *panel, const QString &id, int column = SourceTableModel::State)
{
    const SourceTableModel &m = panel->model();
    for (int r = 0; r < m.rowCount(); ++r) {
        if (m.sourceAt(r)->sourceId == id) {
            return m.index(r, column).data().toString();
        }
    }
    return {};
}

/// Selects a source's row and triggers one of its actions, checking that the Sources menu holds it.
void triggerOnSource(MainWindow &window, const QString &id, const char *action)
{
    auto *panel = window.findChild<SourcesPanel *>();
    auto *view = panel->findChild<QTableView *>(QStringLiteral("sourceView"));
    const SourceTableModel &model = panel->model();
    for (int r = 0; r < model.rowCount(); ++r) {
        if (model.sourceAt(r)->sourceId == id) {
            view->setCurrentIndex(view->model()->index(r, 0));
        }
    }
    QCOMPARE(panel->selectedSource(), id);
    QAction *a = window.findChild<QAction *>(QLatin1String(action));
    QVERIFY2(a, action);
    const QList<QAction *> menu = window.menuBar()->actions();
    QVERIFY(std::any_of(
        menu.begin(), menu.end(), [&](QAction *m) { return m->menu() && m->menu()->actions().contains(a); }));
    a->trigger();
}

void forgetSavedSources()
{
    for (const Settings::Source &s : Settings::sources()) {
        Settings::removeSource(s.id);
    }
    QSettings().remove(QStringLiteral("demo"));
}

} // namespace

void TestMainWindow::savedSourcesAreEditedDisabledEnabledAndRemovedInTheGui()
{
    // A saved source, live from a simulator: Edit moves it to a second simulator at once and for
    // the next start, Disable stops it and keeps it off (still listed), Enable brings it back,
    // Remove takes it out of the list and out of the panel.
    SimServerConfig sc;
    sc.rate = 500;
    SimServer first(sc);
    SimServer second(sc);
    const Result<quint16> firstPort = first.start();
    const Result<quint16> secondPort = second.start();
    QVERIFY(firstPort && secondPort);
    const QString secondUrl = QStringLiteral("ws://127.0.0.1:%1").arg(*secondPort);
    forgetSavedSources();
    const mode_t umaskBefore = ::umask(022); // as most users have it: new files readable to all
    const auto restoreUmask = qScopeGuard([umaskBefore] { ::umask(umaskBefore); });
    // A saved URL may carry a token in its query: the settings file is the user's alone from the
    // moment it exists (a file QSettings makes is readable to all until chmod), and stays so when
    // another setting rewrites it.
    const auto ownerOnly = QFileDevice::ReadOwner | QFileDevice::WriteOwner;
    const auto permissions = [] { return QFile::permissions(QSettings().fileName()) & 0x7077; }; // owner, group, others
    QFile::remove(QSettings().fileName());
    QVERIFY(!QFile::exists(QSettings().fileName()));
    (void)Settings::appConfig(); // the start of the application
    QVERIFY(QFile::exists(QSettings().fileName()));
    QCOMPARE(permissions(), ownerOnly);
    QCOMPARE(QFileInfo(QSettings().fileName()).size(), 0); // made before anything is written into it
    Settings::addSource({ QStringLiteral("book"), QStringLiteral("ws://127.0.0.1:%1").arg(*firstPort), QString() });
    QCOMPARE(permissions(), ownerOnly);
    Settings::setTheme(QStringLiteral("dark"));
    QSettings().sync();
    QCOMPARE(permissions(), ownerOnly);
    Settings::setTheme(QString());
    // A file an earlier version left readable to all is made private at the next start.
    QVERIFY(QFile::setPermissions(QSettings().fileName(), ownerOnly | QFileDevice::ReadGroup | QFileDevice::ReadOther));
    AppConfig config = Settings::appConfig();
    QCOMPARE(permissions(), ownerOnly);
    QCOMPARE(config.sources.size(), std::size_t(1));
    config.storage = *StorageTarget::parse(m_dir.filePath(QStringLiteral("saved-sources.db")));
    config.demoDatabase.reset();
    AppController controller(config);
    QVERIFY(!controller.runsDemo()); // a saved source is enabled and the demo was never switched on
    MainWindow window(&controller);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    controller.start();
    auto *panel = window.findChild<SourcesPanel *>();
    const QString book = QStringLiteral("book");
    QTRY_COMPARE_WITH_TIMEOUT(sourceState(panel, book), QStringLiteral("live"), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(first.stats().value(QStringLiteral("connections_open")).toInt() == 1, 5000);

    // Edit: the dialog comes up filled in, the id cannot change; OK reconnects to the new URL.
    bool edited = false;
    QTimer::singleShot(0, &window, [&] {
        QTRY_VERIFY(QApplication::activeModalWidget());
        auto *dialog = qobject_cast<QDialog *>(QApplication::activeModalWidget());
        QVERIFY(dialog && dialog->objectName() == QLatin1String("sourceDialog"));
        auto *id = dialog->findChild<QLineEdit *>(QStringLiteral("sourceId"));
        auto *url = dialog->findChild<QLineEdit *>(QStringLiteral("sourceUrl"));
        QCOMPARE(id->text(), book);
        QVERIFY(id->isReadOnly());
        QCOMPARE(url->text(), QStringLiteral("ws://127.0.0.1:%1").arg(*firstPort));
        url->setText(secondUrl);
        dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok)->click();
        edited = true;
    });
    triggerOnSource(window, book, "sourceEdit");
    QVERIFY(edited);
    QCOMPARE(Settings::sources().front().url, secondUrl);
    QCOMPARE(Settings::appConfig().sources.front().url, QUrl(secondUrl));
    QTRY_COMPARE_WITH_TIMEOUT(sourceState(panel, book, SourceTableModel::Url), secondUrl, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(second.stats().value(QStringLiteral("connections_open")).toInt() == 1, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(sourceState(panel, book), QStringLiteral("live"), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(first.stats().value(QStringLiteral("connections_open")).toInt() == 0, 5000);

    triggerOnSource(window, book, "sourceDisable");
    QTRY_COMPARE_WITH_TIMEOUT(sourceState(panel, book), QStringLiteral("disabled"), 10000);
    QCOMPARE(Settings::sources().size(), std::size_t(1));
    QVERIFY(!Settings::sources().front().enabled);
    QVERIFY(Settings::appConfig().sources.empty()); // not started on the next start
    triggerOnSource(window, book, "sourceEnable");
    QTRY_COMPARE_WITH_TIMEOUT(sourceState(panel, book), QStringLiteral("live"), 10000);
    QVERIFY(Settings::sources().front().enabled);
    QCOMPARE(Settings::appConfig().sources.size(), std::size_t(1));
    triggerOnSource(window, book, "sourceRemove");
    QTRY_COMPARE_WITH_TIMEOUT(sourceState(panel, book), QString(), 10000); // gone from the panel at once
    QTRY_VERIFY_WITH_TIMEOUT(second.stats().value(QStringLiteral("connections_open")).toInt() == 0, 5000);
    QVERIFY(Settings::sources().empty());
    QVERIFY(window.statusBar()->currentMessage().contains(QLatin1String("stays in the database")));
    // Added again under the same id: listed and live again (the session still had it, stopped).
    QTimer::singleShot(0, &window, [&] {
        QTRY_VERIFY(QApplication::activeModalWidget());
        auto *dialog = qobject_cast<QDialog *>(QApplication::activeModalWidget());
        QVERIFY(dialog);
        dialog->findChild<QLineEdit *>(QStringLiteral("sourceId"))->setText(book);
        dialog->findChild<QLineEdit *>(QStringLiteral("sourceUrl"))->setText(secondUrl);
        dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok)->click();
    });
    const QList<QPushButton *> buttons = panel->findChildren<QPushButton *>();
    const auto add = std::find_if(
        buttons.begin(), buttons.end(), [](QPushButton *b) { return b->text() == QLatin1String("Add source..."); });
    QVERIFY(add != buttons.end());
    (*add)->click();
    QCOMPARE(Settings::sources().size(), std::size_t(1));
    QTRY_COMPARE_WITH_TIMEOUT(sourceState(panel, book), QStringLiteral("live"), 10000);

    bool stopped = false;
    QObject::connect(&controller, &AppController::stopped, [&stopped] { stopped = true; });
    controller.stop();
    QTRY_VERIFY_WITH_TIMEOUT(stopped, 15000);
}

void TestMainWindow::aSavedSourceThatCannotStartIsListedAndSaysWhy()
{
    // A saved source whose token file went away is not started without its token, and it does not
    // vanish either: it is listed as not started, the error log says which file, and once the file
    // is back Enable starts it.
    SimServerConfig sc;
    sc.rate = 500;
    SimServer sim(sc);
    const Result<quint16> port = sim.start();
    QVERIFY(port);
    forgetSavedSources();
    const QString tokenPath = m_dir.filePath(QStringLiteral("book.token"));
    const auto writeToken = [&tokenPath] {
        QFile f(tokenPath);
        return f.open(QIODevice::WriteOnly) && f.write("book-token\n") > 0;
    };
    const QString book = QStringLiteral("book");
    Settings::addSource({ book, QStringLiteral("ws://127.0.0.1:%1").arg(*port), tokenPath });
    QVERIFY(!QFile::exists(tokenPath));
    AppConfig config = Settings::appConfig();
    QVERIFY(config.sources.empty());
    config.storage = *StorageTarget::parse(m_dir.filePath(QStringLiteral("not-started.db")));
    config.demoDatabase.reset();
    AppController controller(config);
    MainWindow window(&controller);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    controller.start();
    auto *panel = window.findChild<SourcesPanel *>();
    const QString notStarted = QStringLiteral("not started (the error log says why; Edit to fix)");
    QCOMPARE(sourceState(panel, book), notStarted);
    const auto logged = [&window](const QString &text) {
        const ErrorLogModel &log = window.findChild<OddsTap::ErrorLogPanel *>()->model();
        int found = 0;
        for (int row = 0; row < log.rowCount(); ++row) {
            found += log.entryAt(row)->message.contains(text) ? 1 : 0;
        }
        return found;
    };
    const QString why = QStringLiteral("its token file '%1' cannot be read").arg(tokenPath);
    QCOMPARE(logged(why), 1);

    QVERIFY(writeToken());
    triggerOnSource(window, book, "sourceEnable");
    QTRY_COMPARE_WITH_TIMEOUT(sourceState(panel, book), QStringLiteral("live"), 10000);

    // Gone again: Disable, then Enable refuses it, says why in the log and the status line, and
    // keeps it listed.
    QVERIFY(QFile::remove(tokenPath));
    triggerOnSource(window, book, "sourceDisable");
    QTRY_COMPARE_WITH_TIMEOUT(sourceState(panel, book), QStringLiteral("disabled"), 10000);
    triggerOnSource(window, book, "sourceEnable");
    QTRY_COMPARE_WITH_TIMEOUT(sourceState(panel, book), notStarted, 10000);
    QCOMPARE(logged(why), 2);
    QVERIFY2(window.statusBar()->currentMessage().contains(why), qPrintable(window.statusBar()->currentMessage()));

    bool stopped = false;
    QObject::connect(&controller, &AppController::stopped, [&stopped] { stopped = true; });
    controller.stop();
    QTRY_VERIFY_WITH_TIMEOUT(stopped, 15000);
    forgetSavedSources();
}

void TestMainWindow::alertsFillTheAlertsPanelAndSelectTheirFixture()
{
    AppConfig config = DemoApp::demoConfig(m_dir.filePath(QStringLiteral("alerts.db")), QString());
    auto rules = parseAlertRules(R"({"rules":[{"name":"mover","type":"price_move","percent":1,"within_s":30,
        "cooldown_s":0},{"type":"big_bet","stake":100,"cooldown_s":0}]})");
    QVERIFY(rules);
    config.alertRules = *rules;
    config.alertRulesPath = QStringLiteral("/tmp/traders.json");
    QElapsedTimer running;
    running.start();
    DemoApp app(config);
    QVERIFY(QTest::qWaitForWindowExposed(app.window.get()));
    auto *panel = app.window->findChild<OddsTap::AlertsPanel *>();
    QVERIFY(panel);
    QCOMPARE(panel->findChild<QLabel *>(QStringLiteral("alertsHeader"))->text(),
        QStringLiteral("2 rules from traders.json"));
    QVERIFY(app.window->dock(QStringLiteral("alertsDock"))->isVisible()); // raised: rules were asked for
    QTRY_VERIFY_WITH_TIMEOUT(panel->model().rowCount() >= 5, 20000);
    // Newest on top, from the rules given.
    const Alert *top = panel->model().alertAt(0);
    QVERIFY(top && (top->rule == QLatin1String("mover") || top->rule == QLatin1String("big_bet")));
    QVERIFY(top->atMs >= panel->model().alertAt(panel->model().rowCount() - 1)->atMs);
    // Copied now: the row moves down (and at the cap, out) as newer alerts come.
    const QString sourceId = top->sourceId;
    const QString fixtureId = top->fixtureId;
    QVERIFY(app.window->statusBar()->currentMessage().startsWith(QLatin1String("Alert ")));
    // A desktop notification (on by default), at most one per 5 s however many alerts fire: the
    // first said how many there were and the newest.
    auto *notifier = app.window->findChild<OddsTap::AlertNotifier *>();
    QVERIFY(notifier && notifier->notifications() && !notifier->sound());
    QVERIFY(notifier->shown() >= 1);
    QVERIFY2(notifier->lastMessage().contains(QLatin1String("Alert ")), qPrintable(notifier->lastMessage()));
    QTRY_VERIFY_WITH_TIMEOUT(panel->model().rowCount() >= 20, 20000);
    QVERIFY2(notifier->shown() <= 1 + int(running.elapsed() / AlertNotifier::kQuietMs),
        qPrintable(QStringLiteral("%1 notifications in %2 ms").arg(notifier->shown()).arg(running.elapsed())));
    auto *notify = app.window->findChild<QAction *>(QStringLiteral("alert-notifications"));
    notify->trigger();
    QVERIFY(!notifier->notifications());
    QVERIFY(!Settings::alertNotifications());
    notify->trigger();
    QVERIFY(Settings::alertNotifications());
    // Activating an alert selects its fixture: the market panel shows it.
    auto *view = panel->findChild<QTableView *>(QStringLiteral("alertView"));
    QTRY_VERIFY_WITH_TIMEOUT(
        app.window->findChild<OddsTap::FixturesPanel *>()->model().rowOf(sourceId, fixtureId) >= 0, 10000);
    // Newer alerts came on top meanwhile: activate the row that now holds one of this fixture.
    int row = 0;
    while (row < panel->model().rowCount()
        && !(
            panel->model().alertAt(row)->fixtureId == fixtureId && panel->model().alertAt(row)->sourceId == sourceId)) {
        ++row;
    }
    QVERIFY(row < panel->model().rowCount());
    emit view->activated(view->model()->index(row, 0));
    QTRY_COMPARE_WITH_TIMEOUT(app.window->findChild<OddsTap::MarketPanel *>()->model().fixtureId(), fixtureId, 10000);
}

void TestMainWindow::comparisonShowsThreeBooksOfTheSelectedFixture()
{
    AppConfig config;
    config.demo = true;
    config.demoRate = 1500;
    config.demoFixtures = 20;
    config.demoBooks = 3;
    DemoApp app(config);
    QVERIFY(QTest::qWaitForWindowExposed(app.window.get()));
    QVERIFY(app.window->dock(QStringLiteral("compareDock"))->isVisible()); // raised: several books
    auto *fixtures = app.window->findChild<OddsTap::FixturesPanel *>();
    QTRY_VERIFY_WITH_TIMEOUT(fixtures->model().rowCount() >= 40, 20000); // 20 matches, three books each
    QTRY_VERIFY_WITH_TIMEOUT(app.window->findChild<OddsTap::SourcesPanel *>()->model().rowCount() == 3, 10000);
    QVERIFY(fixtures->selectLive());
    auto *panel = app.window->findChild<OddsTap::ComparisonPanel *>();
    const ComparisonModel &model = panel->model();
    // Every book prices the selected match: a column each, and a price from each on every row.
    QTRY_VERIFY_WITH_TIMEOUT(model.comparison() && model.comparison()->sources.size() == 3, 15000);
    QCOMPARE(model.columnCount(), 2 + 3 + ComparisonModel::TailCount);
    const std::vector<QString> books = model.comparison()->sources;
    const QString demo = app.controller->demoSourceId();
    for (const QString &book : QStringList { demo, demo + QStringLiteral("-book2"), demo + QStringLiteral("-book3") }) {
        QVERIFY2(std::find(books.begin(), books.end(), book) != books.end(), qPrintable(book));
        QCOMPARE(model.headerData(model.sourceColumn(book), Qt::Horizontal).toString(), book);
    }
    QVERIFY(model.rowCount() >= 2);
    // A market opening price by price may lack a book's price for a moment; then every book has one.
    QTRY_VERIFY_WITH_TIMEOUT(
        [&model] {
            for (int row = 0; row < model.rowCount(); ++row) {
                for (int c = 2; c < 5; ++c) {
                    if (model.index(row, c).data().toString() == QStringLiteral("–")) {
                        return false;
                    }
                }
            }
            return model.rowCount() > 0;
        }(),
        10000);
    QTRY_VERIFY_WITH_TIMEOUT(panel->findChild<QLabel *>(QStringLiteral("comparisonHeader"))
                                 ->text()
                                 .startsWith(QLatin1String("3 sources price it.")),
        5000);
    // The best is the highest fresh open price of the row, bold in its book's column, and the
    // average is that of the usable prices.
    int differing = 0;
    for (int row = 0; row < model.rowCount(); ++row) {
        double best = 0;
        double sum = 0;
        int usable = 0;
        int bestColumn = -1;
        for (int c = 2; c < 5; ++c) {
            const QModelIndex cell = model.index(row, c);
            if (cell.data(SuspendedRole).toBool() || cell.data().toString() == QStringLiteral("–")) {
                continue; // stale, suspended or not priced (a market that opened since): left out
            }
            const double price = cell.data(SortRole).toDouble();
            sum += price;
            ++usable;
            if (price > best) {
                best = price;
                bestColumn = c;
            }
        }
        differing += model.index(row, 2).data(SortRole) != model.index(row, 3).data(SortRole);
        if (usable == 0) {
            continue;
        }
        QCOMPARE(model.index(row, model.tailColumn(ComparisonModel::Best)).data(SortRole).toDouble(), best);
        QVERIFY(model.index(row, bestColumn).data(BestRole).toBool());
        QVERIFY(
            qAbs(model.index(row, model.tailColumn(ComparisonModel::Average)).data(SortRole).toDouble() - sum / usable)
            < 1e-9);
    }
    QVERIFY2(differing > 0, "the books quote independently: some prices differ");
}

void TestMainWindow::watchListWorkspacesAndDarkTheme()
{
    DemoApp app(m_dir.filePath(QStringLiteral("workspaces.db")));
    QVERIFY(QTest::qWaitForWindowExposed(app.window.get()));
    auto *fixtures = app.window->findChild<OddsTap::FixturesPanel *>();
    QTRY_VERIFY_WITH_TIMEOUT(fixtures->model().rowCount() >= 10, 20000);
    // Ctrl+D on the selected fixture watches it: a star, kept in the settings, and the
    // "★ Watched" button shows it alone.
    QVERIFY(fixtures->selectRow(2));
    const QModelIndex current = fixtures->view()->currentIndex();
    const QString key = current.data(KeyRole).toString();
    fixtures->view()->setFocus();
    QTest::keyClick(fixtures->view(), Qt::Key_D, Qt::ControlModifier);
    QCOMPARE(fixtures->watchList(), QSet<QString> { key });
    QCOMPARE(Settings::watchList(), QSet<QString> { key });
    QCOMPARE(fixtures->model()
                 .index(fixtures->model().rowOf(key.section(QChar(0x1f), 0, 0), key.section(QChar(0x1f), 1)),
                     FixtureTableModel::Watched)
                 .data()
                 .toString(),
        QStringLiteral("★"));
    auto *watchedOnly = fixtures->findChild<QToolButton *>(QStringLiteral("watchedOnly"));
    watchedOnly->click();
    QTRY_COMPARE(fixtures->view()->model()->rowCount(), 1);
    QCOMPARE(fixtures->view()->model()->index(0, 0).data(KeyRole).toString(), key);

    // A workspace keeps the layout, the filters, the watch list, the chart window and the rules.
    const QString rules = m_dir.filePath(QStringLiteral("desk.json"));
    {
        QFile f(rules);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"rules":[{"name":"any bet","type":"big_bet","stake":0.01,"cooldown_s":0}]})");
    }
    int loaded = -1; // the rules file is read off the GUI thread
    Workspaces::loadRules(app.window.get(), rules, [&loaded](bool ok) { loaded = ok ? 1 : 0; });
    QTRY_COMPARE(loaded, 1);
    auto *alerts = app.window->findChild<OddsTap::AlertsPanel *>();
    QCOMPARE(
        alerts->findChild<QLabel *>(QStringLiteral("alertsHeader"))->text(), QStringLiteral("1 rule from desk.json"));
    QTRY_VERIFY_WITH_TIMEOUT(alerts->model().rowCount() > 0, 10000); // the rules run in the session now
    app.window->findChild<OddsTap::ChartPanel *>()->setTimeWindow(1);
    Settings::saveWorkspace(Workspaces::capture(app.window.get(), QStringLiteral("desk")));
    // Change everything, then switch back.
    app.window->dock(QStringLiteral("logDock"))->close();
    watchedOnly->click();
    fixtures->setWatchList({});
    app.window->findChild<OddsTap::ChartPanel *>()->setTimeWindow(2);
    loaded = -1;
    Workspaces::loadRules(app.window.get(), QString(), [&loaded](bool ok) { loaded = ok ? 1 : 0; });
    QTRY_COMPARE(loaded, 1);
    QCOMPARE(app.controller->config().alertRules.size(), std::size_t(0));
    const std::vector<Settings::Workspace> saved = Settings::workspaces();
    QCOMPARE(saved.size(), std::size_t(1));
    loaded = -1;
    Workspaces::apply(app.window.get(), saved.front(), [&loaded](bool ok) { loaded = ok ? 1 : 0; });
    QTRY_COMPARE(loaded, 1);
    QVERIFY(app.window->dock(QStringLiteral("logDock"))->toggleViewAction()->isChecked());
    QVERIFY(fixtures->filters().watchedOnly);
    QCOMPARE(fixtures->watchList(), QSet<QString> { key });
    QCOMPARE(app.controller->config().watchList, QSet<QString> { key });
    QCOMPARE(app.window->findChild<OddsTap::ChartPanel *>()->timeWindow(), 1);
    QCOMPARE(app.controller->config().alertRulesPath, rules);
    QCOMPARE(app.controller->config().alertRules.size(), std::size_t(1));
    // A workspace whose rules file went bad: the rest applies, the reason is in the log.
    Settings::Workspace broken = saved.front();
    broken.rulesPath = m_dir.filePath(QStringLiteral("gone.json"));
    loaded = -1;
    QString shown; // the status bar as the load ends (alerts firing replace it soon after)
    Workspaces::apply(app.window.get(), broken, [&loaded, &shown, &app](bool ok) {
        loaded = ok ? 1 : 0;
        shown = app.window->statusBar()->currentMessage();
    });
    QTRY_COMPARE(loaded, 0);
    QVERIFY2(shown.contains(QLatin1String("Alert rules not loaded")), qPrintable(shown));
    QCOMPARE(app.controller->config().alertRulesPath, rules); // the rules in use stay
    Settings::removeWorkspace(QStringLiteral("desk"));
    QVERIFY(Settings::workspaces().empty());

    // File ▸ Edit alert rules: the rules in use, edited and saved, run from then on.
    app.window->findChild<QAction *>(QStringLiteral("editRules"))->trigger();
    OddsTap::RulesDialog *editor = nullptr;
    QTRY_VERIFY((editor = app.window->findChild<OddsTap::RulesDialog *>()) != nullptr);
    QVERIFY(editor->rules() == app.controller->config().alertRules);
    QCOMPARE(editor->path(), rules);
    editor->findChild<QPushButton *>(QStringLiteral("addRule"))->click(); // a price move, 5 % in 10 s
    const QString edited = m_dir.filePath(QStringLiteral("edited.json"));
    editor->setPath(edited);
    editor->findChild<QPushButton *>(QStringLiteral("saveRules"))->click();
    QTRY_COMPARE(app.controller->config().alertRulesPath, edited);
    QCOMPARE(app.controller->config().alertRules.size(), std::size_t(2));
    QCOMPARE(app.controller->config().alertRules.back().percent, 5.0);
    QCOMPARE(alerts->findChild<QLabel *>(QStringLiteral("alertsHeader"))->text(),
        QStringLiteral("2 rules from edited.json"));

    // View ▸ Theme ▸ Dark: a dark palette, and the charts follow it; System gives the original back.
    const QColor originalBase = QApplication::palette().color(QPalette::Base);
    auto *dark = app.window->findChild<QAction *>(QStringLiteral("theme-dark"));
    QVERIFY(dark);
    dark->trigger();
    QVERIFY(QApplication::palette().color(QPalette::Base).lightness() < 80);
    QCOMPARE(Settings::theme(), QStringLiteral("dark"));
    auto *chart = app.window->findChild<OddsTap::ChartPanel *>()->chart();
    QTRY_VERIFY(chart->chart()->backgroundBrush().color().lightness() < 80);
    app.window->findChild<QAction *>(QStringLiteral("theme-system"))->trigger();
    QCOMPARE(QApplication::palette().color(QPalette::Base), originalBase);
    QTRY_VERIFY(chart->chart()->backgroundBrush().color().lightness() > 128);
    QCOMPARE(Settings::theme(), QStringLiteral("system"));
}

void TestMainWindow::desktopWebhookPostsLiveAlerts()
{
    // An HTTP server written here: reads each request whole, answers 200, keeps the bodies.
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost));
    QList<QByteArray> bodies;
    connect(&server, &QTcpServer::newConnection, this, [&server, &bodies] {
        QTcpSocket *socket = server.nextPendingConnection();
        auto buffer = std::make_shared<QByteArray>();
        connect(socket, &QTcpSocket::readyRead, socket, [socket, buffer, &bodies] {
            *buffer += socket->readAll();
            for (;;) {
                const qsizetype headEnd = buffer->indexOf("\r\n\r\n");
                if (headEnd < 0) {
                    return;
                }
                const QByteArray head = buffer->left(headEnd).toLower();
                const qsizetype at = head.indexOf("content-length:");
                const qsizetype length =
                    at < 0 ? 0 : head.mid(at + 15, head.indexOf("\r\n", at) - at - 15).trimmed().toLongLong();
                if (buffer->size() < headEnd + 4 + length) {
                    return;
                }
                bodies << buffer->mid(headEnd + 4, length);
                buffer->remove(0, headEnd + 4 + length);
                socket->write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
            }
        });
    });
    AppConfig config = DemoApp::demoConfig(m_dir.filePath(QStringLiteral("webhook.db")), QString());
    auto rules = parseAlertRules(R"({"rules":[{"name":"any bet","type":"big_bet","stake":0.01,"cooldown_s":0}]})");
    QVERIFY(rules);
    config.alertRules = *rules;
    config.webhook = QUrl(QStringLiteral("http://127.0.0.1:%1/hook?token=secret").arg(server.serverPort()));
    DemoApp app(config);
    QVERIFY(QTest::qWaitForWindowExposed(app.window.get()));
    auto *panel = app.window->findChild<OddsTap::AlertsPanel *>();
    QTRY_VERIFY_WITH_TIMEOUT(bodies.size() >= 2, 20000);
    const QJsonObject first = QJsonDocument::fromJson(bodies.first()).object();
    const QJsonArray alerts = first.value(QStringLiteral("alerts")).toArray();
    QVERIFY2(!alerts.isEmpty(), bodies.first().left(300).constData());
    QCOMPARE(alerts.first().toObject().value(QStringLiteral("rule")).toString(), QStringLiteral("any bet"));
    QTRY_VERIFY_WITH_TIMEOUT(panel->model().rowCount() > 0, 5000); // the same alerts reach the window
}

void TestMainWindow::sourceDialogSavesTheMappingProfile()
{
    forgetSavedSources();
    const QString mapping = QStringLiteral(ODDSTAP_TEST_DATA_DIR "/mapping/acme.json");
    QWidget parent;
    QString firstError;
    QTimer::singleShot(0, &parent, [&] {
        QTRY_VERIFY(QApplication::activeModalWidget());
        auto *dialog = qobject_cast<QDialog *>(QApplication::activeModalWidget());
        QVERIFY(dialog && dialog->objectName() == QLatin1String("sourceDialog"));
        dialog->findChild<QLineEdit *>(QStringLiteral("sourceId"))->setText(QStringLiteral("acme"));
        dialog->findChild<QLineEdit *>(QStringLiteral("sourceUrl"))->setText(QStringLiteral("ws://127.0.0.1:9"));
        auto *profile = dialog->findChild<QComboBox *>(QStringLiteral("sourceProfile"));
        auto *file = dialog->findChild<QLineEdit *>(QStringLiteral("sourceMappingFile"));
        QVERIFY(profile && file);
        QVERIFY(!file->isEnabled()); // feed protocol v1 by default
        profile->setCurrentIndex(1);
        QVERIFY(file->isEnabled());
        file->setText(mapping + QStringLiteral(".missing"));
        auto *ok = dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok);
        ok->click(); // refused: the dialog stays, with the reason
        firstError = dialog->findChild<QLabel *>(QStringLiteral("sourceError"))->text();
        QVERIFY(dialog->isVisible());
        file->setText(mapping);
        ok->click();
    });
    const auto config = SourceDialog::ask(&parent);
    QVERIFY2(!firstError.isEmpty() && firstError.contains(QLatin1String(".missing")), qPrintable(firstError));
    QVERIFY(config);
    QCOMPARE(config->profile.kind, ProfileKind::JsonMapping);
    QCOMPARE(Settings::sources().size(), std::size_t(1));
    QCOMPARE(Settings::sources().front().profile, QStringLiteral("mapping:") + mapping);
    // What the next start runs: the saved profile, read again.
    const AppConfig next = Settings::appConfig();
    QCOMPARE(next.sources.size(), std::size_t(1));
    QCOMPARE(next.sources.front().profile.kind, ProfileKind::JsonMapping);
    forgetSavedSources();

    // A Betfair stream: its session token comes from the token file, which the dialog reads
    // before it checks the source.
    QTemporaryDir dir;
    const QString token = dir.filePath(QStringLiteral("session.txt"));
    {
        QFile f(token);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("session-token\n");
    }
    QTimer::singleShot(0, &parent, [&] {
        QTRY_VERIFY(QApplication::activeModalWidget());
        auto *dialog = qobject_cast<QDialog *>(QApplication::activeModalWidget());
        QVERIFY(dialog);
        dialog->findChild<QLineEdit *>(QStringLiteral("sourceId"))->setText(QStringLiteral("exchange"));
        dialog->findChild<QLineEdit *>(QStringLiteral("sourceUrl"))
            ->setText(QStringLiteral("betfair://127.0.0.1:9?marketIds=1.2"));
        dialog->findChild<QLineEdit *>(QStringLiteral("sourceTokenFile"))->setText(token);
        dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok)->click();
        if (dialog->isVisible()) { // refused: say why, and close
            firstError = dialog->findChild<QLabel *>(QStringLiteral("sourceError"))->text();
            dialog->reject();
        }
    });
    firstError.clear();
    qputenv("ODDSTAP_BETFAIR_APP_KEY", "app-key");
    const auto betfair = SourceDialog::ask(&parent);
    qunsetenv("ODDSTAP_BETFAIR_APP_KEY");
    QVERIFY2(betfair, qPrintable(firstError));
    QCOMPARE(betfair->token, QByteArray("session-token"));
    QCOMPARE(betfair->appKey, QByteArray("app-key"));
    forgetSavedSources();
}

void TestMainWindow::demoFeedIsASourceSwitchedOnAndOff()
{
    // A saved source that is disabled, and the demo never touched: the demo runs (no source is
    // enabled), and the disabled source is listed, not started.
    forgetSavedSources();
    SimServerConfig sc;
    sc.rate = 500;
    SimServer book(sc);
    const Result<quint16> port = book.start();
    QVERIFY(port);
    Settings::addSource({ QStringLiteral("book"), QStringLiteral("ws://127.0.0.1:%1").arg(*port), QString(), false });
    const auto run = [&](const std::function<void(AppController &, MainWindow &, SourcesPanel *)> &check) {
        AppConfig config = Settings::appConfig();
        config.storage = *StorageTarget::parse(m_dir.filePath(QStringLiteral("demo-switch.db")));
        config.demoDatabase = m_dir.filePath(QStringLiteral("demo-switch-own.db"));
        config.demoRate = 500;
        config.demoFixtures = 20;
        DemoApp app(config); // stopped when it goes
        check(*app.controller, *app.window, app.window->findChild<SourcesPanel *>());
    };
    const QString demo = QStringLiteral("demo");
    const QString bookId = QStringLiteral("book");
    run([&](AppController &controller, MainWindow &window, SourcesPanel *panel) {
        QVERIFY(controller.isDemo());
        QTRY_COMPARE_WITH_TIMEOUT(sourceState(panel, demo), QStringLiteral("live"), 10000);
        QCOMPARE(sourceState(panel, bookId), QStringLiteral("disabled"));
        QCOMPARE(book.stats().value(QStringLiteral("connections_open")).toInt(), 0);
        // Off: stopped now, still listed, and off on the next start.
        triggerOnSource(window, demo, "sourceDisable");
        QTRY_COMPARE_WITH_TIMEOUT(sourceState(panel, demo), QStringLiteral("off"), 10000);
        QCOMPARE(Settings::demoEnabled(), std::optional<bool>(false));
        QVERIFY(!Settings::appConfig().demo.value_or(true));
        // The demo cannot be removed or edited, and says so.
        triggerOnSource(window, demo, "sourceRemove");
        QVERIFY(window.statusBar()->currentMessage().contains(QLatin1String("cannot be removed")));
        QTRY_COMPARE_WITH_TIMEOUT(sourceState(panel, demo), QStringLiteral("off"), 10000);
        // The saved source comes on: it is started now.
        triggerOnSource(window, bookId, "sourceEnable");
        QTRY_COMPARE_WITH_TIMEOUT(sourceState(panel, bookId), QStringLiteral("live"), 10000);
    });
    run([&](AppController &controller, MainWindow &window, SourcesPanel *panel) {
        // Next start: the demo is off and listed as off; the saved source runs.
        QVERIFY(!controller.runsDemo());
        QTRY_COMPARE_WITH_TIMEOUT(sourceState(panel, bookId), QStringLiteral("live"), 10000);
        QCOMPARE(sourceState(panel, demo), QStringLiteral("off"));
        // On beside the source: the simulator starts; in a database that outlives the run the
        // demo's stream gets an id of its own.
        triggerOnSource(window, demo, "sourceEnable");
        QTRY_VERIFY_WITH_TIMEOUT(!controller.demoSourceId().isEmpty(), 10000);
        QVERIFY(controller.demoSourceId().startsWith(QLatin1String("demo-")));
        QTRY_COMPARE_WITH_TIMEOUT(sourceState(panel, controller.demoSourceId()), QStringLiteral("live"), 10000);
        QCOMPARE(sourceState(panel, demo), QString()); // one row for the demo
        QCOMPARE(Settings::demoEnabled(), std::optional<bool>(true));
    });
    run([&](AppController &controller, MainWindow &, SourcesPanel *panel) {
        // Switched on, it runs beside the saved source from the start.
        QVERIFY(controller.runsDemo() && !controller.isDemo());
        QTRY_VERIFY_WITH_TIMEOUT(!controller.demoSourceId().isEmpty(), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(sourceState(panel, controller.demoSourceId()), QStringLiteral("live"), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(sourceState(panel, bookId), QStringLiteral("live"), 10000);
    });
    forgetSavedSources();
}

void TestMainWindow::layoutAndSourcesSavedByAnEarlierVersionLoad()
{
    // tests/ui/data/settings-before-panels.conf was written by the version before the panels
    // moved out of MainWindow (commit b9e6395): two sources added, a PostgreSQL storage target,
    // the Health dock moved to the right and the Bets dock closed. After the upgrade a user's
    // window looks as they left it and their sources come back.
    QTemporaryDir config;
    QVERIFY(config.isValid());
    QVERIFY(QDir(config.path()).mkpath(QStringLiteral("OddsTapTest")));
    QVERIFY(QFile::copy(QFINDTESTDATA("data/settings-before-panels.conf"),
        config.filePath(QStringLiteral("OddsTapTest/tst_mainwindow.conf"))));
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, config.path());

    const std::vector<Settings::Source> saved = Settings::sources();
    QCOMPARE(saved.size(), std::size_t(2));
    QCOMPARE(saved[0].id, QStringLiteral("book-a"));
    QCOMPARE(saved[0].url, QStringLiteral("wss://feed.example.com/v1"));
    QCOMPARE(saved[1].id, QStringLiteral("book-b"));
    // book-a's token file is not on this machine: it is not started without its token (a 401
    // later, with no word of the file), the user is told which file is missing.
    const AppConfig app = Settings::appConfig();
    QCOMPARE(app.sources.size(), std::size_t(1));
    QCOMPARE(app.sources[0].sourceId, QStringLiteral("book-b"));
    QCOMPARE(app.sources[0].url, QUrl(QStringLiteral("ws://127.0.0.1:9000")));
    QCOMPARE(app.settingsProblems.size(), 1);
    QVERIFY2(app.settingsProblems.first().contains(
                 QLatin1String("'book-a' (wss://feed.example.com/v1) cannot be started: its token file "
                               "'/home/trader/.config/oddstap/book-a.token' cannot be read: ")),
        qPrintable(app.settingsProblems.first()));
    QVERIFY(app.storage && app.storage->kind == StorageTarget::Kind::Postgres);
    QCOMPARE(app.storage->url, QStringLiteral("postgresql://oddstap@db.example.com:5432/oddstap"));

    MainWindow w;
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QCOMPARE(w.dockWidgetArea(w.dock(QStringLiteral("healthDock"))), Qt::RightDockWidgetArea);
    QVERIFY(w.dock(QStringLiteral("betsDock"))->isHidden());
    for (const char *name : { "fixturesDock", "sourcesDock", "marketDock", "logDock", "healthDock" }) {
        QVERIFY2(!w.dock(QLatin1String(name))->isHidden(), name);
    }
    QCOMPARE(w.dockWidgetArea(w.dock(QStringLiteral("fixturesDock"))), Qt::LeftDockWidgetArea);
}

void TestMainWindow::aSettingsFileThatListsBillionsIsReadInPart()
{
    // A settings file handed over (or damaged) that says it lists two billion sources and
    // workspaces: the window once allocated for each until it crashed.
    {
        QSettings s;
        s.setValue(QStringLiteral("sources/size"), 2000000000);
        s.setValue(QStringLiteral("sources/1/id"), QStringLiteral("one"));
        s.setValue(QStringLiteral("sources/1/url"), QStringLiteral("ws://127.0.0.1:1"));
        s.setValue(QStringLiteral("workspaces/size"), 2000000000);
        s.setValue(QStringLiteral("workspaces/1/name"), QStringLiteral("w"));
    }
    QElapsedTimer t;
    t.start();
    const std::vector<Settings::Source> sources = Settings::sources();
    const std::vector<Settings::Workspace> workspaces = Settings::workspaces();
    QCOMPARE(sources.size(), std::size_t(1));
    QCOMPARE(sources.front().id, QStringLiteral("one"));
    QCOMPARE(workspaces.size(), std::size_t(1));
    QVERIFY2(t.elapsed() < 10000, qPrintable(QString::number(t.elapsed())));
    QSettings().remove(QStringLiteral("sources"));
    QSettings().remove(QStringLiteral("workspaces"));

    // A saved database that is refused: said at start, never silently "nowhere", no password shown.
    Settings::setStorageTarget(QStringLiteral("postgresql://bob@127.0.0.1:1/odds?password=qsecret"));
    const AppConfig config = Settings::appConfig();
    Settings::setStorageTarget(QString());
    QVERIFY(!config.storage);
    QCOMPARE(config.settingsProblems.size(), 1);
    QVERIFY2(config.settingsProblems.front().contains(QLatin1String("the saved database cannot be used")),
        qPrintable(config.settingsProblems.front()));
    QVERIFY(!config.settingsProblems.front().contains(QLatin1String("qsecret")));
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"

// SPDX-License-Identifier: MIT
// The main flows, offscreen, with the real pipeline: the demo simulator, the session on its
// thread, a real SQLite file. Start on the demo feed, select a fixture, see its market and chart
// fill (live and from the database), a rejected frame in the error log, disconnect and reconnect.
#include <core/common/version.h>
#include <ui/appcontroller.h>
#include <ui/charts/oddschart.h>
#include <ui/mainwindow.h>

#include <QDockWidget>
#include <QPushButton>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include <functional>

using namespace OddsTap;

namespace {

bool waitFor(const std::function<bool()> &done, int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (!done() && !deadline.hasExpired()) {
        QTest::qWait(20);
    }
    return done();
}

struct DemoApp
{
    std::unique_ptr<AppController> controller;
    std::unique_ptr<MainWindow> window;

    DemoApp(const QString &db, const QString &faults = {})
    {
        AppConfig config;
        config.storage = *StorageTarget::parse(db);
        config.demoRate = 1500;
        config.demoFixtures = 40;
        if (!faults.isEmpty()) {
            config.demoFaults = *FaultPlan::parse(faults);
        }
        controller = std::make_unique<AppController>(config);
        window = std::make_unique<MainWindow>(controller.get());
        window->show();
        controller->start();
    }
    ~DemoApp()
    {
        bool stopped = false;
        QObject::connect(controller.get(), &AppController::stopped, [&stopped] { stopped = true; });
        controller->stop();
        waitFor([&] { return stopped; }, 15000);
        window.reset();
        controller.reset();
    }
    bool selectLiveFixture()
    {
        QAbstractItemModel *m = window->fixtureView()->model();
        for (int row = 0; row < m->rowCount(); ++row) {
            if (m->index(row, FixtureTableModel::Status).data().toString() == QLatin1String("live")) {
                return window->selectFixtureRow(row);
            }
        }
        return window->selectFixtureRow(0);
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
    void demoFeedFillsFixturesMarketAndChart();
    void rejectedFrameAppearsInTheErrorLog();
    void disconnectAndReconnectASource();

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
    QVERIFY(w.oddsChart());
}

void TestMainWindow::demoFeedFillsFixturesMarketAndChart()
{
    DemoApp app(m_dir.filePath(QStringLiteral("demo.db")));
    QVERIFY(QTest::qWaitForWindowExposed(app.window.get()));
    QVERIFY(app.controller->isDemo());
    QVERIFY(waitFor([&] { return app.window->fixtureModel().rowCount() >= 10; }, 20000));
    // Let some history reach the database first, so the chart has a past to load.
    QTest::qWait(1500);
    QVERIFY(app.selectLiveFixture());
    QVERIFY(waitFor([&] { return app.window->marketModel().rowCount() > 0; }, 10000));
    const QString fixtureId = app.window->marketModel().fixtureId();
    QVERIFY(!fixtureId.isEmpty());
    // The chart fills: from the database (the past) and live points.
    QVERIFY(waitFor([&] { return app.window->oddsChart()->drawnPoints() > 2; }, 10000));
    QVERIFY(waitFor([&] { return app.window->priceHistory().pointCount() >= 5; }, 10000));
    QCOMPARE(app.window->priceHistory().fixtureId(), fixtureId);
    // Snapshots arrive at about 10 Hz and the GUI thread keeps up.
    const quint64 before = app.window->snapshotsApplied();
    QTest::qWait(1000);
    const quint64 perSecond = app.window->snapshotsApplied() - before;
    QVERIFY2(perSecond >= 3 && perSecond <= 15, qPrintable(QString::number(perSecond))); // 10 Hz, loaded CI
    QVERIFY(app.window->lastMetrics().received > 0);
    QVERIFY(app.window->betModel().rowCount() > 0);
    QVERIFY(app.window->sourceModel().rowCount() == 1);
}

void TestMainWindow::rejectedFrameAppearsInTheErrorLog()
{
    DemoApp app(m_dir.filePath(QStringLiteral("rejects.db")), QStringLiteral("malformed=0.01"));
    auto findReject = [&]() -> const LogEntry * {
        for (int row = 0; row < app.window->logModel().rowCount(); ++row) {
            const LogEntry *e = app.window->logModel().entryAt(row);
            if (e->kind == QLatin1String("reject")) {
                return e;
            }
        }
        return nullptr;
    };
    QVERIFY(waitFor([&] { return findReject() != nullptr; }, 20000));
    const LogEntry *e = findReject();
    QVERIFY(!e->code.isEmpty());
    QVERIFY(!e->message.isEmpty());
    QVERIFY(!e->raw.isEmpty()); // the raw text, copyable from the log
    QVERIFY(app.window->lastMetrics().rejected > 0);
}

void TestMainWindow::disconnectAndReconnectASource()
{
    DemoApp app(m_dir.filePath(QStringLiteral("reconnect.db")));
    SourceTableModel &sources = app.window->sourceModel();
    QVERIFY(waitFor([&] { return sources.rowCount() == 1 && sources.sourceAt(0)->lastSeq > 100; }, 20000));
    auto *disconnect = app.window->findChild<QPushButton *>(QStringLiteral("disconnectSource"));
    auto *connect = app.window->findChild<QPushButton *>(QStringLiteral("connectSource"));
    QVERIFY(disconnect && connect);
    QTest::mouseClick(disconnect, Qt::LeftButton);
    QVERIFY(waitFor(
        [&] {
            return sources.index(0, SourceTableModel::State).data().toString()
                == QLatin1String("disconnected (by you)");
        },
        10000));
    const quint64 held = sources.sourceAt(0)->lastSeq;
    QTest::qWait(400);
    QCOMPARE(sources.sourceAt(0)->lastSeq, held); // nothing arrives while disconnected
    QTest::mouseClick(connect, Qt::LeftButton);
    QVERIFY(waitFor(
        [&] {
            return sources.index(0, SourceTableModel::State).data().toString() == QLatin1String("live")
                && sources.sourceAt(0)->lastSeq > held + 100;
        },
        15000));
    QCOMPARE(sources.sourceAt(0)->gaps, quint64(0)); // resumed after what it held
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"

// SPDX-License-Identifier: MIT
// A Betfair stream file in the replay window, offscreen, with the real pipeline: played at 10x
// from a minute before the race, the fixture, its market, the ladder and the chart fill as they
// would live, and the ladder's numbers are the market's book at that moment.
#include <core/session/appcontroller.h>
#include <ui/charts/oddschart.h>
#include <ui/mainwindow.h>
#include <ui/panels/chartpanel.h>
#include <ui/panels/fixturespanel.h>
#include <ui/panels/ladderpanel.h>
#include <ui/panels/marketpanel.h>
#include <ui/recordingcontrols.h>

#include <QDockWidget>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using namespace OddsTap;

class TestBetfairReplay : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("OddsTapTest"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_betfairreplay"));
        registerMetaTypes();
    }
    void raceReplayedAtTenTimesFillsEveryView();
};

void TestBetfairReplay::raceReplayedAtTenTimesFillsEveryView()
{
    AppConfig config;
    config.replayPath = QStringLiteral(ODDSTAP_TEST_DATA_DIR "/betfair/racing-place-SELF-1.181223995.ndjson.gz");
    AppController controller(config);
    MainWindow window(&controller);
    window.resize(1280, 800);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QSignalSpy loaded(&controller, &AppController::replayLoaded);
    QSignalSpy snapshots(&controller, &AppController::snapshotReady);
    controller.start();
    QVERIFY(controller.isReplay());
    QTRY_VERIFY_WITH_TIMEOUT(loaded.count() == 1 && snapshots.count() > 0, 20000);
    QVERIFY2(loaded.first().first().toString().isEmpty(), qPrintable(loaded.first().first().toString()));
    // The race is off at 16:20 UTC; start a minute before, at ten times the recorded pace.
    constexpr qint64 kOffMs = 1617121200000;
    controller.setReplaySpeed(10);
    controller.seekReplay((kOffMs - 60000) * 1000000);

    auto *fixtures = window.findChild<FixturesPanel *>();
    auto *market = window.findChild<MarketPanel *>();
    auto *ladder = window.findChild<LadderPanel *>();
    auto *chart = window.findChild<ChartPanel *>();
    QVERIFY(fixtures && market && ladder && chart);
    QTRY_VERIFY_WITH_TIMEOUT(fixtures->model().rowCount() == 1, 20000);
    QVERIFY(fixtures->selectRow(0));
    // The market: every runner of the PLACE market with its last traded price.
    QTRY_VERIFY_WITH_TIMEOUT(market->model().rowCount() >= 8, 20000);
    // The ladder dock shows itself once books arrive, with the runners and the chosen one's book.
    auto *ladderDock = window.findChild<QDockWidget *>(QStringLiteral("ladderDock"));
    QVERIFY(ladderDock);
    QTRY_VERIFY_WITH_TIMEOUT(ladderDock->isVisible(), 20000);
    QTRY_VERIFY_WITH_TIMEOUT(ladder->runners().rowCount() >= 8, 20000);
    QCOMPARE(ladder->runners().market(), QStringLiteral("PLACE"));
    QTRY_VERIFY_WITH_TIMEOUT(ladder->ladder().ladder().has_value(), 20000);
    const PriceLadder book = *ladder->ladder().ladder();
    QVERIFY(!book.back.empty() || !book.lay.empty());
    // Each price on the book is on its row of the tick ladder, with its money.
    const LadderModel &lm = ladder->ladder();
    QCOMPARE(lm.rowCount(), 350);
    if (!book.back.empty()) {
        const int row = lm.rowOf(book.back.front().price);
        QCOMPARE(lm.index(row, LadderModel::Price).data().toDouble(), book.back.front().price);
        QCOMPARE(lm.index(row, LadderModel::Back).data(SideRole).toInt(), -1);
        QVERIFY(!lm.index(row, LadderModel::Back).data().toString().isEmpty());
    }
    if (!book.lay.empty() && !book.back.empty()) {
        QVERIFY(book.back.front().price < book.lay.front().price);
    }
    // Up and Down choose the runner: the ladder follows.
    const QString first = book.selection;
    auto *runnerView = ladder->findChild<QTableView *>(QStringLiteral("ladderRunnerView"));
    QVERIFY(runnerView);
    runnerView->setFocus();
    QTest::keyClick(runnerView, Qt::Key_Down);
    QTRY_VERIFY_WITH_TIMEOUT(ladder->ladder().ladder() && ladder->ladder().ladder()->selection != first, 5000);
    // The chart draws the selected fixture's prices.
    QTRY_VERIFY_WITH_TIMEOUT(chart->chart()->drawnPoints() > 0, 20000);
    // As the race runs, prices move and the books with them: the chosen runner's book changes.
    const PriceLadder before = *ladder->ladder().ladder();
    QTRY_VERIFY_WITH_TIMEOUT(*ladder->ladder().ladder() != before, 30000);

    // Recording a Betfair replay is refused with the reason (a capture file would not say which
    // profile its frames need), and no file is left behind.
    auto *recording = window.findChild<RecordingControls *>();
    QVERIFY(recording);
    QSignalSpy finished(&controller, &AppController::recordingFinished);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("race.odtc"));
    QVERIFY(recording->start(path));
    QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1, 10000);
    QVERIFY2(finished.first().at(2).toString().contains(QLatin1String("is a Betfair stream file")),
        qPrintable(finished.first().at(2).toString()));
    QVERIFY(!QFile::exists(path));
}

QTEST_MAIN(TestBetfairReplay)
#include "tst_betfairreplay.moc"

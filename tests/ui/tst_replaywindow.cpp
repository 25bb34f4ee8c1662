// SPDX-License-Identifier: MIT
// Record and replay in the GUI, offscreen, with the real pipeline: a replay window driven by its
// transport bar (pause, step, speed, seek back on the time line, loop) over a capture file with a
// disconnect and malformed frames; the record button and the ring on the live demo feed.
#include <core/alerts/backtest.h>
#include <core/common/timeutil.h>
#include <core/replay/capturefile.h>
#include <core/session/appcontroller.h>
#include <core/sim/feedgenerator.h>
#include <ui/mainwindow.h>
#include <ui/panels/betspanel.h>
#include <ui/panels/chartpanel.h>
#include <ui/panels/errorlogpanel.h>
#include <ui/panels/fixturespanel.h>
#include <ui/panels/marketpanel.h>
#include <ui/panels/sourcespanel.h>
#include <ui/replaybar.h>
#include <ui/workspaces.h>

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QLabel>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

#include <algorithm>
#include <functional>

using namespace OddsTap;

namespace {

constexpr int kFrames = 6000;
constexpr int kMalformed = 6;

/// Waits until the window has taken `n` more snapshots (about 100 ms each): time passing that the
/// views have seen, for checks that something did not change.
bool snapshotsPass(const MainWindow &window, quint64 n)
{
    const quint64 target = window.snapshotsApplied() + n;
    return QTest::qWaitFor([&] { return window.snapshotsApplied() >= target; }, 10000);
}

/// 6,000 frames 1 ms apart (6 s), a disconnect and a second connection half-way, and a few
/// malformed frames: what a QA engineer's capture looks like, small.
bool makeCapture(const QString &path, qint64 &firstWallNs)
{
    CaptureHeader header;
    header.oddstapVersion = QStringLiteral("test");
    header.startedAtMs = wallClockMs();
    header.sources = { { QStringLiteral("book"), QStringLiteral("ws://127.0.0.1:1") } };
    auto writer = CaptureWriter::create(path, header);
    if (!writer) {
        return false;
    }
    GeneratorConfig g;
    g.seed = 3;
    g.fixtures = 20;
    g.clockBaseMs = header.startedAtMs;
    FeedGenerator gen(g);
    const qint64 wall0 = header.startedAtMs * 1000000;
    firstWallNs = wall0;
    const auto connection = [&](quint32 n, SourceState state, qint64 wallNs, const QString &reason = {}) {
        ConnectionEvent e;
        e.sourceId = QStringLiteral("book");
        e.connection = n;
        e.state = state;
        e.reason = reason;
        e.atMs = wallNs / 1000000;
        (*writer)->addConnectionEvent(e);
    };
    quint32 conn = 1;
    for (const SourceState s : { SourceState::Connecting, SourceState::Connected, SourceState::Subscribed }) {
        connection(conn, s, wall0);
    }
    for (int i = 0; i < kFrames; ++i) {
        const qint64 t = qint64(i) * 1000000;
        if (i == kFrames / 2) {
            connection(conn, SourceState::Disconnected, wall0 + t, QStringLiteral("test: dropped"));
            ++conn;
            for (const SourceState s : { SourceState::Connecting, SourceState::Connected, SourceState::Subscribed }) {
                connection(conn, s, wall0 + t);
            }
        }
        RawFrame f;
        f.wallNs = wall0 + t;
        f.monoNs = 5000000000 + t;
        f.connection = conn;
        if (i % (kFrames / kMalformed) == 100) {
            f.bytes = "{\"type\":\"odds\",\"seq\":";
            (*writer)->addFrame(QStringLiteral("book"), f);
        }
        f.bytes = gen.next().json;
        (*writer)->addFrame(QStringLiteral("book"), f);
    }
    return bool((*writer)->finish(wallClockMs()));
}

} // namespace

class TestReplayWindow : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("OddsTapTest"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_replaywindow"));
        registerMetaTypes();
        QVERIFY(m_dir.isValid());
    }
    void transportBarDrivesTheReplay();
    void seekBackStandsAtTheChosenMoment_data();
    void seekBackStandsAtTheChosenMoment();
    void recordButtonAndRingOnTheLiveFeed();
    void alertRulesMarkTheTimeLineWhereTheyFire();
    void theSpeedBoxShowsTheSpeedTheReplayRunsAt();

private:
    QTemporaryDir m_dir;
};

void TestReplayWindow::transportBarDrivesTheReplay()
{
    const QString path = m_dir.filePath(QStringLiteral("session.odtc"));
    qint64 startNs = 0;
    QVERIFY(makeCapture(path, startNs));
    AppConfig config;
    config.replayPath = path;
    AppController controller(config);
    MainWindow window(&controller);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QSignalSpy resets(&controller, &AppController::viewsReset);
    controller.start();
    QVERIFY(controller.isReplay());
    ReplayBar *bar = window.replayBar();
    QVERIFY(bar);
    QVERIFY(window.windowTitle().contains(QLatin1String("replay of session.odtc")));

    // The time line knows the capture: the disconnect and the reject bursts are marked.
    QTRY_VERIFY_WITH_TIMEOUT(bar->timeline()->markerCount() >= 2, 10000);
    // The views fill as live.
    QTRY_VERIFY_WITH_TIMEOUT(window.findChild<OddsTap::FixturesPanel *>()->model().rowCount() > 0, 10000);
    QVERIFY(window.findChild<OddsTap::FixturesPanel *>()->selectLive());
    QTRY_VERIFY_WITH_TIMEOUT(window.findChild<OddsTap::MarketPanel *>()->model().rowCount() > 0, 10000);

    // Pause: nothing moves.
    QTest::mouseClick(bar->playButton(), Qt::LeftButton);
    QVERIFY(bar->isPaused());
    QVERIFY(snapshotsPass(window, 4)); // the pause has reached the views
    const quint64 paused = window.lastReplayPosition()->frames;
    QVERIFY(paused > 0 && paused < quint64(kFrames));
    QVERIFY(snapshotsPass(window, 6));
    QCOMPARE(window.lastReplayPosition()->frames, paused);

    // Step: one more frame, then paused again.
    QTest::mouseClick(bar->stepButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(window.lastReplayPosition()->frames == paused + 1, 5000);
    QVERIFY(snapshotsPass(window, 3));
    QCOMPARE(window.lastReplayPosition()->frames, paused + 1);

    // As fast as possible, to the end; the views hold the end state.
    bar->speedCombo()->setCurrentIndex(bar->speedCombo()->findData(0.0));
    QTest::mouseClick(bar->playButton(), Qt::LeftButton);
    QVERIFY(!bar->isPaused());
    QTRY_VERIFY_WITH_TIMEOUT(window.lastReplayPosition()->finished, 15000);
    QCOMPARE(window.lastReplayPosition()->frames, quint64(kFrames + kMalformed));
    QTRY_VERIFY_WITH_TIMEOUT(window.lastMetrics().rejected == quint64(kMalformed), 5000);
    QVERIFY(bar->isPaused());
    QCOMPARE(resets.count(), 0);

    // Seek back on the time line at 1x: the replay starts over into a fresh database and stands
    // at the chosen moment, the views rebuilt from there.
    bar->speedCombo()->setCurrentIndex(bar->speedCombo()->findData(1.0));
    QTest::mouseClick(bar->playButton(), Qt::LeftButton); // play at the end starts from the start
    ReplayTimeline *timeline = bar->timeline();
    const int x = timeline->xOf(startNs + 1000000000); // 1 s in
    const qint64 target = timeline->timeAt(x);
    QTest::mouseClick(timeline, Qt::LeftButton, {}, QPoint(x, timeline->height() / 2));
    const auto seeked = [&] {
        const auto &p = window.lastReplayPosition();
        return resets.count() >= 1 && p && !p->finished && p->positionWallNs >= target && p->frames < quint64(kFrames);
    };
    QTRY_VERIFY_WITH_TIMEOUT(seeked(), 15000);
    QVERIFY(window.findChild<OddsTap::FixturesPanel *>()->model().rowCount() > 0);
    QTRY_VERIFY_WITH_TIMEOUT(
        window.findChild<OddsTap::MarketPanel *>()->model().rowCount() > 0, 10000); // same fixture, watched again

    // Loop: at the end it starts over by itself.
    const int resetsBefore = int(resets.count());
    bar->loopBox()->setChecked(true);
    bar->speedCombo()->setCurrentIndex(bar->speedCombo()->findData(0.0));
    QTRY_VERIFY_WITH_TIMEOUT(resets.count() > resetsBefore, 15000);
    QVERIFY(bar->positionText().contains(QLatin1String("/")));

    bool stopped = false;
    QObject::connect(&controller, &AppController::stopped, [&stopped] { stopped = true; });
    bar->loopBox()->setChecked(false);
    controller.stop();
    QTRY_VERIFY_WITH_TIMEOUT(stopped, 15000);
}

void TestReplayWindow::seekBackStandsAtTheChosenMoment_data()
{
    QTest::addColumn<bool>("playing");
    QTest::addColumn<int>("targetMs");
    QTest::newRow("while paused at 1x") << false << 2500;
    QTest::newRow("while playing at 2x") << true << 4500;
}

void TestReplayWindow::seekBackStandsAtTheChosenMoment()
{
    QFETCH(bool, playing);
    QFETCH(int, targetMs);
    const QString path = m_dir.filePath(QStringLiteral("seek-%1.odtc").arg(targetMs));
    qint64 startNs = 0;
    QVERIFY(makeCapture(path, startNs));
    AppConfig config;
    config.replayPath = path;
    AppController controller(config);
    MainWindow window(&controller);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QSignalSpy resets(&controller, &AppController::viewsReset);
    // Every position the views are given after the last restart.
    std::vector<ReplayPosition> sinceReset;
    QObject::connect(&controller, &AppController::viewsReset, [&] { sinceReset.clear(); });
    QObject::connect(&controller, &AppController::snapshotReady, [&](const SnapshotPtr &s) {
        if (s->replay) {
            sinceReset.push_back(*s->replay);
        }
    });
    controller.start();
    ReplayBar *bar = window.replayBar();
    bar->speedCombo()->setCurrentIndex(bar->speedCombo()->findData(0.0));
    QTRY_VERIFY_WITH_TIMEOUT(window.lastReplayPosition() && window.lastReplayPosition()->finished, 15000);
    QTRY_COMPARE_WITH_TIMEOUT(window.lastMetrics().rejected, quint64(kMalformed), 5000);
    auto *log = window.findChild<ErrorLogPanel *>();
    const auto rejectsInLog = [&] {
        quint64 n = 0;
        for (int r = 0; r < log->model().rowCount(); ++r) {
            if (log->model().entryAt(r)->kind == LogKind::Reject) {
                n += log->model().countAt(r);
            }
        }
        return n;
    };
    QTRY_COMPARE_WITH_TIMEOUT(rejectsInLog(), quint64(kMalformed), 5000);

    bar->speedCombo()->setCurrentIndex(bar->speedCombo()->findData(playing ? 2.0 : 1.0));
    QTest::mouseClick(bar->playButton(), Qt::LeftButton); // at the end: from the start, playing
    QTRY_VERIFY_WITH_TIMEOUT(resets.count() == 1 && !sinceReset.empty() && sinceReset.back().frames > 0, 10000);
    QVERIFY(!bar->isPaused());
    // Forward past the target first (a forward seek goes on in the same run).
    ReplayTimeline *timeline = bar->timeline();
    const int beyond = timeline->xOf(startNs + qint64(targetMs + 1000) * 1000000);
    QTest::mouseClick(timeline, Qt::LeftButton, {}, QPoint(beyond, timeline->height() / 2));
    QTRY_VERIFY_WITH_TIMEOUT(sinceReset.back().positionWallNs >= timeline->timeAt(beyond), 10000);
    QCOMPARE(resets.count(), 1);
    if (!playing) {
        QTest::mouseClick(bar->playButton(), Qt::LeftButton);
        QVERIFY(bar->isPaused());
    }
    const int resetsBefore = int(resets.count());
    const int x = timeline->xOf(startNs + qint64(targetMs) * 1000000);
    const qint64 target = timeline->timeAt(x);
    QTest::mouseClick(timeline, Qt::LeftButton, {}, QPoint(x, timeline->height() / 2));
    QTRY_VERIFY_WITH_TIMEOUT(int(resets.count()) == resetsBefore + 1, 10000);
    // Everything recorded before the target has been replayed (frames are 1 ms apart).
    const qint64 there = target - 2000000;
    QTRY_VERIFY_WITH_TIMEOUT(!sinceReset.empty() && sinceReset.back().positionWallNs > there, 10000);
    // It went there: no position of the new run stood between the start and the target, other
    // than on the way (said as such).
    for (const ReplayPosition &p : sinceReset) {
        QVERIFY2(p.frames == 0 || p.positionWallNs > there || p.seekingToWallNs == target,
            qPrintable(
                QStringLiteral("at %1 ms with %2 frames").arg((p.positionWallNs - startNs) / 1000000).arg(p.frames)));
    }
    QVERIFY(window.findChild<FixturesPanel *>()->model().rowCount() > 0);
    if (playing) {
        // Where it landed, it plays on at the speed it had. The capture ends 0.75 s after the
        // target at 2x, so the bar may be paused at the end by now on a busy machine: the landing
        // position is what says it went on playing.
        const auto landing = std::find_if(sinceReset.begin(), sinceReset.end(),
            [there](const ReplayPosition &p) { return p.frames > 0 && p.positionWallNs > there; });
        QVERIFY(landing != sinceReset.end());
        QCOMPARE(landing->speed, 2.0);
        QVERIFY(landing->playing || landing->finished);
        QVERIFY(landing->finished || !bar->isPaused() || sinceReset.back().finished);
        if (!landing->finished) {
            const qint64 landed = landing->positionWallNs;
            QTRY_VERIFY_WITH_TIMEOUT(sinceReset.back().positionWallNs > landed, 5000); // and plays on
        }
    } else {
        QVERIFY(bar->isPaused());
        // Rejects at 0.1, 1.1 and 2.1 s: the log and the counters hold those, not the later ones.
        QTRY_COMPARE_WITH_TIMEOUT(window.lastMetrics().rejected, quint64(3), 5000);
        QTRY_COMPARE_WITH_TIMEOUT(rejectsInLog(), quint64(3), 5000);
        QVERIFY(bar->positionText().startsWith(QLatin1String("00:02.")));
        const quint64 frames = sinceReset.back().frames;
        QVERIFY(snapshotsPass(window, 4));
        QCOMPARE(sinceReset.back().frames, frames); // still paused there
    }

    bool stopped = false;
    QObject::connect(&controller, &AppController::stopped, [&stopped] { stopped = true; });
    controller.stop();
    QTRY_VERIFY_WITH_TIMEOUT(stopped, 15000);
}

void TestReplayWindow::alertRulesMarkTheTimeLineWhereTheyFire()
{
    const QString path = m_dir.filePath(QStringLiteral("alerts.odtc"));
    qint64 startNs = 0;
    QVERIFY(makeCapture(path, startNs));
    auto rules = parseAlertRules(R"({"rules":[{"name":"big","type":"big_bet","stake":100,"cooldown_s":0}]})");
    QVERIFY(rules);
    // What the back-test of the capture finds: the time line must show exactly these.
    std::vector<qint64> expected;
    const auto found = backtestRecording(
        { path }, *rules, {}, nullptr, [&](const Alert &a) { expected.push_back(a.receivedAtMs * 1000000); });
    QVERIFY(found);
    QVERIFY(expected.size() >= 5);
    AppConfig config;
    config.replayPath = path;
    config.alertRules = *rules;
    config.alertRulesPath = m_dir.filePath(QStringLiteral("big.json"));
    config.replaySpeed = 0.1; // the markers come from the back-test, not from playing
    AppController controller(config);
    MainWindow window(&controller);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    controller.start();
    ReplayTimeline *timeline = window.replayBar()->timeline();
    // Where the alert markers stand (a marker not of the rule "big" stands at -1: a mismatch).
    const auto alertMarkers = [timeline] {
        std::vector<qint64> at;
        for (const CaptureReport::Marker &m : timeline->markers()) {
            if (m.kind == CaptureReport::Marker::Kind::Alert) {
                at.push_back(m.text.startsWith(QLatin1String("big: ")) ? m.wallNs : -1);
            }
        }
        return at;
    };
    QTRY_COMPARE_WITH_TIMEOUT(alertMarkers().size(), expected.size(), 10000);
    QCOMPARE(alertMarkers(), expected);
    for (const qint64 at : expected) {
        QVERIFY(at >= startNs && at <= startNs + qint64(kFrames) * 1000000);
    }
    // Other rules loaded in the window: the markers follow them (none fire here).
    const QString none = m_dir.filePath(QStringLiteral("none.json"));
    {
        QFile f(none);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"rules":[{"type":"big_bet","stake":1000000}]})");
    }
    int loaded = -1; // the rules file is read off the GUI thread
    Workspaces::loadRules(&window, none, [&loaded](bool ok) { loaded = ok ? 1 : 0; });
    QTRY_COMPARE(loaded, 1);
    QTRY_VERIFY_WITH_TIMEOUT(alertMarkers().empty(), 10000);
    QVERIFY(timeline->markerCount() >= 2); // the disconnect and the rejects stay
    bool stopped = false;
    QObject::connect(&controller, &AppController::stopped, [&stopped] { stopped = true; });
    controller.stop();
    QTRY_VERIFY_WITH_TIMEOUT(stopped, 15000);
}

void TestReplayWindow::recordButtonAndRingOnTheLiveFeed()
{
    AppConfig config;
    config.storage = *StorageTarget::parse(m_dir.filePath(QStringLiteral("live.db")));
    config.demoRate = 1000;
    config.demoFixtures = 20;
    AppController controller(config);
    MainWindow window(&controller);
    window.show();
    controller.start();
    QTRY_VERIFY_WITH_TIMEOUT(window.lastMetrics().received > 100, 20000);

    // Record: the indicator shows time, frames and size, then Stop leaves a complete capture.
    const QString path = m_dir.filePath(QStringLiteral("recorded.odtc"));
    QSignalSpy finished(&controller, &AppController::recordingFinished);
    QVERIFY(window.startRecording(path));
    QVERIFY(window.recordAction()->isChecked());
    QTRY_VERIFY_WITH_TIMEOUT(window.recordingText().contains(QLatin1String("REC")), 5000);
    QTRY_VERIFY_WITH_TIMEOUT(window.recordingText().contains(QLatin1String("frames")), 5000);
    // Elapsed time, frames and size in full, not cut to "● …" by the menu bar's corner.
    auto *recordLabel = window.findChild<QLabel *>(QStringLiteral("recordLabel"));
    QVERIFY(recordLabel);
    QTRY_VERIFY_WITH_TIMEOUT(recordLabel->isVisible() && recordLabel->width() >= recordLabel->sizeHint().width()
            && recordLabel->text().contains(QStringLiteral(" frames · ")),
        5000);
    const quint64 receivedAtStart = window.lastMetrics().received;
    QTRY_VERIFY_WITH_TIMEOUT(window.lastMetrics().received > receivedAtStart + 800, 10000); // frames to record
    QVERIFY2(!window.recordingText().contains(QLatin1String(" 0 frames")), qPrintable(window.recordingText()));
    window.recordAction()->trigger(); // Stop
    QTRY_VERIFY_WITH_TIMEOUT(finished.count() >= 1, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(!window.recordAction()->isChecked(), 5000);
    const QList<QVariant> args = finished.first();
    QVERIFY2(args.at(2).toString().isEmpty(), qPrintable(args.at(2).toString()));
    const quint64 frames = args.at(1).toULongLong();
    QVERIFY(frames > 500);
    {
        auto reader = CaptureReader::open(path);
        QVERIFY2(reader, reader ? "" : qPrintable(reader.error().message));
        QCOMPARE((*reader)->info().frames, frames);
        QVERIFY((*reader)->info().endedAtMs > 0); // finished cleanly
    }
    QTRY_VERIFY_WITH_TIMEOUT(!window.recordingText().contains(QLatin1String("REC")), 5000);

    // The ring: keep the last minutes, save them after an "incident".
    auto *ring = window.findChild<QAction *>(QStringLiteral("ringAction"));
    auto *saveRing = window.findChild<QAction *>(QStringLiteral("saveRingAction"));
    QVERIFY(ring && saveRing);
    QVERIFY(!saveRing->isEnabled());
    ring->setChecked(true);
    QVERIFY(saveRing->isEnabled());
    QTRY_VERIFY_WITH_TIMEOUT(window.recordingText().contains(QLatin1String("in memory")), 5000);
    const quint64 atRing = window.lastMetrics().received;
    QTRY_VERIFY_WITH_TIMEOUT(window.lastMetrics().received > atRing + 500, 10000); // frames for the ring
    QSignalSpy saved(&controller, &AppController::ringSaved);
    const QString incident = m_dir.filePath(QStringLiteral("incident.odtc"));
    controller.saveRing(incident, QStringLiteral("after the incident"));
    QTRY_VERIFY_WITH_TIMEOUT(saved.count() == 1, 10000);
    QVERIFY(saved.first().at(2).toString().isEmpty());
    QVERIFY(saved.first().at(1).toULongLong() > 300);
    {
        auto reader = CaptureReader::open(incident);
        QVERIFY(reader);
        QCOMPARE((*reader)->info().header.mode, QStringLiteral("ring"));
        QCOMPARE((*reader)->info().header.notes, QStringLiteral("after the incident"));
    }

    bool stopped = false;
    QObject::connect(&controller, &AppController::stopped, [&stopped] { stopped = true; });
    controller.stop();
    QTRY_VERIFY_WITH_TIMEOUT(stopped, 15000);
}

void TestReplayWindow::theSpeedBoxShowsTheSpeedTheReplayRunsAt()
{
    // `oddstap --replay FILE --speed 10` played at 10x while the box said 1x.
    AppConfig config;
    config.replayPath = m_dir.filePath(QStringLiteral("none-needed.odtc"));
    config.replaySpeed = 10;
    AppController controller(config);
    MainWindow window(&controller);
    QComboBox *box = window.replayBar()->speedCombo();
    QCOMPARE(box->currentText(), QStringLiteral("10x"));
    // A speed the box does not offer is added where it belongs, and shown; choosing it again
    // is not a change the replay hears of.
    ReplayBar bar;
    QSignalSpy chosen(&bar, &ReplayBar::speedChosen);
    bar.showSpeed(3);
    QCOMPARE(bar.speedCombo()->currentText(), QStringLiteral("3x"));
    QCOMPARE(bar.speedCombo()->itemText(bar.speedCombo()->currentIndex() - 1), QStringLiteral("2x"));
    QCOMPARE(bar.speedCombo()->itemText(bar.speedCombo()->currentIndex() + 1), QStringLiteral("5x"));
    QCOMPARE(chosen.count(), 0);
    // Choosing in the box still tells the replay.
    bar.speedCombo()->setCurrentIndex(bar.speedCombo()->findData(25.0));
    QCOMPARE(chosen.count(), 1);
    QCOMPARE(chosen.at(0).at(0).toDouble(), 25.0);
}

QTEST_MAIN(TestReplayWindow)
#include "tst_replaywindow.moc"

// SPDX-License-Identifier: MIT
// The real simulator (in process, on 127.0.0.1) against the real FeedClient and CaptureSession.
#include <core/sim/feedgenerator.h>
#include <tests/testutils/feedharness.h>
#include <tests/testutils/rawwsserver.h>

#include <QTcpServer>
#include <QTimer>
#include <QWebSocket>
#include <QWebSocketServer>

#include <set>

using namespace OddsTap;
using namespace OddsTap::Testing;

class TestFeed : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { registerMetaTypes(); }
    void cleanStreamArrivesExactlyOnce();
    void faultsReconcileExactlyWithTheSimulator_data();
    void faultsReconcileExactlyWithTheSimulator();
    void gapsAreDetectedAndFilledByResume();
    void stallTriggersReconnectWithinTheLivenessWindow();
    void wrongTokenIsAnAuthFailureWithoutAStorm();
    void rightTokenIsAccepted();
    void twoSourcesKeepTheirIdsApart();
    void resumeTooOldGetsASnapshot();
    void simulatorRestartMidStreamLosesNothing();
    void oversizedFrameIsARejectNotACrash();
    void unreachableServerBacksOffWithJitter();
    void unreadableFrameResentOnResumeIsRejectedOnceAndSkipped_data();
    void unreadableFrameResentOnResumeIsRejectedOnceAndSkipped();
    void rejectsSentAgainAmongHeldEventsAreNotStoredTwice();
    void rejectsAfterAGapAreStoredOnceWithTheResume();
    void messagesTheSocketRefusesLeaveAReject_data();
    void messagesTheSocketRefusesLeaveAReject();
    void aServerThatFloodsPingsAndNeverReadsIsDropped();
    void aHoleTheServerCannotFillIsGivenUpOnce();
    void aGapWhoseRetentionMovesOnIsGivenUpWhole();
    void anUnrequestedSnapshotDoesNotHideALoss();
    void aSnapshotCutOffRecordsWhatItSkipped();
    void aHandshakeThatNeverEndsIsBoundedAndNamed();
    void aBrokenHandshakeIsNamedAsOne();

private:
    static void compareAcceptedWithGenerated(const CaptureStats::Source &s, const QJsonObject &sim);
};

void TestFeed::compareAcceptedWithGenerated(const CaptureStats::Source &s, const QJsonObject &sim)
{
    QCOMPARE(qint64(s.accepted[std::size_t(EventType::Fixture)]), generated(sim, "fixture"));
    QCOMPARE(qint64(s.accepted[std::size_t(EventType::Odds)]), generated(sim, "odds"));
    QCOMPARE(qint64(s.accepted[std::size_t(EventType::Bet)]), generated(sim, "bet"));
}

void TestFeed::cleanStreamArrivesExactlyOnce()
{
    SimServer sim(simConfig(5000));
    const auto port = sim.start();
    QVERIFY(port);
    CaptureRun run(captureConfig({ sourceConfig(QStringLiteral("a"), *port) }, 5000, 0));
    run.start();
    QVERIFY(run.waitFinished(20000));
    const auto s = run.stats().sources.at(QStringLiteral("a"));
    compareAcceptedWithGenerated(s, sim.stats());
    QCOMPARE(s.acceptedTotal(), quint64(5000));
    QCOMPARE(s.duplicates, quint64(0));
    QCOMPARE(s.gaps, quint64(0));
    QCOMPARE(s.rejectedTotal(), quint64(0));
    QCOMPARE(s.envelopesReceived(), s.acceptedTotal() + s.heartbeats);
    // Every seq from 1 to 5000 exactly once, in order.
    quint64 expect = 1;
    for (const Event &e : run.events) {
        if (e.advancesStream()) {
            QCOMPARE(e.seq, expect++);
            QCOMPARE(e.sourceId, QStringLiteral("a"));
        }
    }
}

void TestFeed::faultsReconcileExactlyWithTheSimulator_data()
{
    QTest::addColumn<int>("batch");
    QTest::addRow("single-envelope frames") << 1;
    QTest::addRow("batches of 20") << 20;
}

void TestFeed::faultsReconcileExactlyWithTheSimulator()
{
    QFETCH(int, batch);
    // Every fault but gaps: a drop flushes first and a stall sends nothing, so every frame the
    // simulator sent reaches the client and the counts must match exactly.
    SimServerConfig c = simConfig(20000, 23);
    c.batch = batch;
    c.faults = *FaultPlan::parse(
        QStringLiteral("drop_every=3000,stall_every=7000,stall_ms=60000,malformed=0.01,duplicate=0.01"));
    SimServer sim(c);
    const auto port = sim.start();
    QVERIFY(port);
    CaptureRun run(captureConfig({ sourceConfig(QStringLiteral("f"), *port) }, 20000, 0));
    run.start();
    QVERIFY(run.waitFinished(60000));
    const QJsonObject st = sim.stats();
    const auto s = run.stats().sources.at(QStringLiteral("f"));
    compareAcceptedWithGenerated(s, st);
    QCOMPARE(qint64(s.rejectedTotal()), st.value(QStringLiteral("malformed_sent")).toInteger());
    QCOMPARE(qint64(s.duplicates), st.value(QStringLiteral("duplicates_sent")).toInteger());
    QVERIFY(st.value(QStringLiteral("malformed_sent")).toInteger() > 100);
    QVERIFY(st.value(QStringLiteral("drops")).toInteger() >= 3);
    QVERIFY(st.value(QStringLiteral("stalls")).toInteger() >= 2);
    QVERIFY(s.stalls >= 2); // a one-minute stall is cut short by the liveness check
    QCOMPARE(qint64(s.reconnects), st.value(QStringLiteral("connections_total")).toInteger() - 1);
    QVERIFY(s.reconnects >= 4);
    QCOMPARE(s.gaps, quint64(0));
    // Malformed frames come out with the right codes, and every kind the simulator sends shows up.
    for (const RejectCode code :
        { RejectCode::MalformedJson, RejectCode::BadType, RejectCode::MissingField, RejectCode::OutOfRange }) {
        QVERIFY2(s.rejected[std::size_t(code)] > 0, toWire(code).data());
    }
    QCOMPARE(s.rejectedTotal(),
        s.rejected[std::size_t(RejectCode::MalformedJson)] + s.rejected[std::size_t(RejectCode::BadType)]
            + s.rejected[std::size_t(RejectCode::MissingField)] + s.rejected[std::size_t(RejectCode::OutOfRange)]);
    for (const Reject &r : run.rejects) {
        QVERIFY(!r.raw.isEmpty());
        QCOMPARE(r.sourceId, QStringLiteral("f"));
    }
    QCOMPARE(s.envelopesReceived(), s.acceptedTotal() + s.rejectedTotal() + s.duplicates + s.discarded + s.heartbeats);
}

void TestFeed::gapsAreDetectedAndFilledByResume()
{
    SimServerConfig c = simConfig(20000, 31);
    c.faults = *FaultPlan::parse(QStringLiteral("gap=0.001"));
    SimServer sim(c);
    const auto port = sim.start();
    QVERIFY(port);
    CaptureRun run(captureConfig({ sourceConfig(QStringLiteral("g"), *port) }, 20000, 0));
    run.start();
    QVERIFY(run.waitFinished(60000));
    const QJsonObject st = sim.stats();
    const auto s = run.stats().sources.at(QStringLiteral("g"));
    compareAcceptedWithGenerated(s, st);
    QVERIFY(s.gaps >= 3);
    QVERIFY(s.gaps <= quint64(st.value(QStringLiteral("gaps_injected")).toInteger()));
    QVERIFY(s.gapSeqsMissing >= s.gaps);
    QCOMPARE(s.reconnects, s.gaps); // each gap: close, resume at once
    std::set<quint64> seqs;
    for (const Event &e : run.events) {
        if (e.advancesStream()) {
            QVERIFY2(seqs.insert(e.seq).second, "an event was delivered twice");
        }
    }
    QCOMPARE(seqs.size(), std::size_t(20000));
    QCOMPARE(*seqs.rbegin(), quint64(20000));
}

void TestFeed::stallTriggersReconnectWithinTheLivenessWindow()
{
    SimServerConfig c = simConfig(3000, 41);
    c.faults = *FaultPlan::parse(QStringLiteral("stall_every=1000,stall_ms=60000"));
    SimServer sim(c);
    const auto port = sim.start();
    QVERIFY(port);
    CaptureRun run(captureConfig({ sourceConfig(QStringLiteral("s"), *port) }, 3000, 0));
    run.start();
    // Each stall would last a minute; the client must give up on it after 3 x 100 ms of silence.
    QVERIFY(run.waitFinished(20000));
    QVERIFY(run.count(SourceState::Stalled) >= 2);
    compareAcceptedWithGenerated(run.stats().sources.at(QStringLiteral("s")), sim.stats());
    for (const ConnectionEvent &e : run.transitions) {
        if (e.state == SourceState::Stalled) {
            QVERIFY2(e.reason.contains(QLatin1String("3 heartbeat intervals")), qPrintable(e.reason));
        }
    }
}

void TestFeed::wrongTokenIsAnAuthFailureWithoutAStorm()
{
    SimServerConfig c = simConfig(1000);
    c.token = "right-token";
    SimServer sim(c);
    const auto port = sim.start();
    QVERIFY(port);
    FeedSourceConfig source = sourceConfig(QStringLiteral("auth"), *port);
    source.token = "wrong-token";
    CaptureRun run(captureConfig({ source }, 1000, 1500));
    run.start();
    QVERIFY(run.waitFinished(10000));
    QCOMPARE(run.count(SourceState::Connecting), 1); // one try in 1.5 s: no reconnect storm
    QCOMPARE(run.count(SourceState::AuthFailed), 1);
    const auto it = std::find_if(run.transitions.begin(), run.transitions.end(),
        [](const ConnectionEvent &e) { return e.state == SourceState::AuthFailed; });
    QVERIFY(it->reason.contains(QLatin1String("401")));
    QVERIFY(!it->reason.contains(QLatin1String("wrong-token"))); // secrets never reach logs or events
    QCOMPARE(it->delayMs, 60000);
    QCOMPARE(sim.stats().value(QStringLiteral("auth_rejected")).toInteger(), 1);
    QCOMPARE(run.stats().sources.at(QStringLiteral("auth")).frames, quint64(0));
}

void TestFeed::rightTokenIsAccepted()
{
    SimServerConfig c = simConfig(500);
    c.token = "right-token";
    SimServer sim(c);
    const auto port = sim.start();
    QVERIFY(port);
    FeedSourceConfig source = sourceConfig(QStringLiteral("auth"), *port);
    source.token = "right-token";
    CaptureRun run(captureConfig({ source }, 500, 0));
    run.start();
    QVERIFY(run.waitFinished(10000));
    QCOMPARE(run.stats().sources.at(QStringLiteral("auth")).acceptedTotal(), quint64(500));
}

void TestFeed::twoSourcesKeepTheirIdsApart()
{
    SimServer simA(simConfig(3000, 1));
    SimServer simB(simConfig(4000, 2));
    const auto portA = simA.start();
    const auto portB = simB.start();
    QVERIFY(portA && portB);
    CaptureRun run(captureConfig(
        { sourceConfig(QStringLiteral("book-a"), *portA), sourceConfig(QStringLiteral("book-b"), *portB) }, 7000, 0));
    run.start();
    QVERIFY(run.waitFinished(30000));
    compareAcceptedWithGenerated(run.stats().sources.at(QStringLiteral("book-a")), simA.stats());
    compareAcceptedWithGenerated(run.stats().sources.at(QStringLiteral("book-b")), simB.stats());
    std::map<QString, quint64> next { { QStringLiteral("book-a"), 1 }, { QStringLiteral("book-b"), 1 } };
    for (const Event &e : run.events) {
        if (e.advancesStream()) {
            QVERIFY(next.count(e.sourceId) == 1);
            QCOMPARE(e.seq, next[e.sourceId]++); // each source's stream is complete and in order
        }
    }
    QCOMPARE(next[QStringLiteral("book-a")], quint64(3001));
    QCOMPARE(next[QStringLiteral("book-b")], quint64(4001));
}

void TestFeed::resumeTooOldGetsASnapshot()
{
    SimServerConfig c = simConfig(0, 51);
    c.rate = 5000;
    c.retain = 2000;
    SimServer sim(c);
    const auto port = sim.start();
    QVERIFY(port);
    QTRY_VERIFY_WITH_TIMEOUT(sim.lastSeq() > 6000, 10000);
    FeedSourceConfig source = sourceConfig(QStringLiteral("snap"), *port);
    source.resumeFromSeq = 10; // long gone from a 2000-event window
    CaptureRun run(captureConfig({ source }, 0, 0));
    run.start();
    QTRY_VERIFY_WITH_TIMEOUT(std::any_of(run.events.begin(), run.events.end(),
                                 [](const Event &e) { return e.type == EventType::SnapshotEnd; }),
        10000);
    auto indexOf = [&run](EventType type) {
        const auto it =
            std::find_if(run.events.begin(), run.events.end(), [type](const Event &e) { return e.type == type; });
        return std::size_t(std::distance(run.events.begin(), it));
    };
    const std::size_t begin = indexOf(EventType::SnapshotBegin);
    const std::size_t end = indexOf(EventType::SnapshotEnd);
    QVERIFY(begin < end && end < run.events.size());
    QCOMPARE(run.events[begin].seq, run.events[end].seq);
    const quint64 s = run.events[end].seq;
    // Inside: every fixture and price, seqs increasing but skipping, all at or below S.
    quint64 prev = 10;
    int fixtures = 0;
    for (std::size_t i = begin + 1; i < end; ++i) {
        QVERIFY(run.events[i].seq > prev && run.events[i].seq <= s);
        prev = run.events[i].seq;
        fixtures += run.events[i].type == EventType::Fixture ? 1 : 0;
    }
    QVERIFY(fixtures >= 40);
    // Live continues at S+1, and the skipped seqs are recorded as compacted, not lost.
    QTRY_VERIFY_WITH_TIMEOUT(run.stats().sources.at(QStringLiteral("snap")).lastSeq > s + 100, 10000);
    QVERIFY(end + 1 < run.events.size());
    QCOMPARE(run.events[end + 1].seq, s + 1);
    const auto st = run.stats().sources.at(QStringLiteral("snap"));
    QCOMPARE(st.gaps, quint64(0));
    QVERIFY(st.compactedSeqs > 0);
    QCOMPARE(st.compactedSeqs + quint64(end - begin - 1), s - 10);
    run.session->stop(QStringLiteral("test done"));
    QVERIFY(run.waitFinished(5000));
}

void TestFeed::simulatorRestartMidStreamLosesNothing()
{
    const quint64 total = 12000;
    SimServerConfig c = simConfig(total, 61);
    c.rate = 8000;
    auto sim = std::make_unique<SimServer>(c);
    const auto port = sim->start();
    QVERIFY(port);
    CaptureRun run(captureConfig({ sourceConfig(QStringLiteral("r"), *port) }, total, 0));
    run.start();
    QTRY_VERIFY_WITH_TIMEOUT(run.stats().sources.at(QStringLiteral("r")).acceptedTotal() > 3000, 10000);
    sim.reset(); // the sportsbook goes away mid-stream...
    // The fault: the server stays away until the client has noticed.
    QTRY_VERIFY_WITH_TIMEOUT(run.count(SourceState::Disconnected) + run.count(SourceState::BackingOff) > 0, 10000);
    c.port = *port;
    sim = std::make_unique<SimServer>(c); // ...and comes back on the same port with the same stream
    QVERIFY(sim->start());
    QVERIFY(run.waitFinished(30000));
    const auto s = run.stats().sources.at(QStringLiteral("r"));
    QVERIFY(s.reconnects >= 1);
    // The reference: the same seed's first `total` events, generated here.
    FeedGenerator reference(c.generator);
    std::array<quint64, kEventTypeCount> expected {};
    for (quint64 i = 0; i < total; ++i) {
        ++expected[std::size_t(reference.next().type)];
    }
    for (const EventType t : { EventType::Fixture, EventType::Odds, EventType::Bet }) {
        QCOMPARE(s.accepted[std::size_t(t)], expected[std::size_t(t)]);
    }
    QCOMPARE(s.duplicates, quint64(0));
    quint64 next = 1;
    for (const Event &e : run.events) {
        if (e.advancesStream()) {
            QCOMPARE(e.seq, next++);
        }
    }
    QCOMPARE(next, total + 1);
}

void TestFeed::oversizedFrameIsARejectNotACrash()
{
    // A hand-driven server: one good event, a 2 MiB frame, then the next good event.
    QWebSocketServer server(QStringLiteral("big"), QWebSocketServer::NonSecureMode);
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    connect(&server, &QWebSocketServer::newConnection, this, [&server] {
        QWebSocket *ws = server.nextPendingConnection();
        ws->setParent(&server);
        connect(ws, &QWebSocket::textMessageReceived, ws, [ws](const QString &) {
            ws->sendTextMessage(QStringLiteral(R"({"type":"bet","seq":1,"ts":1,"data":{"bet_id":"b","user_id":"u",)"
                                               R"("fixture_id":"f","market_type":"m","selection":"s","stake":1,)"
                                               R"("potential_win":2,"timestamp":1}})"));
            ws->sendTextMessage(QStringLiteral("{\"type\":\"odds\",\"pad\":\"")
                + QString(2 * 1024 * 1024, QLatin1Char('x')) + QStringLiteral("\"}"));
            ws->sendTextMessage(QStringLiteral(R"({"type":"bet","seq":2,"ts":1,"data":{"bet_id":"c","user_id":"u",)"
                                               R"("fixture_id":"f","market_type":"m","selection":"s","stake":1,)"
                                               R"("potential_win":2,"timestamp":1}})"));
        });
    });
    CaptureRun run(captureConfig({ sourceConfig(QStringLiteral("big"), server.serverPort()) }, 2, 0));
    run.start();
    QVERIFY(run.waitFinished(10000));
    const auto s = run.stats().sources.at(QStringLiteral("big"));
    QCOMPARE(s.accepted[std::size_t(EventType::Bet)], quint64(2));
    QCOMPARE(s.rejected[std::size_t(RejectCode::FrameTooLarge)], quint64(1));
    QCOMPARE(run.rejects.size(), std::size_t(1));
    QCOMPARE(run.rejects[0].raw.size(), qsizetype(64 * 1024)); // a prefix is kept, not 2 MiB
    QCOMPARE(s.gaps, quint64(0));
}

void TestFeed::unreachableServerBacksOffWithJitter()
{
    // A port nobody listens on: connection refused, then backoff, growing, never a tight loop.
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
    const quint16 port = probe.serverPort();
    probe.close();
    FeedSourceConfig source = sourceConfig(QStringLiteral("down"), port);
    source.backoffInitialMs = 100;
    source.backoffMaxMs = 800;
    CaptureRun run(captureConfig({ source }, 0, 2500));
    run.start();
    QVERIFY(run.waitFinished(10000));
    const int attempts = run.count(SourceState::Connecting);
    QVERIFY2(attempts >= 3 && attempts <= 40, qPrintable(QString::number(attempts)));
    int previousCeiling = 0;
    int index = 0;
    for (const ConnectionEvent &e : run.transitions) {
        if (e.state == SourceState::BackingOff) {
            const int ceiling = std::min(800, 100 << std::min(index, 10));
            QVERIFY2(e.delayMs >= 0 && e.delayMs <= ceiling, qPrintable(QString::number(e.delayMs)));
            QVERIFY(ceiling >= previousCeiling);
            previousCeiling = ceiling;
            ++index;
        } else if (e.state == SourceState::Disconnected) {
            QVERIFY2(e.reason.contains(QLatin1String("refused"), Qt::CaseInsensitive), qPrintable(e.reason));
        }
    }
}

namespace {

/// Captures from @p server (listening already) as source @p id until it holds @p lastSeq, then
/// stops; null when it never got there.
std::unique_ptr<CaptureRun> captureUntil(
    RawWsServer &server, const QString &id, quint64 lastSeq, const GapPolicy &gapPolicy = {})
{
    FeedSourceConfig source = sourceConfig(id, server.port());
    source.gapPolicy = gapPolicy;
    source.heartbeatMs = 5000; // these servers send no heartbeats; liveness is not under test
    auto run = std::make_unique<CaptureRun>(captureConfig({ source }, 0, 0));
    run->start();
    const bool reached = QTest::qWaitFor(
        [&] { return run->stats().sources.count(id) == 1 && run->stats().sources.at(id).lastSeq == lastSeq; }, 10000);
    run->session->stop(QStringLiteral("test done"));
    if (!reached || !run->waitFinished(5000)) {
        return nullptr;
    }
    return run;
}

/// A well-formed envelope whose data breaks a rule (odds must be above 1): rejected, with its seq.
QByteArray badOdds(quint64 seq)
{
    return QStringLiteral(R"({"type":"odds","seq":%1,"ts":1798761600000,"data":{"fixture_id":"f1",)"
                          R"("market_type":"1x2","selection":"home","odd_value":0.5,"timestamp":1798761600000}})")
        .arg(seq)
        .toUtf8();
}

} // namespace

void TestFeed::unreadableFrameResentOnResumeIsRejectedOnceAndSkipped_data()
{
    QTest::addColumn<int>("opcode");
    QTest::addColumn<QByteArray>("bad");
    QTest::addColumn<int>("code");
    QTest::addRow("binary frame, invalid UTF-8")
        << 2 << QByteArray("{\"type\":\"bet\",\"seq\":3,\xff\xfe}") << int(RejectCode::InvalidUtf8);
    QTest::addRow("malformed JSON") << 1 << QByteArray("{\"type\":\"bet\",\"seq\":3,")
                                    << int(RejectCode::MalformedJson);
    QTest::addRow("over the frame cap") << 1
                                        << QByteArray("{\"type\":\"bet\",\"pad\":\"") + QByteArray(1200 * 1024, 'x')
            + "\"}" << int(RejectCode::FrameTooLarge);
}

void TestFeed::unreadableFrameResentOnResumeIsRejectedOnceAndSkipped()
{
    // A hostile (or broken) server: where seq 3 belongs it sends a frame whose seq cannot be
    // read, and, as from_seq requires, it sends that frame again on every resume. The client
    // must not storm it: the frame is rejected once (raw text kept once), the resume that brings
    // it back in the same place makes it take seq 3's place, and the stream goes on to seq 10.
    QFETCH(int, opcode);
    QFETCH(QByteArray, bad);
    QFETCH(int, code);
    RawWsServer server([&](RawWsServer &, QTcpSocket *socket, int, std::optional<quint64> from) {
        for (quint64 seq = from.value_or(0) + 1; seq <= 10; ++seq) {
            RawWsServer::sendFrame(socket, quint8(seq == 3 ? opcode : 1), seq == 3 ? bad : RawWsServer::bet(seq));
        }
    });
    QVERIFY(server.listen());
    const std::unique_ptr<CaptureRun> captured = captureUntil(server, QStringLiteral("h"), 10);
    QVERIFY(captured);
    const CaptureRun &run = *captured;
    const auto s = run.stats().sources.at(QStringLiteral("h"));
    QVERIFY2(server.connections() <= 3, qPrintable(QStringLiteral("%1 connections").arg(server.connections())));
    QCOMPARE(run.rejects.size(), std::size_t(1));
    QCOMPARE(int(run.rejects[0].code), code);
    QVERIFY(!run.rejects[0].raw.isEmpty());
    QCOMPARE(s.acceptedTotal(), quint64(9)); // seqs 1, 2, 4..10
    QCOMPARE(s.streamAdvances, quint64(10));
    QCOMPARE(s.envelopesReceived(), s.acceptedTotal() + s.rejectedTotal() + s.duplicates + s.discarded + s.heartbeats);
    quint64 expect = 1;
    for (const Event &e : run.events) {
        if (e.advancesStream()) {
            expect += expect == 3 ? 1 : 0;
            QCOMPARE(e.seq, expect++);
        }
    }
}

void TestFeed::rejectsSentAgainAmongHeldEventsAreNotStoredTwice()
{
    // A server that ignores from_seq (or a file imported again): on its second connection it sends
    // everything from seq 1 again, a rejected envelope and a frame without a seq among it. What the
    // client holds is a duplicate, rejects included: each reject is stored once.
    RawWsServer server([&](RawWsServer &, QTcpSocket *socket, int connection, std::optional<quint64>) {
        RawWsServer::sendText(socket, RawWsServer::bet(1));
        RawWsServer::sendText(socket, badOdds(2));
        RawWsServer::sendText(socket, "{\"type\":\"bet\",");
        for (quint64 seq = 3; seq <= (connection == 1 ? 5 : 8); ++seq) {
            RawWsServer::sendText(socket, RawWsServer::bet(seq));
        }
        if (connection == 1) {
            socket->flush();
            socket->disconnectFromHost();
        }
    });
    QVERIFY(server.listen());
    const std::unique_ptr<CaptureRun> captured = captureUntil(server, QStringLiteral("again"), 8);
    QVERIFY(captured);
    const CaptureRun &run = *captured;
    const auto s = run.stats().sources.at(QStringLiteral("again"));
    QCOMPARE(server.connections(), 2);
    QCOMPARE(run.rejects.size(), std::size_t(2));
    QCOMPARE(run.rejects[0].seq, std::optional<quint64>(2));
    QCOMPARE(int(run.rejects[1].code), int(RejectCode::MalformedJson));
    QCOMPARE(s.acceptedTotal(), quint64(7)); // seqs 1, 3..8
    QCOMPARE(s.duplicates, quint64(6)); // seqs 1 to 5 and the frame without one, the second time
    QCOMPARE(s.streamAdvances, quint64(8));
    QCOMPARE(s.envelopesReceived(), s.acceptedTotal() + s.rejectedTotal() + s.duplicates + s.discarded + s.heartbeats);
}

void TestFeed::rejectsAfterAGapAreStoredOnceWithTheResume()
{
    // Seq 3 is lost. The rest of that connection comes again with the resume: a rejected envelope
    // at seq 5 and a frame without a seq after it are each stored once.
    RawWsServer server([&](RawWsServer &, QTcpSocket *socket, int connection, std::optional<quint64> from) {
        for (quint64 seq = from.value_or(0) + 1; seq <= 7; ++seq) {
            if (seq == 3 && connection == 1) {
                continue;
            }
            RawWsServer::sendText(socket, seq == 5 ? badOdds(seq) : RawWsServer::bet(seq));
            if (seq == 5) {
                RawWsServer::sendText(socket, "{\"type\":\"bet\",");
            }
        }
    });
    QVERIFY(server.listen());
    const std::unique_ptr<CaptureRun> captured = captureUntil(server, QStringLiteral("gap"), 7);
    QVERIFY(captured);
    const CaptureRun &run = *captured;
    const auto s = run.stats().sources.at(QStringLiteral("gap"));
    QCOMPARE(server.connections(), 2);
    // Both are kept the first time (a resume by snapshot would not bring them again), and known
    // when the resume brings them to their place.
    QCOMPARE(run.rejects.size(), std::size_t(2));
    QCOMPARE(run.rejects[0].seq, std::optional<quint64>(5));
    QCOMPARE(int(run.rejects[1].code), int(RejectCode::MalformedJson));
    QCOMPARE(s.acceptedTotal(), quint64(6)); // seqs 1..4, 6, 7
    QCOMPARE(s.discarded, quint64(3)); // 4, 6, 7 after the gap
    QCOMPARE(s.duplicates, quint64(2)); // the two rejects, the second time
    QCOMPARE(s.streamAdvances, quint64(7));
    QCOMPARE(s.envelopesReceived(), s.acceptedTotal() + s.rejectedTotal() + s.duplicates + s.discarded + s.heartbeats);
}

void TestFeed::messagesTheSocketRefusesLeaveAReject_data()
{
    QTest::addColumn<QByteArray>("bad");
    QTest::addColumn<bool>("rawFrame"); ///< bad is a whole frame's bytes, not a text frame's payload
    QTest::addColumn<int>("code");
    QTest::addColumn<int>("closeCode");
    QTest::addRow("text frame, invalid UTF-8") << QByteArray("{\"type\":\"bet\",\"seq\":3,\"x\":\"\xc3\x28\"}") << false
                                               << int(RejectCode::InvalidUtf8) << 1007;
    QTest::addRow("over the socket limit")
        << QByteArray(3 * 1024 * 1024, 'x') << false << int(RejectCode::FrameTooLarge) << 1009;
    QTest::addRow("a reserved bit set") << QByteArray("\xc1\x02{}", 4) << true << int(RejectCode::ProtocolError)
                                        << 1002;
    QTest::addRow("a reserved opcode") << QByteArray("\x83\x00", 2) << true << int(RejectCode::ProtocolError) << 1002;
    QTest::addRow("a length past 2^63") << QByteArray("\x81\x7f\x80\x00\x00\x00\x00\x00\x00\x00", 10) << true
                                        << int(RejectCode::ProtocolError) << 1002;
}

void TestFeed::messagesTheSocketRefusesLeaveAReject()
{
    // Frames the WebSocket layer itself refuses (and closes the connection over) never reach the
    // decoder, but they happened: a reject records each, once, and the close is labelled as ours.
    QFETCH(QByteArray, bad);
    QFETCH(bool, rawFrame);
    QFETCH(int, code);
    QFETCH(int, closeCode);
    RawWsServer server([&](RawWsServer &, QTcpSocket *socket, int connection, std::optional<quint64> from) {
        for (quint64 seq = from.value_or(0) + 1; seq <= 6; ++seq) {
            if (seq == 3 && connection <= 2) {
                if (rawFrame) {
                    socket->write(bad);
                } else {
                    RawWsServer::sendText(socket, bad); // twice, on two connections: one reject
                }
                return;
            }
            RawWsServer::sendText(socket, RawWsServer::bet(seq));
        }
    });
    QVERIFY(server.listen());
    FeedSourceConfig source = sourceConfig(QStringLiteral("h"), server.port());
    source.heartbeatMs = 5000;
    source.hardMessageBytes = 2 * 1024 * 1024;
    CaptureRun run(captureConfig({ source }, 0, 0));
    run.start();
    QTRY_VERIFY_WITH_TIMEOUT(
        run.stats().sources.count(QStringLiteral("h")) == 1 && run.stats().sources.at(QStringLiteral("h")).lastSeq == 6,
        10000);
    run.session->stop(QStringLiteral("test done"));
    QVERIFY(run.waitFinished(5000));
    QCOMPARE(run.rejects.size(), std::size_t(1));
    QCOMPARE(int(run.rejects[0].code), code);
    QVERIFY2(
        run.rejects[0].message.contains(QStringLiteral("code %1").arg(closeCode)), qPrintable(run.rejects[0].message));
    const auto ours = std::find_if(run.transitions.begin(), run.transitions.end(), [](const ConnectionEvent &e) {
        return e.state == SourceState::Disconnected && e.reason.startsWith(QLatin1String("closed by OddsTap"));
    });
    QVERIFY(ours != run.transitions.end());
    QVERIFY(!ours->reason.contains(QLatin1String("by server")));
    const auto s = run.stats().sources.at(QStringLiteral("h"));
    QCOMPARE(s.acceptedTotal(), quint64(6));
    QCOMPARE(s.envelopesReceived(), s.acceptedTotal() + s.rejectedTotal() + s.duplicates + s.discarded + s.heartbeats);
}

QTEST_GUILESS_MAIN(TestFeed)
void TestFeed::aServerThatFloodsPingsAndNeverReadsIsDropped()
{
    // Each ping makes the client queue a pong; a server that never reads them would make that
    // queue grow without end. The client drops the connection with the reason, and the next
    // connection (a well-behaved one) goes on from where the stream was.
    RawWsServer server([&](RawWsServer &, QTcpSocket *socket, int connection, std::optional<quint64> from) {
        if (connection > 1) {
            for (quint64 seq = from.value_or(0) + 1; seq <= 3; ++seq) {
                RawWsServer::sendText(socket, RawWsServer::bet(seq));
            }
            return;
        }
        RawWsServer::sendText(socket, RawWsServer::bet(1));
        QObject::disconnect(socket, &QTcpSocket::readyRead, nullptr, nullptr);
        socket->setReadBufferSize(1); // reads nothing more: the pongs stay in the client's buffers
        auto *flood = new QTimer(socket);
        QObject::connect(flood, &QTimer::timeout, socket, [socket] {
            if (socket->bytesToWrite() < 1024 * 1024) { // the client reads: keep it busy answering
                for (int i = 0; i < 4000; ++i) {
                    RawWsServer::sendFrame(socket, 9, QByteArray(125, 'p'));
                }
            }
        });
        flood->start(1);
    });
    QVERIFY(server.listen());
    FeedSourceConfig source = sourceConfig(QStringLiteral("pings"), server.port());
    source.heartbeatMs = 5000; // no heartbeats from this server; liveness is not under test
    CaptureRun run(captureConfig({ source }, 0, 0));
    run.start();
    QTRY_VERIFY_WITH_TIMEOUT(run.stats().sources.count(QStringLiteral("pings")) == 1
            && run.stats().sources.at(QStringLiteral("pings")).lastSeq == 3,
        60000);
    run.session->stop(QStringLiteral("test done"));
    QVERIFY(run.waitFinished(5000));
    QCOMPARE(server.connections(), 2);
    const auto dropped = std::find_if(run.transitions.begin(), run.transitions.end(), [](const ConnectionEvent &e) {
        return e.state == SourceState::Disconnected && e.reason.contains(QLatin1String("does not read what it makes"));
    });
    QVERIFY(dropped != run.transitions.end());
    QVERIFY2(dropped->reason.contains(QLatin1String("KiB wait unsent")), qPrintable(dropped->reason));
    QCOMPARE(run.stats().sources.at(QStringLiteral("pings")).acceptedTotal(), quint64(3));
}

namespace {

/// Captures from @p source until it first goes down; why, as its Disconnected event says ("" when
/// it never did within 20 s).
QString firstDisconnectReason(const FeedSourceConfig &source)
{
    CaptureRun run(captureConfig({ source }, 0, 0));
    run.start();
    const bool down = QTest::qWaitFor([&run] { return run.count(SourceState::Disconnected) >= 1; }, 20000);
    run.session->stop(QStringLiteral("test done"));
    if (!run.waitFinished(5000) || !down) {
        return QString();
    }
    const auto ended = std::find_if(run.transitions.begin(), run.transitions.end(),
        [](const ConnectionEvent &e) { return e.state == SourceState::Disconnected; });
    return ended == run.transitions.end() ? QString() : ended->reason;
}

QByteArray snapshotMarker(const char *type, quint64 seq)
{
    return QStringLiteral(R"({"type":"%1","seq":%2,"ts":1798761600000})").arg(QLatin1String(type)).arg(seq).toUtf8();
}

} // namespace

void TestFeed::aHoleTheServerCannotFillIsGivenUpOnce()
{
    // The server lost seq 4 for good: every resume from 3 jumps to 5 again, and seq 6 (an invalid
    // envelope) comes ahead of its turn each time. The gap is recorded once, the reject stored once,
    // and once the gap was met as often as the policy says (3 times here, at once; 5 times over
    // 30 s by default) seq 4 is given up and the stream goes on.
    RawWsServer server([&](RawWsServer &, QTcpSocket *socket, int, std::optional<quint64> from) {
        for (quint64 seq = from.value_or(0) + 1; seq <= 10; ++seq) {
            if (seq != 4) {
                RawWsServer::sendText(socket, seq == 6 ? badOdds(seq) : RawWsServer::bet(seq));
            }
        }
    });
    QVERIFY(server.listen());
    const std::unique_ptr<CaptureRun> captured = captureUntil(server, QStringLiteral("hole"), 10, GapPolicy { 3, 0 });
    QVERIFY(captured);
    const CaptureRun &run = *captured;
    const auto s = run.stats().sources.at(QStringLiteral("hole"));
    QCOMPARE(server.connections(), 3);
    QCOMPARE(s.gaps, quint64(1));
    QCOMPARE(s.gapSeqsMissing, quint64(1));
    QCOMPARE(s.seqsGivenUp, quint64(1));
    QCOMPARE(run.stats().total().seqsGivenUp, quint64(1));
    QCOMPARE(s.givenUpRanges, (std::vector<std::pair<quint64, quint64>> { { 4, 5 } }));
    QCOMPARE(run.rejects.size(), std::size_t(1));
    QCOMPARE(run.rejects[0].seq, std::optional<quint64>(6));
    QCOMPARE(s.acceptedTotal(), quint64(8)); // 1..3, 5, 7..10
    QCOMPARE(s.envelopesReceived(), s.acceptedTotal() + s.rejectedTotal() + s.duplicates + s.discarded + s.heartbeats);
    quint64 previous = 0;
    for (const Event &e : run.events) {
        if (e.advancesStream()) {
            QVERIFY(e.seq > previous); // each once, in order
            previous = e.seq;
        }
    }
}

void TestFeed::aGapWhoseRetentionMovesOnIsGivenUpWhole()
{
    // Seq 4 is gone, and each resume from 3 starts later (the server's retention moves on): 5,
    // then 6, then 7. What is given up is every seq skipped in the end, 4 to 6, not only the first
    // gap's seq 4.
    RawWsServer server([&](RawWsServer &, QTcpSocket *socket, int connection, std::optional<quint64>) {
        for (quint64 seq = 1; seq <= 10; ++seq) {
            if ((connection == 1 && seq <= 3) || seq >= quint64(4 + connection)) {
                RawWsServer::sendText(socket, RawWsServer::bet(seq));
            }
        }
    });
    QVERIFY(server.listen());
    const std::unique_ptr<CaptureRun> captured = captureUntil(server, QStringLiteral("moves"), 10, GapPolicy { 3, 0 });
    QVERIFY(captured);
    const auto s = captured->stats().sources.at(QStringLiteral("moves"));
    QCOMPARE(s.gaps, quint64(1));
    QCOMPARE(s.seqsGivenUp, quint64(3));
    QCOMPARE(s.givenUpRanges, (std::vector<std::pair<quint64, quint64>> { { 4, 7 } }));
    QCOMPARE(s.acceptedTotal(), quint64(7)); // 1..3, 7..10
}

void TestFeed::anUnrequestedSnapshotDoesNotHideALoss()
{
    // Mid-stream, unasked, a snapshot_begin, then seqs that skip: not a snapshot v1 would send, so
    // the skips are gaps, resumed and filled.
    RawWsServer server([&](RawWsServer &, QTcpSocket *socket, int connection, std::optional<quint64> from) {
        if (connection == 1) {
            for (quint64 seq = 1; seq <= 3; ++seq) {
                RawWsServer::sendText(socket, RawWsServer::bet(seq));
            }
            RawWsServer::sendText(socket, snapshotMarker("snapshot_begin", 20));
            for (quint64 seq : { 5, 9, 20 }) {
                RawWsServer::sendText(socket, RawWsServer::bet(seq));
            }
            RawWsServer::sendText(socket, snapshotMarker("snapshot_end", 20));
            return;
        }
        for (quint64 seq = from.value_or(0) + 1; seq <= 25; ++seq) {
            RawWsServer::sendText(socket, RawWsServer::bet(seq));
        }
    });
    QVERIFY(server.listen());
    const std::unique_ptr<CaptureRun> captured = captureUntil(server, QStringLiteral("unasked"), 25);
    QVERIFY(captured);
    const auto s = captured->stats().sources.at(QStringLiteral("unasked"));
    QCOMPARE(s.gaps, quint64(1));
    QCOMPARE(s.compactedSeqs, quint64(0));
    QCOMPARE(s.seqsGivenUp, quint64(0));
    std::set<quint64> seqs;
    for (const Event &e : captured->events) {
        if (e.advancesStream()) {
            QVERIFY(seqs.insert(e.seq).second);
        }
    }
    QCOMPARE(seqs.size(), std::size_t(25)); // every seq from 1 to 25, once
    QCOMPARE(*seqs.rbegin(), quint64(25));
}

void TestFeed::aSnapshotCutOffRecordsWhatItSkipped()
{
    // A resume answered by a snapshot (S = 20) that breaks off after seqs 5, 9 and 20: the seqs it
    // skipped below 20 are state it superseded (its envelopes come in seq order), recorded as
    // compacted when the connection ends, and the resume from 20 goes on.
    RawWsServer server([&](RawWsServer &, QTcpSocket *socket, int connection, std::optional<quint64> from) {
        if (connection == 1) {
            for (quint64 seq = 1; seq <= 3; ++seq) {
                RawWsServer::sendText(socket, RawWsServer::bet(seq));
            }
        } else if (connection == 2) {
            RawWsServer::sendText(socket, snapshotMarker("snapshot_begin", 20));
            for (quint64 seq : { 5, 9, 20 }) {
                RawWsServer::sendText(socket, RawWsServer::bet(seq));
            }
        } else {
            for (quint64 seq = from.value_or(0) + 1; seq <= 22; ++seq) {
                RawWsServer::sendText(socket, RawWsServer::bet(seq));
            }
            return;
        }
        socket->flush();
        socket->disconnectFromHost();
    });
    QVERIFY(server.listen());
    const std::unique_ptr<CaptureRun> captured = captureUntil(server, QStringLiteral("cut"), 22);
    QVERIFY(captured);
    const auto s = captured->stats().sources.at(QStringLiteral("cut"));
    QCOMPARE(server.connections(), 3);
    QCOMPARE(s.gaps, quint64(0));
    QCOMPARE(s.compactedSeqs, quint64(14)); // 4, 6..8, 10..19
    QCOMPARE(s.seqsGivenUp, quint64(0));
    QCOMPARE(s.acceptedTotal(), quint64(9)); // 1..3, 5, 9, 20..22 and the snapshot_begin
}

void TestFeed::aHandshakeThatNeverEndsIsBoundedAndNamed()
{
    // "HTTP/1.1 101 " and then bytes without a line end, as fast as the client takes them: the
    // client stops taking them at its read buffer's limit and gives up at its connect timeout.
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    std::uint64_t sent = 0;
    QObject::connect(&server, &QTcpServer::newConnection, &server, [&] {
        while (QTcpSocket *s = server.nextPendingConnection()) {
            s->setParent(&server);
            s->write("HTTP/1.1 101 ");
            auto *endless = new QTimer(s);
            QObject::connect(endless, &QTimer::timeout, s, [s, &sent] {
                if (s->state() == QAbstractSocket::ConnectedState && s->bytesToWrite() < 4 * 1024 * 1024) {
                    if (const qint64 n = s->write(QByteArray(1024 * 1024, 'A')); n > 0) {
                        sent += std::uint64_t(n);
                    }
                }
            });
            QObject::connect(s, &QTcpSocket::disconnected, endless, &QTimer::stop);
            endless->start(1);
        }
    });
    FeedSourceConfig source = sourceConfig(QStringLiteral("endless"), server.serverPort());
    source.connectTimeoutMs = 3000;
    const QString reason = firstDisconnectReason(source);
    QVERIFY2(reason.contains(QLatin1String("no WebSocket handshake was completed")), qPrintable(reason));
    // The client took at most its buffer's worth (16 MiB and a little) and the kernel's queues:
    // not the gigabytes an unbounded buffer takes in 3 s.
    QVERIFY2(sent < 96ULL * 1024 * 1024, qPrintable(QString::number(sent)));
}

void TestFeed::aBrokenHandshakeIsNamedAsOne()
{
    // A 101 answer with a wrong accept key: not "connection refused, nothing is listening".
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    QObject::connect(&server, &QTcpServer::newConnection, &server, [&] {
        while (QTcpSocket *s = server.nextPendingConnection()) {
            s->setParent(&server);
            QObject::connect(s, &QTcpSocket::readyRead, s, [s] {
                if (s->readAll().contains("\r\n\r\n")) {
                    s->write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                             "Sec-WebSocket-Accept: d3JvbmcgYWNjZXB0IGtleQ==\r\n\r\n");
                }
            });
        }
    });
    const QString reason = firstDisconnectReason(sourceConfig(QStringLiteral("accept"), server.serverPort()));
    QVERIFY2(reason.contains(QLatin1String("broke the WebSocket handshake")), qPrintable(reason));
    QVERIFY2(!reason.contains(QLatin1String("nothing is listening")), qPrintable(reason));
}

#include "tst_feed.moc"

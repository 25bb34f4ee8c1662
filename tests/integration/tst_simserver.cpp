// SPDX-License-Identifier: MIT
// The simulator (and so `replay --serve`, which serves through it) against hostile clients
// written here byte by byte: one of them must never take the server's memory or its other
// clients' stream.
#include <core/sim/simserver.h>
#include <tests/testutils/feedharness.h>

#include <QElapsedTimer>
#include <QJsonArray>
#include <QScopeGuard>
#include <QTcpSocket>
#include <QTest>

using namespace OddsTap;
using namespace OddsTap::Testing;

namespace {

/// A client frame: masked (with a zero key, so the payload goes as it is), FIN set.
QByteArray clientFrame(const QByteArray &payload, quint8 opcode = 0x1)
{
    QByteArray f;
    f.append(char(0x80 | opcode));
    if (payload.size() < 126) {
        f.append(char(0x80 | payload.size()));
    } else {
        f.append(char(0x80 | 126));
        f.append(char((payload.size() >> 8) & 0xff));
        f.append(char(payload.size() & 0xff));
    }
    f.append(QByteArray(4, '\0'));
    return f + payload;
}

/// Connects and upgrades; the socket is left connected, the 101 read. The server runs on this
/// thread, so every wait spins the event loop (never a blocking waitFor...()).
std::unique_ptr<QTcpSocket> upgraded(quint16 port)
{
    auto s = std::make_unique<QTcpSocket>();
    s->connectToHost(QHostAddress::LocalHost, port);
    if (!QTest::qWaitFor([&] { return s->state() == QAbstractSocket::ConnectedState; }, 5000)) {
        return nullptr;
    }
    s->write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    if (!QTest::qWaitFor([&] { return s->peek(4096).contains("\r\n\r\n"); }, 5000)) {
        return nullptr;
    }
    const QByteArray head = s->read(s->peek(4096).indexOf("\r\n\r\n") + 4);
    return head.startsWith("HTTP/1.1 101") ? std::move(s) : nullptr;
}

QStringList closedReasons(const QJsonObject &stats)
{
    QStringList out;
    for (const QJsonValue &c : stats.value(QStringLiteral("connections")).toArray()) {
        out << c.toObject().value(QStringLiteral("closed_reason")).toString();
    }
    return out;
}

} // namespace

class TestSimServer : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { registerMetaTypes(); }
    void hostileClientsAreCutOffAndOthersKeepTheirStream();
    void badOrFarFromSeqsAreRefusedWithAReason();
    void aTokenGuesserGetsOneLogLineASecond();
};

void TestSimServer::hostileClientsAreCutOffAndOthersKeepTheirStream()
{
    SimServerConfig c = simConfig(0, 31);
    c.rate = 2000;
    c.subscribeTimeoutMs = 1500;
    SimServer sim(c);
    const auto port = sim.start();
    QVERIFY(port);
    // A good client all along: its capture must come out whole.
    CaptureRun run(captureConfig({ sourceConfig(QStringLiteral("good"), *port) }, 0, 0));
    run.start();
    QTRY_VERIFY_WITH_TIMEOUT(run.stats().total().acceptedStreamTotal() > 500, 10000);

    // 1. A message announced at a gigabyte: refused by its header, before any of it is kept.
    auto big = upgraded(*port);
    QVERIFY(big);
    QByteArray header("\x81\xff", 2);
    for (int i = 7; i >= 0; --i) {
        header.append(char((quint64(1) << 30) >> (8 * i) & 0xff));
    }
    big->write(header + QByteArray(4, '\0') + QByteArray(1024 * 1024, 'a'));
    QTRY_VERIFY_WITH_TIMEOUT(big->state() != QAbstractSocket::ConnectedState, 5000);

    // 2. Pings without end and nothing read: the pongs may not pile up.
    auto pinger = upgraded(*port);
    QVERIFY(pinger);
    pinger->setReadBufferSize(4096);
    pinger->setSocketOption(QAbstractSocket::ReceiveBufferSizeSocketOption, 4096);
    const QByteArray ping = clientFrame(QByteArray(125, 'p'), 0x9).repeated(1000);
    QElapsedTimer t;
    t.start();
    while (pinger->state() == QAbstractSocket::ConnectedState && t.elapsed() < 20000) {
        if (pinger->bytesToWrite() < ping.size()) {
            pinger->write(ping);
        }
        QCoreApplication::processEvents(); // the server runs on this thread
    }
    QVERIFY2(pinger->state() != QAbstractSocket::ConnectedState, "a client that never read its pongs was kept");

    // 3. Upgraded and never subscribed: closed after the deadline.
    auto idle = upgraded(*port);
    QVERIFY(idle);
    QTRY_VERIFY_WITH_TIMEOUT(idle->state() != QAbstractSocket::ConnectedState, 5000);

    const QStringList reasons = closedReasons(sim.stats());
    QVERIFY2(reasons.filter(QStringLiteral("client does not read")).size() == 1,
        qPrintable(reasons.join(QStringLiteral(" | "))));
    QVERIFY2(reasons.filter(QStringLiteral("no subscribe within 1500 ms")).size() == 1,
        qPrintable(reasons.join(QStringLiteral(" | "))));

    // The good client kept its stream, whole and in order.
    const quint64 before = run.stats().total().acceptedStreamTotal();
    QTRY_VERIFY_WITH_TIMEOUT(run.stats().total().acceptedStreamTotal() > before + 500, 10000);
    run.session->stop(QStringLiteral("test done"));
    QVERIFY(run.waitFinished(10000));
    const CaptureStats::Source &s = run.stats().sources.at(QStringLiteral("good"));
    QCOMPARE(s.gaps, quint64(0));
    QCOMPARE(s.reconnects, quint64(0));
}

void TestSimServer::badOrFarFromSeqsAreRefusedWithAReason()
{
    SimServerConfig c = simConfig(0, 32);
    c.rate = 1000;
    SimServer sim(c);
    const auto port = sim.start();
    QVERIFY(port);
    auto other = upgraded(*port); // a subscriber whose stream a far jump would break
    QVERIFY(other);
    other->write(clientFrame(R"({"op":"subscribe"})"));
    struct Case
    {
        QByteArray subscribe;
        const char *answer;
    };
    const Case cases[] = {
        { R"({"op":"subscribe","from_seq":1.5})", "from_seq must be a whole number" },
        { R"({"op":"subscribe","from_seq":1e300})", "from_seq must be a whole number" },
        { R"({"op":"subscribe","from_seq":18446744073709551615})", "from_seq must be a whole number" },
        { R"({"op":"subscribe","from_seq":"abc"})", "from_seq must be a number" },
        { R"({"op":"subscribe","from_seq":1000000000000})", "at most 10000000 ahead is caught up" },
        { R"({"op":"subscribe","from_seq":5000000})", "would cut the 1 other subscribed clients off" },
    };
    for (const Case &k : cases) {
        auto s = upgraded(*port);
        QVERIFY(s);
        QElapsedTimer t;
        t.start();
        s->write(clientFrame(k.subscribe));
        QByteArray got;
        QTRY_VERIFY_WITH_TIMEOUT((got += s->readAll(), got.contains(k.answer)), 3000);
        QVERIFY2(t.elapsed() < 2000, k.subscribe.constData()); // answered at once, nothing generated
    }
    QCOMPARE(other->state(), QAbstractSocket::ConnectedState);
}

namespace {
QStringList *g_authLines = nullptr;
QtMessageHandler g_previousHandler = nullptr;

void keepAuthLines(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (message.contains(QLatin1String("with a missing or wrong token"))) {
        g_authLines->append(message);
    }
    g_previousHandler(type, context, message);
}
} // namespace

void TestSimServer::aTokenGuesserGetsOneLogLineASecond()
{
    // Thousands of guesses a second once made as many log lines: now one a second, each saying
    // how many it stands for, and every guess still gets its 401.
    SimServerConfig c = simConfig(0, 33);
    c.token = "right";
    SimServer sim(c);
    const auto port = sim.start();
    QVERIFY(port);
    QStringList lines;
    g_authLines = &lines;
    g_previousHandler = qInstallMessageHandler(keepAuthLines);
    const auto restore = qScopeGuard([] { qInstallMessageHandler(g_previousHandler); });
    const auto guess = [&port] {
        QTcpSocket s;
        s.connectToHost(QHostAddress::LocalHost, *port);
        s.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                "Authorization: Bearer wrong\r\n\r\n");
        return QTest::qWaitFor([&s] { return s.peek(64).startsWith("HTTP/1.1 401"); }, 5000);
    };
    int guesses = 0;
    QElapsedTimer t;
    t.start();
    while (lines.size() < 2 && t.elapsed() < 20000) {
        QVERIFY(guess());
        ++guesses;
    }
    QCOMPARE(lines.size(), 2);
    QVERIFY2(guesses > 2, qPrintable(QString::number(guesses)));
    QVERIFY2(lines.at(1).contains(QStringLiteral("(and %1 more since the last such line)").arg(guesses - 2)),
        qPrintable(lines.at(1)));
    QVERIFY(t.elapsed() >= 1000); // the second line waited its second
}

QTEST_GUILESS_MAIN(TestSimServer)
#include "tst_simserver.moc"

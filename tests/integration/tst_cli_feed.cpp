// SPDX-License-Identifier: MIT
// The simulator and the capture as separate processes, as a QA engineer runs them.
#include <tests/testutils/rawwsserver.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

class TestCliFeed : public QObject
{
    Q_OBJECT

private slots:
    void simulatorRestartMidStreamReconcilesWithStatsFiles();
    void faultySessionReconcilesWithStatsFile();
    void summaryIsShortForPeopleAndQuietIsQuiet();
    void whyNothingArrivedIsSaid_data();
    void whyNothingArrivedIsSaid();
    void stallsReconcileWithTheSilenceTheClientSaw_data();
    void stallsReconcileWithTheSilenceTheClientSaw();
    void wrongTokenExitsWithAuthFailure();
    void eachSourceGetsTheTokenThatFollowsIt();
    void badCommandLines_data();
    void badCommandLines();
    void secretsStayOutOfEveryMessage_data();
    void secretsStayOutOfEveryMessage();
    void aGapTheServerCannotFillEndsWithExit8();

private:
    static QString cli() { return QStringLiteral(ODDSTAP_CLI_PATH); }
    // Starts `simulate` and returns its port (0 on failure).
    static quint16 startSimulator(QProcess &p, const QStringList &args);
    static QJsonObject readJson(const QString &path);
    static void terminate(QProcess &p);
};

quint16 TestCliFeed::startSimulator(QProcess &p, const QStringList &args)
{
    p.start(cli(), QStringList { QStringLiteral("simulate") } + args);
    if (!p.waitForStarted(10000)) {
        return 0;
    }
    QByteArray out;
    while (!out.contains('\n') && p.waitForReadyRead(10000)) {
        out += p.readAllStandardOutput();
    }
    const auto m =
        QRegularExpression(QStringLiteral("listening on ws://127.0.0.1:(\\d+)")).match(QString::fromUtf8(out));
    return m.hasMatch() ? quint16(m.captured(1).toUInt()) : 0;
}

QJsonObject TestCliFeed::readJson(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        return {};
    }
    return QJsonDocument::fromJson(f.readAll()).object();
}

void TestCliFeed::terminate(QProcess &p)
{
    ::kill(pid_t(p.processId()), SIGTERM);
    p.waitForFinished(10000);
}

void TestCliFeed::simulatorRestartMidStreamReconcilesWithStatsFiles()
{
    QTemporaryDir dir;
    const QString stats1 = dir.filePath(QStringLiteral("sim1.json"));
    const QString stats2 = dir.filePath(QStringLiteral("sim2.json"));
    const QString summary = dir.filePath(QStringLiteral("capture.json"));
    const QStringList common { QStringLiteral("--seed"), QStringLiteral("99"), QStringLiteral("--count"),
        QStringLiteral("15000"), QStringLiteral("--rate"), QStringLiteral("5000"), QStringLiteral("--heartbeat-ms"),
        QStringLiteral("200") };
    QProcess sim;
    const quint16 port = startSimulator(sim, common + QStringList { QStringLiteral("--stats-file"), stats1 });
    QVERIFY(port != 0);

    QProcess capture;
    capture.start(cli(),
        { QStringLiteral("capture"), QStringLiteral("--url"), QStringLiteral("ws://127.0.0.1:%1").arg(port),
            QStringLiteral("--from-seq"), QStringLiteral("0"), QStringLiteral("--count"), QStringLiteral("15000"),
            QStringLiteral("--heartbeat-ms"), QStringLiteral("200"), QStringLiteral("--summary-json"), summary,
            QStringLiteral("--quiet"), QStringLiteral("--no-store") });
    QVERIFY(capture.waitForStarted());
    QTest::qWait(1200); // about 6,000 events in
    terminate(sim);
    const QJsonObject first = readJson(stats1);
    const qint64 firstSeq = first.value(QStringLiteral("last_seq")).toInteger();
    QVERIFY2(firstSeq > 1000 && firstSeq < 15000, qPrintable(QString::number(firstSeq)));

    QProcess sim2; // same seed, same port: the same stream continues
    QCOMPARE(startSimulator(sim2,
                 common
                     + QStringList { QStringLiteral("--port"), QString::number(port), QStringLiteral("--stats-file"),
                         stats2 }),
        port);
    QVERIFY(capture.waitForFinished(60000));
    QCOMPARE(capture.exitCode(), 0);
    terminate(sim2);

    const QJsonObject sum = readJson(summary);
    const QJsonObject second = readJson(stats2);
    QCOMPARE(second.value(QStringLiteral("last_seq")).toInteger(), 15000);
    // The restarted simulator regenerates the stream from seq 1, so its counts cover all 15,000 events.
    const QJsonObject generated = second.value(QStringLiteral("generated")).toObject();
    const QJsonObject accepted = sum.value(QStringLiteral("accepted")).toObject();
    for (const char *type : { "fixture", "odds", "bet" }) {
        QCOMPARE(accepted.value(QLatin1String(type)).toInteger(), generated.value(QLatin1String(type)).toInteger());
    }
    QCOMPARE(sum.value(QStringLiteral("accepted_total")).toInteger(), 15000);
    QCOMPARE(sum.value(QStringLiteral("duplicates")).toInteger(), 0);
    QVERIFY(sum.value(QStringLiteral("reconnects")).toInteger() >= 1);
    // Why the source stopped: what the session stopped on, not "stopped by user".
    const QJsonObject source = sum.value(QStringLiteral("sources")).toObject().begin()->toObject();
    QCOMPARE(source.value(QStringLiteral("last_reason")).toString(), QStringLiteral("count reached"));
    QVERIFY(sum.value(QStringLiteral("reconciliation")).toObject().value(QStringLiteral("ok")).toBool());
    // The client resumed the second simulator from the last seq it held; from there the second run
    // sent exactly the rest of the stream. (Events in flight when the first run died were sent but
    // never received: the resume covers them.)
    const QJsonArray connections = second.value(QStringLiteral("connections")).toArray();
    QCOMPARE(connections.size(), 1);
    const qint64 resumedFrom = connections.at(0).toObject().value(QStringLiteral("from_seq")).toInteger();
    QVERIFY(resumedFrom > 1000 && resumedFrom <= firstSeq);
    const QJsonObject sent2 = second.value(QStringLiteral("events_sent")).toObject();
    qint64 sentAfterResume = 0;
    for (const char *type : { "fixture", "odds", "bet" }) {
        sentAfterResume += sent2.value(QLatin1String(type)).toInteger();
    }
    QCOMPARE(resumedFrom + sentAfterResume, 15000);
}

void TestCliFeed::faultySessionReconcilesWithStatsFile()
{
    QTemporaryDir dir;
    const QString stats = dir.filePath(QStringLiteral("sim.json"));
    const QString summary = dir.filePath(QStringLiteral("capture.json"));
    QProcess sim;
    const quint16 port = startSimulator(sim,
        { QStringLiteral("--seed"), QStringLiteral("5"), QStringLiteral("--count"), QStringLiteral("20000"),
            QStringLiteral("--rate"), QStringLiteral("0"), QStringLiteral("--batch"), QStringLiteral("10"),
            QStringLiteral("--heartbeat-ms"), QStringLiteral("100"), QStringLiteral("--faults"),
            QStringLiteral("drop_every=4000,stall_every=9000,stall_ms=30000,malformed=0.01,duplicate=0.01"),
            QStringLiteral("--stats-file"), stats });
    QVERIFY(port != 0);
    QProcess capture;
    capture.start(cli(),
        { QStringLiteral("capture"), QStringLiteral("--url"), QStringLiteral("ws://127.0.0.1:%1").arg(port),
            QStringLiteral("--source-id"), QStringLiteral("book"), QStringLiteral("--from-seq"), QStringLiteral("0"),
            QStringLiteral("--count"), QStringLiteral("20000"), QStringLiteral("--heartbeat-ms"), QStringLiteral("100"),
            QStringLiteral("--backoff-max-ms"), QStringLiteral("200"), QStringLiteral("--summary-json"), summary,
            QStringLiteral("--quiet"), QStringLiteral("--no-store") });
    QVERIFY(capture.waitForFinished(60000));
    QCOMPARE(capture.exitCode(), 0);
    terminate(sim);
    const QJsonObject sum = readJson(summary);
    const QJsonObject st = readJson(stats);
    const QJsonObject generated = st.value(QStringLiteral("generated")).toObject();
    const QJsonObject accepted = sum.value(QStringLiteral("accepted")).toObject();
    for (const char *type : { "fixture", "odds", "bet" }) {
        QCOMPARE(accepted.value(QLatin1String(type)).toInteger(), generated.value(QLatin1String(type)).toInteger());
    }
    QCOMPARE(sum.value(QStringLiteral("rejected")).toObject().value(QStringLiteral("total")).toInteger(),
        st.value(QStringLiteral("malformed_sent")).toInteger());
    QCOMPARE(
        sum.value(QStringLiteral("duplicates")).toInteger(), st.value(QStringLiteral("duplicates_sent")).toInteger());
    QCOMPARE(sum.value(QStringLiteral("reconnects")).toInteger(),
        st.value(QStringLiteral("connections_total")).toInteger() - 1);
    QVERIFY(sum.value(QStringLiteral("sources")).toObject().contains(QStringLiteral("book")));
}

void TestCliFeed::summaryIsShortForPeopleAndQuietIsQuiet()
{
    QProcess sim;
    const quint16 port = startSimulator(sim,
        { QStringLiteral("--seed"), QStringLiteral("4"), QStringLiteral("--count"), QStringLiteral("3000"),
            QStringLiteral("--rate"), QStringLiteral("0"), QStringLiteral("--faults"),
            QStringLiteral("malformed=0.01") });
    QVERIFY(port != 0);
    const auto capture = [&](const QStringList &extra) {
        QProcess p;
        p.start(cli(),
            QStringList { QStringLiteral("capture"), QStringLiteral("--url"),
                QStringLiteral("ws://127.0.0.1:%1").arg(port), QStringLiteral("--from-seq"), QStringLiteral("0"),
                QStringLiteral("--until-seq"), QStringLiteral("3000"), QStringLiteral("--no-store") }
                + extra);
        p.waitForFinished(60000);
        return std::tuple { p.exitCode(), QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError()) };
    };
    // What a terminal gets: a few lines a person reads, not the JSON document.
    const auto [code, text, log] = capture({ QStringLiteral("--summary"), QStringLiteral("text") });
    QCOMPARE(code, 0);
    const QStringList lines = text.trimmed().split(QLatin1Char('\n'));
    QVERIFY2(lines.size() >= 3 && lines.size() <= 6, qPrintable(text));
    QVERIFY2(lines[0].startsWith(QLatin1String("Captured 3,000 events")), qPrintable(text));
    QVERIFY2(lines[1].startsWith(QLatin1String("Rejected ")) && lines[1].contains(QLatin1String("; duplicates 0")),
        qPrintable(text));
    QVERIFY2(text.contains(QLatin1String("accounted for: OK.")), qPrintable(text));
    QVERIFY(!text.contains(QLatin1Char('{')));
    // A pipe gets the JSON, as scripts expect.
    const auto [jsonCode, json, jsonLog] = capture({});
    QCOMPARE(jsonCode, 0);
    QCOMPARE(QJsonDocument::fromJson(json.toUtf8()).object().value(QStringLiteral("accepted_total")).toInteger(), 3000);
    QVERIFY2(jsonLog.contains(QLatin1String(" info: ")), "info logs are on without --quiet");
    // --quiet: no summary and no info lines; the run still happened.
    const auto [quietCode, quiet, quietLog] = capture({ QStringLiteral("--quiet") });
    QCOMPARE(quietCode, 0);
    QCOMPARE(quiet, QString());
    QVERIFY2(!quietLog.contains(QLatin1String(" info: ")), qPrintable(quietLog));
    terminate(sim);
}

void TestCliFeed::whyNothingArrivedIsSaid_data()
{
    QTest::addColumn<QByteArray>("answer"); ///< what the server sends back; empty: nothing listens
    QTest::addColumn<QString>("scheme");
    QTest::addColumn<QString>("expected");
    QTest::newRow("nothing listening") << QByteArray() << QStringLiteral("ws")
                                       << QStringLiteral("connection refused: nothing is listening on 127.0.0.1:");
    QTest::newRow("a web server, not a feed")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello")
        << QStringLiteral("ws") << QStringLiteral("answered HTTP 200 (OK) instead of a WebSocket upgrade");
    QTest::newRow("wrong path") << QByteArray("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                                << QStringLiteral("ws")
                                << QStringLiteral("answered HTTP 404 (Not Found): no WebSocket feed at path '/feed'");
    QTest::newRow("TLS to a plain server") << QByteArray("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                                           << QStringLiteral("wss") << QStringLiteral("TLS handshake with 127.0.0.1:");
    // A plain server that hangs up on the TLS hello without a word: Qt says only that the host
    // closed the connection.
    QTest::newRow("TLS to a plain server that hangs up")
        << QByteArray("hang up") << QStringLiteral("wss")
        << QStringLiteral("before the WebSocket handshake (the URL is wss://: if the server has no TLS, use ws://)");
}

void TestCliFeed::whyNothingArrivedIsSaid()
{
    // A capture that never gets a frame ends saying why, and how often it tried; the summary
    // keeps the reason too (the Sources panel shows the same text).
    QFETCH(QByteArray, answer);
    QFETCH(QString, scheme);
    QFETCH(QString, expected);
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    const quint16 port = server.serverPort();
    if (answer.isEmpty()) {
        server.close();
    }
    connect(&server, &QTcpServer::newConnection, &server, [&server, answer] {
        while (QTcpSocket *s = server.nextPendingConnection()) {
            connect(s, &QTcpSocket::readyRead, s, [s, answer] {
                if (answer == "hang up") {
                    s->abort();
                    return;
                }
                if (s->readAll().contains("\r\n\r\n") || !answer.startsWith("HTTP/1.1 200")) {
                    s->write(answer);
                    if (answer.startsWith("HTTP/1.1 200") || answer.startsWith("HTTP/1.1 404")) {
                        s->disconnectFromHost(); // a TLS client must fail on the bytes, not on a close
                    }
                }
            });
        }
    });
    QTemporaryDir dir;
    const QString summary = dir.filePath(QStringLiteral("capture.json"));
    QProcess capture;
    capture.start(cli(),
        { QStringLiteral("capture"), QStringLiteral("--url"),
            QStringLiteral("%1://127.0.0.1:%2/feed").arg(scheme).arg(port), QStringLiteral("--duration"),
            QStringLiteral("2"), QStringLiteral("--backoff-max-ms"), QStringLiteral("200"),
            QStringLiteral("--summary-json"), summary, QStringLiteral("--quiet"), QStringLiteral("--no-store") });
    QTRY_VERIFY_WITH_TIMEOUT(capture.state() == QProcess::NotRunning, 20000);
    const QString err = QString::fromUtf8(capture.readAllStandardError());
    QCOMPARE(capture.exitCode(), 4);
    const QString last = err.trimmed().split(QLatin1Char('\n')).last();
    QVERIFY2(last.startsWith(QLatin1String("oddstap-cli capture: no frame received: ")), qPrintable(last));
    QVERIFY2(last.contains(expected), qPrintable(last));
    QVERIFY2(
        QRegularExpression(QStringLiteral("\\(after [1-9]\\d* attempts?;")).match(last).hasMatch(), qPrintable(last));
    const QJsonObject source =
        readJson(summary).value(QStringLiteral("sources")).toObject().value(QStringLiteral("src-1")).toObject();
    QVERIFY2(source.value(QStringLiteral("last_problem")).toString().contains(expected),
        qPrintable(source.value(QStringLiteral("last_problem")).toString()));
}

void TestCliFeed::stallsReconcileWithTheSilenceTheClientSaw_data()
{
    QTest::addColumn<int>("heartbeatMs");
    QTest::addColumn<bool>("clientTimesOut");
    // The client declares a stall after 3 heartbeat intervals of silence.
    QTest::newRow("client waits the stall out") << 1000 << false;
    QTest::newRow("client times out first") << 100 << true;
}

void TestCliFeed::stallsReconcileWithTheSilenceTheClientSaw()
{
    // The simulator says how much silence it really served; the recording of the client's side
    // shows the same silence, and the client counts as stalls exactly the ones it cut short.
    QFETCH(int, heartbeatMs);
    QFETCH(bool, clientTimesOut);
    constexpr int kStallMs = 1500;
    QTemporaryDir dir;
    const QString stats = dir.filePath(QStringLiteral("sim.json"));
    const QString summary = dir.filePath(QStringLiteral("capture.json"));
    const QString recording = dir.filePath(QStringLiteral("session.odtc"));
    QProcess sim;
    const quint16 port = startSimulator(sim,
        { QStringLiteral("--seed"), QStringLiteral("8"), QStringLiteral("--count"), QStringLiteral("14000"),
            QStringLiteral("--rate"), QStringLiteral("0"), QStringLiteral("--heartbeat-ms"),
            QString::number(heartbeatMs), QStringLiteral("--faults"),
            QStringLiteral("stall_every=6000,stall_ms=%1,malformed=0.01,duplicate=0.01").arg(kStallMs),
            QStringLiteral("--stats-file"), stats });
    QVERIFY(port != 0);
    QProcess capture;
    capture.start(cli(),
        { QStringLiteral("capture"), QStringLiteral("--url"), QStringLiteral("ws://127.0.0.1:%1").arg(port),
            QStringLiteral("--from-seq"), QStringLiteral("0"), QStringLiteral("--count"), QStringLiteral("14000"),
            QStringLiteral("--heartbeat-ms"), QString::number(heartbeatMs), QStringLiteral("--backoff-max-ms"),
            QStringLiteral("200"), QStringLiteral("--summary-json"), summary, QStringLiteral("--record"), recording,
            QStringLiteral("--quiet"), QStringLiteral("--no-store") });
    QVERIFY(capture.waitForFinished(60000));
    QVERIFY2(capture.exitCode() == 0, capture.readAllStandardError().right(2000).constData());
    terminate(sim);
    const QJsonObject sum = readJson(summary);
    const QJsonObject st = readJson(stats);
    QCOMPARE(st.value(QStringLiteral("stalls")).toInteger(), 2);
    const qint64 cutShort = st.value(QStringLiteral("stalls_cut_short")).toInteger();
    const qint64 longestServedMs = st.value(QStringLiteral("longest_stall_ms")).toInteger();
    QCOMPARE(sum.value(QStringLiteral("stalls")).toInteger(), cutShort);
    QProcess info;
    info.start(cli(), { QStringLiteral("info"), recording, QStringLiteral("--json") });
    QVERIFY(info.waitForFinished(30000));
    const QJsonArray sources =
        QJsonDocument::fromJson(info.readAllStandardOutput()).object().value(QStringLiteral("sources")).toArray();
    QCOMPARE(sources.size(), 1);
    const double silenceMs = sources.at(0).toObject().value(QStringLiteral("longest_silence_s")).toDouble() * 1000;
    if (clientTimesOut) {
        QCOMPARE(cutShort, 2);
        QVERIFY2(longestServedMs >= 3 * heartbeatMs && longestServedMs < kStallMs,
            qPrintable(QString::number(longestServedMs)));
    } else {
        QCOMPARE(cutShort, 0);
        QVERIFY2(longestServedMs >= kStallMs, qPrintable(QString::number(longestServedMs)));
    }
    // The client saw at least the silence the server says it served (heartbeats stop too).
    QVERIFY2(silenceMs >= double(longestServedMs) - 50,
        qPrintable(QStringLiteral("served %1 ms, seen %2 ms").arg(longestServedMs).arg(silenceMs)));
}

void TestCliFeed::wrongTokenExitsWithAuthFailure()
{
    QTemporaryDir dir;
    QFile serverToken(dir.filePath(QStringLiteral("server.token")));
    QVERIFY(serverToken.open(QIODevice::WriteOnly));
    serverToken.write("s3cret\n");
    serverToken.close();
    QFile clientToken(dir.filePath(QStringLiteral("client.token")));
    QVERIFY(clientToken.open(QIODevice::WriteOnly));
    clientToken.write("wrong\n");
    clientToken.close();
    QProcess sim;
    const quint16 port = startSimulator(sim, { QStringLiteral("--token-file"), serverToken.fileName() });
    QVERIFY(port != 0);
    QProcess capture;
    capture.start(cli(),
        { QStringLiteral("capture"), QStringLiteral("--url"), QStringLiteral("ws://127.0.0.1:%1").arg(port),
            QStringLiteral("--token-file"), clientToken.fileName(), QStringLiteral("--duration"), QStringLiteral("2"),
            QStringLiteral("--no-store") });
    QVERIFY(capture.waitForFinished(30000));
    terminate(sim);
    QCOMPARE(capture.exitCode(), 3);
    const QByteArray err = capture.readAllStandardError();
    QVERIFY2(err.contains("HTTP 401"), err);
    QVERIFY(!err.contains("wrong")); // the token never reaches the logs
    const QJsonObject sum = QJsonDocument::fromJson(capture.readAllStandardOutput()).object();
    QCOMPARE(sum.value(QStringLiteral("connections")).toInteger(), 1);
    QCOMPARE(sum.value(QStringLiteral("auth_failures")).toInteger(), 1);
    QVERIFY2(err.contains("the server rejected the token"), err);

    // No token at all: the message says one is needed, not that it was rejected.
    const quint16 again = startSimulator(sim, { QStringLiteral("--token-file"), serverToken.fileName() });
    QVERIFY(again != 0);
    capture.start(cli(),
        { QStringLiteral("capture"), QStringLiteral("--url"), QStringLiteral("ws://127.0.0.1:%1").arg(again),
            QStringLiteral("--duration"), QStringLiteral("2"), QStringLiteral("--no-store") });
    QVERIFY(capture.waitForFinished(30000));
    terminate(sim);
    QCOMPARE(capture.exitCode(), 3);
    const QByteArray noToken = capture.readAllStandardError();
    QVERIFY2(noToken.contains("the server asks for a token (HTTP 401) and none was given"), noToken);
    QVERIFY2(!noToken.contains("rejected the token"), noToken);
}

void TestCliFeed::eachSourceGetsTheTokenThatFollowsIt()
{
    QTemporaryDir dir;
    const auto tokenFile = [&dir](const char *name, const QByteArray &token) {
        QFile f(dir.filePath(QLatin1String(name)));
        return f.open(QIODevice::WriteOnly) && f.write(token + '\n') > 0 ? f.fileName() : QString();
    };
    const QString a = tokenFile("a.token", "token-of-a");
    const QString b = tokenFile("b.token", "token-of-b");
    QProcess simA;
    QProcess simB;
    const quint16 portA = startSimulator(simA, { QStringLiteral("--token-file"), a });
    const quint16 portB = startSimulator(simB, { QStringLiteral("--token-file"), b });
    QVERIFY(portA != 0 && portB != 0);
    const auto run = [&](const QStringList &middle) {
        QProcess capture;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(QStringLiteral("ODDSTAP_TOKEN"));
        capture.setProcessEnvironment(env);
        capture.start(cli(),
            QStringList { QStringLiteral("capture"), QStringLiteral("--url"),
                QStringLiteral("ws://127.0.0.1:%1").arg(portA), QStringLiteral("--source-id"), QStringLiteral("a") }
                + middle
                + QStringList { QStringLiteral("--duration"), QStringLiteral("2"), QStringLiteral("--no-store"),
                    QStringLiteral("--quiet"), QStringLiteral("--summary-json"),
                    dir.filePath(QStringLiteral("sum.json")) });
        capture.waitForFinished(30000);
        return readJson(dir.filePath(QStringLiteral("sum.json")));
    };
    const auto lastSeq = [](const QJsonObject &sum, const char *source) {
        return sum.value(QStringLiteral("sources"))
            .toObject()
            .value(QLatin1String(source))
            .toObject()
            .value(QStringLiteral("last_seq"))
            .toInteger();
    };
    // Each token after its own --url: both sources let in.
    QJsonObject sum = run(
        { QStringLiteral("--token-file"), a, QStringLiteral("--url"), QStringLiteral("ws://127.0.0.1:%1").arg(portB),
            QStringLiteral("--source-id"), QStringLiteral("b"), QStringLiteral("--token-file"), b });
    QCOMPARE(sum.value(QStringLiteral("auth_failures")).toInteger(), 0);
    QVERIFY(lastSeq(sum, "a") > 0 && lastSeq(sum, "b") > 0);
    // b's token after b's --url only: a gets none (and a 401), never b's.
    sum = run({ QStringLiteral("--url"), QStringLiteral("ws://127.0.0.1:%1").arg(portB), QStringLiteral("--source-id"),
        QStringLiteral("b"), QStringLiteral("--token-file"), b });
    QCOMPARE(sum.value(QStringLiteral("auth_failures")).toInteger(), 1);
    QCOMPARE(lastSeq(sum, "a"), 0);
    QVERIFY(lastSeq(sum, "b") > 0);
    // An option's value that looks like an option is a value, as the parser reads it: here the
    // second source's id. a's token stays a's.
    sum = run({ QStringLiteral("--source-id"), QStringLiteral("--url=ws://fake"), QStringLiteral("--token-file"), a,
        QStringLiteral("--url"), QStringLiteral("ws://127.0.0.1:%1").arg(portB) });
    QCOMPARE(sum.value(QStringLiteral("auth_failures")).toInteger(), 1);
    QVERIFY(lastSeq(sum, "a") > 0);
    QCOMPARE(lastSeq(sum, "--url=ws://fake"), 0);
    terminate(simA);
    terminate(simB);
}

void TestCliFeed::badCommandLines_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QByteArray>("message");
    QTest::addRow("capture without url") << QStringList { QStringLiteral("capture") }
                                         << QByteArray("at least one --url");
    QTest::addRow("http url") << QStringList { QStringLiteral("capture"), QStringLiteral("--url"),
        QStringLiteral("http://127.0.0.1:1") }
                              << QByteArray("the scheme must be ws://, wss://");
    QTest::addRow("no host") << QStringList { QStringLiteral("capture"), QStringLiteral("--url"),
        QStringLiteral("ws://") }
                             << QByteArray("invalid URL");
    // Output paths are checked before anything is captured (they were found at the end).
    QTest::addRow("record directory") << QStringList { QStringLiteral("capture"), QStringLiteral("--url"),
        QStringLiteral("ws://127.0.0.1:1"), QStringLiteral("--record"), QStringLiteral("/dev/null/x.odtc") }
                                      << QByteArray("--record: cannot create the directory '/dev/null'");
    QTest::addRow("summary directory") << QStringList { QStringLiteral("capture"), QStringLiteral("--url"),
        QStringLiteral("ws://127.0.0.1:1"), QStringLiteral("--summary-json"), QStringLiteral("/dev/null/s.json") }
                                       << QByteArray("--summary-json: cannot create the directory '/dev/null'");
    QTest::addRow("no scheme") << QStringList { QStringLiteral("capture"), QStringLiteral("--url"),
        QStringLiteral("127.0.0.1:18765") }
                               << QByteArray("invalid URL: it has no scheme; write ws://HOST:PORT/PATH");
    QTest::addRow("password in the url") << QStringList { QStringLiteral("capture"), QStringLiteral("--url"),
        QStringLiteral("ws://user:hunter2@127.0.0.1:1") }
                                         << QByteArray("the URL carries a password");
    QTest::addRow("missing token file") << QStringList { QStringLiteral("capture"), QStringLiteral("--url"),
        QStringLiteral("ws://127.0.0.1:1"), QStringLiteral("--token-file"), QStringLiteral("/nonexistent") }
                                        << QByteArray("token file '/nonexistent' cannot be read: ");
    // A device that never ends is refused at the size of a secret, not read until memory runs out.
    QTest::addRow("endless token file") << QStringList { QStringLiteral("capture"), QStringLiteral("--url"),
        QStringLiteral("ws://127.0.0.1:1"), QStringLiteral("--token-file"), QStringLiteral("/dev/zero") }
                                        << QByteArray("token file '/dev/zero' holds more than 65536 bytes");
    QTest::addRow("token file a directory") << QStringList { QStringLiteral("capture"), QStringLiteral("--url"),
        QStringLiteral("ws://127.0.0.1:1"), QStringLiteral("--token-file"), QStringLiteral("/tmp") }
                                            << QByteArray("token file '/tmp' is a directory");
    QTest::addRow("missing CA file") << QStringList { QStringLiteral("capture"), QStringLiteral("--url"),
        QStringLiteral("wss://127.0.0.1:1"), QStringLiteral("--ca-file"), QStringLiteral("/nonexistent.pem") }
                                     << QByteArray("CA file '/nonexistent.pem' is not readable");
    QTest::addRow("duplicate source ids") << QStringList { QStringLiteral("capture"), QStringLiteral("--url"),
        QStringLiteral("ws://127.0.0.1:1"), QStringLiteral("--url"), QStringLiteral("ws://127.0.0.1:2"),
        QStringLiteral("--source-id"), QStringLiteral("a"), QStringLiteral("--source-id"), QStringLiteral("a") }
                                          << QByteArray("source id 'a' is used twice");
    QTest::addRow("bad count") << QStringList { QStringLiteral("capture"), QStringLiteral("--url"),
        QStringLiteral("ws://127.0.0.1:1"), QStringLiteral("--count"), QStringLiteral("many") }
                               << QByteArray("--count must be a positive integer");
    QTest::addRow("bad faults") << QStringList { QStringLiteral("simulate"), QStringLiteral("--faults"),
        QStringLiteral("explode=1") }
                                << QByteArray("unknown fault 'explode'");
    QTest::addRow("bad rate") << QStringList { QStringLiteral("simulate"), QStringLiteral("--rate"),
        QStringLiteral("-5") } << QByteArray("--rate must be a number between 0");
    QTest::addRow("bad host") << QStringList { QStringLiteral("simulate"), QStringLiteral("--host"),
        QStringLiteral("not-an-ip") }
                              << QByteArray("not an IP address");
}

void TestCliFeed::badCommandLines()
{
    QFETCH(QStringList, args);
    QFETCH(QByteArray, message);
    QProcess p;
    p.start(cli(), args);
    QVERIFY(p.waitForFinished(10000));
    QCOMPARE(p.exitCode(), 2);
    const QByteArray err = p.readAllStandardError();
    QVERIFY2(err.contains(message), err);
}

void TestCliFeed::secretsStayOutOfEveryMessage_data()
{
    // PW1 and TK1 stand for a password and a token: no message may quote them, however malformed
    // the URL around them (QUrl's own error text quotes the whole URL).
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QByteArray>("token"); ///< ODDSTAP_TOKEN
    QTest::addColumn<int>("code");
    QTest::addColumn<QByteArray>("message");
    const auto capture = [](const QStringList &more) {
        return QStringList { QStringLiteral("capture"), QStringLiteral("--no-store"), QStringLiteral("--duration"),
            QStringLiteral("1") }
        + more;
    };
    const QString url = QStringLiteral("--url");
    QTest::addRow("bad host") << capture({ url, QStringLiteral("ws://alice:PW1@ho st:8765/feed?token=TK1") })
                              << QByteArray() << 2 << QByteArray("invalid URL: Invalid hostname");
    QTest::addRow("bad port") << capture({ url, QStringLiteral("ws://alice:PW1@host:99999/feed?token=TK1") })
                              << QByteArray() << 2 << QByteArray("invalid URL");
    QTest::addRow("bad scheme") << capture({ url, QStringLiteral("http://alice@host/feed?token=TK1") }) << QByteArray()
                                << 2 << QByteArray("the scheme must be");
    QTest::addRow("password") << capture({ url, QStringLiteral("ws://alice:PW1@127.0.0.1:1/feed?token=TK1") })
                              << QByteArray() << 2 << QByteArray("the URL carries a password");
    QTest::addRow("no host") << capture({ url, QStringLiteral("ws:///feed?token=TK1") }) << QByteArray() << 2
                             << QByteArray("no host");
    QTest::addRow("betfair no host") << capture({ url, QStringLiteral("betfair:///?appKey=TK1&session=PW1") })
                                     << QByteArray() << 2 << QByteArray("no host");
    QTest::addRow("redis password") << capture({ url, QStringLiteral("ws://127.0.0.1:1"), QStringLiteral("--redis"),
        QStringLiteral("redis://:PW1@127.0.0.1:6379") })
                                    << QByteArray() << 2 << QByteArray("set ODDSTAP_REDIS_PASSWORD instead");
    QTest::addRow("redis bad port") << capture({ url, QStringLiteral("ws://127.0.0.1:1"), QStringLiteral("--redis"),
        QStringLiteral("redis://:PW1@127.0.0.1:99999") })
                                    << QByteArray() << 2 << QByteArray("--redis wants");
    QTest::addRow("postgres #") << QStringList { QStringLiteral("stats"), QStringLiteral("--db"),
        QStringLiteral("postgresql://bob:#PW1@127.0.0.1:1/odds") }
                                << QByteArray() << 2 << QByteArray("invalid PostgreSQL URL");
    QTest::addRow("postgres /") << QStringList { QStringLiteral("stats"), QStringLiteral("--db"),
        QStringLiteral("postgresql://bob:1/PW1@127.0.0.1/odds") }
                                << QByteArray() << 2 << QByteArray("an '@' after the host");
    // A token goes to its own source only, and never in clear text off this machine.
    QTest::addRow("token over ws to another machine")
        << capture({ url, QStringLiteral("ws://192.0.2.2:18991/feed") }) << QByteArray("TK1") << 2
        << QByteArray("has no TLS (ws://) and is not this machine");
    QTest::addRow("one env token, two sources")
        << capture({ url, QStringLiteral("ws://127.0.0.1:1"), url, QStringLiteral("ws://127.0.0.1:2") })
        << QByteArray("TK1") << 2 << QByteArray("ODDSTAP_TOKEN would go to all 2 sources");
    QTest::addRow("token file before any url") << capture(
        { QStringLiteral("--token-file"), QStringLiteral("/nonexistent"), url, QStringLiteral("ws://127.0.0.1:1") })
                                               << QByteArray() << 2
                                               << QByteArray("--token-file goes after the --url it is for");
    QTest::addRow("two token files for one url")
        << capture({ url, QStringLiteral("ws://127.0.0.1:1"), QStringLiteral("--token-file"), QStringLiteral("none"),
               QStringLiteral("--token-file=none"), url, QStringLiteral("ws://127.0.0.1:2") })
        << QByteArray() << 2 << QByteArray("two --token-file for --url number 1");
    QTest::addRow("header injection") << capture({ url, QStringLiteral("ws://127.0.0.1:1") })
                                      << QByteArray("TK1\r\nX-Injected: PW1") << 2
                                      << QByteArray("another control character");
    // A fragment is neither logged nor stored (nothing listens: no frame, exit 4).
    QTest::addRow("fragment") << capture({ url, QStringLiteral("ws://u@127.0.0.1:1/feed#TK1") }) << QByteArray() << 4
                              << QByteArray("connecting: ws://127.0.0.1:1/feed\n");
}

void TestCliFeed::secretsStayOutOfEveryMessage()
{
    QFETCH(QStringList, args);
    QFETCH(QByteArray, token);
    QFETCH(int, code);
    QFETCH(QByteArray, message);
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("ODDSTAP_TOKEN"));
    env.remove(QStringLiteral("ODDSTAP_REDIS_PASSWORD"));
    if (!token.isEmpty()) {
        env.insert(QStringLiteral("ODDSTAP_TOKEN"), QString::fromLatin1(token));
    }
    env.insert(QStringLiteral("QT_LOGGING_RULES"), QStringLiteral("*.debug=true"));
    p.setProcessEnvironment(env);
    p.start(cli(), args);
    QVERIFY(p.waitForFinished(30000));
    const QByteArray out = p.readAllStandardError() + p.readAllStandardOutput();
    QVERIFY2(p.exitCode() == code, out.constData());
    QVERIFY2(out.contains(message), out.constData());
    QVERIFY2(!out.contains("PW1") && !out.contains("TK1"), out.constData());
}

QTEST_GUILESS_MAIN(TestCliFeed)
void TestCliFeed::aGapTheServerCannotFillEndsWithExit8()
{
    // The server lost seq 4: each resume from 3 meets the same gap. With the default policy the
    // capture gives seq 4 up after 5 meetings and 30 s, goes on to seq 10, and ends with exit 8
    // and the range, not 0 (a hole) and not a reconnect loop to the end.
    OddsTap::Testing::RawWsServer server(
        [](OddsTap::Testing::RawWsServer &, QTcpSocket *socket, int, std::optional<quint64> from) {
            for (quint64 seq = from.value_or(0) + 1; seq <= 10; ++seq) {
                if (seq != 4) {
                    OddsTap::Testing::RawWsServer::sendText(socket, OddsTap::Testing::RawWsServer::bet(seq));
                }
            }
        });
    QVERIFY(server.listen());
    QTemporaryDir dir;
    const QString summary = dir.filePath(QStringLiteral("summary.json"));
    QProcess capture;
    capture.start(cli(),
        { QStringLiteral("capture"), QStringLiteral("--url"), QStringLiteral("ws://127.0.0.1:%1").arg(server.port()),
            QStringLiteral("--db"), dir.filePath(QStringLiteral("hole.db")), QStringLiteral("--duration"),
            QStringLiteral("40"), QStringLiteral("--backoff-max-ms"), QStringLiteral("1000"),
            QStringLiteral("--summary-json"), summary, QStringLiteral("--quiet") });
    QVERIFY(capture.waitForStarted());
    // The server lives on this thread: wait by spinning its event loop.
    QTRY_VERIFY_WITH_TIMEOUT(capture.state() == QProcess::NotRunning, 90000);
    const QByteArray err = capture.readAllStandardError();
    QCOMPARE(capture.exitCode(), 8);
    QVERIFY2(err.contains("1 seqs never came from the feed (src-1 seq 4)"), err.constData());
    const QJsonObject sum = readJson(summary);
    QCOMPARE(sum.value(QStringLiteral("seqs_never_received")).toInteger(), 1);
    QCOMPARE(sum.value(QStringLiteral("gaps")).toInteger(), 1);
    QCOMPARE(sum.value(QStringLiteral("sources"))
                 .toObject()
                 .value(QStringLiteral("src-1"))
                 .toObject()
                 .value(QStringLiteral("last_seq"))
                 .toInteger(),
        10);
}

#include "tst_cli_feed.moc"

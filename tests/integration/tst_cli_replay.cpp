// SPDX-License-Identifier: MIT
// Record and replay, end to end through oddstap-cli processes and real WebSocket servers:
// a simulator session with faults is recorded while it is captured into database A; the capture
// replayed into a fresh database B, and served as the sportsbook (with dropped connections) to a
// live capture into C, must give the same rows as A. A recording killed with SIGKILL opens and
// replays. Frames travel out as NDJSON and back.
#include <tests/testutils/rawwsserver.h>
#include <tests/testutils/smalltmpfs.h>

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QtEndian>

#include <csignal>
#include <map>
#include <sys/stat.h>

namespace {

constexpr int kSeqs = 8000;

struct Result
{
    int code = -1;
    QByteArray out;
    QByteArray err;
};

QString cli()
{
    return QStringLiteral(ODDSTAP_CLI_PATH);
}

Result run(const QStringList &args, int timeoutMs = 120000)
{
    QProcess p;
    p.start(cli(), args);
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
    }
    return { p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, p.readAllStandardOutput(),
        p.readAllStandardError() };
}

QJsonObject runJson(const QStringList &args)
{
    const Result r = run(args);
    if (r.code != 0) {
        qWarning().noquote() << args.join(QLatin1Char(' ')) << "exit" << r.code << r.err.right(2000);
    }
    return QJsonDocument::fromJson(r.out).object();
}

/// Starts a server process (simulate or replay --serve) and returns its ws:// URL, or empty.
QString startServer(QProcess &server, const QStringList &args)
{
    server.setProcessChannelMode(QProcess::SeparateChannels);
    server.start(cli(), args);
    if (!server.waitForStarted(10000)) {
        return {};
    }
    QByteArray out;
    const QRegularExpression re(QStringLiteral("listening on (ws://[^\\s]+)"));
    for (int i = 0; i < 100 && !out.contains('\n'); ++i) {
        server.waitForReadyRead(200);
        out += server.readAllStandardOutput();
    }
    const auto m = re.match(QString::fromUtf8(out));
    return m.hasMatch() ? m.captured(1) : QString();
}

void stopServer(QProcess &server)
{
    if (server.state() != QProcess::NotRunning) {
        ::kill(pid_t(server.processId()), SIGTERM);
        if (!server.waitForFinished(10000)) {
            server.kill();
            server.waitForFinished();
        }
    }
}

QJsonObject tablesOf(const QString &db)
{
    return runJson({ QStringLiteral("stats"), QStringLiteral("--db"), db }).value(QStringLiteral("tables")).toObject();
}

} // namespace

class TestCliReplay : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void infoReportsTheSession();
    void replayIntoFreshDatabaseIsIdentical();
    void diffFindsTheFirstDivergence();
    void howTheConnectionWentExportsAsCsv();
    void servedReplayWithDroppedConnectionsIsIdentical();
    void rejectedEnvelopesAreServedWhereTheyWere();
    void replayWindowAndSpeed();
    void killedRecordingOpensAndReplays();
    void framesRoundTripThroughNdjson();
    void ringSavesTheLastMinutesOnDemand();
    void aRingSaveThatFailsEndsTheCaptureWithExit6_data();
    void aRingSaveThatFailsEndsTheCaptureWithExit6();
    void badInput_data();
    void badInput();
    void craftedCapturesAreRefusedClearly_data();
    void craftedCapturesAreRefusedClearly();
    void capturesOfFormatOneStillRead();
    void aRecordingCutByAFullDiskIsReadOnceMoved();
    void aCaptureStartedWithoutStandardStreamsRecordsToTheEnd();
    void aRecordingNeverTakesADatabasesJournal();

private:
    QTemporaryDir m_dir;
    QString m_capture; ///< recorded while capturing into m_dbA
    QString m_dbA;
    QJsonObject m_summaryA;
};

void TestCliReplay::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_capture = m_dir.filePath(QStringLiteral("session.odtc"));
    m_dbA = m_dir.filePath(QStringLiteral("a.db"));
    QProcess sim;
    // Every kind of fault the simulator has: the recording must hold what really arrived, and
    // the replays must make the same decisions about it.
    const QString url = startServer(sim,
        { QStringLiteral("simulate"), QStringLiteral("--seed"), QStringLiteral("11"), QStringLiteral("--count"),
            QString::number(kSeqs), QStringLiteral("--rate"), QStringLiteral("3000"), QStringLiteral("--fixtures"),
            QStringLiteral("60"), QStringLiteral("--faults"),
            QStringLiteral("drop_every=2500,malformed=0.01,duplicate=0.01,gap=0.003,stall_every=3000,stall_ms=300") });
    QVERIFY2(!url.isEmpty(), "the simulator did not start");
    const QString summary = m_dir.filePath(QStringLiteral("a.json"));
    const Result r = run({ QStringLiteral("capture"), QStringLiteral("--url"), url, QStringLiteral("--from-seq"),
        QStringLiteral("0"), QStringLiteral("--db"), m_dbA, QStringLiteral("--until-seq"), QString::number(kSeqs),
        QStringLiteral("--backoff-initial-ms"), QStringLiteral("50"), QStringLiteral("--record"), m_capture,
        QStringLiteral("--notes"), QStringLiteral("tst_cli_replay"), QStringLiteral("--quiet"),
        QStringLiteral("--summary-json"), summary });
    stopServer(sim);
    QVERIFY2(r.code == 0, r.err.right(3000).constData());
    QFile f(summary);
    QVERIFY(f.open(QIODevice::ReadOnly));
    m_summaryA = QJsonDocument::fromJson(f.readAll()).object();
    const QJsonObject recording = m_summaryA.value(QStringLiteral("recording")).toObject();
    QCOMPARE(
        recording.value(QStringLiteral("frames")).toInteger(), m_summaryA.value(QStringLiteral("frames")).toInteger());
    QVERIFY(!recording.contains(QStringLiteral("error")));
    // The faults really happened, or the comparisons below prove little.
    QVERIFY(m_summaryA.value(QStringLiteral("reconnects")).toInteger() >= 2);
    QVERIFY(m_summaryA.value(QStringLiteral("duplicates")).toInteger() > 0);
    QVERIFY(m_summaryA.value(QStringLiteral("gaps")).toInteger() > 0);
    QVERIFY(m_summaryA.value(QStringLiteral("rejected")).toObject().value(QStringLiteral("total")).toInteger() > 0);
}

void TestCliReplay::infoReportsTheSession()
{
    const QJsonObject info = runJson({ QStringLiteral("info"), m_capture, QStringLiteral("--json") });
    QCOMPARE(info.value(QStringLiteral("complete")).toBool(), true);
    QCOMPARE(info.value(QStringLiteral("notes")).toString(), QStringLiteral("tst_cli_replay"));
    QCOMPARE(info.value(QStringLiteral("frames")).toInteger(), m_summaryA.value(QStringLiteral("frames")).toInteger());
    QCOMPARE(info.value(QStringLiteral("bytes")).toInteger(), m_summaryA.value(QStringLiteral("bytes")).toInteger());
    QVERIFY(info.value(QStringLiteral("duration_s")).toDouble() > 1.0);
    QVERIFY(info.value(QStringLiteral("peak_frames_per_s")).toObject().value(QStringLiteral("value")).toInteger() > 0);
    const QJsonArray sources = info.value(QStringLiteral("sources")).toArray();
    QCOMPARE(sources.size(), 1);
    const QJsonObject s = sources.first().toObject();
    const QJsonObject live =
        m_summaryA.value(QStringLiteral("sources")).toObject().value(QStringLiteral("src-1")).toObject();
    // The report runs the frames through the same stream logic: the same counts as the live session.
    const QJsonObject events = s.value(QStringLiteral("events")).toObject();
    const QJsonObject accepted = live.value(QStringLiteral("accepted")).toObject();
    for (const char *type : { "fixture", "odds", "bet" }) {
        QCOMPARE(events.value(QLatin1String(type)).toInteger(), accepted.value(QLatin1String(type)).toInteger());
    }
    QCOMPARE(s.value(QStringLiteral("duplicates")).toInteger(), live.value(QStringLiteral("duplicates")).toInteger());
    QCOMPARE(s.value(QStringLiteral("gaps")).toInteger(), live.value(QStringLiteral("gaps")).toInteger());
    QCOMPARE(s.value(QStringLiteral("reconnects")).toInteger(), live.value(QStringLiteral("reconnects")).toInteger());
    QCOMPARE(s.value(QStringLiteral("rejected")).toInteger(),
        live.value(QStringLiteral("rejected")).toObject().value(QStringLiteral("total")).toInteger());
    QCOMPARE(s.value(QStringLiteral("last_seq")).toInteger(), kSeqs);
    // The stalls of 300 ms are the longest silences of the session.
    QVERIFY(s.value(QStringLiteral("longest_silence_s")).toDouble() >= 0.25);

    const Result text = run({ QStringLiteral("info"), m_capture });
    QCOMPARE(text.code, 0);
    QVERIFY(text.out.contains("longest silence"));
    QVERIFY(text.out.contains("reconnects"));
    QVERIFY2(!text.err.contains("gap:"), "info must not print the stream logic's log lines");
}

void TestCliReplay::replayIntoFreshDatabaseIsIdentical()
{
    const QString dbB = m_dir.filePath(QStringLiteral("b.db"));
    const Result r = run({ QStringLiteral("replay"), m_capture, QStringLiteral("--db"), dbB, QStringLiteral("--max"),
        QStringLiteral("--quiet") });
    QVERIFY2(r.code == 0, r.err.right(3000).constData());
    // --strict also compares received_at (replay stores the recorded receive time), gaps and the
    // connection history: a replay is the recorded session, not just the same data.
    const Result diff = run({ QStringLiteral("diff"), m_dbA, dbB, QStringLiteral("--strict") });
    QVERIFY2(diff.code == 0, diff.out.constData());
    QVERIFY(diff.out.startsWith("identical (databases)"));
    const QJsonObject a = tablesOf(m_dbA);
    const QJsonObject b = tablesOf(dbB);
    QCOMPARE(b, a);
    QVERIFY(a.value(QStringLiteral("odds")).toInteger() > 1000);
    QVERIFY(a.value(QStringLiteral("rejects")).toInteger() > 0);

    // The JSON report says the same and names what was left out.
    const QJsonObject json = runJson({ QStringLiteral("diff"), m_dbA, dbB, QStringLiteral("--json") });
    QCOMPARE(json.value(QStringLiteral("identical")).toBool(), true);
    QVERIFY(!json.value(QStringLiteral("left_out")).toArray().isEmpty());
}

void TestCliReplay::diffFindsTheFirstDivergence()
{
    const QString dbB = m_dir.filePath(QStringLiteral("b.db"));
    const QString dbD = m_dir.filePath(QStringLiteral("d.db"));
    QVERIFY(QFile::copy(dbB, dbD));
    // Change one price in D with the sqlite3 tool a QA engineer would use.
    QProcess sqlite;
    sqlite.start(QStringLiteral("sqlite3"),
        { dbD,
            QStringLiteral(
                "UPDATE odds SET odd_value = odd_value + 1 WHERE seq = (SELECT MIN(seq) FROM odds WHERE seq > 5000);"
                "SELECT MIN(seq) FROM odds WHERE seq > 5000;") });
    if (!sqlite.waitForStarted(5000)) {
        QFAIL("the sqlite3 tool is needed (scripts/test installs it)");
    }
    QVERIFY(sqlite.waitForFinished(10000));
    QCOMPARE(sqlite.exitCode(), 0);
    const QByteArray seq = sqlite.readAllStandardOutput().trimmed();
    QVERIFY(!seq.isEmpty());
    const Result diff = run({ QStringLiteral("diff"), m_dbA, dbD });
    QCOMPARE(diff.code, 1);
    QVERIFY2(diff.out.contains("first divergence in odds"), diff.out.constData());
    QVERIFY2(diff.out.contains(QByteArray(QByteArray("seq=") + seq)), diff.out.constData());
    QVERIFY2(diff.out.contains("column odd_value"), diff.out.constData());
    const QJsonObject json = runJson({ QStringLiteral("diff"), m_dbA, dbD, QStringLiteral("--json") });
    QCOMPARE(json.value(QStringLiteral("identical")).toBool(), false);
    const QJsonObject first = json.value(QStringLiteral("first_divergence")).toObject();
    QCOMPARE(first.value(QStringLiteral("table")).toString(), QStringLiteral("odds"));
    QCOMPARE(first.value(QStringLiteral("column")).toString(), QStringLiteral("odd_value"));
    QVERIFY(first.value(QStringLiteral("a")).toString() != first.value(QStringLiteral("b")).toString());
}

void TestCliReplay::howTheConnectionWentExportsAsCsv()
{
    // Session A had drops, gaps and malformed frames: every row of those tables comes out as CSV.
    const QJsonObject tables = tablesOf(m_dbA);
    const std::map<QString, QByteArray> headers {
        { QStringLiteral("gaps"), "source_id,connection,expected_seq,received_seq,missing,compacted,detected_at" },
        { QStringLiteral("connection_events"), "source_id,connection,state,reason,delay_ms,last_seq,at" },
        { QStringLiteral("rejects"), "source_id,seq,batch_index,received_at,code,message,raw,raw_truncated" },
    };
    for (const auto &[table, header] : headers) {
        const QString csv = m_dir.filePath(table + QStringLiteral(".csv"));
        const Result r = run({ QStringLiteral("export"), QStringLiteral("--db"), m_dbA, QStringLiteral("--table"),
            table, QStringLiteral("--out"), csv });
        QVERIFY2(r.code == 0, r.err.constData());
        QFile f(csv);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray text = f.readAll();
        QVERIFY2(text.startsWith(QByteArray(header + "\r\n")) || text.startsWith(QByteArray(header + "\n")),
            text.left(200).constData());
        QVERIFY(tables.value(table).toInteger() > 0);
        // Fields may hold line breaks (raw text), so count records by the CSV writer's own line ends.
        const qint64 records = text.count("\r\n") > 0 ? text.count("\r\n") : text.count('\n');
        if (table != QLatin1String("rejects")) {
            QCOMPARE(records - 1, tables.value(table).toInteger());
        }
    }
    const Result fixture = run({ QStringLiteral("export"), QStringLiteral("--db"), m_dbA, QStringLiteral("--table"),
        QStringLiteral("gaps"), QStringLiteral("--fixture"), QStringLiteral("fx-1") });
    QCOMPARE(fixture.code, 2);
    QVERIFY2(fixture.err.contains("--fixture does not apply to gaps"), fixture.err.constData());
}

void TestCliReplay::servedReplayWithDroppedConnectionsIsIdentical()
{
    // The capture served as the sportsbook at 20x, dropping the connection every 1500 events: the
    // OddsTap client resumes from its last seq, and the rows are still those of A.
    QProcess server;
    const QString url = startServer(server,
        { QStringLiteral("replay"), m_capture, QStringLiteral("--serve"), QStringLiteral("0"),
            QStringLiteral("--speed"), QStringLiteral("20"), QStringLiteral("--faults"),
            QStringLiteral("drop_every=1500") });
    QVERIFY2(!url.isEmpty(), server.readAllStandardError().constData());
    const QString dbC = m_dir.filePath(QStringLiteral("c.db"));
    const QString summary = m_dir.filePath(QStringLiteral("c.json"));
    const Result r = run({ QStringLiteral("capture"), QStringLiteral("--url"), url, QStringLiteral("--db"), dbC,
        QStringLiteral("--until-seq"), QString::number(kSeqs), QStringLiteral("--backoff-initial-ms"),
        QStringLiteral("50"), QStringLiteral("--quiet"), QStringLiteral("--summary-json"), summary });
    stopServer(server);
    QVERIFY2(r.code == 0, r.err.right(3000).constData());
    QFile f(summary);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QJsonObject s = QJsonDocument::fromJson(f.readAll()).object();
    QVERIFY2(s.value(QStringLiteral("reconnects")).toInteger() >= 2, "the served replay did not drop the connection");
    QCOMPARE(s.value(QStringLiteral("gaps")).toInteger(), 0); // the replay serves the repaired stream
    const Result diff = run({ QStringLiteral("diff"), m_dbA, dbC });
    QVERIFY2(diff.code == 0, diff.out.constData());
    QVERIFY(diff.out.contains("received_at")); // named as left out
}

void TestCliReplay::rejectedEnvelopesAreServedWhereTheyWere()
{
    // An independent feed whose envelopes are valid but whose data is not: each is rejected and
    // still takes its seq. The recording is served as the sportsbook, captured again, and the two
    // databases (rejects included) are the same.
    using OddsTap::Testing::RawWsServer;
    constexpr quint64 kLast = 40;
    const std::map<quint64, QByteArray> invalid {
        { 5,
            R"({"type":"odds","seq":5,"ts":1798761600000,"data":{"fixture_id":"f1","market_type":"1x2",)"
            R"("selection":"home","odd_value":0.95,"timestamp":1798761600000}})" },
        { 9,
            R"({"type":"fixture","seq":9,"ts":1798761600000,"data":{"sport_id":1,"tournament_id":2,)"
            R"("start_time":"2026-12-05T15:00:00Z","status":"live","home":"A","away":"B","score":"0-0"}})" },
        { 14,
            R"({"type":"bet","seq":14,"ts":1798761600000,"data":{"bet_id":"b14","user_id":"u1","fixture_id":"f1",)"
            R"("market_type":"1x2","selection":"home","stake":"ten","odd_value":2.5,"potential_win":25,)"
            R"("timestamp":1798761600000}})" },
        { 20, R"({"type":"odds","seq":20,"ts":1798761600000,"data":null})" },
        { 27, R"({"type":"promotion","seq":27,"ts":1798761600000,"data":{"text":"free bet"}})" },
    };
    RawWsServer feed([&](RawWsServer &, QTcpSocket *socket, int, std::optional<quint64> from) {
        quint64 seq = from ? *from + 1 : 1;
        while (seq <= kLast) {
            if (seq == 31) { // a batch frame with an invalid envelope in the middle
                RawWsServer::sendText(socket,
                    "[" + RawWsServer::bet(31) + ","
                        + R"({"type":"bet","seq":32,"ts":1798761600000,"data":{"bet_id":"b32"}})" + ","
                        + RawWsServer::bet(33) + "]");
                seq = 34;
                continue;
            }
            const auto bad = invalid.find(seq);
            RawWsServer::sendText(socket, bad != invalid.end() ? bad->second : RawWsServer::bet(seq));
            ++seq;
        }
    });
    QVERIFY(feed.listen());
    const QString recording = m_dir.filePath(QStringLiteral("rejects.odtc"));
    const QString dbLive = m_dir.filePath(QStringLiteral("rejects-live.db"));
    QProcess live;
    live.start(cli(),
        { QStringLiteral("capture"), QStringLiteral("--url"), QStringLiteral("ws://127.0.0.1:%1").arg(feed.port()),
            QStringLiteral("--from-seq"), QStringLiteral("0"), QStringLiteral("--db"), dbLive,
            QStringLiteral("--until-seq"), QString::number(kLast), QStringLiteral("--record"), recording,
            QStringLiteral("--quiet") });
    QTRY_VERIFY_WITH_TIMEOUT(live.state() == QProcess::NotRunning, 60000);
    QVERIFY2(live.exitCode() == 0, live.readAllStandardError().right(3000).constData());
    const QJsonObject liveTables = tablesOf(dbLive);
    QCOMPARE(liveTables.value(QStringLiteral("rejects")).toInteger(), 6);
    QCOMPARE(liveTables.value(QStringLiteral("gaps")).toInteger(), 0);

    QProcess server;
    const QString url = startServer(server,
        { QStringLiteral("replay"), recording, QStringLiteral("--serve"), QStringLiteral("0"),
            QStringLiteral("--speed"), QStringLiteral("50") });
    QVERIFY2(!url.isEmpty(), server.readAllStandardError().constData());
    const QString dbServed = m_dir.filePath(QStringLiteral("rejects-served.db"));
    const Result r = run({ QStringLiteral("capture"), QStringLiteral("--url"), url, QStringLiteral("--from-seq"),
        QStringLiteral("0"), QStringLiteral("--db"), dbServed, QStringLiteral("--until-seq"), QString::number(kLast),
        QStringLiteral("--quiet") });
    stopServer(server);
    QVERIFY2(r.code == 0, r.err.right(3000).constData());
    const Result diff = run({ QStringLiteral("diff"), dbLive, dbServed });
    QVERIFY2(diff.code == 0, diff.out.constData());
}

void TestCliReplay::replayWindowAndSpeed()
{
    // --from/--to select by recorded time; at 3x a 1.5-second window takes about half a second.
    const QJsonObject info = runJson({ QStringLiteral("info"), m_capture, QStringLiteral("--json") });
    const double duration = info.value(QStringLiteral("duration_s")).toDouble();
    QVERIFY2(duration > 2.2, qPrintable(QString::number(duration)));
    const QString db = m_dir.filePath(QStringLiteral("window.db"));
    const QString summary = m_dir.filePath(QStringLiteral("window.json"));
    QElapsedTimer t;
    t.start();
    const Result r = run({ QStringLiteral("replay"), m_capture, QStringLiteral("--db"), db, QStringLiteral("--from"),
        QStringLiteral("+500ms"), QStringLiteral("--to"), QStringLiteral("+2000ms"), QStringLiteral("--speed"),
        QStringLiteral("3"), QStringLiteral("--quiet"), QStringLiteral("--summary-json"), summary });
    const qint64 ms = t.elapsed();
    QVERIFY2(r.code == 0, r.err.right(3000).constData());
    // Paced, not as fast as possible: the frames inside the window span a little less than its
    // 1.5 s (none falls exactly on its edges), so at 3x somewhat under 500 ms.
    QVERIFY2(ms >= 350, qPrintable(QString::number(ms)));
    const QJsonObject tables = tablesOf(db);
    const QJsonObject all = tablesOf(m_dbA);
    QVERIFY(tables.value(QStringLiteral("odds")).toInteger() > 0);
    QVERIFY(tables.value(QStringLiteral("odds")).toInteger() < all.value(QStringLiteral("odds")).toInteger());

    // --max with --no-store: validate and count only, as fast as possible.
    const Result counted = run({ QStringLiteral("replay"), m_capture, QStringLiteral("--no-store"),
        QStringLiteral("--max"), QStringLiteral("--quiet"), QStringLiteral("--summary-json"), summary });
    QVERIFY2(counted.code == 0, counted.err.right(3000).constData());
    QFile f(summary);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QJsonObject s = QJsonDocument::fromJson(f.readAll()).object();
    QCOMPARE(s.value(QStringLiteral("frames")).toInteger(), m_summaryA.value(QStringLiteral("frames")).toInteger());
    QCOMPARE(s.value(QStringLiteral("accepted_total")).toInteger(),
        m_summaryA.value(QStringLiteral("accepted_total")).toInteger());
    QVERIFY(s.value(QStringLiteral("reconciliation")).toObject().value(QStringLiteral("ok")).toBool());
}

void TestCliReplay::killedRecordingOpensAndReplays()
{
    QProcess sim;
    const QString url = startServer(sim,
        { QStringLiteral("simulate"), QStringLiteral("--seed"), QStringLiteral("5"), QStringLiteral("--rate"),
            QStringLiteral("3000"), QStringLiteral("--faults"), QStringLiteral("malformed=0.01") });
    QVERIFY(!url.isEmpty());
    const QString capture = m_dir.filePath(QStringLiteral("killed.odtc"));
    const QString db = m_dir.filePath(QStringLiteral("killed.db"));
    QProcess recorder;
    recorder.start(cli(),
        { QStringLiteral("capture"), QStringLiteral("--url"), url, QStringLiteral("--db"), db,
            QStringLiteral("--record"), capture, QStringLiteral("--quiet") });
    QVERIFY(recorder.waitForStarted());
    // The fault: killed mid-capture, once the capture file holds well over 1,000 frames.
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(capture).size() > 512 * 1024, 30000);
    const qint64 killedAtMs = QDateTime::currentMSecsSinceEpoch();
    ::kill(pid_t(recorder.processId()), SIGKILL);
    QVERIFY(recorder.waitForFinished(10000));
    stopServer(sim);

    const QJsonObject info = runJson({ QStringLiteral("info"), capture, QStringLiteral("--json") });
    QVERIFY(info.value(QStringLiteral("frames")).toInteger() > 1000);
    QCOMPARE(info.value(QStringLiteral("complete")).toBool(), false);
    // At most the last second is lost (commits every 250 ms).
    const QDateTime last =
        QDateTime::fromString(info.value(QStringLiteral("last_frame_at")).toString(), Qt::ISODateWithMs);
    QVERIFY(last.isValid());
    const qint64 lostMs = killedAtMs - last.toMSecsSinceEpoch();
    QVERIFY2(lostMs >= 0 && lostMs < 1000, qPrintable(QStringLiteral("%1 ms lost").arg(lostMs)));

    const QString replayed = m_dir.filePath(QStringLiteral("killed-replayed.db"));
    const Result r = run({ QStringLiteral("replay"), capture, QStringLiteral("--db"), replayed, QStringLiteral("--max"),
        QStringLiteral("--quiet") });
    QVERIFY2(r.code == 0, r.err.right(3000).constData());
    const QJsonObject tables = tablesOf(replayed);
    const QJsonObject source = info.value(QStringLiteral("sources")).toArray().first().toObject();
    QCOMPARE(tables.value(QStringLiteral("odds")).toInteger(),
        source.value(QStringLiteral("events")).toObject().value(QStringLiteral("odds")).toInteger());
    QCOMPARE(tables.value(QStringLiteral("rejects")).toInteger(), source.value(QStringLiteral("rejected")).toInteger());
}

void TestCliReplay::framesRoundTripThroughNdjson()
{
    const QString ndjson = m_dir.filePath(QStringLiteral("frames.ndjson"));
    const Result exported = run({ QStringLiteral("export-frames"), m_capture, QStringLiteral("--output"), ndjson });
    QVERIFY2(exported.code == 0, exported.err.constData());
    QFile f(ndjson);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = f.readAll().split('\n');
    f.close();
    QVERIFY(lines.first().startsWith("{\"capture\":"));
    const QJsonObject frame = QJsonDocument::fromJson(lines.at(lines.size() / 2)).object();
    QVERIFY(frame.contains(QStringLiteral("wall_ns")));
    QVERIFY(frame.contains(QStringLiteral("received_at")));
    QVERIFY(frame.contains(QStringLiteral("source")));

    const QString back = m_dir.filePath(QStringLiteral("back.odtc"));
    const Result imported = run({ QStringLiteral("import-frames"), ndjson, back });
    QVERIFY2(imported.code == 0, imported.err.constData());
    const Result diff = run({ QStringLiteral("diff"), m_capture, back, QStringLiteral("--strict") });
    QVERIFY2(diff.code == 0, diff.out.constData());
    QVERIFY(diff.out.startsWith("identical (captures)"));

    // A damaged line is reported with its number, and no half-written capture is left behind.
    QList<QByteArray> damaged = lines;
    damaged[5] = "{\"frame\": \"x\", \"wall_ns\": \"soon\"}";
    const QString bad = m_dir.filePath(QStringLiteral("damaged.ndjson"));
    QFile out(bad);
    QVERIFY(out.open(QIODevice::WriteOnly));
    out.write(damaged.join('\n'));
    out.close();
    const QString target = m_dir.filePath(QStringLiteral("damaged.odtc"));
    const Result refused = run({ QStringLiteral("import-frames"), bad, target });
    QCOMPARE(refused.code, 2);
    QVERIFY2(refused.err.contains("line 6"), refused.err.constData());
    QVERIFY(!QFile::exists(target));
    QVERIFY(!QFile::exists(target + QStringLiteral("-journal")));
    // Nor anything that keeps the name from the import of the repaired file.
    const Result repaired = run({ QStringLiteral("import-frames"), ndjson, target });
    QVERIFY2(repaired.code == 0, repaired.err.constData());
    QVERIFY(QFile::remove(target));

    // Values that do not fit are refused with what was wrong, never coerced into another time,
    // connection or an empty frame.
    const auto importLine = [&](const QByteArray &line, const QString &name) {
        const QString file = m_dir.filePath(name + QStringLiteral(".ndjson"));
        QFile in(file);
        if (!in.open(QIODevice::WriteOnly)) {
            return Result {};
        }
        in.write(line + '\n');
        in.close();
        QFile::remove(m_dir.filePath(name + QStringLiteral(".odtc")));
        return run({ QStringLiteral("import-frames"), file, m_dir.filePath(name + QStringLiteral(".odtc")) });
    };
    const QByteArray hb = R"("{\"type\":\"heartbeat\",\"seq\":1,\"ts\":1}")";
    const std::pair<QByteArray, const char *> crafted[] = {
        { R"({"connection":1,"frame":"x","source":"s","wall_ns":1.5e18})", "wall_ns must be a whole number" },
        { R"({"connection":1,"frame":"x","source":"s","wall_ns":-1})", "wall_ns must be a whole number" },
        { R"({"connection":1,"frame":"x","source":"s","wall_ns":1e23})", "wall_ns must be a whole number" },
        { R"({"connection":1,"frame":"x","source":"s","received_at_ms":9.3e15})", "received_at_ms must be a whole" },
        { R"({"connection":1,"frame":"x","source":"s","received_at_ms":-5})", "received_at_ms must be a whole" },
        { R"({"connection":1,"frame":12345,"source":"s","wall_ns":1})", "frame must be a string" },
        { R"({"connection":1,"frame":null,"source":"s","wall_ns":1})", "frame must be a string" },
        { R"({"connection":-1,"frame":"x","source":"s","wall_ns":1})", "connection must be a whole number" },
        { R"({"connection":1099511627776,"frame":"x","source":"s","wall_ns":1})", "connection must be a whole" },
        { R"({"connection":1,"frame":"x","source":"","wall_ns":1})", "source must be a non-empty string" },
        { R"({"event":"connection","state":"connected","delay_ms":-1,"source":"s","wall_ns":1})", "delay_ms must" },
        { R"({"capture":{"format":"oddstap-frames","format_version":99}})", "format_version 99" },
    };
    int n = 0;
    for (const auto &[line, answer] : crafted) {
        const Result r = importLine(line, QStringLiteral("crafted%1").arg(++n));
        QVERIFY2(r.code == 2 && r.err.contains(answer), qPrintable(QString::fromUtf8(line + " -> " + r.err)));
    }
    // Python's json.dumps puts a blank after each colon: the time is still read from its digits.
    const Result spaced =
        importLine(R"({"connection": 1, "frame": )" + hb + R"(, "source": "s", "wall_ns": 1796111768165000001})",
            QStringLiteral("spaced"));
    QVERIFY2(spaced.code == 0, spaced.err.constData());
    const Result spacedOut = run({ QStringLiteral("export-frames"), m_dir.filePath(QStringLiteral("spaced.odtc")) });
    QVERIFY2(spacedOut.out.contains("\"wall_ns\":1796111768165000001"), spacedOut.out.constData());

    // A source id with a terminal escape: 'info' shows it, the terminal does not obey it.
    const Result escaped = importLine(
        R"({"connection":1,"frame":)" + hb + R"(,"source":"a\u001b[31mRED\u0007","wall_ns":1796111768165000001})",
        QStringLiteral("escaped"));
    QVERIFY2(escaped.code == 0, escaped.err.constData());
    const Result info = run({ QStringLiteral("info"), m_dir.filePath(QStringLiteral("escaped.odtc")) });
    QVERIFY2(info.code == 0, info.err.constData());
    QVERIFY2(!info.out.contains('\x1b') && !info.out.contains('\x07'), info.out.constData());
    QVERIFY2(info.out.contains("a\\x1b[31mRED\\x07"), info.out.constData());

    // A pipe where a file belongs: refused at once (once it hung for ever), for captures, stream
    // files and rules alike.
    const QString fifo = m_dir.filePath(QStringLiteral("pipe"));
    QVERIFY(::mkfifo(QFile::encodeName(fifo).constData(), 0600) == 0);
    for (const QStringList &args : { QStringList { QStringLiteral("info"), fifo },
             QStringList { QStringLiteral("import"), QStringLiteral("--no-store"), fifo },
             QStringList { QStringLiteral("backtest"), QStringLiteral("--rules"), fifo, m_capture } }) {
        const Result r = run(args);
        QVERIFY2(r.code == 2 && r.err.contains("is not a regular file (a pipe, a socket or a device)"),
            qPrintable(args.join(QLatin1Char(' ')) + QStringLiteral(" -> ") + QString::fromUtf8(r.err)));
    }

    // Not NDJSON at all: the message says what the file is not and what the command reads.
    const QString text = m_dir.filePath(QStringLiteral("notes.txt"));
    QFile notes(text);
    QVERIFY(notes.open(QIODevice::WriteOnly));
    notes.write("odds for saturday\nhome 2.1\n");
    notes.close();
    const Result plain = run({ QStringLiteral("import-frames"), text, target });
    QCOMPARE(plain.code, 2);
    QVERIFY2(plain.err.contains("line 1: not JSON") && plain.err.contains("import-frames reads NDJSON")
            && plain.err.contains("\"received_at\""),
        plain.err.constData());
    const Result capture = run({ QStringLiteral("import-frames"), m_capture, target });
    QCOMPARE(capture.code, 2);
    QVERIFY2(
        capture.err.contains("this is an SQLite file (a capture or a database), not NDJSON"), capture.err.constData());
    QVERIFY(!QFile::exists(target));
}

void TestCliReplay::ringSavesTheLastMinutesOnDemand()
{
    QProcess sim;
    const QString url = startServer(sim,
        { QStringLiteral("simulate"), QStringLiteral("--seed"), QStringLiteral("9"), QStringLiteral("--rate"),
            QStringLiteral("1000") });
    QVERIFY(!url.isEmpty());
    // A directory that does not exist yet is made, as for --db and --record.
    const QString ringDir = m_dir.filePath(QStringLiteral("ring/incidents"));
    QVERIFY(!QFileInfo::exists(ringDir));
    QProcess capture;
    // 0.05 minutes = 3 s kept in memory; the capture runs 4.5 s, the save comes after 4 s.
    capture.start(cli(),
        { QStringLiteral("capture"), QStringLiteral("--url"), url, QStringLiteral("--no-store"),
            QStringLiteral("--ring"), QStringLiteral("0.05"), QStringLiteral("--ring-dir"), ringDir,
            QStringLiteral("--notes"), QStringLiteral("incident"), QStringLiteral("--quiet") });
    QVERIFY(capture.waitForStarted());
    QTest::qWait(4000); // longer than the 3 s ring: the save must hold only the newest 3 s
    ::kill(pid_t(capture.processId()), SIGUSR1);
    const auto savedCount = [&ringDir] {
        return QDir(ringDir).entryList({ QStringLiteral("*.odtc") }, QDir::Files).size();
    };
    QTRY_VERIFY_WITH_TIMEOUT(savedCount() == 1, 10000);
    // Two more saves right after, within the same second as a rule: each its own file.
    for (int more = 2; more <= 3; ++more) {
        ::kill(pid_t(capture.processId()), SIGUSR1);
        QTRY_VERIFY_WITH_TIMEOUT(savedCount() == more, 10000);
    }
    QCOMPARE(capture.state(), QProcess::Running); // saving does not stop the capture
    ::kill(pid_t(capture.processId()), SIGTERM);
    QVERIFY(capture.waitForFinished(10000));
    QCOMPARE(capture.exitCode(), 0);
    stopServer(sim);
    const QByteArray said = capture.readAllStandardError();
    QVERIFY2(said.contains("saved the ring") && !said.contains("could not save"), said.constData());
    const QStringList saved = QDir(ringDir).entryList({ QStringLiteral("ring-*.odtc") }, QDir::Files);
    QCOMPARE(saved.size(), 3);
    const QJsonObject info =
        runJson({ QStringLiteral("info"), QDir(ringDir).filePath(saved.first()), QStringLiteral("--json") });
    QCOMPARE(info.value(QStringLiteral("mode")).toString(), QStringLiteral("ring"));
    QCOMPARE(info.value(QStringLiteral("notes")).toString(), QStringLiteral("incident"));
    QCOMPARE(info.value(QStringLiteral("complete")).toBool(), true);
    const double span = info.value(QStringLiteral("duration_s")).toDouble();
    QVERIFY2(span > 2.0 && span <= 3.001, qPrintable(QString::number(span))); // the last 3 s, not all 4
    QVERIFY(info.value(QStringLiteral("frames")).toInteger() > 1500);
}

void TestCliReplay::aRingSaveThatFailsEndsTheCaptureWithExit6_data()
{
    QTest::addColumn<QString>("summary");
    QTest::addRow("json") << QStringLiteral("json");
    QTest::addRow("text") << QStringLiteral("text");
}

void TestCliReplay::aRingSaveThatFailsEndsTheCaptureWithExit6()
{
    QFETCH(QString, summary);
    QProcess sim;
    const QString url = startServer(sim,
        { QStringLiteral("simulate"), QStringLiteral("--seed"), QStringLiteral("9"), QStringLiteral("--rate"),
            QStringLiteral("1000") });
    QVERIFY(!url.isEmpty());
    const QString ringDir = m_dir.filePath(QStringLiteral("ring-lost-") + summary);
    QProcess capture;
    capture.start(cli(),
        { QStringLiteral("capture"), QStringLiteral("--url"), url, QStringLiteral("--no-store"),
            QStringLiteral("--ring"), QStringLiteral("1"), QStringLiteral("--ring-dir"), ringDir,
            QStringLiteral("--summary"), summary });
    QVERIFY(capture.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(ringDir).isDir(), 10000);
    // The directory gives way to a file: the save cannot make its file there (ENOTDIR), even as root.
    QVERIFY(QDir(ringDir).removeRecursively());
    QFile blocker(ringDir);
    QVERIFY(blocker.open(QIODevice::WriteOnly));
    blocker.close();
    QByteArray said;
    QTRY_VERIFY_WITH_TIMEOUT((said += capture.readAllStandardError(), said.contains("subscribed")), 10000);
    ::kill(pid_t(capture.processId()), SIGUSR1);
    QTRY_VERIFY_WITH_TIMEOUT((said += capture.readAllStandardError(), said.contains("could not save the ring")), 10000);
    QCOMPARE(capture.state(), QProcess::Running); // the capture goes on
    ::kill(pid_t(capture.processId()), SIGTERM);
    QVERIFY(capture.waitForFinished(10000));
    stopServer(sim);
    said += capture.readAllStandardError();
    QVERIFY2(said.contains("1 of 1 ring saves failed"), said.constData());
    QCOMPARE(capture.exitCode(), 6);
    const QByteArray printed = capture.readAllStandardOutput();
    if (summary == QLatin1String("json")) {
        const QJsonArray saves =
            QJsonDocument::fromJson(printed).object().value(QStringLiteral("ring_saves")).toArray();
        QCOMPARE(saves.size(), 1);
        QVERIFY(saves.first().toObject().value(QStringLiteral("error")).toString().size() > 0);
    } else {
        QVERIFY2(printed.contains(QByteArray("Could not save the ring into " + ringDir.toUtf8())), printed.constData());
    }
    QVERIFY(QFileInfo(ringDir).isFile()); // nothing made in its place
}

void TestCliReplay::badInput_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QByteArray>("message");
    const QString missing = QStringLiteral("/nonexistent/x.odtc");
    QTest::addRow("record over an existing file") << QStringList { QStringLiteral("capture"), QStringLiteral("--url"),
        QStringLiteral("ws://127.0.0.1:9"), QStringLiteral("--no-store"), QStringLiteral("--record"),
        QStringLiteral("@capture") } << QByteArray("exists already");
    QTest::addRow("info on a database") << QStringList { QStringLiteral("info"), QStringLiteral("@dbA") }
                                        << QByteArray("is not an OddsTap capture");
    QTest::addRow("replay a missing file") << QStringList { QStringLiteral("replay"), missing,
        QStringLiteral("--no-store") } << QByteArray("does not exist");
    QTest::addRow("bad --from") << QStringList { QStringLiteral("replay"), QStringLiteral("@capture"),
        QStringLiteral("--no-store"), QStringLiteral("--from"), QStringLiteral("yesterday") }
                                << QByteArray("is not a time");
    // A window after the recording's end replayed nothing and ended "no frame received", exit 4.
    QTest::addRow("a window after the end") << QStringList { QStringLiteral("replay"), QStringLiteral("@capture"),
        QStringLiteral("--no-store"), QStringLiteral("--from"),
        QStringLiteral("+100h") } << QByteArray("the --from/--to window holds no frame: the capture runs from");
    QTest::addRow("a window before the start") << QStringList { QStringLiteral("replay"), QStringLiteral("@capture"),
        QStringLiteral("--no-store"), QStringLiteral("--to"), QStringLiteral("2001-01-01T00:00:00Z") }
                                               << QByteArray("the --from/--to window holds no frame");
    QTest::addRow("speed out of range") << QStringList { QStringLiteral("replay"), QStringLiteral("@capture"),
        QStringLiteral("--no-store"), QStringLiteral("--speed"), QStringLiteral("5000") }
                                        << QByteArray("--speed");
    QTest::addRow("diff a database with a capture") << QStringList { QStringLiteral("diff"), QStringLiteral("@dbA"),
        QStringLiteral("@capture") } << QByteArray("compare two databases or two captures");
    QTest::addRow("serve on a bad port") << QStringList { QStringLiteral("replay"), QStringLiteral("@capture"),
        QStringLiteral("--serve"), QStringLiteral("70000") }
                                         << QByteArray("--serve");
    QTest::addRow("export a missing capture")
        << QStringList { QStringLiteral("export-frames"), missing } << QByteArray("does not exist");
    // NDJSON is export-frames' only format: the flag that chose it did nothing and is gone.
    QTest::addRow("export-frames --ndjson")
        << QStringList { QStringLiteral("export-frames"), QStringLiteral("@capture"), QStringLiteral("--ndjson") }
        << QByteArray("Unknown option 'ndjson'");
}

void TestCliReplay::badInput()
{
    QFETCH(QStringList, args);
    QFETCH(QByteArray, message);
    for (QString &a : args) {
        a.replace(QStringLiteral("@capture"), m_capture).replace(QStringLiteral("@dbA"), m_dbA);
    }
    const Result r = run(args, 30000);
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains(message), r.err.constData());
    QVERIFY(!r.err.contains("Segmentation"));
}

void TestCliReplay::craftedCapturesAreRefusedClearly_data()
{
    // A capture whose fields were altered (every field of a file is untrusted), or that was cut
    // short, or is not a capture at all: info, replay and export-frames say what is wrong with
    // which file, and never crash (a source id of 0, -1 or 4e9 used to index a table unchecked).
    // Run on a copy of the real capture (format 2: frames in blocks); "truncate", "empty", "noise"
    // instead; "block:..." edits the bytes of the first frame block; "v1:" runs the SQL on a
    // capture of format 1 (a frame per row), as the previous version wrote them.
    QTest::addColumn<QString>("sql");
    QTest::addColumn<QByteArray>("message");
    QTest::addRow("source id 0") << QStringLiteral("UPDATE sources SET id = 0") << QByteArray("holds id 0");
    QTest::addRow("source id -1") << QStringLiteral("UPDATE sources SET id = -1") << QByteArray("holds id -1");
    QTest::addRow("source id 4e9") << QStringLiteral("UPDATE sources SET id = 4000000000")
                                   << QByteArray("holds id 4000000000");
    QTest::addRow("frame of a missing source")
        << QStringLiteral("block:source") << QByteArray("source id 99, which its sources table lacks");
    QTest::addRow("format 1: frame of a missing source")
        << QStringLiteral("v1:UPDATE frames SET source = 99 WHERE ord = (SELECT min(ord) FROM frames)")
        << QByteArray("source id 99, which its sources table lacks");
    QTest::addRow("block: a frame header cut short")
        << QStringLiteral("block:cut") << QByteArray("frame header cut short");
    QTest::addRow("block: a length past its end")
        << QStringLiteral("block:length") << QByteArray("claims 2147483647 bytes");
    QTest::addRow("block: ords going back") << QStringLiteral("block:ord") << QByteArray("after frame");
    QTest::addRow("block row that lies about its frames")
        << QStringLiteral("UPDATE frame_blocks SET last_ord = -1") << QByteArray("up to ord -1, and holds");
    QTest::addRow("both formats in one file")
        << QStringLiteral("INSERT INTO frames VALUES(999999, 1, 1, 1, 1, 0, x'7b7d')")
        << QByteArray("both in blocks (format 2) and as rows (format 1)");
    QTest::addRow("negative connection") << QStringLiteral(
        "UPDATE connection_events SET connection = -5 WHERE ord = (SELECT min(ord) FROM "
        "connection_events)") << QByteArray("connection number -5");
    QTest::addRow("unknown state") << QStringLiteral("UPDATE connection_events SET state = 'warp'")
                                   << QByteArray("unknown state 'warp'");
    QTest::addRow("negative time") << QStringLiteral("block:time") << QByteArray("negative receive time");
    QTest::addRow("format 1: negative time")
        << QStringLiteral("v1:UPDATE frames SET wall_ns = -1 WHERE ord = (SELECT max(ord) FROM frames)")
        << QByteArray("negative receive time");
    QTest::addRow("cut short") << QStringLiteral("truncate") << QByteArray("is an OddsTap capture cut short");
    QTest::addRow("empty") << QStringLiteral("empty") << QByteArray("is empty");
    QTest::addRow("not SQLite") << QStringLiteral("noise") << QByteArray("not an SQLite file at all");
}

void TestCliReplay::craftedCapturesAreRefusedClearly()
{
    QFETCH(QString, sql);
    QFETCH(QByteArray, message);
    const QString file = m_dir.filePath(QStringLiteral("crafted-%1.odtc")
                                            .arg(QString::fromUtf8(QTest::currentDataTag()))
                                            .replace(QLatin1Char(' '), QLatin1Char('-')));
    QFile::remove(file);
    const bool v1 = sql.startsWith(QLatin1String("v1:"));
    if (v1) {
        sql = sql.mid(3);
    }
    QFile original(v1 ? QFINDTESTDATA("../fuzz/capture-seeds/one-source-202-frames.odtc") : m_capture);
    QVERIFY(original.open(QIODevice::ReadOnly));
    const QByteArray bytes = original.readAll();
    {
        QFile out(file);
        QVERIFY(out.open(QIODevice::WriteOnly));
        if (sql == QLatin1String("truncate")) {
            out.write(bytes.left(bytes.size() / 2));
        } else if (sql == QLatin1String("noise")) {
            out.write(QByteArray(4096, '\x17'));
        } else if (sql != QLatin1String("empty")) {
            out.write(bytes);
        }
    }
    if (sql != QLatin1String("truncate") && sql != QLatin1String("noise") && sql != QLatin1String("empty")) {
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("craft"));
            db.setDatabaseName(file);
            QVERIFY(db.open());
            QSqlQuery q(db);
            if (sql.startsWith(QLatin1String("block:"))) {
                // A block frame: ord i64 | source u32 | connection u32 | wall_ns i64 | mono_ns i64 |
                // binary u8 | length u32 | payload, little-endian (docs/capture-format.md).
                QVERIFY(q.exec(QStringLiteral("SELECT first_ord, data FROM frame_blocks ORDER BY first_ord LIMIT 1")));
                QVERIFY(q.next());
                const qint64 firstOrd = q.value(0).toLongLong();
                QByteArray data = q.value(1).toByteArray();
                QVERIFY(data.size() > 100);
                const auto put = [&](qsizetype at, auto value) { qToLittleEndian(value, data.data() + at); };
                const QString what = sql.mid(6);
                if (what == QLatin1String("source")) {
                    put(8, quint32(99));
                } else if (what == QLatin1String("time")) {
                    put(16, qint64(-1));
                } else if (what == QLatin1String("cut")) {
                    data.truncate(20);
                } else if (what == QLatin1String("length")) {
                    put(33, quint32(0x7fffffff));
                } else if (what == QLatin1String("ord")) {
                    const qsizetype second = 37 + qsizetype(qFromLittleEndian<quint32>(data.constData() + 33));
                    QVERIFY(data.size() > second + 37);
                    put(second, qFromLittleEndian<qint64>(data.constData())); // the first frame's ord again
                }
                QVERIFY(q.prepare(QStringLiteral("UPDATE frame_blocks SET data = ? WHERE first_ord = ?")));
                q.addBindValue(data);
                q.addBindValue(firstOrd);
                QVERIFY(q.exec());
            } else {
                QVERIFY2(q.exec(sql), qPrintable(q.lastError().text()));
            }
            QVERIFY(q.numRowsAffected() > 0);
        }
        QSqlDatabase::removeDatabase(QStringLiteral("craft"));
    }
    const QList<QStringList> commands {
        { QStringLiteral("info"), file },
        { QStringLiteral("replay"), file, QStringLiteral("--no-store"), QStringLiteral("--max") },
        { QStringLiteral("export-frames"), file, QStringLiteral("--output"), file + QStringLiteral(".ndjson") },
    };
    for (const QStringList &args : commands) {
        const Result r = run(args, 60000);
        QVERIFY2(
            r.code > 0, qPrintable(args.first() + QStringLiteral(": exit %1 ").arg(r.code) + QString::fromUtf8(r.err)));
        QVERIFY2(r.err.contains(message) && r.err.contains(QFileInfo(file).fileName().toUtf8()),
            qPrintable(args.first() + QStringLiteral(": ") + QString::fromUtf8(r.err)));
    }
}

void TestCliReplay::capturesOfFormatOneStillRead()
{
    // Captures recorded before frames went into blocks (a frame per row) read as they did: every
    // frame, exported and replayed.
    const QString v1 = QFINDTESTDATA("../fuzz/capture-seeds/one-source-202-frames.odtc");
    const QString copy = m_dir.filePath(QStringLiteral("format-1.odtc"));
    QFile::remove(copy);
    QVERIFY(QFile::copy(v1, copy));
    const QString ndjson = m_dir.filePath(QStringLiteral("format-1.ndjson"));
    const Result exported = run({ QStringLiteral("export-frames"), copy, QStringLiteral("--output"), ndjson });
    QVERIFY2(exported.code == 0, exported.err.constData());
    QFile out(ndjson);
    QVERIFY(out.open(QIODevice::ReadOnly));
    int frames = 0;
    while (!out.atEnd()) {
        frames += out.readLine().startsWith(R"({"connection":1,"frame":)") ? 1 : 0;
    }
    QCOMPARE(frames, 202);
    const Result replayed =
        run({ QStringLiteral("replay"), copy, QStringLiteral("--no-store"), QStringLiteral("--max") });
    QVERIFY2(replayed.code == 0, replayed.err.constData());
}

void TestCliReplay::aRecordingCutByAFullDiskIsReadOnceMoved()
{
    // A 6 MB disk fills under a recording: the capture says so and fails (exit 6); the file and
    // its journal (when a commit was cut short), copied where there is room, read back every frame
    // the last commit held.
    OddsTap::Testing::SmallTmpfs disk(6 * 1024 * 1024);
    QVERIFY2(disk.ok(), qPrintable(disk.error()));
    QProcess sim;
    sim.start(cli(),
        { QStringLiteral("simulate"), QStringLiteral("--rate"), QStringLiteral("20000"), QStringLiteral("--fixtures"),
            QStringLiteral("200") });
    QVERIFY(sim.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(sim.canReadLine() || sim.bytesAvailable() > 0, 10000);
    const QString url =
        QString::fromUtf8(sim.readAll()).section(QStringLiteral("ws://"), 1).section(QLatin1Char('\n'), 0, 0);
    QVERIFY2(!url.isEmpty(), "the simulator printed no URL");
    const QString file = disk.path() + QStringLiteral("/full.odtc");
    const Result r = run({ QStringLiteral("capture"), QStringLiteral("--url"), QStringLiteral("ws://") + url.trimmed(),
        QStringLiteral("--no-store"), QStringLiteral("--record"), file, QStringLiteral("--duration"),
        QStringLiteral("8"), QStringLiteral("--summary"), QStringLiteral("none"), QStringLiteral("--quiet") });
    sim.terminate();
    sim.waitForFinished();
    QCOMPARE(r.code, 6);
    QVERIFY2(r.err.contains("disk is full"), r.err.constData());
    const QString moved = m_dir.filePath(QStringLiteral("moved.odtc"));
    QVERIFY(QFileInfo::exists(file));
    for (const QString &suffix : { QString(), QStringLiteral("-journal") }) {
        QFile::remove(moved + suffix);
        QVERIFY(!QFileInfo::exists(file + suffix) || QFile::copy(file + suffix, moved + suffix));
    }
    const Result info = run({ QStringLiteral("info"), moved, QStringLiteral("--json") });
    QVERIFY2(info.code == 0, info.err.constData());
    const QJsonObject o = QJsonDocument::fromJson(info.out).object();
    QVERIFY2(o.value(QStringLiteral("frames")).toInteger() > 1000, info.out.constData());
}

void TestCliReplay::aCaptureStartedWithoutStandardStreamsRecordsToTheEnd()
{
    // Started with standard input, output and error closed, the capture's own descriptors would
    // take their numbers and its log lines (many here: malformed frames) would go into one of
    // them: a socket nobody reads, which blocked the capture for good once full. It runs its
    // duration and records every frame it took.
    QProcess sim;
    const QString url = startServer(sim,
        { QStringLiteral("simulate"), QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--rate"),
            QStringLiteral("20000"), QStringLiteral("--fixtures"), QStringLiteral("200"), QStringLiteral("--faults"),
            QStringLiteral("malformed=0.2,gap=0.01,duplicate=0.05") });
    QVERIFY2(!url.isEmpty(), "the simulator printed no URL");
    const auto stopSim = qScopeGuard([&sim] { stopServer(sim); });
    const QString file = m_dir.filePath(QStringLiteral("no-stdio.odtc"));
    const QString summary = m_dir.filePath(QStringLiteral("no-stdio.json"));
    QProcess capture;
    capture.start(QStringLiteral("/bin/sh"),
        { QStringLiteral("-c"), QStringLiteral(R"(exec "$0" "$@" <&- >&- 2>&-)"), cli(), QStringLiteral("capture"),
            QStringLiteral("--url"), url, QStringLiteral("--no-store"), QStringLiteral("--record"), file,
            QStringLiteral("--duration"), QStringLiteral("6"), QStringLiteral("--summary-json"), summary });
    QVERIFY(capture.waitForStarted());
    QVERIFY2(capture.waitForFinished(60000), "the capture did not end within 60 s of a 6 s run");
    QCOMPARE(capture.exitStatus(), QProcess::NormalExit);
    QCOMPARE(capture.exitCode(), 0);
    QFile json(summary);
    QVERIFY(json.open(QIODevice::ReadOnly));
    const QJsonObject o = QJsonDocument::fromJson(json.readAll()).object();
    const qint64 recorded = o.value(QStringLiteral("recording")).toObject().value(QStringLiteral("frames")).toInteger();
    QVERIFY2(recorded > 20000, qPrintable(QString::number(recorded)));
    const QJsonObject info = runJson({ QStringLiteral("info"), file, QStringLiteral("--json") });
    QCOMPARE(info.value(QStringLiteral("frames")).toInteger(), recorded);
}

void TestCliReplay::aRecordingNeverTakesADatabasesJournal()
{
    // A name whose journal exists already, and a name that is a database's journal or WAL: SQLite
    // would delete the first as a stale journal, and recording into the second destroys the
    // database. Both are refused (exit 2) and leave every file as it was.
    QProcess sim;
    const QString url = startServer(sim,
        { QStringLiteral("simulate"), QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--rate"),
            QStringLiteral("2000") });
    QVERIFY2(!url.isEmpty(), "the simulator printed no URL");
    const auto stopSim = qScopeGuard([&sim] { stopServer(sim); });
    const QString db = m_dir.filePath(QStringLiteral("journals.db"));
    const Result stored = run({ QStringLiteral("capture"), QStringLiteral("--url"), url, QStringLiteral("--db"), db,
        QStringLiteral("--duration"), QStringLiteral("1"), QStringLiteral("--summary"), QStringLiteral("none"),
        QStringLiteral("--quiet") });
    QCOMPARE(stored.code, 0);
    const qint64 odds = tablesOf(db).value(QStringLiteral("odds")).toInteger();
    QVERIFY(odds > 0);
    const QString stale = m_dir.filePath(QStringLiteral("beside.odtc-journal"));
    QFile other(stale);
    QVERIFY(other.open(QIODevice::WriteOnly));
    other.write("someone else's file");
    other.close();
    const QStringList names { m_dir.filePath(QStringLiteral("beside.odtc")), QString(db + QStringLiteral("-journal")),
        QString(db + QStringLiteral("-wal")) };
    for (const QString &record : names) {
        const Result r = run({ QStringLiteral("capture"), QStringLiteral("--url"), url, QStringLiteral("--no-store"),
            QStringLiteral("--record"), record, QStringLiteral("--duration"), QStringLiteral("1"),
            QStringLiteral("--summary"), QStringLiteral("none"), QStringLiteral("--quiet") });
        QVERIFY2(
            r.code == 2, qPrintable(record + QStringLiteral(": exit %1: ").arg(r.code) + QString::fromUtf8(r.err)));
        QVERIFY2(r.err.contains("choose another name"), r.err.constData());
    }
    QVERIFY(other.open(QIODevice::ReadOnly));
    QCOMPARE(other.readAll(), QByteArray("someone else's file"));
    QVERIFY(!QFileInfo::exists(m_dir.filePath(QStringLiteral("beside.odtc"))));
    QCOMPARE(tablesOf(db).value(QStringLiteral("odds")).toInteger(), odds);
}

QTEST_GUILESS_MAIN(TestCliReplay)
#include "tst_cli_replay.moc"

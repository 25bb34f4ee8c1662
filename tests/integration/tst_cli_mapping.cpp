// SPDX-License-Identifier: MIT
// The generic JSON mapping profile against a feed of another shape: an example provider's
// WebSocket server, written here, sends matches and prices in its own JSON (its own names, times
// in seconds and ms, its own status words, a batch frame) with bad messages among them, and
// `oddstap-cli capture --profile mapping:tests/data/mapping/acme.json` must store exactly the good
// ones and reject exactly the bad ones, each with its reason and the provider's raw text.
#include <core/providers/jsonmapping/jsonmapping.h>

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QWebSocket>
#include <QWebSocketServer>

using namespace OddsTap;

namespace {

const QString kMapping = QStringLiteral(ODDSTAP_TEST_DATA_DIR "/mapping/acme.json");

QByteArray match(int seq, const char *id, const char *state, const char *extra = "")
{
    return QByteArray(R"({"kind":"match","meta":{"sequence":)") + QByteArray::number(seq)
        + R"(,"sent":1764072000},"match":{"id":")" + id + R"(","sport":1,"league":7,"kickoff":1764075600000,"state":")"
        + state + R"(","teams":{"home":"Ajax","away":"PSV"})" + extra + "}}";
}

QByteArray price(int seq, const char *outcome, const char *decimal, const char *state = "OPEN")
{
    return QByteArray(R"({"kind":"price","meta":{"sequence":)") + QByteArray::number(seq)
        + R"(,"sent":1764072001},"price":{"match":"m-1","market":"1x2","outcome":")" + outcome + R"(","decimal":)"
        + decimal + R"(,"at":1764072000500,"state":")" + state + R"("}})";
}

/// What the example provider sends on every connection, in order.
QList<QByteArray> providerFrames()
{
    return {
        match(1, "m-1", "NOT_STARTED"),
        match(2, "m-2", "NOT_STARTED"),
        price(3, "home", "2.10"),
        price(4, "draw", "3.40"),
        price(5, "away", "0.90"), // out_of_range: odds must be above 1
        R"({"kind":"news","meta":{"sequence":6,"sent":1764072002},"text":"kick-off delayed"})", // unknown_type
        R"({"meta":{"sent":1764072002}})", // missing_field: no kind
        R"({"kind":"price","meta":{"sequ)", // malformed_json
        "[" + price(7, "home", "1.80").replace("m-1", "m-2") + ","
            + R"({"kind":"match","meta":{"sequence":8,"sent":1764072003},"match":{"sport":1,"league":7,"kickoff":1764075600000,"state":"NOT_STARTED"}})"
            + "," + price(9, "away", "4.50").replace("m-1", "m-2") + "]", // a batch; its second message has no id
        match(10, "m-1", "IN_PLAY", R"(,"score":"1-0")"),
        price(11, "home", "1.55", "SUSPENDED"),
    };
}

/// The example provider: a WebSocket server that ignores what the client says, sends its frames
/// and then a heartbeat ("ping") every 300 ms.
class ExampleProvider : public QObject
{
public:
    ExampleProvider()
        : m_server(QStringLiteral("acme"), QWebSocketServer::NonSecureMode)
    {
        m_server.listen(QHostAddress::LocalHost, 0);
        connect(&m_server, &QWebSocketServer::newConnection, this, [this] {
            QWebSocket *ws = m_server.nextPendingConnection();
            ws->setParent(this);
            for (const QByteArray &f : providerFrames()) {
                ws->sendTextMessage(QString::fromUtf8(f));
            }
            auto *ping = new QTimer(ws);
            connect(ping, &QTimer::timeout, ws,
                [ws] { ws->sendTextMessage(QStringLiteral(R"({"kind":"ping","meta":{"sent":1764072010}})")); });
            ping->start(300);
        });
    }
    QString url() const { return QStringLiteral("ws://127.0.0.1:%1").arg(m_server.serverPort()); }

private:
    QWebSocketServer m_server;
};

} // namespace

class TestCliMapping : public QObject
{
    Q_OBJECT
private slots:
    void mappingFileIsCheckedWithItsErrorsNamed();
    void providerFeedIsStoredExactlyAndRejectsKeepTheirReason();
};

void TestCliMapping::mappingFileIsCheckedWithItsErrorsNamed()
{
    QVERIFY(JsonMapping::load(kMapping));
    const auto bad = [](const char *json) {
        auto r = JsonMapping::parse(QByteArray(json), QStringLiteral("t.json"));
        return r ? QString() : r.error().message;
    };
    QVERIFY(bad("[]").contains(QLatin1String("JSON object")));
    QVERIFY(bad(R"({"type":"kind","messages":{}})").contains(QLatin1String("JSON Pointer")));
    QVERIFY(bad(R"({"type":"/k","messages":{}})").contains(QLatin1String("at least one")));
    QVERIFY(bad(R"({"type":"/k","messages":{"a":{"event":"goal"}}})").contains(QLatin1String("messages.a.event")));
    QVERIFY(bad(R"({"type":"/k","messages":{"a":{"event":"odds","fields":{"price":"/p"}}}})")
                .contains(QLatin1String("messages.a.fields.price is not a field of a odds event")));
    QVERIFY(bad(R"({"type":"/k","messages":{"a":{"event":"odds","fields":{"odd_value":"p"}}}})")
                .contains(QLatin1String("not a JSON Pointer")));
    QVERIFY(
        bad(R"({"type":"/k","messages":{"a":{"event":"odds","fields":{"timestamp":{"pointer":"/t","time":"ns"}}}}})")
            .contains(QLatin1String("epoch_ms, epoch_s or iso")));
    // A misspelt key is a mistake too, named: ignored, it would leave what it meant out.
    QVERIFY(bad(R"({"type":"/k","messages":{"a":{"event":"odds","fieldz":{"odd_value":"/o"}}}})")
                .contains(QLatin1String("messages.a: unknown key \"fieldz\"")));
    QVERIFY(bad(R"({"type":"/k","mesages":{}})").contains(QLatin1String("unknown key \"mesages\"")));
    QVERIFY(
        bad(R"({"type":"/k","messages":{"a":{"event":"odds","fields":{"timestamp":{"pointer":"/t","tme":"iso"}}}}})")
            .contains(QLatin1String("messages.a.fields.timestamp: unknown key \"tme\"")));
    // Without a seq pointer, messages are numbered in order, and after a restart from what
    // storage holds rather than from 1 (else new messages would be taken for duplicates).
    auto noSeq = JsonMapping::parse(
        R"({"type":"/k","messages":{"p":{"event":"odds","fields":{"fixture_id":"/f","market_type":"/m","selection":"/s","odd_value":"/o","timestamp":{"pointer":"/t","time":"epoch_ms"}}}}})",
        QStringLiteral("noseq.json"));
    QVERIFY(noSeq);
    JsonMappingDecoder decoder(*noSeq, DecoderLimits {});
    decoder.resumeAfter(10);
    EventBatch out;
    QCOMPARE(
        decoder.decode(R"({"k":"p","f":"x","m":"1x2","s":"home","o":2.5,"t":1764072000000})", FrameContext {}, out),
        std::size_t(1));
    QCOMPARE(out.events.front().seq, quint64(11));
    // One the mapping cannot convert keeps its number, so the next is no gap.
    decoder.decode(R"({"k":"p","f":"x","m":"1x2","s":"home","o":2.5,"t":"soon"})", FrameContext {}, out);
    QCOMPARE(out.rejects.size(), std::size_t(1));
    QCOMPARE(int(out.rejects.front().code), int(RejectCode::BadValue));
    QCOMPARE(out.rejects.front().seq, std::optional<quint64>(12));
    decoder.decode(R"({"k":"p","f":"x","m":"1x2","s":"home","o":2.6,"t":1764072000001})", FrameContext {}, out);
    QCOMPARE(out.events.back().seq, quint64(13));
    // The CLI refuses a broken mapping before it connects, naming the file.
    QProcess p;
    p.start(QStringLiteral(ODDSTAP_CLI_PATH),
        { QStringLiteral("capture"), QStringLiteral("--url"), QStringLiteral("ws://127.0.0.1:1"),
            QStringLiteral("--profile"), QStringLiteral("mapping:/nonexistent/acme.json"),
            QStringLiteral("--no-store") });
    QVERIFY(p.waitForFinished(30000));
    QCOMPARE(p.exitCode(), 2);
    QVERIFY2(p.readAllStandardError().contains("/nonexistent/acme.json"), "the error names the file");
}

void TestCliMapping::providerFeedIsStoredExactlyAndRejectsKeepTheirReason()
{
    ExampleProvider provider;
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("acme.db"));
    QProcess capture;
    capture.setProcessChannelMode(QProcess::ForwardedOutputChannel);
    capture.start(QStringLiteral(ODDSTAP_CLI_PATH),
        { QStringLiteral("capture"), QStringLiteral("--url"), provider.url(), QStringLiteral("--source-id"),
            QStringLiteral("acme"), QStringLiteral("--profile"), QStringLiteral("mapping:") + kMapping,
            QStringLiteral("--db"), db, QStringLiteral("--until-seq"), QStringLiteral("11"),
            QStringLiteral("--quiet") });
    // The provider's server runs in this process: keep its event loop turning while capture runs.
    QTRY_VERIFY_WITH_TIMEOUT(capture.state() == QProcess::NotRunning, 60000);
    QVERIFY2(capture.exitCode() == 0, capture.readAllStandardError().constData());

    {
        QSqlDatabase sql = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("acme"));
        sql.setDatabaseName(db);
        QVERIFY(sql.open());
        const auto one = [&](const QString &query) {
            QSqlQuery q(query, sql);
            return q.next() ? q.value(0) : QVariant();
        };
        QCOMPARE(one(QStringLiteral("SELECT count(*) FROM fixture_updates")).toInt(), 3);
        QCOMPARE(one(QStringLiteral("SELECT count(*) FROM fixtures")).toInt(), 2);
        QCOMPARE(one(QStringLiteral("SELECT count(*) FROM odds")).toInt(), 5);
        QCOMPARE(one(QStringLiteral("SELECT count(*) FROM rejects")).toInt(), 5);
        // Renamed values, converted times, the provider's own names.
        QCOMPARE(one(QStringLiteral("SELECT status || ' ' || home || ' ' || away || ' ' || score FROM fixtures WHERE "
                                    "fixture_id = 'm-1'"))
                     .toString(),
            QStringLiteral("live Ajax PSV 1-0"));
        QCOMPARE(one(QStringLiteral("SELECT start_time FROM fixtures WHERE fixture_id = 'm-1'")).toLongLong(),
            1764075600000);
        QCOMPARE(one(QStringLiteral("SELECT ts FROM fixture_updates WHERE seq = 1")).toLongLong(), 1764072000000);
        QCOMPARE(one(QStringLiteral("SELECT status FROM odds WHERE seq = 11")).toString(), QStringLiteral("suspended"));
        QCOMPARE(one(QStringLiteral("SELECT odd_value FROM odds WHERE seq = 9")).toDouble(), 4.5);
        // Each reject: its code, a message that says where the field came from, the provider's text.
        QSqlQuery q(QStringLiteral("SELECT code, message, raw, seq FROM rejects ORDER BY id"), sql);
        QStringList seen;
        while (q.next()) {
            seen << q.value(0).toString() + QLatin1Char('@') + q.value(3).toString();
            QVERIFY2(!q.value(2).toByteArray().isEmpty(), qPrintable(q.value(1).toString()));
            if (q.value(0).toString() == QLatin1String("out_of_range")) {
                QVERIFY2(q.value(1).toString().contains(QLatin1String("mapped from /price/decimal")),
                    qPrintable(q.value(1).toString()));
                QVERIFY(q.value(2).toByteArray().contains("\"decimal\":0.90"));
            }
        }
        QCOMPARE(seen,
            QStringList(
                { QStringLiteral("out_of_range@5"), QStringLiteral("unknown_type@6"), QStringLiteral("missing_field@"),
                    QStringLiteral("malformed_json@"), QStringLiteral("missing_field@8") }));
        // Rejected messages with a seq kept their place: no gap, nothing resumed.
        QCOMPARE(one(QStringLiteral("SELECT count(*) FROM gaps")).toInt(), 0);
    }
    QSqlDatabase::removeDatabase(QStringLiteral("acme"));
}

QTEST_GUILESS_MAIN(TestCliMapping)
#include "tst_cli_mapping.moc"

// SPDX-License-Identifier: MIT
#include <core/feed/decodestats.h>
#include <core/feed/framedecoder.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace OddsTap;

namespace {

QJsonObject validData(const QString &type)
{
    if (type == QLatin1String("fixture")) {
        return { { QStringLiteral("fixture_id"), QStringLiteral("fx-1") }, { QStringLiteral("sport_id"), 1 },
            { QStringLiteral("tournament_id"), 17 },
            { QStringLiteral("start_time"), QStringLiteral("2026-11-25T15:00:00Z") },
            { QStringLiteral("status"), QStringLiteral("live") }, { QStringLiteral("home"), QStringLiteral("Arsenal") },
            { QStringLiteral("away"), QStringLiteral("Spurs") }, { QStringLiteral("score"), QStringLiteral("2-1") } };
    }
    if (type == QLatin1String("odds")) {
        return { { QStringLiteral("fixture_id"), QStringLiteral("fx-1") },
            { QStringLiteral("market_type"), QStringLiteral("1x2") },
            { QStringLiteral("selection"), QStringLiteral("home") }, { QStringLiteral("odd_value"), 2.15 },
            { QStringLiteral("timestamp"), 1764072000000LL }, { QStringLiteral("status"), QStringLiteral("open") } };
    }
    if (type == QLatin1String("bet")) {
        return { { QStringLiteral("bet_id"), QStringLiteral("b-1") },
            { QStringLiteral("user_id"), QStringLiteral("u-9") },
            { QStringLiteral("fixture_id"), QStringLiteral("fx-1") },
            { QStringLiteral("market_type"), QStringLiteral("1x2") },
            { QStringLiteral("selection"), QStringLiteral("home") }, { QStringLiteral("stake"), 10.0 },
            { QStringLiteral("odd_value"), 2.15 }, { QStringLiteral("potential_win"), 21.5 },
            { QStringLiteral("timestamp"), 1764072000000LL } };
    }
    if (type == QLatin1String("error")) {
        return { { QStringLiteral("code"), QStringLiteral("bad_request") },
            { QStringLiteral("message"), QStringLiteral("second subscribe") } };
    }
    return {};
}

QJsonObject envelope(const QString &type, const QJsonObject &data = {}, qint64 seq = 42)
{
    QJsonObject env { { QStringLiteral("type"), type }, { QStringLiteral("seq"), seq },
        { QStringLiteral("ts"), 1764072000123LL }, { QStringLiteral("source"), QStringLiteral("sim-1") } };
    if (!data.isEmpty()) {
        env.insert(QStringLiteral("data"), data);
    }
    return env;
}

QByteArray json(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

QByteArray withData(const QString &type, const QString &key, const QJsonValue &value)
{
    QJsonObject data = validData(type);
    if (value.isUndefined()) {
        data.remove(key);
    } else {
        data.insert(key, value);
    }
    return json(envelope(type, data));
}

// Replaces the JSON text of one data field verbatim, for values QJsonValue cannot express.
QByteArray withRawData(const QString &type, const char *key, const QByteArray &rawValue)
{
    QByteArray text = withData(type, QString::fromLatin1(key), QStringLiteral("@@"));
    return text.replace(QByteArray("\"@@\""), rawValue);
}

const FrameContext kContext { QStringLiteral("src-A"), 1764072000500LL, 123456789LL };

} // namespace

class TestFrameDecoder : public QObject
{
    Q_OBJECT

private slots:
    void acceptsValid_data();
    void acceptsValid();
    void rejects_data();
    void rejects();
    void decodesFieldsExactly();
    void stampsContextOnEventsAndRejects();
    void batchWithMixedEnvelopesRejectsOnlyTheBadOnes();
    void emptyBatchYieldsNothing();
    void frameLimit();
    void batchLimit();
    void wholeFrameRejectKeepsRawText();
    void statsReconcile();
};

void TestFrameDecoder::acceptsValid_data()
{
    QTest::addColumn<QByteArray>("frame");
    QTest::addColumn<int>("type");

    for (const char *t : { "fixture", "odds", "bet", "error" }) {
        const QString type = QString::fromLatin1(t);
        QTest::addRow("%s full", t) << json(envelope(type, validData(type))) << int(*eventTypeFromWire(t));
    }
    QTest::addRow("heartbeat without data") << json(envelope(QStringLiteral("heartbeat"))) << int(EventType::Heartbeat);
    QTest::addRow("heartbeat with data ignored")
        << QByteArray(R"({"type":"heartbeat","seq":1,"ts":1,"data":{"x":1}})") << int(EventType::Heartbeat);
    QTest::addRow("snapshot_begin") << json(envelope(QStringLiteral("snapshot_begin")))
                                    << int(EventType::SnapshotBegin);
    QTest::addRow("snapshot_end") << json(envelope(QStringLiteral("snapshot_end"))) << int(EventType::SnapshotEnd);
    QTest::addRow("fixture without optional team names") << withData(QStringLiteral("fixture"), QStringLiteral("home"),
        QJsonValue::Undefined) << int(EventType::Fixture);
    QTest::addRow("fixture with null score")
        << withData(QStringLiteral("fixture"), QStringLiteral("score"), QJsonValue::Null) << int(EventType::Fixture);
    QTest::addRow("fixture start_time with offset") << withData(QStringLiteral("fixture"), QStringLiteral("start_time"),
        QStringLiteral("2026-11-25T16:00:00+01:00")) << int(EventType::Fixture);
    QTest::addRow("fixture start_time with fraction")
        << withData(QStringLiteral("fixture"), QStringLiteral("start_time"), QStringLiteral("2028-02-29T15:00:00.250Z"))
        << int(EventType::Fixture);
    QTest::addRow("fixture status cancelled") << withData(QStringLiteral("fixture"), QStringLiteral("status"),
        QStringLiteral("cancelled")) << int(EventType::Fixture);
    QTest::addRow("odds as integer") << withData(QStringLiteral("odds"), QStringLiteral("odd_value"), 3)
                                     << int(EventType::Odds);
    QTest::addRow("selection of 256 bytes") << withData(QStringLiteral("odds"), QStringLiteral("selection"),
        QString(256, QLatin1Char('s'))) << int(EventType::Odds);
    QTest::addRow("error message of 4 KiB") << withData(QStringLiteral("error"), QStringLiteral("message"),
        QString(4096, QLatin1Char('m'))) << int(EventType::Error);
    QTest::addRow("odds just above 1") << withRawData(QStringLiteral("odds"), "odd_value", "1.0001")
                                       << int(EventType::Odds);
    QTest::addRow("odds suspended") << withData(QStringLiteral("odds"), QStringLiteral("status"),
        QStringLiteral("suspended")) << int(EventType::Odds);
    QTest::addRow("odds without status") << withData(QStringLiteral("odds"), QStringLiteral("status"),
        QJsonValue::Undefined) << int(EventType::Odds);
    QTest::addRow("bet without odd_value")
        << withData(QStringLiteral("bet"), QStringLiteral("odd_value"), QJsonValue::Undefined) << int(EventType::Bet);
    QTest::addRow("bet potential_win equal to stake")
        << withData(QStringLiteral("bet"), QStringLiteral("potential_win"), 10.0) << int(EventType::Bet);
    QTest::addRow("unknown fields ignored")
        << QByteArray(R"({"type":"heartbeat","seq":1,"ts":1,"extra":[1,{"a":null}],"v":2})")
        << int(EventType::Heartbeat);
    QTest::addRow("source absent") << QByteArray(R"({"type":"heartbeat","seq":1,"ts":1})") << int(EventType::Heartbeat);
    QTest::addRow("source null") << QByteArray(R"({"type":"heartbeat","seq":1,"ts":1,"source":null})")
                                 << int(EventType::Heartbeat);
    QTest::addRow("seq zero") << QByteArray(R"({"type":"heartbeat","seq":0,"ts":0})") << int(EventType::Heartbeat);
    QTest::addRow("seq 2^63-2, the largest stored")
        << QByteArray(R"({"type":"heartbeat","seq":9223372036854775806,"ts":1})") << int(EventType::Heartbeat);
    QTest::addRow("leading BOM") << QByteArray("\xEF\xBB\xBF") + json(envelope(QStringLiteral("heartbeat")))
                                 << int(EventType::Heartbeat);
    QTest::addRow("surrounding whitespace")
        << QByteArray(" \t{\"type\":\"heartbeat\",\"seq\":1,\"ts\":1}\r\n") << int(EventType::Heartbeat);
    QTest::addRow("unicode team names") << QByteArray(
        R"({"type":"fixture","seq":5,"ts":1,"data":{"fixture_id":"f","sport_id":1,"tournament_id":1,)"
        R"("start_time":"2026-11-25T15:00:00Z","status":"live","home":"Fenerbah\u00e7e ⚽","away":"Beşiktaş"}})")
                                        << int(EventType::Fixture);
}

void TestFrameDecoder::acceptsValid()
{
    QFETCH(QByteArray, frame);
    QFETCH(int, type);
    FrameDecoder decoder;
    EventBatch batch;
    QCOMPARE(decoder.decode(frame, kContext, batch), std::size_t(1));
    if (!batch.rejects.empty()) {
        QFAIL(qPrintable(QStringLiteral("rejected: %1: %2")
                             .arg(QLatin1String(toWire(batch.rejects[0].code).data()), batch.rejects[0].message)));
    }
    QCOMPARE(batch.events.size(), std::size_t(1));
    QCOMPARE(int(batch.events[0].type), type);
}

void TestFrameDecoder::rejects_data()
{
    QTest::addColumn<QByteArray>("frame");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("messagePart");

    const auto odds = QStringLiteral("odds");
    const auto fixture = QStringLiteral("fixture");
    const auto bet = QStringLiteral("bet");
    const auto undef = QJsonValue(QJsonValue::Undefined);

    // Ids and names are bounded: each is held per fixture and selection for the session.
    QTest::addRow("selection of 257 bytes")
        << withData(odds, QStringLiteral("selection"), QString(257, QLatin1Char('s'))) << "bad_value"
        << "data.selection must be at most 256 bytes, got 257";
    QTest::addRow("fixture_id of 1 MB") << withData(
        fixture, QStringLiteral("fixture_id"), QString(1000000, QLatin1Char('f')))
                                        << "bad_value"
                                        << "data.fixture_id must be at most 256 bytes, got 1000000";
    QTest::addRow("team name of 300 bytes")
        << withData(fixture, QStringLiteral("home"), QString(150, QChar(0xe9))) << "bad_value"
        << "data.home must be at most 256 bytes, got 300";
    QTest::addRow("bet_id of 257 bytes") << withData(bet, QStringLiteral("bet_id"), QString(257, QLatin1Char('b')))
                                         << "bad_value"
                                         << "data.bet_id must be at most 256 bytes";
    QTest::addRow("error message of 4 KiB + 1")
        << withData(QStringLiteral("error"), QStringLiteral("message"), QString(4097, QLatin1Char('m'))) << "bad_value"
        << "data.message must be at most 4096 bytes";

    // Frame level: structure and encoding.
    QTest::addRow("empty") << QByteArray() << "empty_frame"
                           << "empty frame";
    QTest::addRow("whitespace only") << QByteArray(" \r\n\t") << "empty_frame"
                                     << "empty frame";
    QTest::addRow("BOM only") << QByteArray("\xEF\xBB\xBF") << "empty_frame"
                              << "empty frame";
    QTest::addRow("truncated JSON") << json(envelope(odds, validData(odds))).chopped(7) << "malformed_json"
                                    << "malformed JSON";
    QTest::addRow("NaN text") << QByteArray("NaN") << "malformed_json"
                              << "malformed JSON";
    QTest::addRow("NaN odds") << withRawData(odds, "odd_value", "NaN") << "malformed_json"
                              << "malformed JSON";
    QTest::addRow("Infinity odds") << withRawData(odds, "odd_value", "Infinity") << "malformed_json"
                                   << "malformed JSON";
    QTest::addRow("huge exponent") << withRawData(odds, "odd_value", "1e400") << "malformed_json"
                                   << "number";
    QTest::addRow("seq beyond uint64") << QByteArray(R"({"type":"odds","seq":18446744073709551616,"ts":1})")
                                       << "malformed_json"
                                       << "number";
    QTest::addRow("trailing garbage") << json(envelope(QStringLiteral("heartbeat"))) + " x"
                                      << "malformed_json"
                                      << "malformed JSON";
    QTest::addRow("two objects") << json(envelope(QStringLiteral("heartbeat")))
            + json(envelope(QStringLiteral("heartbeat")))
                                 << "malformed_json"
                                 << "malformed JSON";
    QTest::addRow("single quotes") << QByteArray("{'type':'odds'}") << "malformed_json"
                                   << "malformed JSON";
    QTest::addRow("invalid UTF-8") << QByteArray("{\"type\":\"heartbeat\",\"seq\":1,\"ts\":1,\"source\":\"s\xff\"}")
                                   << "invalid_utf8"
                                   << "UTF-8";
    QTest::addRow("overlong UTF-8") << QByteArray("{\"type\":\"heartbeat\",\"seq\":1,\"ts\":1,\"source\":\"\xc0\xaf\"}")
                                    << "invalid_utf8"
                                    << "UTF-8";
    QTest::addRow("deep nesting") << QByteArray(5000, '[') + QByteArray(5000, ']') << "too_deep"
                                  << "nesting";
    QTest::addRow("deep nesting inside data")
        << QByteArray(R"({"type":"heartbeat","seq":1,"ts":1,"x":)") + QByteArray(100, '[') + QByteArray(100, ']') + "}"
        << "too_deep"
        << "nesting";
    QTest::addRow("number at root") << QByteArray("42") << "not_an_object"
                                    << "JSON object";
    QTest::addRow("string at root") << QByteArray("\"odds\"") << "not_an_object"
                                    << "JSON object";
    QTest::addRow("null at root") << QByteArray("null") << "not_an_object"
                                  << "got null";

    // Envelope fields.
    QTest::addRow("missing type") << QByteArray(R"({"seq":1,"ts":1})") << "missing_field"
                                  << "field type";
    QTest::addRow("missing seq") << QByteArray(R"({"type":"heartbeat","ts":1})") << "missing_field"
                                 << "field seq";
    QTest::addRow("missing ts") << QByteArray(R"({"type":"heartbeat","seq":1})") << "missing_field"
                                << "field ts";
    QTest::addRow("missing data") << json(envelope(odds)) << "missing_field"
                                  << "field data";
    QTest::addRow("type not a string") << QByteArray(R"({"type":3,"seq":1,"ts":1})") << "bad_type"
                                       << "type must be a string";
    QTest::addRow("unknown type") << QByteArray(R"({"type":"goal","seq":1,"ts":1})") << "unknown_type"
                                  << "\"goal\"";
    // Books come from exchange profiles: the reference protocol has no such envelope.
    QTest::addRow("book type") << QByteArray(R"({"type":"book","seq":1,"ts":1,"data":{}})") << "unknown_type"
                               << "\"book\"";
    QTest::addRow("type case differs") << QByteArray(R"({"type":"Odds","seq":1,"ts":1})") << "unknown_type"
                                       << "\"Odds\"";
    QTest::addRow("seq negative") << QByteArray(R"({"type":"heartbeat","seq":-1,"ts":1})") << "out_of_range"
                                  << "seq";
    // Storage (SQLite INTEGER, PostgreSQL bigint) is signed 64-bit: a larger seq would come back
    // negative from every query, export and resume, so it is refused where it enters.
    QTest::addRow("seq 2^63") << QByteArray(R"({"type":"heartbeat","seq":9223372036854775808,"ts":1})")
                              << "out_of_range"
                              << "9223372036854775806";
    // The seq after it must fit too: a snapshot_end at 2^63-1 stored its gap's end as -2^63.
    QTest::addRow("seq 2^63-1") << QByteArray(R"({"type":"snapshot_end","seq":9223372036854775807,"ts":1})")
                                << "out_of_range"
                                << "9223372036854775806";
    QTest::addRow("seq max uint64") << QByteArray(R"({"type":"bet","seq":18446744073709551615,"ts":1})")
                                    << "out_of_range"
                                    << "seq";
    QTest::addRow("seq fractional") << QByteArray(R"({"type":"heartbeat","seq":1.5,"ts":1})") << "bad_type"
                                    << "seq";
    QTest::addRow("seq as string") << QByteArray(R"({"type":"heartbeat","seq":"1","ts":1})") << "bad_type"
                                   << "seq";
    QTest::addRow("seq null") << QByteArray(R"({"type":"heartbeat","seq":null,"ts":1})") << "bad_type"
                              << "got null";
    QTest::addRow("ts negative") << QByteArray(R"({"type":"heartbeat","seq":1,"ts":-5})") << "out_of_range"
                                 << "ts";
    QTest::addRow("ts beyond year 9999") << QByteArray(R"({"type":"heartbeat","seq":1,"ts":253402300800000})")
                                         << "out_of_range"
                                         << "ts";
    QTest::addRow("ts huge unsigned") << QByteArray(R"({"type":"heartbeat","seq":1,"ts":18446744073709551615})")
                                      << "out_of_range"
                                      << "ts";
    QTest::addRow("ts as string") << QByteArray(R"({"type":"heartbeat","seq":1,"ts":"now"})") << "bad_type"
                                  << "ts";
    QTest::addRow("source not a string") << QByteArray(R"({"type":"heartbeat","seq":1,"ts":1,"source":7})")
                                         << "bad_type"
                                         << "source";
    QTest::addRow("data not an object") << QByteArray(R"({"type":"odds","seq":1,"ts":1,"data":[1]})") << "bad_type"
                                        << "data must be an object";
    QTest::addRow("duplicate key") << QByteArray(R"({"type":"heartbeat","seq":1,"seq":2,"ts":1})") << "duplicate_field"
                                   << "seq appears more than once";
    QTest::addRow("duplicate data key") << withRawData(odds, "status", R"("open","odd_value":3.0)") << "duplicate_field"
                                        << "data.odd_value";

    // fixture
    for (const char *f : { "fixture_id", "sport_id", "tournament_id", "start_time", "status" }) {
        QTest::addRow("fixture missing %s", f) << withData(fixture, QString::fromLatin1(f), undef) << "missing_field"
                                               << QStringLiteral("data.") + QLatin1String(f);
    }
    QTest::addRow("fixture_id empty") << withData(fixture, QStringLiteral("fixture_id"), QString()) << "bad_value"
                                      << "data.fixture_id must not be empty";
    QTest::addRow("fixture_id number") << withData(fixture, QStringLiteral("fixture_id"), 7) << "bad_type"
                                       << "data.fixture_id must be a string";
    QTest::addRow("sport_id zero") << withData(fixture, QStringLiteral("sport_id"), 0) << "out_of_range"
                                   << "data.sport_id";
    QTest::addRow("sport_id negative") << withData(fixture, QStringLiteral("sport_id"), -3) << "out_of_range"
                                       << "data.sport_id";
    QTest::addRow("sport_id text") << withData(fixture, QStringLiteral("sport_id"), QStringLiteral("1")) << "bad_type"
                                   << "data.sport_id must be an integer";
    QTest::addRow("sport_id fractional") << withData(fixture, QStringLiteral("sport_id"), 1.5) << "bad_type"
                                         << "data.sport_id must be an integer";
    QTest::addRow("tournament_id zero") << withData(fixture, QStringLiteral("tournament_id"), 0) << "out_of_range"
                                        << "data.tournament_id";
    QTest::addRow("start_time without zone")
        << withData(fixture, QStringLiteral("start_time"), QStringLiteral("2026-11-25T15:00:00")) << "bad_value"
        << "data.start_time";
    QTest::addRow("start_time year 0") << withData(
        fixture, QStringLiteral("start_time"), QStringLiteral("0000-01-01T00:00:00Z"))
                                       << "out_of_range"
                                       << "data.start_time must be from 1970-01-01";
    // Valid JSON that no PostgreSQL text holds: stored, it stopped every write after it.
    QTest::addRow("NUL in a team name") << withData(
        fixture, QStringLiteral("home"), QString(QStringLiteral("A") + QChar(0) + QStringLiteral("B")))
                                        << "bad_value"
                                        << "data.home holds a NUL character";
    QTest::addRow("NUL in a selection") << withData(QStringLiteral("odds"), QStringLiteral("selection"),
        QString(QStringLiteral("ho") + QChar(0) + QStringLiteral("me")))
                                        << "bad_value"
                                        << "data.selection holds a NUL character";
    QTest::addRow("start_time 1969") << withData(
        fixture, QStringLiteral("start_time"), QStringLiteral("1969-12-31T23:59:59Z"))
                                     << "out_of_range"
                                     << "data.start_time must be from 1970-01-01";
    QTest::addRow("start_time date only")
        << withData(fixture, QStringLiteral("start_time"), QStringLiteral("2026-11-25")) << "bad_value"
        << "data.start_time";
    QTest::addRow("start_time 30 February")
        << withData(fixture, QStringLiteral("start_time"), QStringLiteral("2026-02-30T15:00:00Z")) << "bad_value"
        << "data.start_time";
    QTest::addRow("start_time hour 25") << withData(
        fixture, QStringLiteral("start_time"), QStringLiteral("2026-11-25T25:00:00Z"))
                                        << "bad_value"
                                        << "data.start_time";
    QTest::addRow("start_time epoch number")
        << withData(fixture, QStringLiteral("start_time"), 1764072000) << "bad_type"
        << "data.start_time must be a string";
    QTest::addRow("fixture status unknown")
        << withData(fixture, QStringLiteral("status"), QStringLiteral("paused")) << "bad_value"
        << "data.status";
    QTest::addRow("home not a string") << withData(fixture, QStringLiteral("home"), 1) << "bad_type"
                                       << "data.home";

    // odds
    for (const char *f : { "fixture_id", "market_type", "selection", "odd_value", "timestamp" }) {
        QTest::addRow("odds missing %s", f) << withData(odds, QString::fromLatin1(f), undef) << "missing_field"
                                            << QStringLiteral("data.") + QLatin1String(f);
    }
    QTest::addRow("odds exactly 1.0") << withData(odds, QStringLiteral("odd_value"), 1.0) << "out_of_range"
                                      << "data.odd_value must be > 1.0, got 1";
    QTest::addRow("odds below 1") << withData(odds, QStringLiteral("odd_value"), 0.95) << "out_of_range"
                                  << "got 0.95";
    QTest::addRow("odds zero") << withData(odds, QStringLiteral("odd_value"), 0) << "out_of_range"
                               << "data.odd_value";
    QTest::addRow("odds negative") << withData(odds, QStringLiteral("odd_value"), -2.5) << "out_of_range"
                                   << "data.odd_value";
    QTest::addRow("odds as text") << withData(odds, QStringLiteral("odd_value"), QStringLiteral("2.15")) << "bad_type"
                                  << "data.odd_value must be a number";
    QTest::addRow("odds null") << withData(odds, QStringLiteral("odd_value"), QJsonValue::Null) << "bad_type"
                               << "data.odd_value must be a number, got null";
    QTest::addRow("odds timestamp negative") << withData(odds, QStringLiteral("timestamp"), -1) << "out_of_range"
                                             << "data.timestamp";
    QTest::addRow("odds timestamp fractional") << withData(odds, QStringLiteral("timestamp"), 1.5) << "bad_type"
                                               << "data.timestamp";
    QTest::addRow("odds status unknown") << withData(odds, QStringLiteral("status"), QStringLiteral("closed"))
                                         << "bad_value"
                                         << "data.status";
    QTest::addRow("market_type empty") << withData(odds, QStringLiteral("market_type"), QString()) << "bad_value"
                                       << "data.market_type";
    QTest::addRow("selection object") << withData(odds, QStringLiteral("selection"), QJsonObject {}) << "bad_type"
                                      << "data.selection must be a string, got an object";

    // bet
    for (const char *f :
        { "bet_id", "user_id", "fixture_id", "market_type", "selection", "stake", "potential_win", "timestamp" }) {
        QTest::addRow("bet missing %s", f) << withData(bet, QString::fromLatin1(f), undef) << "missing_field"
                                           << QStringLiteral("data.") + QLatin1String(f);
    }
    QTest::addRow("stake zero") << withData(bet, QStringLiteral("stake"), 0) << "out_of_range"
                                << "data.stake must be > 0";
    QTest::addRow("stake negative") << withData(bet, QStringLiteral("stake"), -5) << "out_of_range"
                                    << "data.stake";
    QTest::addRow("stake text") << withData(bet, QStringLiteral("stake"), QStringLiteral("10")) << "bad_type"
                                << "data.stake";
    QTest::addRow("potential_win below stake") << withData(bet, QStringLiteral("potential_win"), 9.99) << "out_of_range"
                                               << "data.potential_win must be >= data.stake";
    QTest::addRow("bet odd_value 1") << withData(bet, QStringLiteral("odd_value"), 1) << "out_of_range"
                                     << "data.odd_value";
    QTest::addRow("bet_id empty") << withData(bet, QStringLiteral("bet_id"), QString()) << "bad_value"
                                  << "data.bet_id";
    QTest::addRow("bet timestamp text") << withData(bet, QStringLiteral("timestamp"), QStringLiteral("x")) << "bad_type"
                                        << "data.timestamp";

    // error
    QTest::addRow("error without code") << json(
        envelope(QStringLiteral("error"), { { QStringLiteral("message"), QStringLiteral("m") } }))
                                        << "missing_field"
                                        << "data.code";
}

void TestFrameDecoder::rejects()
{
    QFETCH(QByteArray, frame);
    QFETCH(QString, code);
    QFETCH(QString, messagePart);
    FrameDecoder decoder;
    EventBatch batch;
    decoder.decode(frame, kContext, batch);
    QCOMPARE(batch.events.size(), std::size_t(0));
    QCOMPARE(batch.rejects.size(), std::size_t(1));
    const Reject &r = batch.rejects[0];
    QCOMPARE(QString::fromLatin1(toWire(r.code).data()), code);
    QVERIFY2(r.message.contains(messagePart), qPrintable(r.message));
    QCOMPARE(r.raw, frame);
    QCOMPARE(r.batchIndex, -1);
}

void TestFrameDecoder::decodesFieldsExactly()
{
    FrameDecoder decoder;
    EventBatch batch;
    decoder.decode(json(envelope(QStringLiteral("bet"), validData(QStringLiteral("bet")), 77)), kContext, batch);
    decoder.decode(
        json(envelope(QStringLiteral("fixture"), validData(QStringLiteral("fixture")), 78)), kContext, batch);
    decoder.decode(json(envelope(QStringLiteral("odds"), validData(QStringLiteral("odds")), 79)), kContext, batch);
    QCOMPARE(batch.events.size(), std::size_t(3));

    const Event &b = batch.events[0];
    QCOMPARE(b.type, EventType::Bet);
    QCOMPARE(b.seq, quint64(77));
    QCOMPARE(b.serverTsMs, 1764072000123LL);
    QCOMPARE(b.stream, QStringLiteral("sim-1"));
    QVERIFY(b.bet());
    QCOMPARE(*b.bet(),
        (BetData { QStringLiteral("b-1"), QStringLiteral("u-9"), QStringLiteral("fx-1"), QStringLiteral("1x2"),
            QStringLiteral("home"), 10.0, 2.15, 21.5, 1764072000000LL }));

    const Event &f = batch.events[1];
    QVERIFY(f.fixture());
    QCOMPARE(*f.fixture(),
        (FixtureData { QStringLiteral("fx-1"), 1, 17, 1795618800000LL, FixtureStatus::Live, QStringLiteral("Arsenal"),
            QStringLiteral("Spurs"), QStringLiteral("2-1") }));
    QVERIFY(f.advancesStream());

    const Event &o = batch.events[2];
    QVERIFY(o.odds());
    QCOMPARE(*o.odds(),
        (OddsData { QStringLiteral("fx-1"), QStringLiteral("1x2"), QStringLiteral("home"), 2.15, 1764072000000LL,
            PriceStatus::Open }));
}

void TestFrameDecoder::stampsContextOnEventsAndRejects()
{
    FrameDecoder decoder;
    EventBatch batch;
    decoder.decode(json(envelope(QStringLiteral("heartbeat"))), kContext, batch);
    decoder.decode(withData(QStringLiteral("odds"), QStringLiteral("odd_value"), 0.5), kContext, batch);
    QCOMPARE(batch.events.size(), std::size_t(1));
    QCOMPARE(batch.rejects.size(), std::size_t(1));
    QCOMPARE(batch.events[0].sourceId, kContext.sourceId);
    QCOMPARE(batch.events[0].receivedAtMs, kContext.receivedAtMs);
    QCOMPARE(batch.events[0].receivedMonoNs, kContext.receivedMonoNs);
    QCOMPARE(batch.rejects[0].sourceId, kContext.sourceId);
    QCOMPARE(batch.rejects[0].receivedAtMs, kContext.receivedAtMs);
    QCOMPARE(batch.rejects[0].receivedMonoNs, kContext.receivedMonoNs);
    QCOMPARE(batch.rejects[0].seq, std::optional<quint64>(42)); // readable seq is kept on the reject
    QVERIFY(!batch.events[0].advancesStream());
}

void TestFrameDecoder::batchWithMixedEnvelopesRejectsOnlyTheBadOnes()
{
    QJsonArray arr;
    arr.append(envelope(QStringLiteral("odds"), validData(QStringLiteral("odds")), 1));
    QJsonObject badOdds = validData(QStringLiteral("odds"));
    badOdds.insert(QStringLiteral("odd_value"), 0.9);
    arr.append(envelope(QStringLiteral("odds"), badOdds, 2));
    arr.append(42);
    arr.append(envelope(QStringLiteral("bet"), validData(QStringLiteral("bet")), 3));
    arr.append(QJsonObject { { QStringLiteral("type"), QStringLiteral("nope") }, { QStringLiteral("seq"), 4 } });
    arr.append(QJsonArray { 1, 2 });
    FrameDecoder decoder;
    EventBatch batch;
    QCOMPARE(decoder.decode(QJsonDocument(arr).toJson(QJsonDocument::Compact), kContext, batch), std::size_t(6));
    QCOMPARE(batch.frames, quint64(1));
    QCOMPARE(batch.events.size(), std::size_t(2));
    QCOMPARE(batch.events[0].seq, quint64(1));
    QCOMPARE(batch.events[1].seq, quint64(3));
    QCOMPARE(batch.rejects.size(), std::size_t(4));
    QCOMPARE(batch.rejects[0].batchIndex, 1);
    QCOMPARE(batch.rejects[0].code, RejectCode::OutOfRange);
    QCOMPARE(batch.rejects[0].seq, std::optional<quint64>(2));
    // The raw text of a rejected batch element is that envelope alone, re-serialised compactly.
    const auto rawDoc = QJsonDocument::fromJson(batch.rejects[0].raw);
    QCOMPARE(rawDoc.object(), envelope(QStringLiteral("odds"), badOdds, 2));
    QCOMPARE(batch.rejects[1].batchIndex, 2);
    QCOMPARE(batch.rejects[1].code, RejectCode::NotAnObject);
    QCOMPARE(batch.rejects[1].raw, QByteArray("42"));
    QCOMPARE(batch.rejects[2].batchIndex, 4);
    QCOMPARE(batch.rejects[2].code, RejectCode::UnknownType);
    QCOMPARE(batch.rejects[2].seq, std::optional<quint64>(4));
    QCOMPARE(batch.rejects[3].batchIndex, 5);
    QCOMPARE(batch.rejects[3].code, RejectCode::NotAnObject);
}

void TestFrameDecoder::emptyBatchYieldsNothing()
{
    FrameDecoder decoder;
    EventBatch batch;
    QCOMPARE(decoder.decode("[]", kContext, batch), std::size_t(0));
    QVERIFY(batch.events.empty());
    QVERIFY(batch.rejects.empty());
    QCOMPARE(batch.frames, quint64(1));
}

void TestFrameDecoder::frameLimit()
{
    FrameDecoder decoder(DecoderLimits { 100, 10, 32, 16 });
    EventBatch batch;
    const QByteArray small = R"({"type":"heartbeat","seq":1,"ts":1})";
    QByteArray exact = small;
    exact.insert(1, QByteArray(100 - small.size(), ' '));
    QCOMPARE(exact.size(), 100);
    decoder.decode(exact, kContext, batch);
    QCOMPARE(batch.events.size(), std::size_t(1));
    const QByteArray big = exact + ' ';
    decoder.decode(big, kContext, batch);
    QCOMPARE(batch.rejects.size(), std::size_t(1));
    QCOMPARE(batch.rejects[0].code, RejectCode::FrameTooLarge);
    QVERIFY(batch.rejects[0].message.contains(QLatin1String("101 bytes")));
    QCOMPARE(batch.rejects[0].raw, big.left(16));
    QVERIFY(batch.rejects[0].rawTruncated);
    QCOMPARE(batch.bytes, quint64(201));

    // The default limit is 1 MiB.
    FrameDecoder defaults;
    QCOMPARE(defaults.limits().maxFrameBytes, qsizetype(1024 * 1024));
    EventBatch huge;
    defaults.decode(QByteArray(1024 * 1024 + 1, '['), kContext, huge);
    QCOMPARE(huge.rejects.size(), std::size_t(1));
    QCOMPARE(huge.rejects[0].code, RejectCode::FrameTooLarge);
}

void TestFrameDecoder::batchLimit()
{
    FrameDecoder decoder(DecoderLimits { 1 << 20, 3, 32, 1024 });
    const QByteArray hb = R"({"type":"heartbeat","seq":1,"ts":1})";
    EventBatch batch;
    QCOMPARE(decoder.decode(QByteArray("[" + hb + "," + hb + "," + hb + "]"), kContext, batch), std::size_t(3));
    QCOMPARE(batch.events.size(), std::size_t(3));
    batch = {};
    QCOMPARE(
        decoder.decode(QByteArray("[" + hb + "," + hb + "," + hb + "," + hb + "]"), kContext, batch), std::size_t(0));
    QCOMPARE(batch.events.size(), std::size_t(0));
    QCOMPARE(batch.rejects.size(), std::size_t(1));
    QCOMPARE(batch.rejects[0].code, RejectCode::BatchTooLarge);
    QVERIFY(batch.rejects[0].message.contains(QLatin1String("4 envelopes")));
    QCOMPARE(FrameDecoder().limits().maxBatchLength, qsizetype(10000));
}

void TestFrameDecoder::wholeFrameRejectKeepsRawText()
{
    const QByteArray frame = "{\"type\":\"odds\",\"seq\":9,\"ts\":1,\"data\":{\"fixture_id\":\"x\"}}";
    FrameDecoder decoder;
    EventBatch batch;
    decoder.decode(frame, kContext, batch);
    QCOMPARE(batch.rejects.size(), std::size_t(1));
    QCOMPARE(batch.rejects[0].raw, frame);
    QCOMPARE(batch.rejects[0].seq, std::optional<quint64>(9));
    QVERIFY(!batch.rejects[0].rawTruncated);
}

void TestFrameDecoder::statsReconcile()
{
    FrameDecoder decoder;
    EventBatch batch;
    decoder.decode(json(envelope(QStringLiteral("odds"), validData(QStringLiteral("odds")))), kContext, batch);
    decoder.decode("[1,2]", kContext, batch);
    decoder.decode("{", kContext, batch);
    DecodeStats stats;
    stats.add(batch);
    QCOMPARE(stats.frames, quint64(3));
    QCOMPARE(stats.accepted[std::size_t(EventType::Odds)], quint64(1));
    QCOMPARE(stats.rejected[std::size_t(RejectCode::NotAnObject)], quint64(2));
    QCOMPARE(stats.rejected[std::size_t(RejectCode::MalformedJson)], quint64(1));
    QCOMPARE(stats.acceptedTotal() + stats.rejectedTotal(), stats.envelopes);
    const auto json = stats.toJson();
    QCOMPARE(json.value(QStringLiteral("rejected")).toObject().value(QStringLiteral("total")).toInt(), 3);
}

QTEST_GUILESS_MAIN(TestFrameDecoder)
#include "tst_framedecoder.moc"

// SPDX-License-Identifier: MIT
// The Betfair Exchange Stream profile against real files (tests/data/betfair, see its README):
// state rebuilt line by line against betfairlightweight's golden output, every line of the
// cricket and racing files accounted for, their final state against the files' own last
// definitions and prices (read with Qt's JSON parser, independently of the profile's), and
// crafted lines that must be rejected with a reason, never crash.
#include <core/common/compressedfile.h>
#include <core/common/linereader.h>
#include <core/common/sports.h>
#include <core/providers/betfair/betfairdecoder.h>
#include <core/providers/betfair/betfairfile.h>
#include <core/replay/recordreader.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <cstring>
#include <map>
#include <set>

using namespace OddsTap;
using namespace OddsTap::Betfair;

namespace {

QString dataPath(const char *name)
{
    return QStringLiteral(ODDSTAP_TEST_DATA_DIR "/betfair/") + QLatin1String(name);
}

QByteArray readAll(const QString &path)
{
    auto device = openMaybeCompressed(path);
    if (!device) {
        qFatal("%s", qPrintable(device.error().message));
    }
    return device.value()->readAll();
}

/// What a file says of its market at the end, read line by line with QJsonDocument: the last
/// definition's runner statuses and market status, and the last ltp sent per runner.
struct FileTruth
{
    QString status;
    std::map<qint64, QString> runnerStatus;
    std::map<qint64, double> lastLtp;
    int lines = 0;
};

FileTruth truthOf(const QString &path)
{
    FileTruth t;
    const QList<QByteArray> lines = readAll(path).split('\n');
    for (const QByteArray &line : lines) {
        if (line.trimmed().isEmpty()) {
            continue;
        }
        ++t.lines;
        const QJsonObject msg = QJsonDocument::fromJson(line).object();
        for (const QJsonValue mcv : msg.value(QStringLiteral("mc")).toArray()) {
            const QJsonObject mc = mcv.toObject();
            if (mc.contains(QStringLiteral("marketDefinition"))) {
                const QJsonObject def = mc.value(QStringLiteral("marketDefinition")).toObject();
                t.status = def.value(QStringLiteral("status")).toString();
                for (const QJsonValue r : def.value(QStringLiteral("runners")).toArray()) {
                    t.runnerStatus[r[QStringLiteral("id")].toInteger()] = r[QStringLiteral("status")].toString();
                }
            }
            for (const QJsonValue rc : mc.value(QStringLiteral("rc")).toArray()) {
                if (rc.toObject().contains(QStringLiteral("ltp"))) {
                    t.lastLtp[rc[QStringLiteral("id")].toInteger()] = rc[QStringLiteral("ltp")].toDouble();
                }
            }
        }
    }
    return t;
}

struct Replayed
{
    std::unique_ptr<StreamDecoder> decoder = std::make_unique<StreamDecoder>();
    EventBatch out;
    quint64 frames = 0;
};

/// Every record of the files through one decoder, as a replay would hand them over.
Replayed replay(const QStringList &paths)
{
    Replayed r;
    auto reader = openRecords(paths);
    if (!reader) {
        qFatal("%s", qPrintable(reader.error().message));
    }
    CaptureRecord rec;
    while (reader.value()->next(rec)) {
        ++r.frames;
        const FrameContext ctx { QStringLiteral("bf"), rec.frame.wallNs / 1000000, rec.frame.monoNs };
        r.decoder->decode(rec.frame.bytes, ctx, r.out);
    }
    if (!reader.value()->error().isEmpty()) {
        qFatal("%s", qPrintable(reader.value()->error()));
    }
    return r;
}

std::optional<FixtureData> lastFixture(const EventBatch &b, const QString &fixtureId)
{
    std::optional<FixtureData> last;
    for (const Event &e : b.events) {
        if (const FixtureData *f = e.fixture(); f && f->fixtureId == fixtureId) {
            last = *f;
        }
    }
    return last;
}

} // namespace

class TestBetfair : public QObject
{
    Q_OBJECT
private slots:
    void goldenStateOfEveryLine();
    void cricketMarketAndScoreStream();
    void racingPlaceMarket();
    void eventsCarryContiguousSeqs();
    void craftedLinesAreRejectedWithAReason_data();
    void craftedLinesAreRejectedWithAReason();
    void fileReaderMergesOnPublishTime();
    void floodsOfRunnersOrPricesAreRefused();
    void truncatedCompressedFilesStopLoudly();
    void damagedCompressedFilesSayWhat();
    void endlessBlankLinesStopTheReader();
    void fixtureOfSeveralMarkets();
    void pricesOfAMarketNoDefinitionNamedAreRejectedNotLost();
    void aRunnerAnImageDropsIsSuspended();
    void aRefusedLineResendsTheWholeBook();
    void bookEventsDoNotDependOnFlushes();
    void closedMarketsAreForgottenAfterAWhile();
    void endlessNewMarketsAreRefusedPastTheCap();
    void booksAcrossMarketsAreCappedInAll();
};

void TestBetfair::goldenStateOfEveryLine()
{
    const QJsonArray golden = QJsonDocument::fromJson(readAll(dataPath("BASIC-1.132153978-processed.json.gz"))).array();
    QCOMPARE(golden.size(), 480);
    QFile file(dataPath("BASIC-1.132153978"));
    QVERIFY(file.open(QIODevice::ReadOnly));
    LineReader lines(&file, 1 << 24);
    LineReader::Line line;
    StreamParser parser;
    MarketCache cache;
    int index = 0;
    int runnersCompared = 0;
    while (lines.next(line)) {
        StreamMessage msg;
        StreamError error;
        QVERIFY2(parser.parse(line.text, msg, error), qPrintable(error.message));
        for (MarketChange &mc : msg.markets) {
            cache.apply(mc, msg.publishTimeMs);
        }
        QVERIFY(index < golden.size());
        const QJsonObject want = golden[index].toObject();
        const MarketState *m = cache.market(want[QStringLiteral("marketId")].toString());
        QVERIFY(m);
        const QString at = QStringLiteral("line %1").arg(index + 1);
        QCOMPARE(m->status(), want[QStringLiteral("status")].toString());
        QCOMPARE(m->inPlay(), want[QStringLiteral("inplay")].toBool());
        QCOMPARE(m->tradedTotal, want[QStringLiteral("totalMatched")].toDouble());
        QCOMPARE(m->definition->numberOfActiveRunners, want[QStringLiteral("numberOfActiveRunners")].toInt());
        QCOMPARE(m->definition->version, want[QStringLiteral("version")].toInteger());
        QCOMPARE(m->definition->betDelay, want[QStringLiteral("betDelay")].toInt());
        const QJsonArray runners = want[QStringLiteral("runners")].toArray();
        QVERIFY2(qsizetype(m->runners.size()) == runners.size(), qPrintable(at));
        for (const QJsonValue rv : runners) {
            const QJsonObject r = rv.toObject();
            const RunnerState *got =
                m->runner(r[QStringLiteral("selectionId")].toInteger(), r[QStringLiteral("handicap")].toDouble());
            QVERIFY2(got, qPrintable(at));
            const QString who = QStringLiteral("%1, runner %2").arg(at).arg(got->id);
            QVERIFY2(got->status == r[QStringLiteral("status")].toString(), qPrintable(who));
            if (r[QStringLiteral("lastPriceTraded")].isNull()) {
                QVERIFY2(!got->lastTraded, qPrintable(who));
            } else {
                QVERIFY2(got->lastTraded == r[QStringLiteral("lastPriceTraded")].toDouble(), qPrintable(who));
            }
            QVERIFY2(got->tradedTotal == r[QStringLiteral("totalMatched")].toDouble(), qPrintable(who));
            QVERIFY2(got->adjustmentFactor == r[QStringLiteral("adjustmentFactor")].toDouble(), qPrintable(who));
            QVERIFY2(got->removalDate == r[QStringLiteral("removalDate")].toString(), qPrintable(who));
            const QJsonObject ex = r[QStringLiteral("ex")].toObject();
            const auto sameLadder = [](const Ladder &l, const QJsonArray &expected) {
                if (qsizetype(l.points().size()) != expected.size()) {
                    return false;
                }
                for (const QJsonValue p : expected) {
                    const auto &pts = l.points();
                    if (std::none_of(pts.begin(), pts.end(), [&](const PriceSize &ps) {
                            return ps.price == p[QStringLiteral("price")].toDouble()
                                && ps.size == p[QStringLiteral("size")].toDouble();
                        })) {
                        return false;
                    }
                }
                return true;
            };
            QVERIFY2(sameLadder(got->traded, ex[QStringLiteral("tradedVolume")].toArray()), qPrintable(who));
            QVERIFY2(
                sameLadder(got->availableToBack, ex[QStringLiteral("availableToBack")].toArray()), qPrintable(who));
            QVERIFY2(sameLadder(got->availableToLay, ex[QStringLiteral("availableToLay")].toArray()), qPrintable(who));
            ++runnersCompared;
        }
        ++index;
    }
    QCOMPARE(index, 480);
    QCOMPARE(runnersCompared, 480 * 14);
}

void TestBetfair::cricketMarketAndScoreStream()
{
    const QString market = dataPath("cricket-1.200806927.ndjson.gz");
    const QString score = dataPath("cricket-score-1.200806927.ndjson.bz2");
    const FileTruth truth = truthOf(market);
    QCOMPARE(truth.lines, 18529);
    Replayed r = replay({ market, score });
    const DecodeCounts &c = r.decoder->counts();
    // Every line accounted for: read and applied, or rejected with a reason.
    QCOMPARE(r.frames, quint64(18529 + 2170));
    QCOMPARE(c.lines, r.frames);
    QCOMPARE(c.mapped + c.rejected, c.lines);
    QCOMPARE(c.rejected, quint64(0));
    QCOMPARE(r.out.rejects.size(), std::size_t(0));

    const MarketState *m = r.decoder->cache().market(QStringLiteral("1.200806927"));
    QVERIFY(m);
    QCOMPARE(m->status(), truth.status);
    QCOMPARE(m->status(), QStringLiteral("CLOSED"));
    for (const auto &[id, status] : truth.runnerStatus) {
        QCOMPARE(m->runner(id, 0)->status, status);
    }
    QCOMPARE(m->runner(228749, 0)->status, QStringLiteral("WINNER"));
    for (const auto &[id, ltp] : truth.lastLtp) {
        QCOMPARE(*m->runner(id, 0)->lastTraded, ltp);
    }
    // The score stream and the market are one fixture: teams and score from one, ended by both.
    const auto fx = lastFixture(r.out, QStringLiteral("31573045"));
    QVERIFY(fx);
    QCOMPARE(fx->home, QStringLiteral("Netherlands"));
    QCOMPARE(fx->away, QStringLiteral("Papua New Guinea"));
    QCOMPARE(fx->status, FixtureStatus::Ended);
    QCOMPARE(fx->sportId, qint64(Sport::Cricket));
    QCOMPARE(fx->score, QStringLiteral("Netherlands 163/7 (20) · Papua New Guinea 111/10 (19.4)"));
    // Its last odds: the last traded prices, suspended once the market closed.
    std::map<QString, OddsData> lastOdds;
    for (const Event &e : r.out.events) {
        if (const OddsData *o = e.odds(); o && o->fixtureId == QLatin1String("31573045")) {
            lastOdds[o->selection] = *o;
        }
    }
    QCOMPARE(lastOdds.size(), std::size_t(2));
    for (const auto &[id, ltp] : truth.lastLtp) {
        const OddsData &o = lastOdds.at(QString::number(id));
        QCOMPARE(o.oddValue, ltp);
        QCOMPARE(o.marketType, QStringLiteral("MATCH_ODDS"));
        QCOMPARE(o.status, PriceStatus::Suspended);
    }
    // At settlement the exchange clears the traded volume, price by price (the file's last lines).
    QVERIFY(m->runner(228749, 0)->traded.empty());

    // Before that the full ladders are kept: traded volume per price adds up to the runner's total,
    // and the best back is below the best lay.
    auto reader = openRecords({ market });
    QVERIFY(reader);
    StreamDecoder decoder;
    EventBatch out;
    CaptureRecord rec;
    for (int i = 0; i < 9000 && reader.value()->next(rec); ++i) {
        decoder.decode(rec.frame.bytes, FrameContext { QStringLiteral("bf"), 0, 0 }, out);
    }
    const RunnerState *home = decoder.cache().market(QStringLiteral("1.200806927"))->runner(228749, 0);
    QVERIFY(home->tradedTotal > 10000);
    QVERIFY2(qAbs(home->traded.total() - home->tradedTotal) < 1.0,
        qPrintable(QStringLiteral("%1 vs %2").arg(home->traded.total()).arg(home->tradedTotal)));
    const auto back = home->bestBack();
    const auto lay = home->bestLay();
    QVERIFY(back && lay);
    QVERIFY2(back->price < lay->price, qPrintable(QStringLiteral("%1 / %2").arg(back->price).arg(lay->price)));
}

void TestBetfair::racingPlaceMarket()
{
    const QString path = dataPath("racing-place-SELF-1.181223995.ndjson.gz");
    const FileTruth truth = truthOf(path);
    Replayed r = replay({ path });
    const DecodeCounts &c = r.decoder->counts();
    QCOMPARE(c.lines, quint64(truth.lines));
    QCOMPARE(c.lines, quint64(21922));
    QCOMPARE(c.mapped, c.lines);
    const MarketState *m = r.decoder->cache().market(QStringLiteral("1.181223995"));
    QVERIFY(m);
    QCOMPARE(m->status(), truth.status);
    QVERIFY(!truth.runnerStatus.empty());
    int placed = 0;
    for (const auto &[id, status] : truth.runnerStatus) {
        QCOMPARE(m->runner(id, 0)->status, status);
        placed += status == QLatin1String("WINNER") ? 1 : 0;
    }
    QCOMPARE(placed, m->definition->numberOfWinners); // a PLACE market: three win it
    for (const auto &[id, ltp] : truth.lastLtp) {
        QCOMPARE(*m->runner(id, 0)->lastTraded, ltp);
    }
    // A race is a fixture of its own: a recording without names is named by venue and time.
    const auto fx = lastFixture(r.out, QStringLiteral("30388764 16:20"));
    QVERIFY(fx);
    QCOMPARE(fx->home, QStringLiteral("Warwick 16:20"));
    QCOMPARE(fx->sportId, qint64(Sport::HorseRacing));
    QCOMPARE(fx->status, FixtureStatus::Ended);
    // Suspensions reach the prices: 25 status changes in the file, each a fixture update.
    int suspended = 0;
    for (const Event &e : r.out.events) {
        suspended += e.fixture() && e.fixture()->status == FixtureStatus::Suspended ? 1 : 0;
    }
    QVERIFY(suspended >= 10);
}

void TestBetfair::eventsCarryContiguousSeqs()
{
    Replayed r = replay({ dataPath("BASIC-1.132153978") });
    quint64 expected = 0;
    for (const Event &e : r.out.events) {
        if (e.advancesStream()) {
            QCOMPARE(e.seq, ++expected);
        }
    }
    QVERIFY(expected > 1000);
    // The same file again gives the same seqs: a second import is recognised, not doubled.
    Replayed again = replay({ dataPath("BASIC-1.132153978") });
    QCOMPARE(again.out.events.size(), r.out.events.size());
    for (std::size_t i = 0; i < r.out.events.size(); ++i) {
        QCOMPARE(again.out.events[i].seq, r.out.events[i].seq);
        QCOMPARE(again.out.events[i].data, r.out.events[i].data);
    }
}

void TestBetfair::craftedLinesAreRejectedWithAReason_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("mentions");
    const QByteArray head = R"({"op":"mcm","pt":1,"mc":[{"id":"1.1",)";
    QTest::newRow("empty") << QByteArray("   ") << "empty_frame"
                           << "empty";
    QTest::newRow("not json") << QByteArray("{\"op\":") << "malformed_json"
                              << "malformed";
    QTest::newRow("array") << QByteArray("[1,2]") << "not_an_object"
                           << "object";
    QTest::newRow("no op") << QByteArray(R"({"pt":1})") << "missing_field"
                           << "op";
    QTest::newRow("unknown op") << QByteArray(R"({"op":"ocm","pt":1})") << "unknown_type"
                                << "ocm";
    QTest::newRow("no pt") << QByteArray(R"({"op":"mcm","mc":[]})") << "missing_field"
                           << "pt";
    QTest::newRow("mc not array") << QByteArray(R"({"op":"mcm","pt":1,"mc":{}})") << "bad_type"
                                  << "mc";
    QTest::newRow("market without id") << QByteArray(R"({"op":"mcm","pt":1,"mc":[{"rc":[]}]})") << "missing_field"
                                       << "mc[0].id";
    QTest::newRow("runner without id") << head + R"("rc":[{"ltp":2.0}]}]})"
                                       << "missing_field"
                                       << "mc[0].rc[0].id";
    QTest::newRow("ltp as text") << head + R"("rc":[{"id":5,"ltp":"2.0"}]}]})"
                                 << "bad_type"
                                 << "mc[0].rc[0].ltp";
    QTest::newRow("ltp below 1.01") << head + R"("rc":[{"id":5,"ltp":0.5}]}]})"
                                    << "out_of_range"
                                    << "1.01";
    QTest::newRow("ltp above 1000") << head + R"("rc":[{"id":5,"ltp":1e9}]}]})"
                                    << "out_of_range"
                                    << "1000";
    QTest::newRow("pair short") << head + R"("rc":[{"id":5,"atb":[[1.5]]}]}]})"
                                << "bad_value"
                                << "atb[0]";
    QTest::newRow("size negative") << head + R"("rc":[{"id":5,"trd":[[1.5,-3]]}]}]})"
                                   << "out_of_range"
                                   << "trd[0][1]";
    QTest::newRow("level too deep") << head + R"("rc":[{"id":5,"batb":[[500,1.5,2]]}]}]})"
                                    << "out_of_range"
                                    << "batb[0][0]";
    QTest::newRow("bad time") << head + R"("marketDefinition":{"marketTime":"tomorrow"}}]})"
                              << "bad_value"
                              << "marketTime";
    QTest::newRow("team name null") << QByteArray(
        R"({"op":"ccm","pt":1,"cc":[{"eventId":"7","homeTeam":{"name":null}}]})")
                                    << "bad_type"
                                    << "cc[0].homeTeam.name must be a string, got null";
    QTest::newRow("team name of 2 KB") << QByteArray(R"({"op":"ccm","pt":1,"cc":[{"eventId":"7","homeTeam":{"name":")")
            + QByteArray(2000, 'n') + QByteArray(R"("}}]})")
                                       << "bad_value"
                                       << "cc[0].homeTeam.name must be at most 1024 bytes, got 2000";
    QTest::newRow("runner id in a definition as text") << head + R"("marketDefinition":{"runners":[{"id":"5"}]}}]})"
                                                       << "bad_type"
                                                       << "mc[0].marketDefinition.runners[0].id must be an integer";
    QTest::newRow("huge number") << QByteArray(R"({"op":"mcm","pt":1e400})") << "malformed_json"
                                 << "malformed";
    QTest::newRow("invalid utf-8") << QByteArray("{\"op\":\"mcm\",\"clk\":\"\xff\xfe\",\"pt\":1}") << "invalid_utf8"
                                   << "UTF-8";
    QTest::newRow("NUL in a runner name")
        << QByteArray(R"({"op":"mcm","pt":1,"mc":[{"id":"1.1","marketDefinition":{"status":"OPEN","eventId":"9",)"
                      R"("runners":[{"id":5,"name":"Brother\u0000Mcgonagall"}]}}]})")
        << "bad_value"
        << "holds a NUL character";
    QTest::newRow("too deep") << QByteArray(R"({"op":"mcm","pt":1,"x":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]})")
                              << "too_deep"
                              << "nesting";
    QByteArray ladder = head + R"("rc":[{"id":5,"atb":[)";
    for (int i = 0; i < 2500; ++i) {
        ladder += (i ? "," : "") + QByteArray("[2.0,1]");
    }
    QTest::newRow("ladder over the limit") << ladder + "]}]}]}"
                                           << "out_of_range"
                                           << "limit";
    QTest::newRow("line over the limit") << QByteArray(R"({"op":"mcm","pt":1,"x":")")
            + QByteArray(17 * 1024 * 1024, 'a') + "\"}"
                                         << "frame_too_large"
                                         << "limit";
}

void TestBetfair::craftedLinesAreRejectedWithAReason()
{
    QFETCH(QByteArray, line);
    QFETCH(QString, code);
    QFETCH(QString, mentions);
    StreamDecoder decoder;
    EventBatch out;
    const FrameContext ctx { QStringLiteral("bf"), 1000, 1 };
    QCOMPARE(decoder.decode(line, ctx, out), std::size_t(0));
    QCOMPARE(out.rejects.size(), std::size_t(1));
    const Reject &r = out.rejects.front();
    QCOMPARE(QString::fromLatin1(toWire(r.code)), code);
    QVERIFY2(r.message.contains(mentions), qPrintable(r.message));
    QVERIFY(!r.raw.isEmpty() || code == QLatin1String("empty_frame"));
    QVERIFY(r.raw.size() <= 64 * 1024);
    QCOMPARE(r.rawTruncated, line.size() > 64 * 1024);
    QCOMPARE(decoder.counts().rejected, quint64(1));
    // The stream goes on: a valid line after it is mapped.
    const QByteArray valid =
        R"({"op":"mcm","pt":2,"mc":[{"id":"1.9","marketDefinition":{"status":"OPEN","eventId":"7","eventTypeId":"1","marketType":"MATCH_ODDS","eventName":"A v B","runners":[{"id":5,"status":"ACTIVE"}]},"rc":[{"id":5,"ltp":2.5}]}]})";
    // The fixture, its price and the runner's first (whole, empty) book.
    QCOMPARE(decoder.decode(valid, ctx, out), std::size_t(3));
    QCOMPARE(out.events[out.events.size() - 2].odds()->oddValue, 2.5);
    QVERIFY(out.events.back().book() && out.events.back().book()->image);
    QCOMPARE(decoder.counts().mapped, quint64(1));
}

void TestBetfair::fileReaderMergesOnPublishTime()
{
    auto reader = Betfair::HistoricalFileReader::open(
        { dataPath("cricket-1.200806927.ndjson.gz"), dataPath("cricket-score-1.200806927.ndjson.bz2") });
    QVERIFY2(reader, reader ? "" : qPrintable(reader.error().message));
    const CaptureInfo &info = reader.value()->info();
    QCOMPARE(info.frames, quint64(18529 + 2170));
    QCOMPARE(info.header.sources.size(), std::size_t(1));
    QCOMPARE(info.header.sources.front().sourceId, QStringLiteral("bf-cricket-1.200806927"));
    CaptureRecord rec;
    qint64 last = 0;
    quint64 n = 0;
    while (reader.value()->next(rec)) {
        QVERIFY(rec.frame.wallNs >= last);
        last = rec.frame.wallNs;
        ++n;
    }
    QCOMPARE(n, info.frames);
    QCOMPARE(last, info.lastWallNs);
    // A seek lands on the first line at or after the time.
    const qint64 middle = info.firstWallNs + (info.lastWallNs - info.firstWallNs) / 2;
    QVERIFY(reader.value()->seek(middle));
    QVERIFY(reader.value()->next(rec));
    QVERIFY(rec.frame.wallNs >= middle);
}

namespace {

QByteArray definition(const char *market, const char *type, const char *status, bool inPlay, const char *name = "")
{
    return QByteArray(R"({"id":")") + market + R"(","marketDefinition":{"status":")" + status + R"(","inPlay":)"
        + (inPlay ? "true" : "false") + R"(,"eventId":"9","eventTypeId":"1","eventName":"A v B","marketType":")" + type
        + R"(","name":")" + name
        + R"(","runners":[{"id":1,"status":"ACTIVE"},{"id":2,"status":"ACTIVE"}]},"rc":[{"id":1,"ltp":2.0},{"id":2,"ltp":3.0}]})";
}

QByteArray line(const QByteArray &markets, qint64 pt = 1000)
{
    return QByteArray(R"({"op":"mcm","pt":)") + QByteArray::number(pt) + R"(,"mc":[)" + markets + "]}";
}

/// Market 1.<n> of its own event 1000 + n (a football match), in play with two runners.
QByteArray matchMarket(int n, const char *status)
{
    return QByteArray(R"({"id":"1.)") + QByteArray::number(n) + R"(","marketDefinition":{"status":")" + status
        + R"(","inPlay":true,"eventId":")" + QByteArray::number(1000 + n)
        + R"(","eventTypeId":"1","eventName":"A v B","marketType":"MATCH_ODDS","runners":[{"id":1,"status":"ACTIVE"},)"
          R"({"id":2,"status":"ACTIVE"}]},"rc":[{"id":1,"ltp":2.0,"atb":[[2.0,10]]},{"id":2,"ltp":3.0}]})";
}

} // namespace

void TestBetfair::floodsOfRunnersOrPricesAreRefused()
{
    StreamDecoder decoder;
    EventBatch out;
    const FrameContext ctx { QStringLiteral("bf"), 0, 0 };
    const auto runners = [](int from, int n) {
        QByteArray rc;
        for (int i = from; i < from + n; ++i) {
            rc += (rc.isEmpty() ? "" : ",") + QByteArray(R"({"id":)") + QByteArray::number(i) + R"(,"ltp":2.0})";
        }
        return line(R"({"id":"1.5","marketDefinition":{"status":"OPEN","eventId":"9","eventTypeId":"1",)"
                    R"("marketType":"MATCH_ODDS","runners":[]},"rc":[)"
            + rc + "]}");
    };
    decoder.decode(runners(1, 1500), ctx, out);
    QCOMPARE(out.rejects.size(), std::size_t(0));
    decoder.decode(runners(5000, 1500), ctx, out); // 3,000 runners in one market: refused
    QCOMPARE(out.rejects.size(), std::size_t(1));
    QVERIFY2(out.rejects.back().message.contains(QLatin1String("more than 2000 runners")),
        qPrintable(out.rejects.back().message));
    QVERIFY(decoder.cache().market(QStringLiteral("1.5"))->runners.size() <= 2000);
    // Prices off the tick ladder, 1,000 new ones a line, on one runner.
    for (int n = 0; n < 3; ++n) {
        QByteArray atb;
        for (int i = 0; i < 1000; ++i) {
            atb += (atb.isEmpty() ? "" : ",") + QByteArray("[")
                + QByteArray::number(1.5 + (n * 1000 + i) * 0.0001, 'f', 4) + ",5]";
        }
        decoder.decode(line(R"({"id":"1.6","marketDefinition":{"status":"OPEN","eventId":"9","eventTypeId":"1",)"
                            R"("marketType":"OVER_UNDER_05","runners":[]},"rc":[{"id":1,"atb":[)"
                           + atb + "]}]}"),
            ctx, out);
    }
    QCOMPARE(out.rejects.size(), std::size_t(2));
    QVERIFY2(out.rejects.back().message.contains(QLatin1String("more than 2000 prices")),
        qPrintable(out.rejects.back().message));
    QCOMPARE(decoder.cache().market(QStringLiteral("1.6"))->runners.front().availableToBack.points().size(),
        std::size_t(2000));
}

void TestBetfair::truncatedCompressedFilesStopLoudly()
{
    QTemporaryDir dir;
    for (const char *name : { "racing-place-SELF-1.181223995.ndjson.gz", "cricket-score-1.200806927.ndjson.bz2" }) {
        QFile in(dataPath(name));
        QVERIFY(in.open(QIODevice::ReadOnly));
        const QString cut = dir.filePath(QLatin1String(name));
        QFile out(cut);
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(in.read(in.size() / 2)); // half a file: no error from reading, only an early end
        out.close();
        const auto reader = openRecords({ cut });
        QVERIFY2(!reader, name);
        QVERIFY2(reader.error().message.contains(QLatin1String("could not be read to the end")),
            qPrintable(reader.error().message));
    }
}

void TestBetfair::damagedCompressedFilesSayWhat()
{
    // Bytes after the last member are never dropped without a word, and a compressed file is never
    // taken for a damaged capture: each fault is named.
    QTemporaryDir dir;
    QFile in(dataPath("racing-place-SELF-1.181223995.ndjson.gz"));
    QVERIFY(in.open(QIODevice::ReadOnly));
    const QByteArray gz = in.readAll();
    const auto write = [&dir](const char *name, const QByteArray &bytes) {
        const QString path = dir.filePath(QLatin1String(name));
        QFile out(path);
        return out.open(QIODevice::WriteOnly) && out.write(bytes) == bytes.size() ? path : QString();
    };
    const auto readAll = [](const QString &path, quint64 &records) {
        auto reader = openRecords({ path });
        if (!reader) {
            return reader.error().message;
        }
        CaptureRecord r;
        while ((*reader)->next(r)) {
            ++records;
        }
        return (*reader)->error();
    };
    quint64 whole = 0;
    QCOMPARE(readAll(write("whole.gz", gz), whole), QString());
    QVERIFY(whole > 1000);
    // Files joined with cat read as one; zeros after the end are padding.
    quint64 twice = 0;
    QCOMPARE(readAll(write("twice.gz", gz + gz + QByteArray(512, '\0')), twice), QString());
    QCOMPARE(twice, 2 * whole);
    quint64 records = 0;
    QString why = readAll(write("appended.gz", gz + "some other text\n"), records);
    QVERIFY2(why.contains(QLatin1String("bytes after the end of the gzip data")), qPrintable(why));
    QByteArray flipped = gz;
    flipped[2000] = char(flipped[2000] ^ 0xff);
    why = readAll(write("flipped.gz", flipped), records);
    QVERIFY2(why.contains(QLatin1String("the gzip data is damaged")), qPrintable(why));
    why = readAll(write("appended-1f.gz", gz + QByteArray("\x1f\x00 then text\n", 13)), records); // began like a member
    QVERIFY2(why.contains(QLatin1String("bytes after the end of the gzip data")), qPrintable(why));
    const QString header = write("header.gz", QByteArray("\x1f\x8b\x08\x00junkjunk"));
    why = readAll(header, records);
    QVERIFY2(why.contains(QLatin1String("is a gzip file that cannot be read")), qPrintable(why));
    // Merged with a good file, the damaged one is named for what it is too.
    auto merged = openRecords({ write("first.gz", gz), header });
    QVERIFY(!merged);
    QVERIFY2(merged.error().message.contains(QLatin1String("is a gzip file that cannot be read")),
        qPrintable(merged.error().message));
    // A gzip file of something else (one stored block: gzip's format by hand).
    const QByteArray text = "id,name\n1,not a stream file\n";
    quint32 crc = 0xffffffffu;
    for (const char c : text) {
        crc ^= uchar(c);
        for (int k = 0; k < 8; ++k) {
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
        }
    }
    crc ^= 0xffffffffu;
    const auto le = [](quint32 v, int bytes) {
        QByteArray b;
        for (int k = 0; k < bytes; ++k) {
            b += char((v >> (8 * k)) & 0xff);
        }
        return b;
    };
    const QByteArray csvGz = QByteArray("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff", 10) + '\x01'
        + le(quint32(text.size()), 2) + le(~quint32(text.size()) & 0xffff, 2) + text + le(crc, 4)
        + le(quint32(text.size()), 4);
    const QByteArray emptyGz =
        QByteArray("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff\x01\x00\x00\xff\xff", 15) + QByteArray(8, '\0');
    why = readAll(write("empty.gz", emptyGz), records);
    QVERIFY2(why.contains(QLatin1String("is a gzip file that is empty once decompressed")), qPrintable(why));
    why = readAll(write("notbetfair.gz", csvGz), records);
    QVERIFY2(why.contains(QLatin1String("is gzip-compressed but is not a Betfair stream file (it starts with "
                                        "'id,name.1,not a stream file.')")),
        qPrintable(why));
    QByteArray bz;
    {
        QFile b(dataPath("cricket-score-1.200806927.ndjson.bz2"));
        QVERIFY(b.open(QIODevice::ReadOnly));
        bz = b.readAll();
    }
    quint64 bzRecords = 0;
    QCOMPARE(readAll(write("padded.bz2", bz + QByteArray(100, '\0')), bzRecords), QString());
    QVERIFY(bzRecords > 100);
    why = readAll(write("appended.bz2", bz + "appended text\n"), records);
    QVERIFY2(why.contains(QLatin1String("bytes after the end of the bzip2 data")), qPrintable(why));
    why = readAll(write("appended-B.bz2", bz + "BZ but no stream\n"), records);
    QVERIFY2(why.contains(QLatin1String("bytes after the end of the bzip2 data")), qPrintable(why));
    // Damage whose first bytes decompress to something else: the block's checksum names it.
    why = readAll(dataPath("BASIC-1.132153978-damaged.bz2"), records);
    QVERIFY2(why.contains(QLatin1String("a block's checksum does not match")), qPrintable(why));
    bz[bz.size() / 2] = char(bz[bz.size() / 2] ^ 0xff);
    why = readAll(write("flipped.bz2", bz), records);
    QVERIFY2(why.contains(QLatin1String("the bzip2 data is damaged")), qPrintable(why));
}

void TestBetfair::endlessBlankLinesStopTheReader()
{
    // A few KB that decompress to gigabytes of newlines once held the import for minutes, deaf to
    // a stop: past a million blank lines in a row the file is refused as damaged.
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("blank.ndjson"));
    QFile out(path);
    QVERIFY(out.open(QIODevice::WriteOnly));
    out.write(R"({"op":"mcm","clk":"1","pt":1700000000000,"mc":[]})"
              "\n");
    out.write(QByteArray(1200000, '\n'));
    out.write(R"({"op":"mcm","clk":"2","pt":1700000001000,"mc":[]})"
              "\n");
    out.close();
    // Refused when the reader reaches the run (it reads a line ahead, so here as it opens).
    auto reader = openRecords({ path });
    QString error = reader ? QString() : reader.error().message;
    if (reader) {
        CaptureRecord r;
        while ((*reader)->next(r)) { }
        error = (*reader)->error();
    }
    QVERIFY2(error.contains(QLatin1String("more than 1000000 blank lines in a row")), qPrintable(error));
}

void TestBetfair::fixtureOfSeveralMarkets()
{
    StreamDecoder decoder;
    EventBatch out;
    const FrameContext ctx { QStringLiteral("bf"), 0, 0 };
    const auto status = [&] { return lastFixture(out, QStringLiteral("9"))->status; };
    decoder.decode(
        line(definition("1.1", "MATCH_ODDS", "OPEN", true) + "," + definition("1.2", "OVER_UNDER_05", "OPEN", true)),
        ctx, out);
    QCOMPARE(status(), FixtureStatus::Live);
    // A side market closes at the first goal: the match goes on.
    decoder.decode(line(definition("1.2", "OVER_UNDER_05", "CLOSED", true)), ctx, out);
    QCOMPARE(status(), FixtureStatus::Live);
    // Two markets of one type keep their prices apart.
    decoder.decode(line(definition("1.3", "SPECIAL", "OPEN", true, "First corner") + ","
                       + definition("1.4", "SPECIAL", "OPEN", true, "First card")),
        ctx, out);
    std::set<QString> markets;
    for (const Event &e : out.events) {
        if (const OddsData *o = e.odds()) {
            markets.insert(o->marketType);
        }
    }
    QCOMPARE(markets,
        (std::set<QString> { QStringLiteral("MATCH_ODDS"), QStringLiteral("OVER_UNDER_05"), QStringLiteral("SPECIAL"),
            QStringLiteral("SPECIAL First card") }));
    // A full image clears the prices of the runners it does not list; the definition still
    // lists them, so they stay (aRunnerAnImageDropsIsSuspended has the rest).
    decoder.decode(line(R"({"id":"1.1","img":true,"rc":[{"id":1,"ltp":2.2}]})"), ctx, out);
    const MarketState *imaged = decoder.cache().market(QStringLiteral("1.1"));
    QCOMPARE(imaged->runners.size(), std::size_t(2));
    QVERIFY(!imaged->runner(2, 0)->lastTraded);
    EventBatch books;
    decoder.flush(books);
    QVERIFY(!books.ladders.empty());
    // The match ends when all its markets have closed.
    for (const char *m : { "1.1", "1.3", "1.4" }) {
        decoder.decode(line(definition(m, "X", "CLOSED", true)), ctx, out);
        QCOMPARE(status(), std::strcmp(m, "1.4") == 0 ? FixtureStatus::Ended : FixtureStatus::Live);
    }
}

/// A stream that began after a market's definition, or whose definition line was rejected: its
/// prices cannot be named, so each such line is a reject with the reason, not a line that
/// changed nothing; once a definition comes, the market is sent whole.
void TestBetfair::pricesOfAMarketNoDefinitionNamedAreRejectedNotLost()
{
    StreamDecoder decoder;
    EventBatch out;
    const FrameContext ctx { QStringLiteral("bf"), 0, 0 };
    decoder.decode(line(R"({"id":"1.9","rc":[{"id":1,"ltp":2.5,"atb":[[2.5,10]]}]})"), ctx, out);
    decoder.decode(line(R"({"id":"1.9","rc":[{"id":1,"ltp":2.6}]})", 2000), ctx, out);
    QVERIFY(out.events.empty());
    QCOMPARE(out.rejects.size(), std::size_t(2));
    for (const Reject &r : out.rejects) {
        QCOMPARE(r.code, RejectCode::MissingField);
        QVERIFY2(
            r.message.contains(QLatin1String("no market definition has come for market 1.9")), qPrintable(r.message));
        QVERIFY(r.raw.contains(R"("id":"1.9")"));
    }
    QCOMPARE(out.rejects[1].seq, std::optional<quint64>(2)); // each in its place in the stream
    QCOMPARE(decoder.counts().lines, decoder.counts().mapped + decoder.counts().rejected);
    // A line that also names another market keeps that market's events, and is a reject for 1.9.
    decoder.decode(
        line(definition("1.1", "MATCH_ODDS", "OPEN", true) + R"(,{"id":"1.9","rc":[{"id":1,"ltp":2.7}]})", 3000), ctx,
        out);
    QCOMPARE(out.rejects.size(), std::size_t(3));
    QVERIFY(!out.events.empty());
    // A line that gives the market its prices and then its definition is no reject.
    decoder.decode(
        line(R"({"id":"1.8","rc":[{"id":1,"ltp":4.0}]},{"id":"1.8","marketDefinition":{"status":"OPEN",)"
             R"("eventId":"8","eventTypeId":"1","marketType":"MATCH_ODDS","runners":[{"id":1,"status":"ACTIVE"}]}})",
            3500),
        ctx, out);
    QCOMPARE(out.rejects.size(), std::size_t(3));
    QCOMPARE(decoder.counts().lines, decoder.counts().mapped + decoder.counts().rejected);
    // The definition comes: the market is sent whole, its latest price first seen here.
    const std::size_t before = out.events.size();
    decoder.decode(line(R"({"id":"1.9","marketDefinition":{"status":"OPEN","eventId":"7","eventTypeId":"1",)"
                        R"("marketType":"MATCH_ODDS","eventName":"C v D","runners":[{"id":1,"status":"ACTIVE"}]}})",
                       4000),
        ctx, out);
    QCOMPARE(out.rejects.size(), std::size_t(3));
    bool priced = false;
    for (std::size_t i = before; i < out.events.size(); ++i) {
        if (const OddsData *o = out.events[i].odds()) {
            priced = priced || (o->oddValue == 2.7 && o->status == PriceStatus::Open);
        }
    }
    QVERIFY(priced);
}

/// A full image that states no price for a runner, or drops it: its last price is suspended, not
/// left open; a runner the market's definition still lists keeps its name and comes back open.
void TestBetfair::aRunnerAnImageDropsIsSuspended()
{
    StreamDecoder decoder;
    EventBatch out;
    const FrameContext ctx { QStringLiteral("bf"), 0, 0 };
    const auto last = [&out] {
        std::map<QString, std::pair<double, PriceStatus>> state;
        for (const Event &e : out.events) {
            if (const OddsData *o = e.odds()) {
                state[o->selection] = { o->oddValue, o->status };
            }
        }
        return state;
    };
    using State = std::pair<double, PriceStatus>;
    decoder.decode(line(definition("1.1", "MATCH_ODDS", "OPEN", false)), ctx, out);
    decoder.decode(line(R"({"id":"1.1","img":true,"rc":[{"id":1,"ltp":2.2}]})", 2000), ctx, out);
    QCOMPARE(last().size(), std::size_t(2));
    QCOMPARE(last()[QStringLiteral("1")], State(2.2, PriceStatus::Open));
    QCOMPARE(last()[QStringLiteral("2")], State(3.0, PriceStatus::Suspended)); // its last price, suspended
    QCOMPARE(decoder.cache().market(QStringLiteral("1.1"))->runners.size(), std::size_t(2)); // still listed
    // It trades again: open again, under the same name.
    decoder.decode(line(R"({"id":"1.1","rc":[{"id":2,"ltp":3.1}]})", 3000), ctx, out);
    QCOMPARE(last()[QStringLiteral("2")], State(3.1, PriceStatus::Open));
    // An image with a definition that no longer lists runner 2: gone, its price suspended once.
    decoder.decode(line(R"({"id":"1.1","img":true,"marketDefinition":{"status":"OPEN","eventId":"9",)"
                        R"("eventTypeId":"1","marketType":"MATCH_ODDS","runners":[{"id":1,"status":"ACTIVE"}]},)"
                        R"("rc":[{"id":1,"ltp":2.2}]})",
                       4000),
        ctx, out);
    QCOMPARE(last()[QStringLiteral("2")], State(3.1, PriceStatus::Suspended));
    QCOMPARE(decoder.cache().market(QStringLiteral("1.1"))->runners.size(), std::size_t(1));
    // A suspended market's image suspends nothing more: its prices went out suspended already.
    decoder.decode(line(definition("1.1", "MATCH_ODDS", "SUSPENDED", false), 5000), ctx, out);
    const std::size_t before = out.events.size();
    decoder.decode(line(R"({"id":"1.1","img":true,"rc":[]})", 6000), ctx, out);
    for (std::size_t i = before; i < out.events.size(); ++i) {
        QVERIFY(!out.events[i].odds());
    }
}

void TestBetfair::aRefusedLineResendsTheWholeBook()
{
    StreamDecoder decoder;
    EventBatch out;
    const FrameContext ctx { QStringLiteral("bf"), 0, 0 };
    const QByteArray definition = R"("marketDefinition":{"status":"OPEN","eventId":"9","eventTypeId":"1",)"
                                  R"("marketType":"MATCH_ODDS","runners":[{"id":1,"status":"ACTIVE"}]})";
    decoder.decode(line(R"({"id":"1.7",)" + definition + R"(,"rc":[{"id":1,"atb":[[2.0,10]]}]})"), ctx, out);
    QVERIFY(out.events.back().book() && out.events.back().book()->image);
    // 1,999 more runners: the market is full.
    QByteArray rc;
    for (int i = 2; i <= 2000; ++i) {
        rc += (rc.isEmpty() ? "" : ",") + QByteArray(R"({"id":)") + QByteArray::number(i) + "}";
    }
    decoder.decode(line(R"({"id":"1.7","rc":[)" + rc + "]}"), ctx, out);
    QCOMPARE(out.rejects.size(), std::size_t(0));
    // Runner 1's book changes, then a 2,001st runner: the line is refused, with the change to
    // runner 1 applied already and its book event dropped with the line.
    const std::size_t before = out.events.size();
    const quint64 lastSeq = out.events.back().seq;
    decoder.decode(line(R"({"id":"1.7","rc":[{"id":1,"atb":[[2.0,0],[2.02,7]]},{"id":9999,"ltp":3.0}]})"), ctx, out);
    QCOMPARE(out.rejects.size(), std::size_t(1));
    QCOMPARE(out.events.size(), before);
    // The refused line gives back its events' seqs and takes one for itself, where it stands in
    // the stream (a file imported again then recognises it).
    QCOMPARE(out.rejects.back().seq, std::optional<quint64>(lastSeq + 1));
    // The next change sends whole books, so what is stored holds the change the refused line made.
    decoder.decode(line(R"({"id":"1.7","rc":[{"id":2,"atb":[[3.0,1]]}]})"), ctx, out);
    QCOMPARE(out.events[before].seq, lastSeq + 2);
    const auto first = std::find_if(out.events.begin() + qsizetype(before), out.events.end(),
        [](const Event &e) { return e.book() && e.book()->selection == QLatin1String("1"); });
    QVERIFY(first != out.events.end());
    QVERIFY(first->book()->image);
    QCOMPARE(first->book()->levels, (std::vector<BookLevel> { { BookSide::Back, 2.02, 7 } }));
    QCOMPARE(std::count_if(out.events.begin() + qsizetype(before), out.events.end(),
                 [](const Event &e) { return e.book() && e.book()->image; }),
        2000);
}

void TestBetfair::bookEventsDoNotDependOnFlushes()
{
    // The racing file closes its market on its last line; a definition after that (a settled
    // market sent again) must map the same whether a flush came between them or not.
    QList<QByteArray> lines = readAll(dataPath("racing-place-SELF-1.181223995.ndjson.gz")).split('\n');
    while (!lines.isEmpty() && lines.back().trimmed().isEmpty()) {
        lines.removeLast();
    }
    QJsonObject again = QJsonDocument::fromJson(lines.back()).object();
    again.insert(QStringLiteral("pt"), again.value(QStringLiteral("pt")).toInteger() + 1000);
    lines << QJsonDocument(again).toJson(QJsonDocument::Compact);
    const auto run = [&lines](int flushEvery) {
        StreamDecoder decoder;
        EventBatch out;
        const FrameContext ctx { QStringLiteral("bf"), 0, 0 };
        for (qsizetype i = 0; i < lines.size(); ++i) {
            decoder.decode(lines[i], ctx, out);
            if (flushEvery > 0 && i % flushEvery == 0) {
                decoder.flush(out);
            }
        }
        decoder.flush(out);
        return out.events;
    };
    const std::vector<Event> everyLine = run(1);
    QVERIFY(std::any_of(everyLine.begin(), everyLine.end(), [](const Event &e) { return e.book(); }));
    QVERIFY(run(0) == everyLine);
    QVERIFY(run(7) == everyLine);
}

void TestBetfair::closedMarketsAreForgottenAfterAWhile()
{
    StreamDecoder decoder;
    EventBatch out;
    const FrameContext ctx { QStringLiteral("bf"), 0, 0 };
    // A day of the stream: a market opens every minute and closes ten minutes later.
    constexpr int kMinutes = 24 * 60;
    constexpr qint64 kMinute = 60 * 1000;
    constexpr qint64 kStart = 1700000000000;
    std::size_t mostMarkets = 0;
    std::size_t mostFixtures = 0;
    for (int n = 0; n < kMinutes; ++n) {
        const qint64 pt = kStart + n * kMinute;
        decoder.decode(line(matchMarket(n, "OPEN"), pt), ctx, out);
        if (n >= 10) {
            decoder.decode(line(matchMarket(n - 10, "CLOSED"), pt), ctx, out);
        }
        mostMarkets = std::max(mostMarkets, decoder.cache().size());
        mostFixtures = std::max(mostFixtures, decoder.fixturesHeld());
    }
    QCOMPARE(out.rejects.size(), std::size_t(0));
    // Held: the eleven open and the 29 closed in the last half hour; their places are taken again.
    QCOMPARE(mostMarkets, std::size_t(40));
    QCOMPARE(mostFixtures, mostMarkets);
    QVERIFY2(decoder.cache().slotCount() <= mostMarkets + 1, qPrintable(QString::number(decoder.cache().slotCount())));
    // Closed at minutes 10 to 1409, more than half an hour before the last line.
    QCOMPARE(decoder.counts().marketsForgotten, quint64(1400));
    QVERIFY(!decoder.cache().market(QStringLiteral("1.0")));
    const MarketState *recent = decoder.cache().market(QStringLiteral("1.1429"));
    QVERIFY(recent);
    QCOMPARE(recent->status(), QStringLiteral("CLOSED"));
    QCOMPARE(lastFixture(out, QStringLiteral("2429"))->status, FixtureStatus::Ended);

    // A change for a forgotten market starts it afresh, its fixture as the market says.
    EventBatch again;
    decoder.decode(line(matchMarket(0, "OPEN"), kStart + kMinutes * kMinute), ctx, again);
    QCOMPARE(lastFixture(again, QStringLiteral("1000"))->status, FixtureStatus::Live);
    int odds = 0;
    for (const Event &e : again.events) {
        odds += e.odds() && e.odds()->fixtureId == QLatin1String("1000") ? 1 : 0;
    }
    QCOMPARE(odds, 2);
    QCOMPARE(decoder.cache().market(QStringLiteral("1.0"))->runners.size(), std::size_t(2));
}

void TestBetfair::endlessNewMarketsAreRefusedPastTheCap()
{
    StreamLimits limits;
    limits.maxMarketsHeld = 100;
    StreamDecoder decoder(limits);
    EventBatch out;
    const FrameContext ctx { QStringLiteral("bf"), 0, 0 };
    constexpr qint64 kStart = 1700000000000;
    for (int n = 0; n < 150; ++n) {
        decoder.decode(line(matchMarket(n, "OPEN"), kStart), ctx, out);
    }
    QCOMPARE(decoder.cache().size(), std::size_t(100));
    QCOMPARE(out.rejects.size(), std::size_t(50));
    QVERIFY2(out.rejects.back().message.contains(QLatin1String("more than 100 markets open at once")),
        qPrintable(out.rejects.back().message));
    QVERIFY(!decoder.cache().market(QStringLiteral("1.120")));
    // Once closed markets are forgotten, new ones are taken again.
    for (int n = 0; n < 10; ++n) {
        decoder.decode(line(matchMarket(n, "CLOSED"), kStart), ctx, out);
    }
    decoder.decode(line(matchMarket(200, "OPEN"), kStart + StreamDecoder::kForgetClosedAfterMs), ctx, out);
    QCOMPARE(out.rejects.size(), std::size_t(50));
    QCOMPARE(decoder.cache().size(), std::size_t(91));
    QVERIFY(decoder.cache().market(QStringLiteral("1.200")));
}

// Each market within its own limits, many markets together past what the stream may hold: a
// hostile stream once grew the books by 1.1 GB in 40 s this way.
void TestBetfair::booksAcrossMarketsAreCappedInAll()
{
    StreamLimits limits;
    limits.maxRunnersHeld = 50;
    limits.maxPricesHeld = 1000;
    StreamDecoder decoder(limits);
    EventBatch out;
    const FrameContext ctx { QStringLiteral("bf"), 0, 0 };
    constexpr qint64 kStart = 1700000000000;
    const auto market = [](int id, const char *status, int runners, int prices) {
        QByteArray rc;
        for (int r = 1; r <= runners; ++r) {
            QByteArray atb;
            for (int i = 0; i < prices; ++i) {
                atb +=
                    (atb.isEmpty() ? "" : ",") + QByteArray("[") + QByteArray::number(1.5 + i * 0.01, 'f', 2) + ",5]";
            }
            rc += (rc.isEmpty() ? "" : ",") + QByteArray(R"({"id":)") + QByteArray::number(r) + R"(,"atb":[)" + atb
                + "]}";
        }
        return line(QByteArray(R"({"id":"1.)") + QByteArray::number(id) + R"(","marketDefinition":{"status":")" + status
                + R"(","eventId":"9)" + QByteArray::number(id)
                + R"(","eventTypeId":"1","marketType":"MATCH_ODDS","runners":[]},"rc":[)" + rc + "]}",
            kStart);
    };
    // 300 prices on one runner in each of four markets: the fourth passes 1,000 prices.
    for (int id = 11; id <= 14; ++id) {
        decoder.decode(market(id, "OPEN", 1, 300), ctx, out);
    }
    QCOMPARE(decoder.cache().pricesHeld(), std::size_t(1000));
    QCOMPARE(out.rejects.size(), std::size_t(1));
    QVERIFY2(out.rejects.back().message.contains(QLatin1String("past 1000 prices held in all")),
        qPrintable(out.rejects.back().message));
    // 20 runners a market: the third market takes the stream past 50 runners (4 held already).
    for (int id = 1; id <= 3; ++id) {
        decoder.decode(market(id, "OPEN", 20, 0), ctx, out);
    }
    QCOMPARE(decoder.cache().runnersHeld(), std::size_t(50));
    QCOMPARE(out.rejects.size(), std::size_t(2));
    QVERIFY2(out.rejects.back().message.contains(QLatin1String("past 50 runners held in all")),
        qPrintable(out.rejects.back().message));
    // A market that closes frees its books; an image replaces a book rather than adding to it.
    decoder.decode(market(1, "CLOSED", 0, 0), ctx, out);
    decoder.decode(market(11, "CLOSED", 0, 0), ctx, out);
    QCOMPARE(decoder.cache().pricesHeld(), std::size_t(700));
    const std::size_t rejectsBefore = out.rejects.size();
    for (int n = 0; n < 5; ++n) {
        decoder.decode(line(R"({"id":"1.12","img":true,"rc":[{"id":1,"atb":[[2.0,5],[3.0,5]]}]})", kStart), ctx, out);
    }
    QCOMPARE(out.rejects.size(), rejectsBefore);
    QCOMPARE(decoder.cache().pricesHeld(), std::size_t(402));
    // An image that lists one runner of a market of 20 gives the other 19 back.
    decoder.decode(line(R"({"id":"1.2","img":true,"rc":[{"id":1,"atb":[[2.0,5]]}]})", kStart), ctx, out);
    QCOMPARE(decoder.cache().runnersHeld(), std::size_t(31));
    QCOMPARE(decoder.cache().pricesHeld(), std::size_t(403));
    // Closed markets forgotten half an hour of stream time later give their runners back (1.1
    // had 20, 1.11 one), and their room holds a new market's runners.
    const qint64 later = kStart + StreamDecoder::kForgetClosedAfterMs + 1;
    decoder.decode(line(R"({"id":"1.12","rc":[{"id":1,"atb":[[2.0,6]]}]})", later), ctx, out);
    QCOMPARE(decoder.counts().marketsForgotten, quint64(2));
    QCOMPARE(decoder.cache().runnersHeld(), std::size_t(10));
    QCOMPARE(decoder.cache().pricesHeld(), std::size_t(403)); // their prices went when they closed
    decoder.decode(market(4, "OPEN", 20, 0), ctx, out);
    QCOMPARE(out.rejects.size(), rejectsBefore);
    QCOMPARE(decoder.cache().runnersHeld(), std::size_t(30));
}

QTEST_GUILESS_MAIN(TestBetfair)
#include "tst_betfair.moc"

// SPDX-License-Identifier: MIT
#include <core/common/sports.h>
#include <core/feed/framedecoder.h>
#include <core/models/fixturetablemodel.h>
#include <core/sim/feedgenerator.h>

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <map>
#include <numeric>
#include <set>

using namespace OddsTap;

namespace {

double bookOf(const std::map<QString, double> &prices)
{
    double overround = 0;
    for (const auto &[selection, price] : prices) {
        overround += 1.0 / price;
    }
    return overround;
}

std::size_t selectionsOf(const QString &market)
{
    return market == QLatin1String("1x2") ? 3 : 2;
}

/// The first whole market whose book is under 100 % after some price update, empty if none. Checked
/// after every update, not only at the end: a move's prices go out one by one, and a book under
/// 100 % between two of them is what a client would take for an arbitrage.
QString firstBookUnder100(const EventBatch &batch, int &wholeBooksSeen)
{
    std::map<std::pair<QString, QString>, std::map<QString, double>> markets;
    for (const Event &e : batch.events) {
        if (const OddsData *o = e.odds()) {
            std::map<QString, double> &prices = markets[{ o->fixtureId, o->marketType }];
            prices[o->selection] = o->oddValue;
            if (prices.size() == selectionsOf(o->marketType)) {
                ++wholeBooksSeen;
                if (bookOf(prices) < 1.0) {
                    return QStringLiteral("seq %1: %2").arg(e.seq).arg(bookOf(prices));
                }
            }
        }
    }
    return {};
}

} // namespace

class TestFeedGenerator : public QObject
{
    Q_OBJECT

private slots:
    void sameSeedSameBytes();
    void differentSeedsDiffer();
    void everyEventIsValidProtocolAndSeqsAreContiguous();
    void pricesCarryAMarginAndBetsPayStakeTimesOdds();
    void fixturesFollowTheLifecycle();
    void aFixtureIsAnnouncedBeforeItsKickOff();
    void fixturesArePlausiblePerSport();
    void aTeamPlaysOneFixtureAtATime_data();
    void aTeamPlaysOneFixtureAtATime();
    void snapshotHoldsTheLatestStateInSeqOrder();
    void theViewsNameTheSportTheSimulatorPlays();
    void booksQuoteTheSameMatchesDifferently();

private:
    static GeneratorConfig config(quint64 seed)
    {
        GeneratorConfig c;
        c.seed = seed;
        c.fixtures = 30;
        c.clockBaseMs = 1798761600000LL;
        return c;
    }
    /// The first @p count events of a generator made of @p c, decoded as a client would.
    static EventBatch decoded(const GeneratorConfig &c, int count)
    {
        FeedGenerator gen(c);
        FrameDecoder decoder;
        EventBatch batch;
        for (int i = 0; i < count; ++i) {
            decoder.decode(gen.next().json, FrameContext {}, batch);
        }
        return batch;
    }
};

void TestFeedGenerator::sameSeedSameBytes()
{
    FeedGenerator a(config(7));
    FeedGenerator b(config(7));
    for (int i = 0; i < 20000; ++i) {
        const GeneratedEvent x = a.next();
        const GeneratedEvent y = b.next();
        QCOMPARE(x.seq, y.seq);
        QCOMPARE(x.json, y.json);
    }
}

void TestFeedGenerator::differentSeedsDiffer()
{
    FeedGenerator a(config(7));
    FeedGenerator b(config(8));
    int same = 0;
    for (int i = 0; i < 1000; ++i) {
        same += a.next().json == b.next().json ? 1 : 0;
    }
    QVERIFY(same < 10);
}

void TestFeedGenerator::everyEventIsValidProtocolAndSeqsAreContiguous()
{
    FeedGenerator gen(config(3));
    FrameDecoder decoder;
    EventBatch batch;
    std::map<EventType, int> types;
    for (quint64 i = 1; i <= 50000; ++i) {
        const GeneratedEvent ev = gen.next();
        QCOMPARE(ev.seq, i);
        decoder.decode(ev.json, FrameContext {}, batch);
        if (!batch.rejects.empty()) {
            QFAIL(qPrintable(batch.rejects.front().message + QStringLiteral(": ") + QString::fromUtf8(ev.json)));
        }
        QCOMPARE(batch.events.back().seq, i);
        QCOMPARE(batch.events.back().type, ev.type);
        ++types[ev.type];
        batch.events.clear();
    }
    // A realistic mix: mostly prices, a steady flow of bets, fixture updates.
    QVERIFY(types[EventType::Odds] > 35000);
    QVERIFY(types[EventType::Bet] > 2000);
    QVERIFY(types[EventType::Fixture] > 300);
    for (const EventType control : { EventType::Heartbeat, EventType::SnapshotBegin, EventType::SnapshotEnd }) {
        decoder.decode(gen.controlEnvelope(control, 5), FrameContext {}, batch);
        QVERIFY(batch.rejects.empty());
    }
    decoder.decode(
        gen.errorEnvelope(5, "bad_request", QStringLiteral("quote \" and \\ and \n")), FrameContext {}, batch);
    QVERIFY(batch.rejects.empty());
    QCOMPARE(batch.events.back().feedError()->message, QStringLiteral("quote \" and \\ and \n"));
}

void TestFeedGenerator::pricesCarryAMarginAndBetsPayStakeTimesOdds()
{
    FeedGenerator gen(config(5));
    FrameDecoder decoder;
    EventBatch batch;
    // Latest price per fixture/market/selection, to compute each market's overround.
    std::map<std::pair<QString, QString>, std::map<QString, double>> markets;
    int bets = 0;
    for (int i = 0; i < 30000; ++i) {
        decoder.decode(gen.next().json, FrameContext {}, batch);
    }
    int wholeBooksSeen = 0;
    const QString under = firstBookUnder100(batch, wholeBooksSeen);
    QVERIFY2(under.isEmpty(), qPrintable(under));
    for (const Event &e : batch.events) {
        if (const OddsData *o = e.odds()) {
            QVERIFY(o->oddValue >= 1.01);
            markets[{ o->fixtureId, o->marketType }][o->selection] = o->oddValue;
        } else if (const BetData *b = e.bet()) {
            ++bets;
            QVERIFY(b->stake >= 1.0);
            QVERIFY(b->oddValue.has_value());
            QVERIFY(b->potentialWin >= b->stake);
            QVERIFY(std::abs(b->potentialWin - b->stake * *b->oddValue) <= 0.006); // rounded to cents
        }
    }
    QVERIFY(bets > 1000);
    QVERIFY(wholeBooksSeen > 10000);
    int checked = 0;
    for (const auto &[key, prices] : markets) {
        const double overround = bookOf(prices);
        if (prices.size() == selectionsOf(key.second)) {
            // 3-7 % margin, allowing for price rounding and the 1.01 floor.
            QVERIFY2(overround > 1.01 && overround < 1.12, qPrintable(QString::number(overround)));
            ++checked;
        }
    }
    QVERIFY(checked > 50);
}

void TestFeedGenerator::fixturesFollowTheLifecycle()
{
    GeneratorConfig c = config(9);
    c.stepMs = 10; // 400,000 events span 67 minutes: every fixture reaches its kick-off
    const EventBatch batch = decoded(c, 400000); // long enough for the rare cancellation
    // Long enough for heavy favourites at the 1.01 floor: the others still carry the book.
    int wholeBooksSeen = 0;
    const QString under = firstBookUnder100(batch, wholeBooksSeen);
    QVERIFY2(under.isEmpty(), qPrintable(under));
    std::map<QString, FixtureStatus> last;
    std::set<FixtureStatus> seen;
    for (const Event &e : batch.events) {
        const FixtureData *f = e.fixture();
        if (!f) {
            continue;
        }
        seen.insert(f->status);
        QVERIFY(f->sportId >= 1 && f->sportId <= 4);
        QVERIFY(!f->home.isEmpty() && f->home != f->away);
        // Scheduled means a kick-off to come: one in the past reads as a feed that lost a fixture.
        // A fixture first seen after its kick-off is announced live.
        QVERIFY2(f->status != FixtureStatus::Scheduled || f->startTimeMs > e.serverTsMs,
            qPrintable(QStringLiteral("seq %1: %2 scheduled after its kick-off").arg(e.seq).arg(f->fixtureId)));
        const auto it = last.find(f->fixtureId);
        if (it != last.end()) {
            const FixtureStatus from = it->second;
            // Terminal states never come back to life.
            QVERIFY(from != FixtureStatus::Ended && from != FixtureStatus::Cancelled);
            if (f->status == FixtureStatus::Scheduled) {
                QCOMPARE(from, FixtureStatus::Scheduled);
            }
        }
        last[f->fixtureId] = f->status;
    }
    QCOMPARE(seen.size(), std::size_t(5)); // scheduled, live, suspended, ended and cancelled all occur
}

/// A thousand fixtures' openings take 100 s to go out at 100 events/s: one whose kick-off came
/// while it waited is still first announced scheduled, with a kick-off to come.
void TestFeedGenerator::aFixtureIsAnnouncedBeforeItsKickOff()
{
    GeneratorConfig c = config(5);
    c.fixtures = 1000;
    c.stepMs = 10;
    const EventBatch batch = decoded(c, 20000);
    std::set<QString> seen;
    int soon = 0;
    for (const Event &e : batch.events) {
        const FixtureData *f = e.fixture();
        if (!f || !seen.insert(f->fixtureId).second) {
            continue;
        }
        QVERIFY2(f->status == FixtureStatus::Scheduled && f->startTimeMs > e.serverTsMs,
            qPrintable(QStringLiteral("seq %1: %2 first announced %3, kick-off %4 ms from then")
                           .arg(e.seq)
                           .arg(f->fixtureId, QString::fromStdString(std::string(toWire(f->status))))
                           .arg(f->startTimeMs - e.serverTsMs)));
        soon += f->startTimeMs - e.serverTsMs <= 31000 ? 1 : 0;
    }
    QVERIFY(seen.size() >= 1000); // and those that replace the ended ones
    QVERIFY2(soon > 300, qPrintable(QString::number(soon))); // half kick off within half a minute of their announcement
}

void TestFeedGenerator::fixturesArePlausiblePerSport()
{
    // What a trader notices at once: a match live before its kick-off, a man playing a woman, a
    // basketball game that ends 3-2.
    GeneratorConfig c = config(21);
    c.fixtures = 20;
    c.stepMs = 10;
    FeedGenerator gen(c);
    FrameDecoder decoder;
    // The women's tour: its stars, and the surnames its other players are drawn from.
    const QStringList womenSurnames = QStringLiteral(
        "Swiatek Sabalenka Gauff Rybakina Pegula Jabeur Vondrousova Muchova Zheng Paolini Navarro Keys Andersen "
        "Bianchi Castillo Duval Eriksson Fontaine Greco Hansen Ivanova Jovanovic Kuznetsova Larsen Meyer Nowak "
        "Orlova Pavlova Quinn Romero Schultz Tanaka Urbanova Vasquez Wolff Yilmaz Zima Molina Sato Becker Riva Lund")
                                          .split(QLatin1Char(' '));
    std::set<QString> women;
    const auto isWoman = [&](const QString &name) {
        return womenSurnames.contains(name.section(QLatin1Char(' '), -1));
    };
    std::map<int, std::vector<int>> endedTotals; // sport -> total score of each ended fixture
    int tennis = 0;
    int liveUpdates = 0;
    for (int i = 0; i < 1000000; ++i) { // about six lifetimes of each fixture slot
        EventBatch batch;
        decoder.decode(gen.next().json, FrameContext {}, batch);
        QCOMPARE(batch.events.size(), std::size_t(1));
        const Event &e = batch.events.front();
        const FixtureData *f = e.fixture();
        if (!f) {
            continue;
        }
        if (f->status == FixtureStatus::Live || f->status == FixtureStatus::Suspended
            || f->status == FixtureStatus::Ended) {
            ++liveUpdates;
            QVERIFY2(e.serverTsMs >= f->startTimeMs,
                qPrintable(QStringLiteral("%1 is %2 at %3, before its start at %4")
                               .arg(f->fixtureId, QLatin1String(toWire(f->status).data()))
                               .arg(e.serverTsMs)
                               .arg(f->startTimeMs)));
        }
        if (f->sportId == int(Sport::Tennis)) {
            ++tennis;
            QVERIFY2(isWoman(f->home) == isWoman(f->away), qPrintable(f->home + QStringLiteral(" v ") + f->away));
            if (isWoman(f->home)) {
                women.insert(f->home);
            }
        }
        if (f->status == FixtureStatus::Ended) {
            const QStringList score = f->score.split(QLatin1Char('-'));
            QCOMPARE(score.size(), 2);
            endedTotals[int(f->sportId)].push_back(score[0].toInt() + score[1].toInt());
        }
    }
    QVERIFY(liveUpdates > 1000);
    QVERIFY(tennis > 100);
    QVERIFY(!women.empty());
    const auto mean = [&](Sport s) {
        const std::vector<int> &v = endedTotals[int(s)];
        return v.empty() ? -1.0 : std::accumulate(v.begin(), v.end(), 0.0) / double(v.size());
    };
    QVERIFY2(endedTotals[int(Sport::Basketball)].size() >= 5, "too few basketball games ended to judge");
    QVERIFY2(mean(Sport::Basketball) >= 100, qPrintable(QString::number(mean(Sport::Basketball))));
    QVERIFY2(
        mean(Sport::Football) >= 0.5 && mean(Sport::Football) <= 6, qPrintable(QString::number(mean(Sport::Football))));
}

void TestFeedGenerator::aTeamPlaysOneFixtureAtATime_data()
{
    QTest::addColumn<int>("fixtures");
    QTest::newRow("the demo's 200") << 200;
    QTest::newRow("the bench's 1000") << 1000;
    QTest::newRow("3000: more fixtures than names") << 3000;
}

void TestFeedGenerator::aTeamPlaysOneFixtureAtATime()
{
    // No team or player is in two unfinished fixtures at once, at any point of the stream.
    QFETCH(int, fixtures);
    GeneratorConfig c = config(5);
    c.fixtures = fixtures;
    c.stepMs = 10;
    FeedGenerator gen(c);
    FrameDecoder decoder;
    std::map<QString, QString> playingIn; // team -> the unfinished fixture it plays in
    std::map<QString, std::pair<QString, QString>> teamsOf; // fixture -> its teams
    int replaced = 0;
    for (int i = 0; i < 400000; ++i) {
        EventBatch batch;
        decoder.decode(gen.next().json, FrameContext {}, batch);
        const FixtureData *f = batch.events.front().fixture();
        if (!f) {
            continue;
        }
        const bool finished = f->status == FixtureStatus::Ended || f->status == FixtureStatus::Cancelled;
        for (const QString &team : { f->home, f->away }) {
            const auto it = playingIn.find(team);
            if (finished) {
                if (it != playingIn.end() && it->second == f->fixtureId) {
                    playingIn.erase(it);
                }
                continue;
            }
            if (it != playingIn.end() && it->second != f->fixtureId) {
                QFAIL(qPrintable(QStringLiteral("%1 plays %2 and %3 at once").arg(team, it->second, f->fixtureId)));
            }
            playingIn[team] = f->fixtureId;
        }
        if (finished && teamsOf.erase(f->fixtureId) == 1) {
            ++replaced;
        } else if (!finished) {
            teamsOf[f->fixtureId] = { f->home, f->away };
        }
        QVERIFY(f->home != f->away);
    }
    QVERIFY2(replaced >= 10, qPrintable(QString::number(replaced))); // their names were free again
}

void TestFeedGenerator::snapshotHoldsTheLatestStateInSeqOrder()
{
    FeedGenerator gen(config(13));
    std::map<QByteArray, GeneratedEvent> latestOdds;
    FrameDecoder decoder;
    for (int i = 0; i < 5000; ++i) {
        const GeneratedEvent ev = gen.next();
        if (ev.type == EventType::Odds) {
            EventBatch b;
            decoder.decode(ev.json, FrameContext {}, b);
            const OddsData *o = b.events.front().odds();
            latestOdds[(o->fixtureId + o->marketType + o->selection).toUtf8()] = ev;
        }
    }
    const std::vector<GeneratedEvent> snap = gen.snapshot();
    QVERIFY(!snap.empty());
    std::set<QByteArray> snapshotJson;
    for (std::size_t i = 0; i < snap.size(); ++i) {
        QVERIFY(snap[i].seq <= gen.lastSeq());
        if (i > 0) {
            QVERIFY(snap[i].seq > snap[i - 1].seq);
        }
        snapshotJson.insert(snap[i].json);
    }
    // Every price in the snapshot is the latest one sent for its selection, byte for byte: never stale.
    int prices = 0;
    for (const GeneratedEvent &ev : snap) {
        if (ev.type != EventType::Odds) {
            continue;
        }
        EventBatch b;
        decoder.decode(ev.json, FrameContext {}, b);
        const OddsData *o = b.events.front().odds();
        const auto it = latestOdds.find((o->fixtureId + o->marketType + o->selection).toUtf8());
        QVERIFY(it != latestOdds.end());
        QCOMPARE(ev.json, it->second.json);
        ++prices;
    }
    QVERIFY(prices >= 30 * 5); // each live fixture has at least two markets of two selections
    QCOMPARE(int(snapshotJson.size()), int(snap.size()));
}

void TestFeedGenerator::theViewsNameTheSportTheSimulatorPlays()
{
    // The fixtures table and its sport filter name a sport_id; the simulator picks teams and
    // markets by sport_id. The Lakers play basketball, Alcaraz tennis, whatever the ids are.
    const std::map<QString, QString> teams { { QStringLiteral("Lakers"), QStringLiteral("Basketball") },
        { QStringLiteral("Celtics"), QStringLiteral("Basketball") },
        { QStringLiteral("Alcaraz"), QStringLiteral("Tennis") },
        { QStringLiteral("Swiatek"), QStringLiteral("Tennis") },
        { QStringLiteral("Arsenal"), QStringLiteral("Football") },
        { QStringLiteral("Bruins"), QStringLiteral("Ice hockey") } };
    // The other names: a club suffix or nickname only one sport uses, or a tennis player's initial.
    const std::map<QString, QString> lastWords { { QStringLiteral("United"), QStringLiteral("Football") },
        { QStringLiteral("Wanderers"), QStringLiteral("Football") },
        { QStringLiteral("Albion"), QStringLiteral("Football") },
        { QStringLiteral("Rockets"), QStringLiteral("Basketball") },
        { QStringLiteral("Thunder"), QStringLiteral("Basketball") },
        { QStringLiteral("Comets"), QStringLiteral("Basketball") },
        { QStringLiteral("Blades"), QStringLiteral("Ice hockey") },
        { QStringLiteral("Huskies"), QStringLiteral("Ice hockey") },
        { QStringLiteral("Grizzlies"), QStringLiteral("Ice hockey") } };
    const auto sportOf = [&](const QString &team) -> QString {
        if (const auto it = teams.find(team); it != teams.end()) {
            return it->second;
        }
        if (const auto it = lastWords.find(team.section(QLatin1Char(' '), -1)); it != lastWords.end()) {
            return it->second;
        }
        return team.size() > 3 && team[1] == QLatin1Char('.') && team[2] == QLatin1Char(' ') ? QStringLiteral("Tennis")
                                                                                             : QString();
    };
    GeneratorConfig c = config(11);
    c.fixtures = 400;
    const EventBatch batch = decoded(c, 20000);
    std::set<QString> seen;
    for (const Event &e : batch.events) {
        const FixtureData *f = e.fixture();
        if (!f) {
            continue;
        }
        for (const QString &team : { f->home, f->away }) {
            if (const QString sport = sportOf(team); !sport.isEmpty()) {
                QCOMPARE(FixtureTableModel::sportName(f->sportId), sport);
                seen.insert(sport);
            }
        }
    }
    QCOMPARE(seen.size(), std::size_t(4)); // every sport was checked
}

void TestFeedGenerator::booksQuoteTheSameMatchesDifferently()
{
    // Three books of one seed: the same events in the same order (fixtures, lifecycle, bets),
    // the fixture envelopes equal but for the stream's name, the prices each book's own.
    std::vector<std::unique_ptr<FeedGenerator>> books;
    for (int b = 1; b <= 3; ++b) {
        GeneratorConfig c = config(7);
        c.book = b;
        c.stream = "book-" + QByteArray::number(b);
        books.push_back(std::make_unique<FeedGenerator>(c));
    }
    int odds = 0;
    int differing = 0;
    int bets = 0;
    int betsAlike = 0;
    double maxRatio = 1;
    for (int i = 0; i < 20000; ++i) {
        std::array<QJsonObject, 3> e;
        for (std::size_t b = 0; b < 3; ++b) {
            const GeneratedEvent g = books[b]->next();
            e[b] = QJsonDocument::fromJson(g.json).object();
        }
        for (std::size_t b = 1; b < 3; ++b) {
            QCOMPARE(e[b].value(QStringLiteral("seq")), e[0].value(QStringLiteral("seq")));
            QCOMPARE(e[b].value(QStringLiteral("type")), e[0].value(QStringLiteral("type")));
        }
        const QString type = e[0].value(QStringLiteral("type")).toString();
        if (type == QLatin1String("fixture")) {
            QCOMPARE(e[1].value(QStringLiteral("data")), e[0].value(QStringLiteral("data")));
            QCOMPARE(e[2].value(QStringLiteral("data")), e[0].value(QStringLiteral("data")));
            QCOMPARE(e[2].value(QStringLiteral("source")).toString(), QStringLiteral("book-3"));
        } else if (type == QLatin1String("bet")) {
            ++bets; // each book's punters place bets of their own
            betsAlike += e[1].value(QStringLiteral("data")) == e[0].value(QStringLiteral("data"));
        } else if (type == QLatin1String("odds")) {
            ++odds;
            std::array<double, 3> price {};
            for (std::size_t b = 0; b < 3; ++b) {
                const QJsonObject d = e[b].value(QStringLiteral("data")).toObject();
                QCOMPARE(
                    d.value(QStringLiteral("selection")), e[0][QStringLiteral("data")][QStringLiteral("selection")]);
                price[b] = d.value(QStringLiteral("odd_value")).toDouble();
            }
            differing += price[0] != price[1] || price[1] != price[2];
            const auto [low, high] = std::minmax_element(price.begin(), price.end());
            maxRatio = std::max(maxRatio, *high / *low);
        }
    }
    QVERIFY(odds > 10000);
    QVERIFY(bets > 100);
    QCOMPARE(betsAlike, 0);
    // Independent noise: most prices differ across books, but they quote the same match (within
    // a few noise widths of each other, far from another match's prices).
    QVERIFY2(differing > odds * 8 / 10, qPrintable(QStringLiteral("%1 of %2").arg(differing).arg(odds)));
    QVERIFY2(maxRatio < 1.6, qPrintable(QString::number(maxRatio)));
}

QTEST_GUILESS_MAIN(TestFeedGenerator)
#include "tst_feedgenerator.moc"

// SPDX-License-Identifier: MIT
#include <core/feed/framedecoder.h>
#include <core/pipeline/livestate.h>
#include <core/sim/feedgenerator.h>

#include <QTest>

using namespace OddsTap;

namespace {

Event odds(quint64 seq, double price, const QString &selection = QStringLiteral("home"),
    PriceStatus status = PriceStatus::Open)
{
    Event e;
    e.type = EventType::Odds;
    e.seq = seq;
    e.sourceId = QStringLiteral("s");
    e.data = OddsData { QStringLiteral("fx"), QStringLiteral("1x2"), selection, price, qint64(seq) * 1000, status };
    return e;
}

Event fixtureEvent(quint64 seq, const QString &id, FixtureStatus status, qint64 receivedAtMs)
{
    Event e;
    e.type = EventType::Fixture;
    e.seq = seq;
    e.sourceId = QStringLiteral("s");
    e.receivedAtMs = receivedAtMs;
    FixtureData f;
    f.fixtureId = id;
    f.status = status;
    f.home = QStringLiteral("A");
    f.away = QStringLiteral("B");
    e.data = f;
    return e;
}

EventBatch batch(std::vector<Event> events)
{
    EventBatch b;
    b.events = std::move(events);
    return b;
}

} // namespace

class TestLiveState : public QObject
{
    Q_OBJECT

private slots:
    void keepsLatestAndPreviousPrice();
    void olderEventsNeverOverwriteNewer();
    void changesAreCoalesced();
    void agreesWithTheGeneratorsSnapshot();
    void finishedFixturesAreForgottenAfterAWhile();
    void finishedFixturesHeldAreCapped();
    void fixturesThatNeverEndAreCapped();
    void keysCompareByTextWhateverTheStorage();
};

void TestLiveState::finishedFixturesAreForgottenAfterAWhile()
{
    LiveState live;
    live.apply(batch({ fixtureEvent(1, QStringLiteral("fx"), FixtureStatus::Live, 1000), odds(2, 2.0),
        odds(3, 3.0, QStringLiteral("away")), fixtureEvent(4, QStringLiteral("other"), FixtureStatus::Live, 1000),
        fixtureEvent(5, QStringLiteral("fx"), FixtureStatus::Ended, 2000) }));
    live.takeChanges();
    QCOMPARE(live.fixtureCount(), 2);
    QCOMPARE(live.priceCount(), 2);
    // Not yet: ended 1 s ago, kept for 5 s.
    QVERIFY(live.pruneFinished(3000, 5000).empty());
    const auto removed = live.pruneFinished(8000, 5000);
    QCOMPARE(removed.size(), std::size_t(1));
    QCOMPARE(removed.front().second, QStringLiteral("fx"));
    QCOMPARE(live.fixtureCount(), 1);
    QCOMPARE(live.priceCount(), 0);
    QVERIFY(!live.fixture(QStringLiteral("s"), QStringLiteral("fx")));
    QVERIFY(live.fixture(QStringLiteral("s"), QStringLiteral("other"))); // still live: kept
    // A late price for the forgotten fixture does not crash or resurrect it as a fixture.
    live.apply(batch({ odds(6, 2.5) }));
    QVERIFY(!live.fixture(QStringLiteral("s"), QStringLiteral("fx")));
    QCOMPARE(live.takeChanges().fixtures.size(), std::size_t(0));
}

void TestLiveState::finishedFixturesHeldAreCapped()
{
    // A feed where fixtures end faster than the keep time (a flood, or a round of matches ending
    // together) holds at most the cap of ended ones: the most recently ended stay.
    LiveState live;
    std::vector<Event> events;
    quint64 seq = 0;
    for (int i = 0; i < 10; ++i) {
        const FixtureStatus status = i % 2 == 0 ? FixtureStatus::Live : FixtureStatus::Ended;
        events.push_back(fixtureEvent(++seq, QStringLiteral("fx%1").arg(i), status, 1000 + i));
    }
    live.apply(batch(std::move(events)));
    live.takeChanges();
    QCOMPARE(live.fixtureCount(), 10);
    // Five ended, none older than the keep time, cap three: the two that ended first go.
    const auto removed = live.pruneFinished(2000, 60000, 3);
    QCOMPARE(removed.size(), std::size_t(2));
    QCOMPARE(live.fixtureCount(), 8);
    QVERIFY(!live.fixture(QStringLiteral("s"), QStringLiteral("fx1")));
    QVERIFY(!live.fixture(QStringLiteral("s"), QStringLiteral("fx3")));
    for (const char *kept : { "fx5", "fx7", "fx9", "fx0", "fx2", "fx4", "fx6", "fx8" }) {
        QVERIFY2(live.fixture(QStringLiteral("s"), QLatin1String(kept)), kept);
    }
    QVERIFY(live.pruneFinished(2000, 60000, 3).empty());
}

void TestLiveState::fixturesThatNeverEndAreCapped()
{
    // 100 fixtures that never end (scheduled or in play) and 50 known only by a price: with a cap
    // of 120, the ones that heard nothing for longest go, those in play last, down to 108.
    LiveState live;
    std::vector<Event> events;
    quint64 seq = 0;
    for (int i = 0; i < 100; ++i) {
        const FixtureStatus status = i < 20 ? FixtureStatus::Live : FixtureStatus::Scheduled;
        events.push_back(fixtureEvent(++seq, QStringLiteral("fx%1").arg(i), status, 1000 + i));
    }
    for (int i = 0; i < 50; ++i) {
        Event o = odds(++seq, 2.0);
        o.receivedAtMs = 5000 + i;
        std::get<OddsData>(o.data).fixtureId = QStringLiteral("priced%1").arg(i);
        events.push_back(o);
    }
    live.apply(batch(std::move(events)));
    QVERIFY(live.pruneOldest(120).empty()); // in the change lists still: nothing goes
    live.takeChanges();
    QVERIFY(live.pruneOldest(150).empty());
    const auto removed = live.pruneOldest(120);
    QCOMPARE(removed.size(), std::size_t(150 - 108));
    QCOMPARE(live.priceCount(), 50); // the scheduled fixtures heard nothing for longer: they went first
    QCOMPARE(live.fixtureCount(), 100 - 42);
    QVERIFY(!live.fixture(QStringLiteral("s"), QStringLiteral("fx20")));
    QVERIFY(!live.fixture(QStringLiteral("s"), QStringLiteral("fx61")));
    QVERIFY(live.fixture(QStringLiteral("s"), QStringLiteral("fx62")));
    for (int i = 0; i < 20; ++i) {
        QVERIFY(live.fixture(QStringLiteral("s"), QStringLiteral("fx%1").arg(i)));
    }
    QVERIFY(live.pruneOldest(120).empty());

    // Entries known only by an old price go before idle fixtures; the watched fixture stays
    // however idle it is.
    LiveState priced;
    std::vector<Event> more;
    Event old = odds(1, 2.0);
    old.receivedAtMs = 10;
    std::get<OddsData>(old.data).fixtureId = QStringLiteral("orphan");
    more.push_back(old);
    more.push_back(fixtureEvent(2, QStringLiteral("watched"), FixtureStatus::Scheduled, 20));
    more.push_back(fixtureEvent(2, QStringLiteral("pinned"), FixtureStatus::Scheduled, 21));
    for (int i = 0; i < 10; ++i) {
        more.push_back(fixtureEvent(3 + quint64(i), QStringLiteral("fx%1").arg(i), FixtureStatus::Scheduled, 100 + i));
    }
    priced.apply(batch(std::move(more)));
    priced.takeChanges();
    // The watched fixture and one on the watch list stay, however idle.
    const auto gone = priced.pruneOldest(10, std::size_t(-1), [](const QString &source, const QString &fixture) {
        return source == QLatin1String("s")
            && (fixture == QLatin1String("watched") || fixture == QLatin1String("pinned"));
    });
    QCOMPARE(gone.size(), std::size_t(13 - 9));
    QCOMPARE(gone[0].second, QStringLiteral("orphan"));
    QCOMPARE(gone[1].second, QStringLiteral("fx0"));
    QCOMPARE(gone[2].second, QStringLiteral("fx1"));
    QCOMPARE(gone[3].second, QStringLiteral("fx2"));
    QVERIFY(priced.fixture(QStringLiteral("s"), QStringLiteral("watched")));
    QVERIFY(priced.fixture(QStringLiteral("s"), QStringLiteral("pinned")));
    QCOMPARE(priced.priceCount(), 0);
    QCOMPARE(priced.fixtureCount(), 9);

    // A fixture whose feed invents selections holds at most kMaxPricesPerFixture; the rest is
    // counted. Prices held in all are capped too: the fixture idle longest goes.
    LiveState wide;
    std::vector<Event> prices;
    quint64 s2 = 0;
    prices.push_back(fixtureEvent(++s2, QStringLiteral("fx"), FixtureStatus::Live, 1));
    const std::size_t invented = LiveState::kMaxPricesPerFixture + 10;
    for (std::size_t i = 0; i < invented; ++i) {
        Event o = odds(++s2, 2.0, QStringLiteral("selection %1").arg(i));
        o.receivedAtMs = 2;
        prices.push_back(o);
    }
    prices.push_back(fixtureEvent(++s2, QStringLiteral("newer"), FixtureStatus::Live, 3));
    for (int i = 0; i < 100; ++i) {
        Event o = odds(++s2, 2.0, QStringLiteral("selection %1").arg(i));
        std::get<OddsData>(o.data).fixtureId = QStringLiteral("newer");
        o.receivedAtMs = 4;
        prices.push_back(o);
    }
    wide.apply(batch(std::move(prices)));
    QCOMPARE(wide.priceCount(), qsizetype(LiveState::kMaxPricesPerFixture + 100));
    QCOMPARE(wide.pricesLeftOut(), quint64(10));
    wide.takeChanges();
    const auto pricey = wide.pruneOldest(100, 1000);
    QCOMPARE(pricey.size(), std::size_t(1));
    QCOMPARE(pricey.front().second, QStringLiteral("fx"));
    QCOMPARE(wide.priceCount(), 100);
}

void TestLiveState::keepsLatestAndPreviousPrice()
{
    LiveState live;
    live.apply(batch({ odds(1, 2.10), odds(2, 2.10), odds(3, 2.25) }));
    const PriceState *p =
        live.price(QStringLiteral("s"), QStringLiteral("fx"), QStringLiteral("1x2"), QStringLiteral("home"));
    QVERIFY(p);
    QCOMPARE(p->price, 2.25);
    QCOMPARE(p->previousPrice, 2.10);
    QCOMPARE(p->changedAtMs, qint64(3000)); // seq 2 repeated the price: not a change
    QCOMPARE(p->updates, quint64(3));
    live.apply(batch({ odds(4, 2.25, QStringLiteral("home"), PriceStatus::Suspended) }));
    QCOMPARE(p->status, PriceStatus::Suspended);
    QCOMPARE(p->changedAtMs, qint64(4000)); // a suspension is a change
}

void TestLiveState::olderEventsNeverOverwriteNewer()
{
    LiveState live;
    live.apply(batch({ odds(10, 3.0) }));
    live.apply(batch({ odds(7, 9.9) })); // e.g. a snapshot entry older than what we hold
    QCOMPARE(
        live.price(QStringLiteral("s"), QStringLiteral("fx"), QStringLiteral("1x2"), QStringLiteral("home"))->price,
        3.0);
}

void TestLiveState::changesAreCoalesced()
{
    LiveState live;
    std::vector<Event> events;
    for (quint64 s = 1; s <= 1000; ++s) {
        events.push_back(odds(s, 1.5 + double(s % 7) / 10, s % 2 ? QStringLiteral("home") : QStringLiteral("away")));
    }
    live.apply(batch(events));
    const auto changes = live.takeChanges();
    QCOMPARE(changes.prices.size(), std::size_t(2)); // 1,000 updates, 2 selections: 2 changes
    QVERIFY(live.takeChanges().empty());
    QCOMPARE(live.priceCount(), qsizetype(2));
}

void TestLiveState::agreesWithTheGeneratorsSnapshot()
{
    // After 20,000 generated events, the live state holds exactly the prices in the generator's snapshot.
    GeneratorConfig config;
    config.seed = 3;
    config.fixtures = 50;
    config.clockBaseMs = 1798761600000LL;
    FeedGenerator gen(config);
    FrameDecoder decoder;
    LiveState live;
    EventBatch b;
    for (int i = 0; i < 20000; ++i) {
        decoder.decode(gen.next().json, FrameContext { QStringLiteral("sim"), 0, 0 }, b);
    }
    live.apply(b);
    EventBatch snap;
    for (const GeneratedEvent &ev : gen.snapshot()) {
        decoder.decode(ev.json, FrameContext { QStringLiteral("sim"), 0, 0 }, snap);
    }
    int checked = 0;
    for (const Event &e : snap.events) {
        if (const OddsData *o = e.odds()) {
            const PriceState *p = live.price(QStringLiteral("sim"), o->fixtureId, o->marketType, o->selection);
            QVERIFY(p);
            QCOMPARE(p->price, o->oddValue);
            QCOMPARE(p->seq, e.seq);
            ++checked;
        } else if (const FixtureData *f = e.fixture()) {
            const FixtureState *fs = live.fixture(QStringLiteral("sim"), f->fixtureId);
            QVERIFY(fs);
            QCOMPARE(fs->fixture, *f);
        }
    }
    QVERIFY(checked > 200);
}

void TestLiveState::keysCompareByTextWhateverTheStorage()
{
    // Interned strings usually share storage, and the lookup takes that shortcut; equal text in
    // separate storage must still be the same key, and a shorter string over the same storage not.
    const QString longer = QString::fromUtf8("fxA");
    auto priced = [](quint64 seq, const QString &fixture, double price) {
        Event e = odds(seq, price);
        std::get<OddsData>(e.data).fixtureId = fixture;
        return e;
    };
    LiveState live;
    live.apply(batch({ priced(1, QString::fromUtf8("fx"), 2.0) }));
    live.apply(batch({ priced(2, QString::fromUtf8("fx"), 2.5) })); // equal text, another allocation
    QCOMPARE(live.priceCount(), 1);
    QCOMPARE(
        live.price(QStringLiteral("s"), QStringLiteral("fx"), QStringLiteral("1x2"), QStringLiteral("home"))->price,
        2.5);
    live.apply(batch({ priced(3, longer, 4.0), priced(4, QString::fromRawData(longer.constData(), 2), 3.0) }));
    QCOMPARE(live.priceCount(), 2);
    QCOMPARE(
        live.price(QStringLiteral("s"), QStringLiteral("fxA"), QStringLiteral("1x2"), QStringLiteral("home"))->price,
        4.0);
    const PriceState *fx =
        live.price(QStringLiteral("s"), QStringLiteral("fx"), QStringLiteral("1x2"), QStringLiteral("home"));
    QCOMPARE(fx->price, 3.0);
    QCOMPARE(fx->previousPrice, 2.5);
}

QTEST_GUILESS_MAIN(TestLiveState)
#include "tst_livestate.moc"

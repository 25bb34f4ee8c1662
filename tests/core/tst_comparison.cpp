// SPDX-License-Identifier: MIT
// Prices across sources: the fixture map, the best price and its stakes, and the arbitrage rule on
// constructed streams (fires when every leg is fresh and open, at the exact event; not on a stale
// or suspended leg; once per opening; across mapped fixture ids).
#include <core/alerts/alertengine.h>
#include <core/compare/fixturemap.h>
#include <core/compare/pricecomparison.h>

#include <QTest>

#include <functional>

using namespace OddsTap;

namespace {

constexpr qint64 kS = 1000;
constexpr qint64 kT0 = 1798761600000; // 2027-01-01T00:00:00Z

/// An odds event of @p source, sent and received at kT0 + t.
Event odds(const QString &source, quint64 seq, qint64 t, const QString &selection, double price,
    PriceStatus status = PriceStatus::Open, const QString &fixture = QStringLiteral("fx-1"))
{
    Event e;
    e.type = EventType::Odds;
    e.seq = seq;
    e.serverTsMs = kT0 + t;
    e.receivedAtMs = kT0 + t;
    e.sourceId = source;
    e.data = OddsData { fixture, QStringLiteral("match"), selection, price, kT0 + t, status };
    return e;
}

std::vector<AlertRule> arbitrageRule(const QByteArray &json)
{
    auto rules = parseAlertRules(R"({"rules":[{"name":"arb","type":"arbitrage",)" + json + "}]}");
    if (!rules) {
        qFatal("%s", qPrintable(rules.error().message));
    }
    return *rules;
}

const QString kA = QStringLiteral("book-a");
const QString kB = QStringLiteral("book-b");
const QString kHome = QStringLiteral("home");
const QString kAway = QStringLiteral("away");

/// Both books have named fx-1 and fx-2, the same two games, as their fixture events would.
void knowTheMatches(AlertEngine &engine)
{
    for (const QString &source : { kA, kB }) {
        for (const QString &fixture : { QStringLiteral("fx-1"), QStringLiteral("fx-2") }) {
            engine.knowFixture(source,
                FixtureData { fixture, 1, 1, kT0, FixtureStatus::Live, fixture + QStringLiteral(" Rovers"),
                    QStringLiteral("Chelsea"), QString() });
        }
    }
}

} // namespace

class TestComparison : public QObject
{
    Q_OBJECT
private slots:
    void bestAverageAndStakesLeaveOutStaleAndSuspended();
    void arbitrageFiresWhenEveryLegIsFreshAndOpen();
    void aKnownMarketMissingASelectionIsNotCompared();
    void arbitrageIsHeldBackByItsCooldownAndItsMinimum();
    void anUpdateInOneFrameIsJudgedOnceWhole();
    void fixtureMapJoinsDifferentIds();
    void equalIdsOfDifferentGamesAreNotOneMatch();
    void aFixtureNotNamedYetIsComparedWithNoOtherSource();
    void aForgottenMatchTakesItsLateComparedPricesWithIt();
    void fixtureMapRefusesBadFiles_data();
    void fixtureMapRefusesBadFiles();
    void arbitrageRulesAreChecked();
};

void TestComparison::bestAverageAndStakesLeaveOutStaleAndSuspended()
{
    ComparedMarket m;
    m.marketType = QStringLiteral("match");
    m.update(kHome, { kA, 2.10, PriceStatus::Open, 0 });
    m.update(kHome, { kB, 2.00, PriceStatus::Open, 0 });
    m.update(kHome, { QStringLiteral("book-c"), 2.50, PriceStatus::Suspended, 0 }); // best, but suspended
    m.update(kAway, { kA, 1.90, PriceStatus::Open, 0 });
    m.update(kAway, { kB, 2.30, PriceStatus::Open, -6 * kS }); // best, but stale at 5 s
    m.update(kAway, { QStringLiteral("book-c"), 2.05, PriceStatus::Open, -kS });
    assessMarket(m, 0, 5 * kS);
    QCOMPARE(m.selections.size(), std::size_t(2));
    const ComparedSelection &home = m.selections[0];
    QCOMPARE(home.selection, kHome);
    QCOMPARE(home.bestQuote()->sourceId, kA);
    QCOMPARE(home.usable, 2);
    QCOMPARE(home.average, 2.05);
    const ComparedSelection &away = m.selections[1];
    QCOMPARE(away.bestQuote()->sourceId, QStringLiteral("book-c"));
    QCOMPARE(away.usable, 2);
    // 1/2.10 + 1/2.05 = 0.96399...: an arbitrage of 3.73 %.
    QVERIFY(m.arbitrage());
    QCOMPARE(qRound(*m.bestOverround * 1e5), 96400);
    QCOMPARE(qRound(m.marginPercent() * 100), 373);
    // The stakes pay the same whichever selection wins, and add up to the whole stake.
    QCOMPARE(home.stakeShare + away.stakeShare, 1.0);
    QVERIFY(qAbs(home.stakeShare * 2.10 - away.stakeShare * 2.05) < 1e-12);
    QCOMPARE(arbitrageText(m), QStringLiteral("96.40 %: home 2.10 book-a 49.4, away 2.05 book-c 50.6"));

    // An update replaces a source's quote; with no usable quote for a selection there is no best overround.
    m.update(kAway, { QStringLiteral("book-c"), 2.05, PriceStatus::Suspended, 0 });
    m.update(kAway, { kA, 1.90, PriceStatus::Suspended, 0 });
    assessMarket(m, 0, 5 * kS);
    QCOMPARE(m.selections[1].quotes.size(), std::size_t(3));
    QCOMPARE(m.selections[1].best, -1);
    QVERIFY(!m.bestOverround);
    QVERIFY(!m.arbitrage());
    QCOMPARE(m.selections[0].stakeShare, 0.0);
}

void TestComparison::aKnownMarketMissingASelectionIsNotCompared()
{
    // Every book has priced home and away of a match, none the draw yet: book-a's own two prices
    // add up to 112.1 %, which would pass for a whole book, but a 1x2 has three selections.
    ComparedMarket m;
    m.marketType = QStringLiteral("1x2");
    m.update(kHome, { kA, 1.5, PriceStatus::Open, 0 });
    m.update(kAway, { kA, 2.2, PriceStatus::Open, 0 });
    m.update(kAway, { kB, 4.0, PriceStatus::Open, 0 });
    assessMarket(m, 0, 5 * kS);
    QVERIFY(!m.bestOverround);
    QVERIFY(!m.arbitrage());
    m.update(QStringLiteral("draw"), { kB, 5.0, PriceStatus::Open, 0 });
    assessMarket(m, 0, 5 * kS);
    QVERIFY(m.bestOverround); // 1/1.5 + 1/4 + 1/5 = 111.7 %
    QCOMPARE(qRound(*m.bestOverround * 1e3), 1117);
}

void TestComparison::arbitrageFiresWhenEveryLegIsFreshAndOpen()
{
    AlertEngine engine(arbitrageRule(R"("max_age_s":5,"cooldown_s":0)"));
    knowTheMatches(engine);
    std::vector<Alert> out;
    const auto feed = [&](const Event &e) {
        out.clear();
        engine.onEvent(e, out);
        return out;
    };
    // book-a's home alone at 2.00 is half a market, not a 50 % overround.
    QVERIFY(feed(odds(kA, 1, 0, kHome, 2.00)).empty());
    QVERIFY(feed(odds(kA, 2, 10, kAway, 1.90)).empty()); // one book: 102.6 %
    QVERIFY(feed(odds(kB, 1, 100, kHome, 1.85)).empty());
    // book-b's away at 2.05 with book-a's home at 2.00: 1/2 + 1/2.05 = 98.78 %.
    std::vector<Alert> fired = feed(odds(kB, 2, 200, kAway, 2.05));
    QCOMPARE(fired.size(), std::size_t(1));
    QCOMPARE(fired[0].kind, AlertKind::Arbitrage);
    QCOMPARE(fired[0].rule, QStringLiteral("arb"));
    QCOMPARE(fired[0].sourceId, kB);
    QCOMPARE(fired[0].fixtureId, QStringLiteral("fx-1"));
    QCOMPARE(fired[0].marketType, QStringLiteral("match"));
    QCOMPARE(fired[0].seq, quint64(2));
    QCOMPARE(fired[0].atMs, kT0 + 200);
    QCOMPARE(fired[0].before, QStringLiteral("102.63 %"));
    QCOMPARE(fired[0].after, QStringLiteral("98.78 %: home 2.00 book-a 50.6, away 2.05 book-b 49.4"));
    // Still open: not again.
    QVERIFY(feed(odds(kB, 3, 300, kAway, 2.06)).empty());
    // book-a shortens home to 1.80: the best home is book-b's 1.85, 1/1.85 + 1/2.06 = 102.6 %: closed.
    QVERIFY(feed(odds(kA, 3, 400, kHome, 1.80)).empty());
    // 20 s later book-a is back at 2.00, but book-b's away is 20 s old (over 5 s): no arbitrage.
    QVERIFY(feed(odds(kA, 4, 20 * kS, kHome, 2.00)).empty());
    // book-b refreshes its away price: every leg is fresh, it opens again.
    fired = feed(odds(kB, 4, 20 * kS + 100, kAway, 2.06));
    QCOMPARE(fired.size(), std::size_t(1));
    QCOMPARE(fired[0].seq, quint64(4));
    QCOMPARE(fired[0].atMs, kT0 + 20 * kS + 100);
    // book-b suspends its away price: the best away is book-a's 1.90, no arbitrage...
    QVERIFY(feed(odds(kB, 5, 20 * kS + 200, kAway, 2.06, PriceStatus::Suspended)).empty());
    QVERIFY(feed(odds(kA, 5, 20 * kS + 300, kHome, 2.01)).empty());
    // ...until it reopens.
    fired = feed(odds(kB, 6, 20 * kS + 400, kAway, 2.06));
    QCOMPARE(fired.size(), std::size_t(1));
    QCOMPARE(fired[0].seq, quint64(6));
    // A three-way market opening price by price: its first two prices (79 %) are not an arbitrage.
    const QString fx2 = QStringLiteral("fx-2");
    QVERIFY(feed(odds(kA, 7, 30 * kS, kHome, 2.00, PriceStatus::Open, fx2)).empty());
    QVERIFY(feed(odds(kA, 8, 30 * kS, QStringLiteral("draw"), 3.40, PriceStatus::Open, fx2)).empty());
    QVERIFY(feed(odds(kA, 9, 30 * kS, kAway, 3.80, PriceStatus::Open, fx2)).empty());
    QCOMPARE(engine.suppressed(), quint64(0));
}

void TestComparison::arbitrageIsHeldBackByItsCooldownAndItsMinimum()
{
    // min 1.5 %: the 1.2 % arbitrage does not count, the 2.5 % one does.
    AlertEngine engine(arbitrageRule(R"("min":1.5,"cooldown_s":60)"));
    knowTheMatches(engine);
    std::vector<Alert> out;
    engine.onEvent(odds(kA, 1, 0, kHome, 2.00), out);
    engine.onEvent(odds(kA, 2, 0, kAway, 1.90), out);
    engine.onEvent(odds(kB, 7, 0, kHome, 1.85), out);
    engine.onEvent(odds(kB, 1, 10, kAway, 2.05), out); // 98.78 %: 1.23 %
    QVERIFY(out.empty());
    engine.onEvent(odds(kB, 2, 20, kAway, 2.10), out); // 97.62 %: 2.44 %
    QCOMPARE(out.size(), std::size_t(1));
    QCOMPARE(out[0].seq, quint64(2));
    engine.onEvent(odds(kB, 3, 30, kAway, 1.90), out); // closed
    engine.onEvent(odds(kB, 4, 40, kAway, 2.10), out); // open again within 60 s: held back
    QCOMPARE(out.size(), std::size_t(1));
    QCOMPARE(engine.suppressed(), quint64(1));
    engine.onEvent(odds(kB, 5, 50, kAway, 1.90), out);
    engine.onEvent(odds(kA, 3, 61 * kS, kHome, 2.00), out);
    engine.onEvent(odds(kB, 6, 61 * kS + 10, kAway, 2.10), out); // after the cooldown
    QCOMPARE(out.size(), std::size_t(2));
    QCOMPARE(out[1].seq, quint64(6));
}

/// One book's update of a whole market, in one frame: between its two prices the best prices are
/// a mix no book showed, and no arbitrage is judged there.
void TestComparison::anUpdateInOneFrameIsJudgedOnceWhole()
{
    const auto run = [](bool oneFrame) {
        // book-a 2.00 / 1.90, book-b 1.85 / 1.95: best 1/2.00 + 1/1.95 = 101.28 %. Then book-a's
        // update lengthens away to 2.10 and shortens home to 1.80: 97.62 % between the two, 1/1.85
        // + 1/2.10 = 101.67 % once both are in.
        std::vector<Event> events { odds(kA, 1, 0, kHome, 2.00), odds(kA, 2, 0, kAway, 1.90),
            odds(kB, 1, 100, kHome, 1.85), odds(kB, 2, 100, kAway, 1.95), odds(kA, 3, kS, kAway, 2.10),
            odds(kA, 4, kS, kHome, 1.80) };
        for (std::size_t i = 0; i < events.size(); ++i) {
            events[i].receivedMonoNs = qint64(oneFrame && i == 5 ? 4 : i) + 1; // the frame each came in
        }
        AlertEngine engine(arbitrageRule(R"("cooldown_s":0)"));
        knowTheMatches(engine);
        std::vector<Alert> fired;
        engine.onEvents(events, fired);
        return fired;
    };
    QVERIFY(run(true).empty());
    // The same prices in two frames: the book between them is one book-a showed.
    const std::vector<Alert> apart = run(false);
    QCOMPARE(apart.size(), std::size_t(1));
    QCOMPARE(apart[0].seq, quint64(3));
    QCOMPARE(apart[0].before, QStringLiteral("101.28 %"));
    QCOMPARE(apart[0].after, QStringLiteral("97.62 %: home 2.00 book-a 51.2, away 2.10 book-a 48.8"));
}

void TestComparison::fixtureMapJoinsDifferentIds()
{
    auto map = FixtureMap::parse(R"({"fixtures":[{"key":"ARS-CHE","ids":{"book-a":"fx-1","book-b":"9001"}}]})");
    QVERIFY2(map, qPrintable(map ? QString() : map.error().message));
    QCOMPARE(map->key(kA, QStringLiteral("fx-1")), QStringLiteral("ARS-CHE"));
    QCOMPARE(map->key(kB, QStringLiteral("9001")), QStringLiteral("ARS-CHE"));
    QCOMPARE(map->key(kB, QStringLiteral("fx-1")), QStringLiteral("fx-1")); // not named: its own id
    QCOMPARE(map->fixtureIdIn(QStringLiteral("ARS-CHE"), kB), QStringLiteral("9001"));
    QVERIFY(map->names(kB, QStringLiteral("9001")));
    QVERIFY(!map->names(kB, QStringLiteral("fx-1")));

    // Without the map book-b's 9001 is another match; with it, one arbitrage across the two ids.
    const std::vector<Event> events = { odds(kA, 1, 0, kHome, 2.00), odds(kA, 2, 0, kAway, 1.90),
        odds(kB, 1, 10, kHome, 1.85, PriceStatus::Open, QStringLiteral("9001")),
        odds(kB, 2, 20, kAway, 2.05, PriceStatus::Open, QStringLiteral("9001")) };
    for (const bool mapped : { false, true }) {
        AlertEngine engine(arbitrageRule(R"("cooldown_s":0)"), mapped ? *map : FixtureMap {});
        std::vector<Alert> out;
        for (const Event &e : events) {
            engine.onEvent(e, out);
        }
        QCOMPARE(out.size(), std::size_t(mapped ? 1 : 0));
        if (mapped) {
            QCOMPARE(out[0].sourceId, kB);
            QCOMPARE(out[0].fixtureId, QStringLiteral("9001")); // the source's own id: the GUI selects it
        }
    }
}

void TestComparison::equalIdsOfDifferentGamesAreNotOneMatch()
{
    const auto fixture = [](const QString &source, quint64 seq, const QString &home, const QString &away) {
        Event e;
        e.type = EventType::Fixture;
        e.seq = seq;
        e.serverTsMs = kT0;
        e.receivedAtMs = kT0;
        e.sourceId = source;
        e.data = FixtureData { QStringLiteral("fx-1"), 1, 1, kT0, FixtureStatus::Live, home, away, QString() };
        return e;
    };
    for (const bool sameGame : { false, true }) {
        AlertEngine engine(arbitrageRule(R"("cooldown_s":0)"));
        std::vector<Alert> out;
        for (const Event &e : { fixture(kA, 1, QStringLiteral("Arsenal"), QStringLiteral("Chelsea")),
                 fixture(kB, 1, sameGame ? QStringLiteral("ARSENAL") : QStringLiteral("Lyon"),
                     sameGame ? QStringLiteral("chelsea") : QStringLiteral("Nice")),
                 odds(kA, 2, 0, kHome, 2.00), odds(kA, 3, 0, kAway, 1.90), odds(kB, 2, 10, kHome, 1.85),
                 odds(kB, 3, 20, kAway, 2.05) }) {
            engine.onEvent(e, out);
        }
        QCOMPARE(out.size(), std::size_t(sameGame ? 1 : 0));
        // The match ends in one source: what was compared of it is forgotten.
        QCOMPARE(engine.comparedMarkets(), std::size_t(sameGame ? 1 : 2));
        Event ended = fixture(kA, 4, QStringLiteral("Arsenal"), QStringLiteral("Chelsea"));
        ended.data = FixtureData { QStringLiteral("fx-1"), 1, 1, kT0, FixtureStatus::Ended, QStringLiteral("Arsenal"),
            QStringLiteral("Chelsea"), QStringLiteral("1-0") };
        engine.onEvent(ended, out);
        QCOMPARE(engine.comparedMarkets(), std::size_t(sameGame ? 0 : 1));
    }
}

/// Two feeds' "fx-1" is one game only once both have named it alike: prices that come before
/// (a session resumed, rules loaded while it runs) are compared with no other source's.
void TestComparison::aFixtureNotNamedYetIsComparedWithNoOtherSource()
{
    const std::vector<Event> prices = { odds(kA, 1, 0, kHome, 2.00), odds(kA, 2, 0, kAway, 1.90),
        odds(kB, 1, 10, kHome, 1.85), odds(kB, 2, 20, kAway, 2.05) }; // 98.78 % as one match
    const auto run = [&](const std::function<void(AlertEngine &)> &know) {
        AlertEngine engine(arbitrageRule(R"("cooldown_s":0)"));
        know(engine);
        std::vector<Alert> out;
        for (const Event &e : prices) {
            engine.onEvent(e, out);
        }
        return out.size();
    };
    const auto named = [](AlertEngine &engine, const QString &source, const QString &home) {
        engine.knowFixture(source,
            FixtureData {
                QStringLiteral("fx-1"), 1, 1, kT0, FixtureStatus::Live, home, QStringLiteral("Nice"), QString() });
    };
    QCOMPARE(run([](AlertEngine &) {}), std::size_t(0)); // neither named
    QCOMPARE(run([&](AlertEngine &e) { named(e, kA, QStringLiteral("Lyon")); }), std::size_t(0)); // one
    QCOMPARE(run([&](AlertEngine &e) {
        named(e, kA, QStringLiteral("Lyon"));
        named(e, kB, QStringLiteral("Lens"));
    }),
        std::size_t(0)); // two games
    QCOMPARE(run([&](AlertEngine &e) {
        named(e, kA, QStringLiteral("Lyon"));
        named(e, kB, QStringLiteral("LYON"));
    }),
        std::size_t(1)); // one game
    // An ended fixture is not taken (nothing of it is compared any more), and one the engine
    // holds already keeps what its own events said.
    AlertEngine engine(arbitrageRule(R"("cooldown_s":0)"));
    engine.knowFixture(kA,
        FixtureData { QStringLiteral("fx-1"), 1, 1, kT0, FixtureStatus::Ended, QStringLiteral("Lyon"),
            QStringLiteral("Nice"), QStringLiteral("1-0") });
    named(engine, kB, QStringLiteral("Lyon"));
    std::vector<Alert> out;
    for (const Event &e : prices) {
        engine.onEvent(e, out);
    }
    QVERIFY(out.empty());
    QCOMPARE(engine.comparedMarkets(), std::size_t(2));
}

void TestComparison::aForgottenMatchTakesItsLateComparedPricesWithIt()
{
    AlertEngine engine(arbitrageRule(R"("cooldown_s":0)"));
    std::vector<Alert> out;
    Event ended;
    ended.type = EventType::Fixture;
    ended.seq = 1;
    ended.serverTsMs = kT0;
    ended.sourceId = kA;
    ended.data = FixtureData { QStringLiteral("fx-1"), 1, 1, kT0, FixtureStatus::Ended, QStringLiteral("Arsenal"),
        QStringLiteral("Chelsea"), QStringLiteral("1-0") };
    engine.onEvent(ended, out);
    engine.onEvent(odds(kA, 2, 10, kHome, 2.00), out); // late prices of the ended match
    engine.onEvent(odds(kB, 1, 20, kHome, 1.90), out);
    // Two markets: book A's match is keyed by its teams, book B's (no fixture event) by its id.
    QCOMPARE(engine.comparedMarkets(), std::size_t(2));
    // Book A's clock runs past the time an ended match is kept: it goes, with what it compared.
    const qint64 later = engine.forgetAfterMs() + 60 * kS;
    engine.onEvent(odds(kA, 3, later, kHome, 2.00, PriceStatus::Open, QStringLiteral("fx-2")), out);
    QCOMPARE(engine.comparedMarkets(), std::size_t(2)); // book B's fx-1 and book A's fx-2
    QVERIFY(out.empty());
}

void TestComparison::fixtureMapRefusesBadFiles_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("error");
    QTest::newRow("not json") << QByteArray("{") << QStringLiteral("not JSON at offset");
    QTest::newRow("no list") << QByteArray(R"({"x":1})") << QStringLiteral("a \"fixtures\" array");
    QTest::newRow("no key") << QByteArray(R"({"fixtures":[{"ids":{"a":"1"}}]})") << QStringLiteral("fixture 1: needs");
    QTest::newRow("empty ids") << QByteArray(R"({"fixtures":[{"key":"k","ids":{}}]})")
                               << QStringLiteral("fixture 1: needs");
    QTest::newRow("number id") << QByteArray(R"({"fixtures":[{"key":"k","ids":{"a":1}}]})")
                               << QStringLiteral("every source and id must be a string");
    QTest::newRow("key twice") << QByteArray(
        R"({"fixtures":[{"key":"k","ids":{"a":"1"}},{"key":"k","ids":{"b":"1"}}]})")
                               << QStringLiteral("fixture 2: the key 'k' is given twice");
    QTest::newRow("id twice") << QByteArray(R"({"fixtures":[{"key":"k","ids":{"a":"1"}},{"key":"j","ids":{"a":"1"}}]})")
                              << QStringLiteral("a's fixture '1' is already mapped to 'k'");
}

void TestComparison::fixtureMapRefusesBadFiles()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, error);
    const auto map = FixtureMap::parse(json);
    QVERIFY(!map);
    QVERIFY2(map.error().message.contains(error), qPrintable(map.error().message));
    QCOMPARE(map.error().code, QStringLiteral("bad_fixture_map"));
}

void TestComparison::arbitrageRulesAreChecked()
{
    const auto rules = parseAlertRules(R"({"rules":[{"type":"arbitrage"}]})");
    QVERIFY(rules);
    QCOMPARE(rules->front().windowMs, 5 * kS); // legs older than 5 s are left out unless told
    QCOMPARE(rules->front().minPercent, 0.0);
    for (const char *bad : { R"({"rules":[{"type":"arbitrage","scope":{"source":"a"}}]})",
             R"({"rules":[{"type":"arbitrage","scope":{"selection":"home"}}]})",
             R"({"rules":[{"type":"arbitrage","max_age_s":0}]})" }) {
        const auto refused = parseAlertRules(bad);
        QVERIFY2(!refused, bad);
        QVERIFY(refused.error().message.startsWith(QLatin1String("rule 1: ")));
    }
}

QTEST_GUILESS_MAIN(TestComparison)
#include "tst_comparison.moc"

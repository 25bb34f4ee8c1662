// SPDX-License-Identifier: MIT
// Alert rules on constructed streams: every rule type fires at the exact event (or, for silences,
// the exact moment the time ran out), only on transitions, within its scope, and at most once per
// fixture within its cooldown; rules files are checked field by field.
#include <core/alerts/alertcsv.h>
#include <core/alerts/alertengine.h>
#include <core/models/laddermodel.h>
#include <core/models/roles.h>

#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

using namespace OddsTap;

namespace {

constexpr qint64 kS = 1000;
constexpr qint64 kT0 = 1798761600000; // 2027-01-01T00:00:00Z

Event oddsEvent(quint64 seq, qint64 t, const QString &fixture, const QString &selection, double price,
    PriceStatus status = PriceStatus::Open, const QString &market = QStringLiteral("1X2"))
{
    Event e;
    e.type = EventType::Odds;
    e.seq = seq;
    e.serverTsMs = kT0 + t;
    e.sourceId = QStringLiteral("book");
    e.data = OddsData { fixture, market, selection, price, kT0 + t, status };
    return e;
}

Event fixtureEvent(
    quint64 seq, qint64 t, const QString &fixture, FixtureStatus status, const QString &score = {}, qint64 sport = 1)
{
    Event e;
    e.type = EventType::Fixture;
    e.seq = seq;
    e.serverTsMs = kT0 + t;
    e.sourceId = QStringLiteral("book");
    e.data = FixtureData { fixture, sport, 7, kT0, status, QStringLiteral("Home"), QStringLiteral("Away"), score };
    return e;
}

Event betEvent(quint64 seq, qint64 t, const QString &fixture, double stake)
{
    Event e;
    e.type = EventType::Bet;
    e.seq = seq;
    e.serverTsMs = kT0 + t;
    e.sourceId = QStringLiteral("book");
    e.data = BetData { QStringLiteral("b%1").arg(seq), QStringLiteral("u1"), fixture, QStringLiteral("1X2"),
        QStringLiteral("home"), stake, 2.0, stake * 2, kT0 + t };
    return e;
}

AlertRule rule(const QByteArray &json)
{
    auto rules = parseAlertRules(R"({"rules":[)" + json + "]}");
    if (!rules) {
        qFatal("%s", qPrintable(rules.error().message));
    }
    return rules->front();
}

/// Runs @p events through one engine of @p rules; what fired.
std::vector<Alert> run(const std::vector<AlertRule> &rules, const std::vector<Event> &events)
{
    AlertEngine engine(rules);
    std::vector<Alert> out;
    for (const Event &e : events) {
        engine.onEvent(e, out);
    }
    return out;
}

} // namespace

class TestAlerts : public QObject
{
    Q_OBJECT
private slots:
    void priceMoveByPercentAndByTicks();
    void priceMovesInBusyWindowsFireAsTheirDefinitionSays();
    void priceCrossesALevel();
    void marketSuspendedAndReopened();
    void fixtureGoesInPlay();
    void staleFixtureAtTheMomentItWentSilent();
    void overroundLeavesItsRange();
    void aMarketSeenInPartOrSuspendedHasNoOverround();
    void aMarketUpdatedInOneFrameIsReadOnceWhole();
    void betAboveAStake();
    void scoreChangeWithoutAPriceMove();
    void cooldownHoldsARuleBackPerFixture();
    void scopeLimitsWhatARuleSees();
    void oneIdIsOneFixtureBySourceWhateverItsCopy();
    void anEndedFixtureIsForgottenByItsSourcesClock();
    void fixturesThatNeverEndAndEndlessSelectionsAreCapped();
    void watchListScopeFollowsTheList();
    void aWatchedSelectionScopesItsAlertsAndItsFixtures();
    void aScoreChangeBroughtIntoScopeLaterFiresAtItsTime();
    void rulesFilesAreCheckedFieldByField();
    void writtenRulesReadBackTheSame();
};

void TestAlerts::priceMoveByPercentAndByTicks()
{
    const AlertRule steamer = rule(
        R"({"name":"steamer","type":"price_move","percent":10,"within_s":60,"direction":"shorten","cooldown_s":0})");
    const AlertRule drifter = rule(R"({"type":"price_move","percent":10,"within_s":60,"direction":"drift"})");
    const std::vector<Alert> a = run({ steamer, drifter },
        { oddsEvent(1, 0, QStringLiteral("F1"), QStringLiteral("home"), 3.0),
            oddsEvent(2, 10 * kS, QStringLiteral("F1"), QStringLiteral("home"), 2.9),
            oddsEvent(3, 20 * kS, QStringLiteral("F1"), QStringLiteral("home"), 2.7), // 10 % below 3.0
            oddsEvent(4, 100 * kS, QStringLiteral("F1"), QStringLiteral("home"), 2.4) }); // 2.7 is out of the window
    QCOMPARE(a.size(), std::size_t(1));
    QCOMPARE(a[0].rule, QStringLiteral("steamer"));
    QCOMPARE(a[0].atMs, kT0 + 20 * kS);
    QCOMPARE(a[0].seq, quint64(3));
    QCOMPARE(a[0].before, QStringLiteral("3.00"));
    QCOMPARE(a[0].after, QStringLiteral("2.70"));
    QCOMPARE(a[0].selection, QStringLiteral("home"));

    // Five ticks of the exchange ladder (0.02 apart between 2 and 3), either way, within 30 s.
    const AlertRule ticks = rule(R"({"type":"price_move","ticks":5,"within_s":30})");
    const std::vector<Alert> b = run({ ticks },
        { oddsEvent(1, 0, QStringLiteral("F1"), QStringLiteral("away"), 2.0),
            oddsEvent(2, 5 * kS, QStringLiteral("F1"), QStringLiteral("away"), 2.08), // 4 ticks
            oddsEvent(3, 9 * kS, QStringLiteral("F1"), QStringLiteral("away"), 2.1) }); // 5 ticks
    QCOMPARE(b.size(), std::size_t(1));
    QCOMPARE(b[0].atMs, kT0 + 9 * kS);
    QCOMPARE(b[0].before, QStringLiteral("2.00"));
    QCOMPARE(b[0].after, QStringLiteral("2.10"));
}

void TestAlerts::priceMovesInBusyWindowsFireAsTheirDefinitionSays()
{
    // A price every 10 ms, so that a window holds up to 3,000 prices, rounded to the cent so that
    // equal highs and lows recur; every 97th price suspended (not in any window).
    const std::vector<AlertRule> rules { rule(R"({"type":"price_move","percent":1,"within_s":0.5,"cooldown_s":0})"),
        rule(R"({"type":"price_move","percent":3,"within_s":5,"direction":"shorten","cooldown_s":0})"),
        rule(R"({"type":"price_move","percent":3,"within_s":30,"direction":"drift","cooldown_s":0})"),
        rule(R"({"type":"price_move","ticks":12,"within_s":30,"cooldown_s":0})") };
    QRandomGenerator random(7);
    std::vector<Event> events;
    double p = 3.0;
    for (int i = 0; i < 20000; ++i) {
        p = std::clamp(std::round(p * std::exp((random.generateDouble() - 0.5) * 0.012) * 100) / 100, 1.01, 50.0);
        events.push_back(oddsEvent(quint64(i + 1), qint64(i) * 10, QStringLiteral("F1"), QStringLiteral("home"), p,
            i % 97 == 96 ? PriceStatus::Suspended : PriceStatus::Open));
    }
    // What each rule says, computed the long way: every earlier open price within the window.
    std::vector<std::tuple<int, quint64, QString>> expected;
    for (std::size_t i = 0; i < events.size(); ++i) {
        const OddsData &now = *events[i].odds();
        if (now.status != PriceStatus::Open) {
            continue;
        }
        for (int r = 0; r < int(rules.size()); ++r) {
            const AlertRule &rule = rules[std::size_t(r)];
            std::optional<double> high;
            std::optional<double> low;
            for (std::size_t j = i; j-- > 0 && events[j].serverTsMs >= events[i].serverTsMs - rule.windowMs;) {
                const OddsData &then = *events[j].odds();
                if (then.status == PriceStatus::Open) {
                    high = std::max(high.value_or(then.oddValue), then.oddValue);
                    low = std::min(low.value_or(then.oddValue), then.oddValue);
                }
            }
            const auto bigEnough = [&](double from) {
                return rule.percent > 0 ? std::abs(now.oddValue - from) / from * 100 >= rule.percent - 1e-9
                                        : std::abs(tickIndex(now.oddValue) - tickIndex(from)) >= rule.ticks;
            };
            if (high && rule.direction != MoveDirection::Drift && *high > now.oddValue && bigEnough(*high)) {
                expected.emplace_back(r, events[i].seq, formatPrice(*high));
            } else if (low && rule.direction != MoveDirection::Shorten && *low < now.oddValue && bigEnough(*low)) {
                expected.emplace_back(r, events[i].seq, formatPrice(*low));
            }
        }
    }
    std::vector<std::tuple<int, quint64, QString>> fired;
    for (const Alert &a : run(rules, events)) {
        fired.emplace_back(a.ruleIndex, a.seq, a.before);
    }
    QVERIFY(expected.size() > 1000); // every rule fires, many times
    for (int r = 0; r < int(rules.size()); ++r) {
        QVERIFY(std::any_of(expected.begin(), expected.end(), [r](const auto &e) { return std::get<0>(e) == r; }));
    }
    QCOMPARE(fired, expected);

    // A price stamped an hour ahead, then the clock as it was: the window starts over, so the
    // stray price is not the high of every window for the next hour.
    const AlertRule steamer =
        rule(R"({"type":"price_move","percent":10,"within_s":5,"direction":"shorten","cooldown_s":0})");
    const std::vector<Alert> a = run({ steamer },
        { oddsEvent(1, 0, QStringLiteral("F1"), QStringLiteral("home"), 3.0),
            oddsEvent(2, 3600 * kS, QStringLiteral("F1"), QStringLiteral("home"), 5.0),
            oddsEvent(3, 10 * kS, QStringLiteral("F1"), QStringLiteral("home"), 3.0),
            oddsEvent(4, 12 * kS, QStringLiteral("F1"), QStringLiteral("home"), 2.7) });
    QCOMPARE(a.size(), std::size_t(1));
    QCOMPARE(a[0].seq, quint64(4));
    QCOMPARE(a[0].before, QStringLiteral("3.00"));
}

void TestAlerts::priceCrossesALevel()
{
    const AlertRule cross = rule(R"({"type":"price_cross","level":2.0,"cooldown_s":0})");
    const std::vector<Alert> a = run({ cross },
        { oddsEvent(1, 0, QStringLiteral("F1"), QStringLiteral("home"), 2.1),
            oddsEvent(2, 1 * kS, QStringLiteral("F1"), QStringLiteral("home"), 2.0), // down onto the level
            oddsEvent(3, 2 * kS, QStringLiteral("F1"), QStringLiteral("home"), 1.9), // below it already
            oddsEvent(4, 3 * kS, QStringLiteral("F1"), QStringLiteral("home"), 1.9, PriceStatus::Suspended),
            oddsEvent(5, 4 * kS, QStringLiteral("F1"), QStringLiteral("home"), 2.05) }); // back up through it
    QCOMPARE(a.size(), std::size_t(2));
    QCOMPARE(a[0].atMs, kT0 + 1 * kS);
    QCOMPARE(a[0].before + QStringLiteral(" -> ") + a[0].after, QStringLiteral("2.10 -> 2.00"));
    QCOMPARE(a[1].atMs, kT0 + 4 * kS);
    QCOMPARE(a[1].before + QStringLiteral(" -> ") + a[1].after, QStringLiteral("1.90 -> 2.05"));
}

void TestAlerts::marketSuspendedAndReopened()
{
    const std::vector<AlertRule> rules { rule(R"({"type":"suspended","cooldown_s":0})"),
        rule(R"({"type":"reopened","cooldown_s":0})") };
    const std::vector<Alert> a = run(rules,
        { oddsEvent(1, 0, QStringLiteral("F1"), QStringLiteral("home"), 2.0),
            oddsEvent(2, 0, QStringLiteral("F1"), QStringLiteral("away"), 2.0),
            oddsEvent(3, 5 * kS, QStringLiteral("F1"), QStringLiteral("home"), 2.0, PriceStatus::Suspended),
            oddsEvent(4, 5 * kS, QStringLiteral("F1"), QStringLiteral("away"), 2.0, PriceStatus::Suspended),
            oddsEvent(5, 9 * kS, QStringLiteral("F1"), QStringLiteral("home"), 1.8),
            oddsEvent(6, 9 * kS, QStringLiteral("F1"), QStringLiteral("away"), 2.2) }); // the last one reopens it
    QCOMPARE(a.size(), std::size_t(2));
    QCOMPARE(a[0].kind, AlertKind::Suspended);
    QCOMPARE(a[0].seq, quint64(3));
    QCOMPARE(a[0].marketType, QStringLiteral("1X2"));
    QVERIFY(a[0].selection.isEmpty());
    QCOMPARE(a[1].kind, AlertKind::Reopened);
    QCOMPARE(a[1].seq, quint64(6));
    QCOMPARE(a[1].atMs, kT0 + 9 * kS);

    // The fixture's own status: suspended and back to live.
    const std::vector<Alert> b = run(rules,
        { fixtureEvent(1, 0, QStringLiteral("F2"), FixtureStatus::Live),
            fixtureEvent(2, 3 * kS, QStringLiteral("F2"), FixtureStatus::Suspended),
            fixtureEvent(3, 8 * kS, QStringLiteral("F2"), FixtureStatus::Live) });
    QCOMPARE(b.size(), std::size_t(2));
    QCOMPARE(b[0].kind, AlertKind::Suspended);
    QCOMPARE(b[0].before + QStringLiteral(" -> ") + b[0].after, QStringLiteral("live -> suspended"));
    QCOMPARE(b[1].kind, AlertKind::Reopened);
    QCOMPARE(b[1].atMs, kT0 + 8 * kS);
}

void TestAlerts::fixtureGoesInPlay()
{
    const AlertRule inPlay = rule(R"({"type":"in_play"})");
    const std::vector<Alert> a = run({ inPlay },
        { fixtureEvent(1, 0, QStringLiteral("F1"), FixtureStatus::Scheduled),
            fixtureEvent(2, 0, QStringLiteral("F2"), FixtureStatus::Live), // first seen live: not "went"
            fixtureEvent(3, 60 * kS, QStringLiteral("F1"), FixtureStatus::Live),
            fixtureEvent(4, 61 * kS, QStringLiteral("F1"), FixtureStatus::Live, QStringLiteral("0-0")) });
    QCOMPARE(a.size(), std::size_t(1));
    QCOMPARE(a[0].fixtureId, QStringLiteral("F1"));
    QCOMPARE(a[0].atMs, kT0 + 60 * kS);
    QCOMPARE(a[0].after, QStringLiteral("live"));
}

void TestAlerts::staleFixtureAtTheMomentItWentSilent()
{
    const AlertRule stale = rule(R"({"type":"stale","after_s":30})");
    const std::vector<Alert> a = run({ stale },
        { fixtureEvent(1, 0, QStringLiteral("F1"), FixtureStatus::Live),
            fixtureEvent(2, 0, QStringLiteral("F3"), FixtureStatus::Ended),
            oddsEvent(3, 10 * kS, QStringLiteral("F2"), QStringLiteral("home"), 2.0),
            oddsEvent(4, 29 * kS, QStringLiteral("F2"), QStringLiteral("home"), 2.1),
            oddsEvent(5, 45 * kS, QStringLiteral("F2"), QStringLiteral("home"), 2.2), // F1 silent since 0 s
            oddsEvent(6, 50 * kS, QStringLiteral("F2"), QStringLiteral("home"), 2.3) });
    QCOMPARE(a.size(), std::size_t(1)); // F2 keeps talking; F3 has ended; F1 once, not per event
    QCOMPARE(a[0].fixtureId, QStringLiteral("F1"));
    QCOMPARE(a[0].atMs, kT0 + 30 * kS); // when it went silent, not when the clock noticed
    QCOMPARE(a[0].seq, quint64(5));

    // A fixture known only from a bet is silent from that bet on (not from 1970).
    const std::vector<Alert> b = run({ stale },
        { betEvent(1, 10 * kS, QStringLiteral("F9"), 5),
            oddsEvent(2, 20 * kS, QStringLiteral("F2"), QStringLiteral("home"), 2.0),
            oddsEvent(3, 41 * kS, QStringLiteral("F2"), QStringLiteral("home"), 2.1) });
    QCOMPARE(b.size(), std::size_t(1));
    QCOMPARE(b[0].fixtureId, QStringLiteral("F9"));
    QCOMPARE(b[0].atMs, kT0 + 40 * kS);

    // A fixture alone on its feed: its own next update, long after, must not hide the silence.
    const std::vector<Alert> c = run({ stale },
        { oddsEvent(1, 0, QStringLiteral("F1"), QStringLiteral("home"), 2.0),
            oddsEvent(2, 3600 * kS, QStringLiteral("F1"), QStringLiteral("home"), 2.1),
            oddsEvent(3, 3610 * kS, QStringLiteral("F1"), QStringLiteral("home"), 2.2),
            oddsEvent(4, 7200 * kS, QStringLiteral("F1"), QStringLiteral("home"), 2.3) });
    QCOMPARE(c.size(), std::size_t(2));
    QCOMPARE(c[0].atMs, kT0 + 30 * kS);
    QCOMPARE(c[0].seq, quint64(2)); // noticed by the update that ended the silence
    QCOMPARE(c[1].atMs, kT0 + 3640 * kS);
    QCOMPARE(c[1].seq, quint64(4));
}

void TestAlerts::overroundLeavesItsRange()
{
    const AlertRule book = rule(R"({"type":"overround","min":100,"max":110,"cooldown_s":0})");
    const QString ml = QStringLiteral("ml"); // home and away: whole once both are priced
    const PriceStatus open = PriceStatus::Open;
    const std::vector<Alert> a = run({ book },
        { oddsEvent(1, 0, QStringLiteral("F1"), QStringLiteral("home"), 1.9, open, ml),
            oddsEvent(2, 0, QStringLiteral("F1"), QStringLiteral("away"), 1.9, open, ml), // 105.3 %
            oddsEvent(3, 5 * kS, QStringLiteral("F1"), QStringLiteral("home"), 1.8, open, ml), // 108.2 %
            oddsEvent(4, 6 * kS, QStringLiteral("F1"), QStringLiteral("away"), 1.8, open, ml), // 111.1 %: out
            oddsEvent(5, 7 * kS, QStringLiteral("F1"), QStringLiteral("away"), 1.75, open, ml), // still out
            oddsEvent(6, 8 * kS, QStringLiteral("F1"), QStringLiteral("away"), 2.1, open, ml), // back in
            oddsEvent(7, 9 * kS, QStringLiteral("F1"), QStringLiteral("home"), 2.3, open, ml) }); // 91.1 %: out below
    QCOMPARE(a.size(), std::size_t(2));
    QCOMPARE(a[0].seq, quint64(4));
    QCOMPARE(a[0].before + QStringLiteral(" -> ") + a[0].after, QStringLiteral("108.2 % -> 111.1 %"));
    QCOMPARE(a[1].seq, quint64(7));
    QCOMPARE(a[1].after, QStringLiteral("91.1 %"));
}

void TestAlerts::aMarketSeenInPartOrSuspendedHasNoOverround()
{
    const AlertRule book = rule(R"({"type":"overround","min":100,"max":110,"cooldown_s":0})");
    const PriceStatus open = PriceStatus::Open;
    const QString x = QStringLiteral("1x2");
    // A match's three prices arrive one by one: home and away alone add up to 83.3 %, not a thin
    // book. The book is stated once the draw is priced (103.3 %), and a suspended draw takes it
    // out again (home and away alone would be 83.3 % once more).
    const std::vector<Alert> a = run({ book },
        { oddsEvent(1, 0, QStringLiteral("F1"), QStringLiteral("home"), 2.0, open, x),
            oddsEvent(2, 0, QStringLiteral("F1"), QStringLiteral("away"), 3.0, open, x),
            oddsEvent(3, 1 * kS, QStringLiteral("F1"), QStringLiteral("draw"), 5.0, open, x),
            oddsEvent(4, 2 * kS, QStringLiteral("F1"), QStringLiteral("draw"), 5.0, PriceStatus::Suspended, x),
            oddsEvent(5, 3 * kS, QStringLiteral("F1"), QStringLiteral("home"), 2.1, open, x),
            oddsEvent(6, 4 * kS, QStringLiteral("F1"), QStringLiteral("draw"), 9.0, open, x) }); // 92.1 %: out
    QCOMPARE(a.size(), std::size_t(1));
    QCOMPARE(a[0].seq, quint64(6));
    QCOMPARE(a[0].before + QStringLiteral(" -> ") + a[0].after, QStringLiteral("103.3 % -> 92.1 %"));

    // A type the protocol does not name (a race's runners): two runners at 75 % are not a book
    // until the market has been seen whole, at 100 % or more; after that a book under the range
    // with as many runners is one.
    const QString race = QStringLiteral("WIN");
    const std::vector<Alert> b = run({ book },
        { oddsEvent(1, 0, QStringLiteral("R1"), QStringLiteral("Alpha"), 2.0, open, race),
            oddsEvent(2, 0, QStringLiteral("R1"), QStringLiteral("Bravo"), 4.0, open, race), // 75 %: a part
            oddsEvent(3, 1 * kS, QStringLiteral("R1"), QStringLiteral("Charlie"), 3.5, open, race), // 103.6 %
            oddsEvent(4, 2 * kS, QStringLiteral("R1"), QStringLiteral("Charlie"), 5.0, open, race) }); // 95 %: out
    QCOMPARE(b.size(), std::size_t(1));
    QCOMPARE(b[0].seq, quint64(4));
    QCOMPARE(b[0].before + QStringLiteral(" -> ") + b[0].after, QStringLiteral("103.6 % -> 95.0 %"));
}

void TestAlerts::aMarketUpdatedInOneFrameIsReadOnceWhole()
{
    const AlertRule book = rule(R"({"type":"overround","min":100,"max":110,"cooldown_s":0})");
    const PriceStatus open = PriceStatus::Open;
    const QString x = QStringLiteral("1x2");
    // A match at 102.8 %; then one update moves home out (2.0 -> 2.3) and away in (4.0 -> 3.4):
    // 100.7 % once both are applied, 96.3 % between the two.
    const auto run = [&](bool oneFrame) {
        std::vector<Event> events { oddsEvent(1, 0, QStringLiteral("F1"), QStringLiteral("home"), 2.0, open, x),
            oddsEvent(2, 0, QStringLiteral("F1"), QStringLiteral("draw"), 3.6, open, x),
            oddsEvent(3, 0, QStringLiteral("F1"), QStringLiteral("away"), 4.0, open, x),
            oddsEvent(4, kS, QStringLiteral("F1"), QStringLiteral("home"), 2.3, open, x),
            oddsEvent(5, kS, QStringLiteral("F1"), QStringLiteral("away"), 3.4, open, x) };
        for (std::size_t i = 0; i < events.size(); ++i) {
            events[i].receivedMonoNs = qint64(i < 3 || oneFrame ? i / 3 : i) + 1; // the frame each came in
        }
        AlertEngine engine({ book });
        std::vector<Alert> fired;
        engine.onEvents(events, fired);
        return fired;
    };
    QVERIFY(run(true).empty());
    // The same prices in two frames are two updates: the book between them is one the feed showed.
    const std::vector<Alert> apart = run(false);
    QCOMPARE(apart.size(), std::size_t(1));
    QCOMPARE(apart[0].seq, quint64(4));
    QCOMPARE(apart[0].after, QStringLiteral("96.3 %"));

    // An update that ends with a suspended price (a Betfair market image quoting a non-runner
    // last) is still read: the race's three open runners at 90.2 %.
    const QString race = QStringLiteral("WIN");
    std::vector<Event> events { oddsEvent(1, 0, QStringLiteral("R1"), QStringLiteral("Alpha"), 2.0, open, race),
        oddsEvent(2, 0, QStringLiteral("R1"), QStringLiteral("Bravo"), 4.0, open, race),
        oddsEvent(3, 0, QStringLiteral("R1"), QStringLiteral("Charlie"), 3.5, open, race),
        oddsEvent(4, kS, QStringLiteral("R1"), QStringLiteral("Alpha"), 2.4, open, race),
        oddsEvent(5, kS, QStringLiteral("R1"), QStringLiteral("Bravo"), 5.0, open, race),
        oddsEvent(6, kS, QStringLiteral("R1"), QStringLiteral("Delta"), 9.0, PriceStatus::Suspended, race) };
    for (std::size_t i = 0; i < events.size(); ++i) {
        events[i].receivedMonoNs = i < 3 ? qint64(i) + 1 : 10;
    }
    AlertEngine engine({ book });
    std::vector<Alert> fired;
    engine.onEvents(events, fired);
    QCOMPARE(fired.size(), std::size_t(1));
    QCOMPARE(fired[0].seq, quint64(6));
    QCOMPARE(fired[0].after, QStringLiteral("90.2 %"));
}

void TestAlerts::betAboveAStake()
{
    const AlertRule big = rule(R"({"type":"big_bet","stake":1000,"cooldown_s":0})");
    const std::vector<Alert> a = run({ big },
        { betEvent(1, 0, QStringLiteral("F1"), 999.99), betEvent(2, 1 * kS, QStringLiteral("F1"), 1000),
            betEvent(3, 2 * kS, QStringLiteral("F1"), 25000) });
    QCOMPARE(a.size(), std::size_t(2));
    QCOMPARE(a[0].seq, quint64(2));
    QCOMPARE(a[1].after, QStringLiteral("25000"));
}

void TestAlerts::scoreChangeWithoutAPriceMove()
{
    const AlertRule quiet = rule(R"({"type":"score_without_price_move","within_s":10})");
    const std::vector<Alert> a = run({ quiet },
        { fixtureEvent(1, 0, QStringLiteral("F1"), FixtureStatus::Live, QStringLiteral("0-0")),
            oddsEvent(2, 1 * kS, QStringLiteral("F1"), QStringLiteral("home"), 2.0),
            fixtureEvent(3, 5 * kS, QStringLiteral("F1"), FixtureStatus::Live, QStringLiteral("1-0")),
            oddsEvent(4, 8 * kS, QStringLiteral("F1"), QStringLiteral("home"), 2.0), // the same price: no move
            oddsEvent(5, 16 * kS, QStringLiteral("F2"), QStringLiteral("home"), 3.0) }); // the clock passes 15 s
    QCOMPARE(a.size(), std::size_t(1));
    QCOMPARE(a[0].atMs, kT0 + 15 * kS);
    QCOMPARE(a[0].before + QStringLiteral(" -> ") + a[0].after, QStringLiteral("0-0 -> 1-0"));

    // A price that moves within the time answers the score: nothing fires.
    const std::vector<Alert> b = run({ quiet },
        { fixtureEvent(1, 0, QStringLiteral("F1"), FixtureStatus::Live, QStringLiteral("0-0")),
            oddsEvent(2, 1 * kS, QStringLiteral("F1"), QStringLiteral("home"), 2.0),
            fixtureEvent(3, 5 * kS, QStringLiteral("F1"), FixtureStatus::Live, QStringLiteral("1-0")),
            oddsEvent(4, 8 * kS, QStringLiteral("F1"), QStringLiteral("home"), 1.6),
            oddsEvent(5, 30 * kS, QStringLiteral("F2"), QStringLiteral("home"), 3.0) });
    QVERIFY(b.empty());
}

void TestAlerts::cooldownHoldsARuleBackPerFixture()
{
    const AlertRule cross = rule(R"({"type":"price_cross","level":2.0,"cooldown_s":60})");
    AlertEngine engine({ cross });
    std::vector<Alert> a;
    for (const Event &e : { oddsEvent(1, 0, QStringLiteral("F1"), QStringLiteral("home"), 2.1),
             oddsEvent(2, 1 * kS, QStringLiteral("F1"), QStringLiteral("home"), 1.9), // fires
             oddsEvent(3, 2 * kS, QStringLiteral("F1"), QStringLiteral("away"), 2.1),
             oddsEvent(4, 3 * kS, QStringLiteral("F1"), QStringLiteral("away"), 1.9), // same fixture: held back
             oddsEvent(5, 4 * kS, QStringLiteral("F2"), QStringLiteral("home"), 2.1),
             oddsEvent(6, 5 * kS, QStringLiteral("F2"), QStringLiteral("home"), 1.9), // another fixture: fires
             oddsEvent(7, 70 * kS, QStringLiteral("F1"), QStringLiteral("home"), 2.2) }) { // after the cooldown
        engine.onEvent(e, a);
    }
    QCOMPARE(a.size(), std::size_t(3));
    QCOMPARE(a[0].seq, quint64(2));
    QCOMPARE(a[1].seq, quint64(6));
    QCOMPARE(a[2].seq, quint64(7));
    QCOMPARE(engine.suppressed(), quint64(1));
}

void TestAlerts::watchListScopeFollowsTheList()
{
    AlertEngine engine({ rule(R"({"type":"big_bet","stake":100,"cooldown_s":0,"scope":{"watched":true}})") });
    std::vector<Alert> out;
    engine.onEvent(betEvent(1, 0, QStringLiteral("F1"), 500), out);
    QVERIFY(out.empty()); // nothing watched
    engine.setWatchList({ fixtureKey(QStringLiteral("book"), QStringLiteral("F2")) });
    engine.onEvent(betEvent(2, 10, QStringLiteral("F1"), 500), out);
    engine.onEvent(betEvent(3, 20, QStringLiteral("F2"), 500), out);
    QCOMPARE(out.size(), std::size_t(1));
    QCOMPARE(out[0].fixtureId, QStringLiteral("F2"));
    QCOMPARE(out[0].seq, quint64(3));
    engine.setWatchList({});
    engine.onEvent(betEvent(4, 30, QStringLiteral("F2"), 500), out);
    QCOMPARE(out.size(), std::size_t(1));
    QVERIFY(!parseAlertRules(R"({"rules":[{"type":"in_play","scope":{"watched":"yes"}}]})"));
}

void TestAlerts::aWatchedSelectionScopesItsAlertsAndItsFixtures()
{
    AlertEngine engine(
        { rule(R"({"name":"cross","type":"price_cross","level":2,"cooldown_s":0,"scope":{"watched":true}})"),
            rule(R"({"name":"live","type":"in_play","cooldown_s":0,"scope":{"watched":true}})"),
            rule(R"({"name":"susp","type":"suspended","cooldown_s":0,"scope":{"watched":true}})") });
    engine.setWatchList(
        { selectionKey(QStringLiteral("book"), QStringLiteral("F1"), QStringLiteral("1X2"), QStringLiteral("home")) });
    std::vector<Alert> out;
    for (const Event &e : { fixtureEvent(1, 0, QStringLiteral("F1"), FixtureStatus::Scheduled),
             fixtureEvent(2, 0, QStringLiteral("F2"), FixtureStatus::Scheduled),
             fixtureEvent(3, 1 * kS, QStringLiteral("F1"), FixtureStatus::Live),
             fixtureEvent(4, 1 * kS, QStringLiteral("F2"), FixtureStatus::Live),
             oddsEvent(5, 2 * kS, QStringLiteral("F1"), QStringLiteral("home"), 2.1),
             oddsEvent(6, 3 * kS, QStringLiteral("F1"), QStringLiteral("home"), 1.9),
             oddsEvent(7, 4 * kS, QStringLiteral("F1"), QStringLiteral("away"), 2.1),
             oddsEvent(8, 5 * kS, QStringLiteral("F1"), QStringLiteral("away"), 1.9),
             oddsEvent(9, 6 * kS, QStringLiteral("F2"), QStringLiteral("home"), 2.1),
             oddsEvent(10, 7 * kS, QStringLiteral("F2"), QStringLiteral("home"), 1.9),
             // Another market of the same fixture suspended: not the watched selection's market.
             oddsEvent(11, 8 * kS, QStringLiteral("F1"), QStringLiteral("over"), 1.9, PriceStatus::Suspended,
                 QStringLiteral("OU")),
             // The watched selection's market suspended (through its sibling): a market-wide alert.
             oddsEvent(12, 9 * kS, QStringLiteral("F1"), QStringLiteral("away"), 2.0, PriceStatus::Suspended) }) {
        engine.onEvent(e, out);
    }
    // The fixture of a watched selection goes in play (a fixture-wide alert); the watched price
    // crosses; its sibling and the other fixture's same selection do not count.
    QCOMPARE(out.size(), std::size_t(3));
    QCOMPARE(out[2].rule + QLatin1Char('/') + out[2].marketType + QLatin1Char('/') + QString::number(out[2].seq),
        QStringLiteral("susp/1X2/12"));
    QCOMPARE(out[0].rule + QLatin1Char('/') + out[0].fixtureId + QLatin1Char('/') + QString::number(out[0].seq),
        QStringLiteral("live/F1/3"));
    QCOMPARE(out[1].rule + QLatin1Char('/') + out[1].selection + QLatin1Char('/') + QString::number(out[1].seq),
        QStringLiteral("cross/home/6"));
    QCOMPARE(watchedFixtures(
                 { selectionKey(QStringLiteral("b"), QStringLiteral("F1"), QStringLiteral("m"), QStringLiteral("s")),
                     fixtureKey(QStringLiteral("b"), QStringLiteral("F2")) }),
        QSet<QString>({ fixtureKey(QStringLiteral("b"), QStringLiteral("F1")),
            fixtureKey(QStringLiteral("b"), QStringLiteral("F2")) }));
}

void TestAlerts::aScoreChangeBroughtIntoScopeLaterFiresAtItsTime()
{
    // The score changes while the fixture says sport 1; a correction to sport 2 (the rule's) comes
    // long after the rule's time ran out: it fires at the next sweep, at the time it ran out, as
    // it would have had the sport been right (and as a back-test of the same stream does).
    std::vector<Event> events { fixtureEvent(1, 0, QStringLiteral("F1"), FixtureStatus::Live, QStringLiteral("0-0"), 1),
        fixtureEvent(2, 1 * kS, QStringLiteral("F1"), FixtureStatus::Live, QStringLiteral("1-0"), 1) };
    for (quint64 k = 0; k < 10; ++k) { // the clock moves on with another fixture's prices
        events.push_back(oddsEvent(
            3 + k, qint64(10 + 10 * k) * kS, QStringLiteral("F2"), QStringLiteral("home"), 2.0 + double(k % 2) / 10));
    }
    events.push_back(fixtureEvent(13, 101 * kS, QStringLiteral("F1"), FixtureStatus::Live, QStringLiteral("1-0"), 2));
    const std::vector<Alert> a =
        run({ rule(R"({"name":"slow","type":"score_without_price_move","within_s":60,"scope":{"sport":2}})") }, events);
    QCOMPARE(a.size(), std::size_t(1));
    QCOMPARE(a[0].seq, quint64(13));
    QCOMPARE(a[0].atMs, kT0 + 61 * kS);
}

void TestAlerts::scopeLimitsWhatARuleSees()
{
    const std::vector<AlertRule> rules { rule(R"({"name":"tennis","type":"in_play","scope":{"sport":3}})"),
        rule(R"({"name":"F1 only","type":"in_play","scope":{"fixture":"F1"}})"),
        rule(R"({"name":"match odds","type":"price_cross","level":2,"scope":{"market":"MATCH_ODDS"}})") };
    const std::vector<Alert> a = run(rules,
        { fixtureEvent(1, 0, QStringLiteral("F1"), FixtureStatus::Scheduled, {}, 1),
            fixtureEvent(2, 0, QStringLiteral("F2"), FixtureStatus::Scheduled, {}, 3),
            fixtureEvent(3, 1 * kS, QStringLiteral("F1"), FixtureStatus::Live, {}, 1),
            fixtureEvent(4, 1 * kS, QStringLiteral("F2"), FixtureStatus::Live, {}, 3),
            oddsEvent(5, 2 * kS, QStringLiteral("F1"), QStringLiteral("home"), 2.1),
            oddsEvent(6, 3 * kS, QStringLiteral("F1"), QStringLiteral("home"), 1.9) }); // 1X2, not MATCH_ODDS
    QCOMPARE(a.size(), std::size_t(2));
    QCOMPARE(a[0].rule + QLatin1Char('/') + a[0].fixtureId, QStringLiteral("F1 only/F1"));
    QCOMPARE(a[1].rule + QLatin1Char('/') + a[1].fixtureId, QStringLiteral("tennis/F2"));
    QCOMPARE(alertCsvLine(a[1]), QByteArray("2027-01-01T00:00:01.000Z,tennis,in_play,book,F2,,,scheduled,live,4\n"));
}

/// The engine finds fixtures by the address of their id's text first: one id shared by two
/// sources is two fixtures, and an id with the same text elsewhere in memory is the same one.
void TestAlerts::oneIdIsOneFixtureBySourceWhateverItsCopy()
{
    const AlertRule cross = rule(R"({"type":"price_cross","level":2.0,"cooldown_s":0})");
    const QString id = QStringLiteral("F1");
    const QString copy = QString::fromUtf8("F1"); // same text, its own allocation
    QVERIFY(copy.constData() != id.constData());
    const auto from = [](Event e, const char *source) {
        e.sourceId = QString::fromLatin1(source);
        return e;
    };
    const std::vector<Alert> a = run({ cross },
        { from(oddsEvent(1, 0, id, QStringLiteral("home"), 2.1), "a"),
            from(oddsEvent(2, 1 * kS, id, QStringLiteral("home"), 1.5), "b"),
            from(oddsEvent(3, 2 * kS, copy, QStringLiteral("home"), 1.9), "a"), // a crosses down
            from(oddsEvent(4, 3 * kS, id, QStringLiteral("home"), 1.6), "b"), // b stays below
            from(oddsEvent(5, 4 * kS, copy, QStringLiteral("home"), 2.2), "b"), // b crosses up
            from(oddsEvent(6, 5 * kS, id, QStringLiteral("home"), 1.8), "a") }); // a stays below
    QCOMPARE(a.size(), std::size_t(2));
    QCOMPARE(a[0].sourceId + QLatin1Char(' ') + a[0].before + QStringLiteral(" -> ") + a[0].after,
        QStringLiteral("a 2.10 -> 1.90"));
    QCOMPARE(a[1].sourceId + QLatin1Char(' ') + a[1].before + QStringLiteral(" -> ") + a[1].after,
        QStringLiteral("b 1.60 -> 2.20"));
}

void TestAlerts::rulesFilesAreCheckedFieldByField()
{
    const std::pair<QByteArray, QString> cases[] = {
        { "[]", QStringLiteral("a \"rules\" array") },
        { R"({"rules":[{"type":"goal"}]})", QStringLiteral("rule 1: type must be one of price_move") },
        { R"({"rules":[{"type":"in_play"},{"type":"price_move","within_s":60}]})",
            QStringLiteral("rule 2: price_move needs percent or ticks") },
        { R"({"rules":[{"type":"price_move","percent":"ten","within_s":60}]})",
            QStringLiteral("rule 1: percent must be a number") },
        { R"({"rules":[{"type":"price_cross"}]})", QStringLiteral("rule 1: price_cross needs level") },
        { R"({"rules":[{"type":"overround","min":110,"max":100}]})", QStringLiteral("needs min below max") },
        { R"({"rules":[{"type":"stale"}]})", QStringLiteral("stale needs after_s") },
        { R"({"rules":[{"type":"in_play","scope":{"sport":"football"}}]})", QStringLiteral("scope: sport") },
        { R"({"rules":[{"type":"price_move","percent":5,"within_s":9,"direction":"up"}]})",
            QStringLiteral("direction must be") },
        { "{\"rules\":[", QStringLiteral("not JSON") },
        // A misspelt field once left its limit out: the rule fired on every market.
        { R"({"rules":[{"type":"price_move","percent":10,"within_s":60,"scope":{"markt":"NOPE"}}]})",
            QStringLiteral("rule 1: scope: unknown field \"markt\"") },
        { R"({"rules":[{"type":"price_move","percnt":10,"ticks":2,"within_s":60}]})",
            QStringLiteral("rule 1: unknown field \"percnt\"") },
        { R"({"rules":[{"name":"a\u0000b","type":"in_play"}]})", QStringLiteral("rule 1: name holds a NUL character") },
    };
    for (const auto &[json, says] : cases) {
        const auto r = parseAlertRules(json);
        QVERIFY2(!r, json.constData());
        QVERIFY2(r.error().message.contains(says), qPrintable(r.error().message));
    }
    const auto ok = parseAlertRules(R"({"rules":[{"type":"stale","after_s":2.5,"cooldown_s":0}]})");
    QVERIFY(ok);
    QCOMPARE(ok->front().windowMs, qint64(2500));
    QCOMPARE(ok->front().cooldownMs, qint64(0));
    QCOMPARE(ok->front().name, QStringLiteral("stale"));
}

void TestAlerts::writtenRulesReadBackTheSame()
{
    const auto rules = parseAlertRules(R"({"rules":[
        {"name":"steamer","type":"price_move","percent":3,"within_s":1.005,"direction":"shorten","cooldown_s":2},
        {"name":"drifter, \"late\"","type":"price_move","ticks":4,"within_s":5,"direction":"drift",
         "scope":{"source":"book","sport":1,"market":"1X2","selection":"home"}},
        {"type":"price_cross","level":2.0,"cooldown_s":0.25,"scope":{"fixture":"F1"}},
        {"type":"suspended"},{"type":"reopened","scope":{"watched":true}},{"type":"in_play"},
        {"type":"stale","after_s":30},{"type":"overround","min":100,"max":104.5},
        {"type":"big_bet","stake":250.5},{"type":"score_without_price_move","within_s":10},
        {"type":"arbitrage","max_age_s":2,"min":0.5,"scope":{"sport":2}},{"type":"arbitrage"}
    ]})");
    QVERIFY2(rules, qPrintable(rules ? QString() : rules.error().message));
    QCOMPARE(rules->size(), std::size_t(12));
    QCOMPARE(rules->front().windowMs, qint64(1005));
    const QByteArray written = serializeAlertRules(*rules);
    const auto back = parseAlertRules(written);
    QVERIFY2(back, qPrintable(back ? QString() : back.error().message));
    QCOMPARE(back->size(), rules->size());
    for (std::size_t i = 0; i < rules->size(); ++i) {
        QVERIFY2((*back)[i] == (*rules)[i], qPrintable(QStringLiteral("rule %1 differs").arg(i + 1)));
    }
    // Readable: one field per line, and a stale rule carries no price fields.
    QVERIFY(written.contains("\"after_s\": 30,\n"));
    QVERIFY(!written.contains("\"percent\": 0"));
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("rules.json"));
    QVERIFY(writeAlertRules(path, *rules));
    const auto read = readAlertRules(path);
    QVERIFY(read);
    QVERIFY(*read == *rules);
    // A directory that cannot be written names the path.
    const auto refused = writeAlertRules(dir.filePath(QStringLiteral("missing/rules.json")), *rules);
    QVERIFY(!refused);
    QVERIFY(refused.error().message.contains(QLatin1String("missing/rules.json")));
}

void TestAlerts::anEndedFixtureIsForgottenByItsSourcesClock()
{
    // A day of matches: each ends, and its state goes once its source's clock has run
    // kForgetEndedAfterMs past its last event. A late price keeps it until that much after.
    AlertEngine engine({ rule(R"({"type":"price_move","percent":5,"within_s":60,"cooldown_s":0})") });
    QCOMPARE(engine.forgetAfterMs(), AlertEngine::kForgetEndedAfterMs);
    std::vector<Alert> out;
    quint64 seq = 0;
    // One text per id, shared by its events as the decoder's interned ids are: the engine's table
    // of recent fixtures finds them by that text, and must not keep a forgotten one.
    std::vector<QString> ids;
    for (int i = 0; i < 300; ++i) {
        ids.push_back(QStringLiteral("f%1").arg(i));
    }
    for (int i = 0; i < 300; ++i) {
        const QString &id = ids[std::size_t(i)];
        const qint64 t = i * kS;
        engine.onEvent(fixtureEvent(++seq, t, id, FixtureStatus::Live), out);
        engine.onEvent(oddsEvent(++seq, t, id, QStringLiteral("home"), 2.0), out);
        engine.onEvent(fixtureEvent(++seq, t + 500, id, i % 2 ? FixtureStatus::Ended : FixtureStatus::Cancelled), out);
    }
    engine.onEvent(fixtureEvent(++seq, 300 * kS, QStringLiteral("live"), FixtureStatus::Live), out);
    QCOMPARE(engine.fixtures(), std::size_t(301));
    // f0 ended at 0.5 s; f1 gets a late price at 100 s.
    engine.onEvent(oddsEvent(++seq, 100 * kS, ids[1], QStringLiteral("home"), 2.1), out);
    const qint64 forget = AlertEngine::kForgetEndedAfterMs;
    engine.onEvent(oddsEvent(++seq, forget + 1 * kS, QStringLiteral("live"), QStringLiteral("home"), 2.0), out);
    QCOMPARE(engine.fixtures(), std::size_t(301 - 1)); // f0 (ended at 0.5 s) only
    engine.onEvent(oddsEvent(++seq, forget + 99 * kS, QStringLiteral("live"), QStringLiteral("home"), 2.0), out);
    QCOMPARE(engine.fixtures(), std::size_t(301 - 98)); // f0 to f98, f1 kept by its late price
    engine.onEvent(oddsEvent(++seq, forget + 301 * kS, QStringLiteral("live"), QStringLiteral("home"), 2.0), out);
    QCOMPARE(engine.fixtures(), std::size_t(1)); // the live one
    // A forgotten fixture's events find a new one, and it still alerts.
    out.clear();
    engine.onEvent(oddsEvent(++seq, 2 * forget + 200 * kS, ids[2], QStringLiteral("home"), 2.0), out);
    engine.onEvent(oddsEvent(++seq, 2 * forget + 201 * kS, ids[2], QStringLiteral("home"), 2.5), out);
    QCOMPARE(engine.fixtures(), std::size_t(2));
    QCOMPARE(out.size(), std::size_t(1));
    // A rule that waits longer (a score rule's window, a cooldown) keeps ended fixtures as long.
    AlertEngine patient({ rule(R"({"type":"score_without_price_move","within_s":3600})"),
        rule(R"({"type":"price_move","percent":5,"within_s":60,"cooldown_s":7200})") });
    QCOMPARE(patient.forgetAfterMs(), 7200 * kS);
}

void TestAlerts::fixturesThatNeverEndAndEndlessSelectionsAreCapped()
{
    AlertEngine engine({ rule(R"({"type":"price_move","percent":5,"within_s":60,"cooldown_s":0})") });
    const QString pinned = QStringLiteral("f1");
    engine.setWatchList({ fixtureKey(QStringLiteral("book"), pinned) });
    std::vector<Alert> out;
    quint64 seq = 0;
    // Prices of fixtures never announced and never ended, a new one every millisecond.
    const int count = int(AlertEngine::kMaxFixtures) + 10;
    std::vector<QString> ids;
    for (int i = 0; i < count; ++i) {
        ids.push_back(QStringLiteral("f%1").arg(i));
    }
    std::size_t most = 0;
    for (int i = 0; i < count; ++i) {
        engine.onEvent(oddsEvent(++seq, i, ids[std::size_t(i)], QStringLiteral("home"), 2.0), out);
        most = std::max(most, engine.fixtures());
    }
    // Cut at the sweeps (every 250 ms of the source's clock) to nine tenths.
    QVERIFY2(most <= AlertEngine::kMaxFixtures + 250, qPrintable(QString::number(most)));
    QVERIFY(engine.fixtures() <= AlertEngine::kMaxFixtures);
    QVERIFY(engine.idleFixturesForgotten() >= AlertEngine::kMaxFixtures / 10);
    QCOMPARE(out.size(), std::size_t(0));
    // The silent longest went, and start afresh: no move from a price forgotten. The newest and
    // the pinned one kept theirs: a 25 % move within the minute fires.
    engine.onEvent(oddsEvent(++seq, count, ids[0], QStringLiteral("home"), 2.5), out);
    QCOMPARE(out.size(), std::size_t(0));
    engine.onEvent(oddsEvent(++seq, count + 1, ids.back(), QStringLiteral("home"), 2.5), out);
    QCOMPARE(out.size(), std::size_t(1));
    engine.onEvent(oddsEvent(++seq, count + 2, pinned, QStringLiteral("home"), 2.5), out);
    QCOMPARE(out.size(), std::size_t(2));

    // One fixture with endless selections: past the cap, their prices are counted, not evaluated.
    out.clear();
    const qint64 t = count + 10;
    const int selections = int(AlertEngine::kMaxSelectionsPerFixture) + 100;
    for (int i = 0; i < selections; ++i) {
        engine.onEvent(oddsEvent(++seq, t, QStringLiteral("wide"), QStringLiteral("s%1").arg(i), 2.0, PriceStatus::Open,
                           QStringLiteral("M%1").arg(i % 7)),
            out);
    }
    QCOMPARE(engine.pricesLeftOut(), quint64(100));
    const auto move = [&](int selection) {
        out.clear();
        engine.onEvent(oddsEvent(++seq, t + 1, QStringLiteral("wide"), QStringLiteral("s%1").arg(selection), 3.0,
                           PriceStatus::Open, QStringLiteral("M%1").arg(selection % 7)),
            out);
        return out.size();
    };
    QCOMPARE(move(0), std::size_t(1));
    QCOMPARE(move(selections - 1), std::size_t(0));
    QCOMPARE(engine.pricesLeftOut(), quint64(101));
}

QTEST_GUILESS_MAIN(TestAlerts)
#include "tst_alerts.moc"

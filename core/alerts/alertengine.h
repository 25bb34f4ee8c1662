// SPDX-License-Identifier: MIT
#pragma once

#include <core/alerts/alert.h>
#include <core/alerts/alertrules.h>
#include <core/common/event.h>
#include <core/common/marketbook.h>
#include <core/compare/fixturemap.h>
#include <core/compare/pricecomparison.h>

#include <QHash>
#include <QMetaType>
#include <QSet>

#include <array>
#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <span>
#include <unordered_map>
#include <vector>

namespace OddsTap {

/// Evaluates alert rules on every event, in stream order, on the stream's own clock (the events'
/// server times), so that a capture replayed later (a back-test) raises exactly the alerts the
/// live run raised. A rule fires at most once per fixture within its cooldown. Arbitrage rules
/// compare sources: the fixture map says which of their fixtures are one match, and a leg's age
/// is by receipt time (sources' clocks disagree; a capture records receipt times, so a back-test
/// still sees the same ages).
/// Lives in: the thread that feeds it (the pipeline's); not thread-safe.
class AlertEngine
{
public:
    explicit AlertEngine(std::vector<AlertRule> rules, FixtureMap fixtureMap = {});
    // A copy would share the original's source through m_lastSource.
    AlertEngine(const AlertEngine &) = delete;
    AlertEngine &operator=(const AlertEngine &) = delete;

    /// What a fixture event of @p sourceId said before this engine existed (rules loaded while a
    /// session runs): its names, sport, status and score, taken when the fixture is first met.
    /// Nothing fires for it. Without them, a fixture's prices are compared with no other source's
    /// until its next fixture event names it.
    void knowFixture(const QString &sourceId, const FixtureData &fixture);
    /// Appends to @p out what @p event fires.
    void onEvent(const Event &event, std::vector<Alert> &out);
    /// Appends to @p out what @p events fire, in order. A market's prices that arrive together (in
    /// one frame, at one server time: a provider's update of a whole market) are one update: its
    /// book, and the best prices across sources that arbitrage rules judge, are read after the
    /// last of them, not between two, where one price has moved and the others not yet. Callers hand whole frames (a
    /// batch never splits one), so a live run and a back-test group alike.
    void onEvents(std::span<const Event> events, std::vector<Alert> &out);
    const std::vector<AlertRule> &rules() const { return m_rules; }
    /// Markets compared across sources (arbitrage rules); a match's go when it ends in a source.
    std::size_t comparedMarkets() const { return std::size_t(m_compared.size()); }
    /// Fixtures the engine holds state for, over every source.
    std::size_t fixtures() const;
    /// How long of its source's clock an ended (or cancelled) fixture is kept without an event of
    /// its own, at least: late prices still find it, and then its state goes (a feed that runs for
    /// days retires thousands of fixtures). Longer when a rule's window or cooldown is longer. By
    /// the stream's clock, so that a back-test forgets it at the same event as the live run did.
    /// An event of a forgotten fixture starts it afresh, as if first seen.
    static constexpr qint64 kForgetEndedAfterMs = 10 * 60 * 1000;
    qint64 forgetAfterMs() const { return m_forgetAfterMs; }
    /// What rules scoped to the watch list look at; replaces the list. Its fixtureKey()s: every
    /// alert of those fixtures. Its selectionKey()s: that selection's alerts, and the alerts of
    /// its fixture and market as a whole (in play, stale, suspended, overround), not its siblings'.
    void setWatchList(QSet<QString> keys);
    /// Alerts a rule's cooldown held back.
    quint64 suppressed() const { return m_suppressed; }
    /// Fixtures held per source at most: a feed whose fixtures never end (or that prices fixtures
    /// it never announces) would otherwise grow the engine without end. Past it, at a sweep, the
    /// fixtures silent longest go until nine tenths are left (never one on the watch list), by the
    /// stream's clock and then by id, so that a back-test forgets the same ones. One that speaks
    /// again starts afresh, as if first seen.
    static constexpr std::size_t kMaxFixtures = 50000;
    quint64 idleFixturesForgotten() const { return m_idleForgotten; }
    /// Selections a fixture holds at most, over its markets (as the live views hold prices): a
    /// price of a further one is not evaluated, and counted here.
    static constexpr std::size_t kMaxSelectionsPerFixture = 5000;
    quint64 pricesLeftOut() const { return m_pricesLeftOut; }

private:
    // Markets and selections are few per fixture and market (3 to 30): found by a scan of a
    // small vector, which costs less per event than hashing their names.
    /// Hashes feed ids (short strings) several times faster than qHash(QString), which Debian's Qt
    /// computes with SipHash: the engine hashes a fixture id on every event. Seeded per process,
    /// so a feed cannot aim ids at one bucket.
    struct IdHash
    {
        std::size_t operator()(const QString &id) const noexcept;
    };
    /// The highest and the lowest open price within the longest price-move window, as two
    /// monotonic queues (oldest first; the highs fall and the lows rise from front to back). A
    /// shorter window's high is the first high within it, so one pair serves every window, in
    /// constant time per price however many prices a busy window holds (at 200,000 events/s a 30 s
    /// window holds hundreds per selection, and scanning them was most of the engine's time).
    struct WindowExtremes
    {
        std::vector<std::pair<qint64, double>> highs;
        std::vector<std::pair<qint64, double>> lows;
        std::uint32_t highsFront = 0;
        std::uint32_t lowsFront = 0;
        /// When the latest price was added (here, not read from the queues: one cold line less).
        qint64 latestMs = std::numeric_limits<qint64>::min();
        /// Drops the prices older than @p fromMs.
        void expire(qint64 fromMs);
        /// Forgets every price when the latest was stamped after @p nowMs (the clock stepped back).
        void startOverIfAfter(qint64 nowMs);
        /// A price at @p atMs, no earlier than the latest added (see startOverIfAfter()).
        void add(qint64 atMs, double price);
        /// The highest and the lowest price since @p fromMs; none if no price since.
        std::optional<std::pair<double, double>> since(qint64 fromMs) const;
    };
    struct Selection
    {
        QString name;
        WindowExtremes window;
        std::optional<double> lastOpen;
        std::optional<double> open; ///< its price while open (the overround's), none while not
        PriceStatus status = PriceStatus::Open;
    };
    struct Market
    {
        QString type;
        /// By name, so that the overround is summed in the same order on every run (a
        /// floating-point sum depends on it).
        std::vector<Selection> selections;
        int notOpen = 0; ///< selections whose latest price is not open: the market is suspended
        bool marketSuspended = false;
        std::optional<double> overround; ///< its book when last stated (MarketBook), in percent
        BookMemory bookMemory;
        QSet<int> outsideRules; ///< overround rules whose range the market is outside
        /// Null when it is not held and @p mayAdd is false.
        Selection *selection(const QString &name, bool mayAdd);
    };

    /// The rule indexes of one kind: those for every fixture, and those scoped to one.
    struct KindRules
    {
        std::vector<int> global;
        QHash<QString, std::vector<int>> byFixture;
    };
    struct Source;
    struct Fixture
    {
        const Source *source = nullptr;
        QString sourceId;
        QString fixtureId;
        std::optional<qint64> sportId;
        std::optional<FixtureStatus> status;
        std::optional<QString> score;
        /// "home|away", lower case, once a fixture event named them (arbitrage keys: a fixture not
        /// named yet is compared with no other source's, unless the fixture map names it)
        QString teams;
        QSet<QString> compared; ///< its markets' keys in m_compared, forgotten when it ends
        qint64 lastUpdateMs = 0;
        QSet<int> staleFired; ///< stale rules fired since the last update
        qint64 scoreChangedAtMs = -1; ///< a score change no price has followed yet (-1: none)
        QString scoreBefore;
        QString scoreAfter;
        QSet<int> scoreFired;
        QHash<int, qint64> lastFired; ///< rule -> when it last fired here, for its cooldown
        std::vector<Market> markets;
        std::size_t selections = 0; ///< over every market (kMaxSelectionsPerFixture)
        /// Null when it is not held and @p mayAdd is false.
        Market *market(const QString &type, bool mayAdd);
        /// The rules scoped to this fixture, by kind (null: none), looked up once.
        std::array<const std::vector<int> *, kAlertKindCount> scoped {};
    };
    static bool isOver(const Fixture &f)
    {
        return f.status && (*f.status == FixtureStatus::Ended || *f.status == FixtureStatus::Cancelled);
    }
    struct Source
    {
        qint64 clockMs = 0; ///< the latest server time seen
        qint64 nextSweepMs = 0;
        /// No silence or unanswered score can run out before this (a lower bound: each event
        /// lowers it to its time plus the shortest such window); sweeps before it find nothing.
        qint64 earliestDueMs = std::numeric_limits<qint64>::min();
        /// By fixture id. Node-based: a fixture stays where it is while others are added.
        std::unordered_map<QString, Fixture, IdHash> fixtures;
        /// Fixtures that ended, by when they can be forgotten (m_forgetAfterMs); mostly in order,
        /// and only the front is looked at, so one out of order is forgotten a little later.
        std::deque<std::pair<qint64, QString>> ended;
    };

    template <typename Call> void forEachRule(AlertKind kind, const Fixture &f, Call &&call) const
    {
        for (const int i : m_byKind[std::size_t(kind)].global) {
            call(i);
        }
        if (const std::vector<int> *scoped = f.scoped[std::size_t(kind)]) {
            for (const int i : *scoped) {
                call(i);
            }
        }
    }
    bool hasRules(AlertKind kind) const
    {
        return !m_byKind[std::size_t(kind)].global.empty() || !m_byKind[std::size_t(kind)].byFixture.isEmpty();
    }
    bool inScope(const AlertRule &rule, const Fixture &f, const QString &market, const QString &selection) const;
    bool watched(const Fixture &f, const QString &market, const QString &selection) const;
    /// @p before and @p after: texts, or callables making them (only for an alert not held back).
    template <typename Before, typename After>
    void fire(int ruleIndex, Fixture &f, const QString &market, const QString &selection, qint64 atMs, quint64 seq,
        Before &&before, After &&after, std::vector<Alert> &out);
    Fixture &fixture(Source &source, const QString &sourceId, const QString &fixtureId, qint64 firstSeenMs);
    void onFixture(Fixture &f, const Event &e, const FixtureData &d, std::vector<Alert> &out);
    void onOdds(Fixture &f, const Event &e, const OddsData &d, std::vector<Alert> &out);
    void onBet(Fixture &f, const Event &e, const BetData &d, std::vector<Alert> &out);
    /// An odds event's market across sources; fires when an arbitrage opens (judged after the
    /// last price of an update, as readBook).
    void onArbitrage(Fixture &f, const Event &e, const OddsData &d, std::vector<Alert> &out);
    /// Reads market @p m's book after a price of it, unless more of its update follows (onEvents).
    void readBook(Fixture &f, const Event &e, const OddsData &d, Market &m, std::vector<Alert> &out);
    /// The overround rules on market @p m, whose book @p sum (percent) was just stated.
    void overroundRules(Fixture &f, const Event &e, const OddsData &d, Market &m, double sum, std::vector<Alert> &out);
    /// Stale fixtures and unanswered score changes whose time ran out by the source's clock.
    void sweep(Source &source, quint64 seq, std::vector<Alert> &out);
    /// Forgets the fixtures that ended kForgetEndedAfterMs ago and stayed silent since.
    void forgetEnded(Source &source);
    /// Past kMaxFixtures, forgets the fixtures silent longest.
    void forgetIdlest(Source &source);
    enum class Forgotten
    {
        Ended, ///< its cross-source markets go with it
        IdleRecentCleared, ///< only its own quotes go; m_recentFixtures was emptied already
    };
    void forget(Source &source, std::unordered_map<QString, Fixture, IdHash>::iterator it, Forgotten why);

    std::vector<AlertRule> m_rules;
    std::array<KindRules, kAlertKindCount> m_byKind;
    qint64 m_longestMoveWindowMs = 0;
    qint64 m_shortestDueWindowMs = std::numeric_limits<qint64>::max(); ///< of stale and score rules
    qint64 m_forgetAfterMs = kForgetEndedAfterMs; ///< kForgetEndedAfterMs, or a rule's longer window
    std::unordered_map<QString, Source, IdHash> m_sources;
    /// The source of the previous event: most streams have one source, and its lookup is then a
    /// comparison of ids instead of a hash.
    Source *m_lastSource = nullptr;
    QString m_lastSourceId;
    /// Fixtures recently looked up, by the address of their id's text. The decoder interns ids,
    /// so an event's id shares its text with the fixture's: finding it costs no hash of the text
    /// and no walk of the map's nodes (at full speed both are cache misses, the other threads
    /// having touched everything in between). The fixture's own id keeps that text alive, so an
    /// address that matches is that string. A fixture forgotten (forgetEnded) leaves its slots empty.
    static constexpr std::size_t kRecentFixtures = 2048;
    std::array<Fixture *, kRecentFixtures> m_recentFixtures {};
    Fixture &findFixture(Source &source, const QString &sourceId, const QString &fixtureId, qint64 firstSeenMs);
    /// Takes what a fixture event said, firing nothing (knowFixture()).
    static void learn(Fixture &f, const FixtureData &d);
    /// "home|away" in lower case; empty when the event names neither.
    static QString teamsOf(const FixtureData &d);
    /// One market across sources (keyed by the fixture map's key and the market type).
    struct ComparedState
    {
        ComparedMarket market;
        QSet<int> open; ///< arbitrage rules whose arbitrage is open here (fired on opening only)
        QHash<int, qint64> lastFired; ///< rule -> when, for its cooldown (per match, not per source)
    };
    QHash<QString, ComparedState> m_compared;
    /// knowFixture()'s fixtures not met yet, by source id + 0x1f + fixture id.
    QHash<QString, FixtureData> m_known;
    FixtureMap m_fixtureMap;
    QSet<QString> m_watchList;
    QSet<QString> m_watchedFixtures; ///< pinned, or with a pinned selection (watchedFixtures())
    QSet<QString> m_watchedMarkets; ///< fixtureKey() + 0x1f + market of each pinned selection
    quint64 m_suppressed = 0;
    bool m_updateGoesOn = false; ///< the next event is a price of the same market update (onEvents)
    quint64 m_idleForgotten = 0;
    quint64 m_pricesLeftOut = 0;
    qint64 m_eventMonoNs = 0; ///< receipt time of the event being evaluated
    qint64 m_eventWallMs = 0;
};
} // namespace OddsTap

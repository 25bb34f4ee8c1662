// SPDX-License-Identifier: MIT
#include "alertengine.h"

#include <core/common/marketbook.h>
#include <core/models/laddermodel.h>
#include <core/models/roles.h>

#include <QRandomGenerator>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <tuple>

namespace OddsTap {
namespace {

constexpr qint64 kSweepEveryMs = 250; ///< how often, on the stream's clock, silences are checked

/// The decoder interns ids and names, and what the engine keeps shares their text: equal data
/// pointers mean equal strings without reading the (cold) text.
bool sameText(const QString &a, const QString &b)
{
    return (a.constData() == b.constData() && a.size() == b.size()) || a == b;
}

QString statusText(FixtureStatus s)
{
    const auto w = toWire(s);
    return QString::fromLatin1(w.data(), qsizetype(w.size()));
}

} // namespace

AlertEngine::AlertEngine(std::vector<AlertRule> rules, FixtureMap fixtureMap)
    : m_rules(std::move(rules))
    , m_fixtureMap(std::move(fixtureMap))
{
    for (int i = 0; i < int(m_rules.size()); ++i) {
        const AlertRule &r = m_rules[std::size_t(i)];
        KindRules &k = m_byKind[std::size_t(r.kind)];
        // A rule for one fixture is looked at for that fixture's events only: a trader's many
        // rules on single fixtures cost each event only the few of its own fixture.
        (r.scope.fixtureId.isEmpty() ? k.global : k.byFixture[r.scope.fixtureId]).push_back(i);
        if (r.kind == AlertKind::PriceMove) {
            m_longestMoveWindowMs = std::max(m_longestMoveWindowMs, r.windowMs);
        }
        if (r.kind == AlertKind::Stale || r.kind == AlertKind::ScoreWithoutPriceMove) {
            m_shortestDueWindowMs = std::min(m_shortestDueWindowMs, r.windowMs);
        }
        // Nothing a rule still waits for (an unanswered final score, a cooldown) is forgotten.
        m_forgetAfterMs = std::max({ m_forgetAfterMs, r.windowMs, r.cooldownMs });
    }
}

void AlertEngine::WindowExtremes::expire(qint64 fromMs)
{
    const auto drop = [fromMs](std::vector<std::pair<qint64, double>> &queue, std::uint32_t &front) {
        while (front < queue.size() && queue[front].first < fromMs) {
            ++front;
        }
        // Shifted down only once half is gone: each price is moved a constant number of times.
        if (front > 8 && front * 2 >= queue.size()) {
            queue.erase(queue.begin(), queue.begin() + front);
            front = 0;
        }
    };
    drop(highs, highsFront);
    drop(lows, lowsFront);
}

void AlertEngine::WindowExtremes::startOverIfAfter(qint64 nowMs)
{
    if (latestMs > nowMs) {
        latestMs = std::numeric_limits<qint64>::min();
        highs.clear();
        lows.clear();
        highsFront = 0;
        lowsFront = 0;
    }
}

void AlertEngine::WindowExtremes::add(qint64 atMs, double price)
{
    // A price at or below a newer one can never be the window's high again (it leaves first).
    while (highs.size() > highsFront && highs.back().second <= price) {
        highs.pop_back();
    }
    highs.emplace_back(atMs, price);
    while (lows.size() > lowsFront && lows.back().second >= price) {
        lows.pop_back();
    }
    lows.emplace_back(atMs, price);
    latestMs = atMs;
}

std::optional<std::pair<double, double>> AlertEngine::WindowExtremes::since(qint64 fromMs) const
{
    if (highsFront == highs.size() || latestMs < fromMs) {
        return std::nullopt;
    }
    const auto first = [fromMs](const std::vector<std::pair<qint64, double>> &queue, std::uint32_t front) {
        return std::partition_point(queue.begin() + front, queue.end(), [fromMs](const std::pair<qint64, double> &e) {
            return e.first < fromMs;
        })->second;
    };
    return std::pair { first(highs, highsFront), first(lows, lowsFront) };
}

bool AlertEngine::inScope(
    const AlertRule &rule, const Fixture &f, const QString &market, const QString &selection) const
{
    const AlertScope &s = rule.scope;
    return (s.sourceId.isEmpty() || s.sourceId == f.sourceId) && (!s.sportId || s.sportId == f.sportId)
        && (s.fixtureId.isEmpty() || s.fixtureId == f.fixtureId) && (s.marketType.isEmpty() || s.marketType == market)
        && (s.selection.isEmpty() || s.selection == selection) && (!s.watched || watched(f, market, selection));
}

void AlertEngine::setWatchList(QSet<QString> keys)
{
    m_watchedMarkets.clear();
    for (const QString &key : keys) {
        // A selection's key: source, fixture, market, selection. Its market as a whole counts.
        if (key.count(QChar(0x1f)) == 3) {
            m_watchedMarkets.insert(key.left(key.lastIndexOf(QChar(0x1f))));
        }
    }
    for (auto &[id, source] : m_sources) {
        source.earliestDueMs = std::numeric_limits<qint64>::min(); // what was out of scope may not be now
    }
    m_watchedFixtures = watchedFixtures(keys);
    m_watchList = std::move(keys);
}

bool AlertEngine::watched(const Fixture &f, const QString &market, const QString &selection) const
{
    const QString fixture = fixtureKey(f.sourceId, f.fixtureId);
    if (m_watchList.contains(fixture)) {
        return true; // the whole fixture is pinned
    }
    if (market.isEmpty()) { // a fixture-wide alert: any of its selections pinned
        return m_watchedFixtures.contains(fixture);
    }
    if (selection.isEmpty()) { // a market-wide alert: one of that market's selections pinned
        return m_watchedMarkets.contains(fixture + QChar(0x1f) + market);
    }
    return m_watchList.contains(selectionKey(f.sourceId, f.fixtureId, market, selection));
}

namespace {

/// A text given as it is, or made only when asked (what a cooldown holds back is never formatted:
/// a volatile market's held-back moves outnumber its alerts many times).
template <typename T> QString text(T &&t)
{
    if constexpr (std::is_invocable_v<T>) {
        return t();
    } else {
        return QString(std::forward<T>(t));
    }
}

} // namespace

template <typename Before, typename After>
void AlertEngine::fire(int ruleIndex, Fixture &f, const QString &market, const QString &selection, qint64 atMs,
    quint64 seq, Before &&before, After &&after, std::vector<Alert> &out)
{
    const AlertRule &rule = m_rules[std::size_t(ruleIndex)];
    const auto last = f.lastFired.constFind(ruleIndex);
    if (last != f.lastFired.constEnd() && atMs - *last < rule.cooldownMs) {
        ++m_suppressed;
        return;
    }
    f.lastFired.insert(ruleIndex, atMs);
    out.push_back({ ruleIndex, rule.name, rule.kind, f.sourceId, f.fixtureId, market, selection, atMs, seq,
        text(std::forward<Before>(before)), text(std::forward<After>(after)), m_eventMonoNs, m_eventWallMs });
}

std::size_t AlertEngine::IdHash::operator()(const QString &id) const noexcept
{
    static const quint64 seed = QRandomGenerator::system()->generate64() | 1;
    // 64-bit multiply-xorshift over the UTF-16 code units, four at a time.
    constexpr quint64 kMul = 0x9E3779B97F4A7C15ULL;
    quint64 h = seed ^ quint64(id.size());
    const auto *p = reinterpret_cast<const uchar *>(id.constData());
    qsizetype bytes = id.size() * qsizetype(sizeof(QChar));
    while (bytes >= 8) {
        quint64 chunk;
        std::memcpy(&chunk, p, 8);
        h = (h ^ chunk) * kMul;
        h ^= h >> 29;
        p += 8;
        bytes -= 8;
    }
    if (bytes > 0) {
        quint64 chunk = 0;
        std::memcpy(&chunk, p, std::size_t(bytes));
        h = (h ^ chunk) * kMul;
        h ^= h >> 29;
    }
    h *= kMul;
    return std::size_t(h ^ (h >> 32));
}

AlertEngine::Market *AlertEngine::Fixture::market(const QString &type, bool mayAdd)
{
    for (Market &m : markets) {
        if (sameText(m.type, type)) {
            return &m;
        }
    }
    if (!mayAdd) {
        return nullptr;
    }
    Market &m = markets.emplace_back();
    m.type = type;
    return &m;
}

AlertEngine::Selection *AlertEngine::Market::selection(const QString &name, bool mayAdd)
{
    for (Selection &s : selections) {
        if (sameText(s.name, name)) { // most markets have two or three: equality is cheaper than order
            return &s;
        }
    }
    const auto at = std::lower_bound(
        selections.begin(), selections.end(), name, [](const Selection &s, const QString &n) { return s.name < n; });
    if (at != selections.end() && at->name == name) {
        return &*at;
    }
    if (!mayAdd) {
        return nullptr;
    }
    Selection &s = *selections.insert(at, Selection {});
    s.name = name;
    return &s;
}

AlertEngine::Fixture &AlertEngine::fixture(
    Source &source, const QString &sourceId, const QString &fixtureId, qint64 firstSeenMs)
{
    Fixture &f = source.fixtures[fixtureId];
    if (f.fixtureId.isEmpty()) {
        f.source = &source;
        f.sourceId = sourceId;
        f.fixtureId = fixtureId;
        f.lastUpdateMs = firstSeenMs; // a fixture known only from a bet is silent from then on
        if (!m_known.isEmpty()) {
            if (const auto known = m_known.constFind(sourceId + QChar(0x1f) + fixtureId); known != m_known.constEnd()) {
                learn(f, *known);
                m_known.erase(known);
            }
        }
        for (std::size_t k = 0; k < m_byKind.size(); ++k) {
            const auto it = m_byKind[k].byFixture.constFind(fixtureId);
            f.scoped[k] = it == m_byKind[k].byFixture.constEnd() ? nullptr : &*it;
        }
    }
    return f;
}

AlertEngine::Fixture &AlertEngine::findFixture(
    Source &source, const QString &sourceId, const QString &fixtureId, qint64 firstSeenMs)
{
    // Heap blocks are 16-byte aligned: the address's low bits say nothing.
    Fixture *&recent = m_recentFixtures[(quintptr(fixtureId.constData()) >> 4) % kRecentFixtures];
    if (!recent || recent->source != &source || recent->fixtureId.constData() != fixtureId.constData()
        || recent->fixtureId.size() != fixtureId.size()) {
        recent = &fixture(source, sourceId, fixtureId, firstSeenMs);
    }
    return *recent;
}

void AlertEngine::onEvents(std::span<const Event> events, std::vector<Alert> &out)
{
    const auto sameUpdate = [](const Event &a, const Event &b) {
        const OddsData *x = a.odds();
        const OddsData *y = b.odds();
        return x && y && a.receivedMonoNs == b.receivedMonoNs && a.serverTsMs == b.serverTsMs
            && a.sourceId == b.sourceId && x->fixtureId == y->fixtureId && sameText(x->marketType, y->marketType);
    };
    if (m_rules.empty()) {
        return;
    }
    // Only the book and the best prices wait for an update's last price.
    const bool byUpdate = hasRules(AlertKind::Overround) || hasRules(AlertKind::Arbitrage);
    for (std::size_t i = 0; i < events.size(); ++i) {
        m_updateGoesOn = byUpdate && i + 1 < events.size() && sameUpdate(events[i], events[i + 1]);
        onEvent(events[i], out);
    }
    m_updateGoesOn = false;
}

void AlertEngine::onEvent(const Event &e, std::vector<Alert> &out)
{
    if (m_rules.empty()) {
        return;
    }
    m_eventMonoNs = e.receivedMonoNs;
    m_eventWallMs = e.receivedAtMs;
    if (!m_lastSource || e.sourceId != m_lastSourceId) {
        m_lastSource = &m_sources[e.sourceId];
        m_lastSourceId = e.sourceId;
    }
    Source &source = *m_lastSource;
    source.clockMs = std::max(source.clockMs, e.serverTsMs);
    // What ran out during the quiet before this event is found before the event is applied: the
    // next update of a fixture alone on its feed would otherwise end its silence unseen (a
    // Betfair file of one market, hours between lines, never fired a stale rule).
    const bool sweepTurn = source.clockMs >= source.nextSweepMs;
    if (sweepTurn && source.clockMs >= source.earliestDueMs) {
        sweep(source, e.seq, out);
    }
    Fixture *touched = nullptr;
    const auto find = [&](const QString &fixtureId) {
        return &findFixture(source, e.sourceId, fixtureId, e.serverTsMs);
    };
    if (const FixtureData *f = e.fixture()) {
        touched = find(f->fixtureId);
        const bool wasOver = isOver(*touched);
        onFixture(*touched, e, *f, out);
        if (!wasOver && isOver(*touched)) {
            source.ended.emplace_back(e.serverTsMs + m_forgetAfterMs, touched->fixtureId);
        }
    } else if (const OddsData *o = e.odds()) {
        touched = find(o->fixtureId);
        onOdds(*touched, e, *o, out);
    } else if (const BetData *b = e.bet()) {
        touched = find(b->fixtureId);
        onBet(*touched, e, *b, out);
    }
    // Whatever this event started (a silence, a score change, a new fixture) runs out no sooner;
    // and a score change it brought into a rule's scope (a corrected sport) may be due already.
    if (m_shortestDueWindowMs != std::numeric_limits<qint64>::max()) {
        source.earliestDueMs = std::min(source.earliestDueMs, e.serverTsMs + m_shortestDueWindowMs);
        if (touched && touched->scoreChangedAtMs >= 0) {
            source.earliestDueMs = std::min(source.earliestDueMs, touched->scoreChangedAtMs + m_shortestDueWindowMs);
        }
    }
    if (sweepTurn) {
        // On the same 250 ms grid whether or not it sweeps: a sweep skipped would have found
        // nothing, so the alerts (and the seq each is noticed at) are the same either way. Again
        // after the event: what it made due at once (a score change brought into scope).
        source.nextSweepMs = source.clockMs + kSweepEveryMs;
        if (source.clockMs >= source.earliestDueMs) {
            sweep(source, e.seq, out);
        }
        forgetEnded(source);
        forgetIdlest(source);
    }
}

std::size_t AlertEngine::fixtures() const
{
    std::size_t n = 0;
    for (const auto &[id, source] : m_sources) {
        n += source.fixtures.size();
    }
    return n;
}

void AlertEngine::onFixture(Fixture &f, const Event &e, const FixtureData &d, std::vector<Alert> &out)
{
    const std::optional<FixtureStatus> before = f.status;
    f.sportId = d.sportId;
    f.status = d.status;
    if (const QString teams = teamsOf(d); !teams.isEmpty()) {
        if (f.teams.isEmpty() && !f.compared.isEmpty() && !m_fixtureMap.names(f.sourceId, f.fixtureId)) {
            // Named now: what it compared on its own goes. Its next prices join the match's
            // (a leg older than a rule's max age would not count anyway).
            for (const QString &key : std::as_const(f.compared)) {
                m_compared.remove(key);
            }
            f.compared.clear();
        }
        f.teams = teams;
    }
    if (d.status == FixtureStatus::Ended || d.status == FixtureStatus::Cancelled) {
        // Over: its markets across sources go (a day of matches would otherwise stay in memory).
        for (const QString &key : std::as_const(f.compared)) {
            m_compared.remove(key);
        }
        f.compared.clear();
    }
    f.lastUpdateMs = e.serverTsMs;
    f.staleFired.clear();
    const qint64 t = e.serverTsMs;
    // A fixture first seen live did not go in play while it was watched: transitions only.
    if (before && *before != d.status) {
        const auto each = [&](AlertKind kind, const std::function<void(int)> &call) {
            forEachRule(kind, f, [&](int i) {
                if (inScope(m_rules[std::size_t(i)], f, QString(), QString())) {
                    call(i);
                }
            });
        };
        const QString was = statusText(*before);
        const QString now = statusText(d.status);
        if (d.status == FixtureStatus::Live && *before != FixtureStatus::Suspended) {
            each(AlertKind::InPlay, [&](int i) { fire(i, f, QString(), QString(), t, e.seq, was, now, out); });
        }
        if (d.status == FixtureStatus::Suspended) {
            each(AlertKind::Suspended, [&](int i) { fire(i, f, QString(), QString(), t, e.seq, was, now, out); });
        }
        if (*before == FixtureStatus::Suspended
            && (d.status == FixtureStatus::Live || d.status == FixtureStatus::Scheduled)) {
            each(AlertKind::Reopened, [&](int i) { fire(i, f, QString(), QString(), t, e.seq, was, now, out); });
        }
    }
    if (f.score && *f.score != d.score && !d.score.isEmpty()) {
        if (f.scoreChangedAtMs < 0) {
            f.scoreBefore = *f.score;
        }
        f.scoreChangedAtMs = t;
        f.scoreAfter = d.score;
        f.scoreFired.clear();
    }
    f.score = d.score;
}

void AlertEngine::onOdds(Fixture &f, const Event &e, const OddsData &d, std::vector<Alert> &out)
{
    const qint64 t = e.serverTsMs;
    f.lastUpdateMs = t;
    f.staleFired.clear();
    const bool mayAdd = f.selections < kMaxSelectionsPerFixture;
    Market *market = f.market(d.marketType, mayAdd);
    const std::size_t selectionsBefore = market ? market->selections.size() : 0;
    Selection *selection = market ? market->selection(d.selection, mayAdd) : nullptr;
    if (!selection) {
        ++m_pricesLeftOut;
        return;
    }
    f.selections += market->selections.size() - selectionsBefore;
    if (hasRules(AlertKind::Arbitrage)) {
        onArbitrage(f, e, d, out);
    }
    Market &m = *market;
    Selection &s = *selection;
    const bool open = d.status == PriceStatus::Open;
    const bool moved = open && (!s.lastOpen || *s.lastOpen != d.oddValue);
    if (moved && f.scoreChangedAtMs >= 0) {
        f.scoreChangedAtMs = -1; // the price followed the score
    }
    // The market: suspended while any of its prices is. A new selection counts as open.
    const bool wasOpen = s.status == PriceStatus::Open;
    m.notOpen += int(wasOpen && !open) - int(!wasOpen && open);
    s.open = open ? std::optional<double>(d.oddValue) : std::nullopt;
    const bool marketSuspended = m.notOpen > 0;
    if (marketSuspended != m.marketSuspended) {
        m.marketSuspended = marketSuspended;
        const AlertKind kind = marketSuspended ? AlertKind::Suspended : AlertKind::Reopened;
        forEachRule(kind, f, [&](int i) {
            if (inScope(m_rules[std::size_t(i)], f, d.marketType, QString())) {
                fire(i, f, d.marketType, QString(), t, e.seq,
                    marketSuspended ? QStringLiteral("open") : QStringLiteral("suspended"),
                    marketSuspended ? QStringLiteral("suspended") : QStringLiteral("open"), out);
            }
        });
    }
    s.status = d.status;
    if (!open) {
        readBook(f, e, d, m, out); // the update may end with this price: its market is read now
        return;
    }
    const double p = d.oddValue;
    // Moves within each rule's window, against the highest and lowest price in it.
    // A window holds the prices of the last seconds: after a price stamped later than this one
    // (the stream's clock stepped back) it starts over, or a price stamped in the future would
    // stay in every window until then.
    s.window.startOverIfAfter(t);
    s.window.expire(t - m_longestMoveWindowMs);
    std::optional<decltype(tickIndex(p))> ticksOfPrice; // looked up once, for the first tick rule
    forEachRule(AlertKind::PriceMove, f, [&](int i) {
        const AlertRule &r = m_rules[std::size_t(i)];
        const auto extremes = s.window.since(t - r.windowMs);
        if (!extremes || !inScope(r, f, d.marketType, d.selection)) {
            return;
        }
        // Not a structured binding: clang 14 (the fuzz build) cannot capture one in a lambda.
        const double high = extremes->first;
        const double low = extremes->second;
        // From the window's high or low to the price now.
        const auto bigEnough = [&](double from) {
            if (r.percent > 0 && std::abs(p - from) / from * 100 >= r.percent - 1e-9) {
                return true;
            }
            if (r.ticks <= 0) {
                return false;
            }
            if (!ticksOfPrice) {
                ticksOfPrice = tickIndex(p);
            }
            return std::abs(*ticksOfPrice - tickIndex(from)) >= r.ticks;
        };
        if (r.direction != MoveDirection::Drift && high > p && bigEnough(high)) {
            fire(
                i, f, d.marketType, d.selection, t, e.seq, [&] { return formatPrice(high); },
                [&] { return formatPrice(p); }, out);
        } else if (r.direction != MoveDirection::Shorten && low < p && bigEnough(low)) {
            fire(
                i, f, d.marketType, d.selection, t, e.seq, [&] { return formatPrice(low); },
                [&] { return formatPrice(p); }, out);
        }
    });
    forEachRule(AlertKind::PriceCross, f, [&](int i) {
        const AlertRule &r = m_rules[std::size_t(i)];
        if (s.lastOpen && inScope(r, f, d.marketType, d.selection)) {
            const double was = *s.lastOpen;
            if ((was < r.level && p >= r.level) || (was > r.level && p <= r.level)) {
                fire(
                    i, f, d.marketType, d.selection, t, e.seq, [&] { return formatPrice(was); },
                    [&] { return formatPrice(p); }, out);
            }
        }
    });
    if (m_longestMoveWindowMs > 0) {
        s.window.add(t, p);
    }
    s.lastOpen = p;
    readBook(f, e, d, m, out);
}

void AlertEngine::readBook(Fixture &f, const Event &e, const OddsData &d, Market &m, std::vector<Alert> &out)
{
    // Once the update this price is part of is complete, and the market whole (a market seen in
    // part is not a thin book).
    if (!hasRules(AlertKind::Overround) || m_updateGoesOn) {
        return;
    }
    MarketBook book(m.type);
    for (const Selection &each : m.selections) {
        book.add(each.name, each.open);
    }
    if (const std::optional<double> sum = book.read(m.bookMemory)) {
        overroundRules(f, e, d, m, *sum, out);
    }
}

void AlertEngine::overroundRules(
    Fixture &f, const Event &e, const OddsData &d, Market &m, double sum, std::vector<Alert> &out)
{
    const qint64 t = e.serverTsMs;
    const std::optional<double> was = m.overround;
    m.overround = sum;
    forEachRule(AlertKind::Overround, f, [&](int i) {
        const AlertRule &r = m_rules[std::size_t(i)];
        if (!inScope(r, f, d.marketType, QString())) {
            return;
        }
        const bool outside = sum < r.minPercent || sum > r.maxPercent;
        if (outside && !m.outsideRules.contains(i)) {
            m.outsideRules.insert(i);
            fire(
                i, f, d.marketType, QString(), t, e.seq, [&] { return was ? MarketBook::text(*was) : QString(); },
                [&] { return MarketBook::text(sum); }, out);
        } else if (!outside) {
            m.outsideRules.remove(i);
        }
    });
}

void AlertEngine::onBet(Fixture &f, const Event &e, const BetData &d, std::vector<Alert> &out)
{
    forEachRule(AlertKind::BigBet, f, [&](int i) {
        const AlertRule &r = m_rules[std::size_t(i)];
        if (d.stake >= r.stake && inScope(r, f, d.marketType, d.selection)) {
            fire(i, f, d.marketType, d.selection, e.serverTsMs, e.seq, QString::number(r.stake, 'g', 12),
                QString::number(d.stake, 'g', 12), out);
        }
    });
}

void AlertEngine::sweep(Source &source, quint64 seq, std::vector<Alert> &out)
{
    const qint64 clockMs = source.clockMs;
    if (!hasRules(AlertKind::Stale) && !hasRules(AlertKind::ScoreWithoutPriceMove)) {
        source.earliestDueMs = std::numeric_limits<qint64>::max();
        return;
    }
    qint64 next = std::numeric_limits<qint64>::max();
    const auto due = [&next, clockMs](qint64 at) {
        if (at > clockMs) {
            next = std::min(next, at);
        }
    };
    // The hash's order differs from run to run: what one sweep fires is put in the order of its
    // times, then fixtures, then rules, so that a back-test lists it as the live run did.
    const std::size_t first = out.size();
    for (auto &entry : source.fixtures) {
        Fixture &f = entry.second; // not a structured binding: clang 14 cannot capture one
        // An ended fixture is silent by right.
        const bool over = isOver(f);
        forEachRule(AlertKind::Stale, f, [&](int i) {
            const AlertRule &r = m_rules[std::size_t(i)];
            if (!over && !f.staleFired.contains(i)) {
                due(f.lastUpdateMs + r.windowMs);
            }
            if (!over && !f.staleFired.contains(i) && clockMs - f.lastUpdateMs >= r.windowMs
                && inScope(r, f, QString(), QString())) {
                f.staleFired.insert(i);
                fire(i, f, QString(), QString(), f.lastUpdateMs + r.windowMs, seq, QStringLiteral("updated"),
                    QStringLiteral("silent %1 s").arg(double(r.windowMs) / 1000.0), out);
            }
        });
        if (f.scoreChangedAtMs < 0) {
            continue;
        }
        forEachRule(AlertKind::ScoreWithoutPriceMove, f, [&](int i) {
            const AlertRule &r = m_rules[std::size_t(i)];
            if (!f.scoreFired.contains(i)) {
                due(f.scoreChangedAtMs + r.windowMs);
            }
            if (!f.scoreFired.contains(i) && clockMs - f.scoreChangedAtMs >= r.windowMs
                && inScope(r, f, QString(), QString())) {
                f.scoreFired.insert(i);
                fire(
                    i, f, QString(), QString(), f.scoreChangedAtMs + r.windowMs, seq, f.scoreBefore, f.scoreAfter, out);
            }
        });
    }
    source.earliestDueMs = next;
    std::sort(out.begin() + qsizetype(first), out.end(), [](const Alert &a, const Alert &b) {
        return std::tie(a.atMs, a.fixtureId, a.ruleIndex) < std::tie(b.atMs, b.fixtureId, b.ruleIndex);
    });
}

} // namespace OddsTap

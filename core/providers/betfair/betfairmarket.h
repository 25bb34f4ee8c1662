// SPDX-License-Identifier: MIT
#pragma once

#include <core/providers/betfair/betfairstream.h>

#include <QHash>

#include <deque>
#include <optional>
#include <vector>

namespace OddsTap::Betfair {

/// Prices and the money at each, ascending by price; a price with no money is not held.
class Ladder
{
public:
    /// Sets the size at a price (0 removes it), as a stream change does. A new price beyond
    /// @p maxPoints held is refused (false): a hostile stream cannot grow a ladder without end.
    bool set(double price, double size, std::size_t maxPoints);
    bool apply(const std::vector<PriceSize> &changes, std::size_t maxPoints);
    void clear() { m_points.clear(); }
    const std::vector<PriceSize> &points() const { return m_points; }
    bool empty() const { return m_points.empty(); }
    /// The highest price (the best to back into) and the lowest (the best to lay into).
    std::optional<PriceSize> highest() const;
    std::optional<PriceSize> lowest() const;
    double total() const;

private:
    std::vector<PriceSize> m_points;
};

/// A best-prices ladder by level (0 is the best); a level with no money is not held.
class LevelLadder
{
public:
    void apply(const std::vector<LevelPriceSize> &changes);
    void clear() { m_levels.clear(); }
    /// Level by level, without the empty ones.
    std::vector<LevelPriceSize> levels() const;

private:
    std::vector<PriceSize> m_levels; ///< index = level; size 0 = empty
};

/// One runner of a market as the stream has built it up.
struct RunnerState
{
    qint64 id = 0;
    double handicap = 0.0;
    QString status = QStringLiteral("ACTIVE");
    std::optional<double> adjustmentFactor;
    QString removalDate;
    QString name;
    int sortPriority = 0;
    std::optional<double> bsp;
    std::optional<double> lastTraded; ///< `ltp`
    double tradedTotal = 0.0; ///< `tv`: matched on this runner
    std::optional<double> spNear;
    std::optional<double> spFar;
    Ladder availableToBack; ///< atb
    Ladder availableToLay; ///< atl
    Ladder traded; ///< trd: matched per price, cumulative
    Ladder spBack; ///< spb
    Ladder spLay; ///< spl
    LevelLadder bestToBack; ///< batb
    LevelLadder bestToLay; ///< batl
    LevelLadder bestToBackVirtual; ///< bdatb
    LevelLadder bestToLayVirtual; ///< bdatl

    /// The best price to back at: the top of batb when the stream sends it, else of atb.
    std::optional<PriceSize> bestBack() const;
    std::optional<PriceSize> bestLay() const;
    /// "Brother Mcgonagall" or, without a name, the id (with the handicap when there is one).
    QString displayName() const;
};

/// One market as the stream has built it up.
struct MarketState
{
    QString id;
    std::optional<MarketDefinition> definition;
    double tradedTotal = 0.0; ///< market `tv`
    qint64 publishTimeMs = 0; ///< of the last change applied
    std::vector<RunnerState> runners; ///< in the order they first appeared

    RunnerState *runner(qint64 id, double handicap);
    const RunnerState *runner(qint64 id, double handicap) const;
    QString status() const { return definition ? definition->status : QString(); }
    bool inPlay() const { return definition && definition->inPlay; }
};

/// What one market change altered, for whoever maps it onward.
struct MarketDelta
{
    MarketState *market = nullptr;
    std::size_t marketIndex = 0; ///< its position in MarketCache::markets()
    bool definitionChanged = false;
    bool statusChanged = false; ///< market status or in-play
    bool image = false;
    /// Indexes into market->runners: runners whose last traded price changed, and those whose
    /// status (from the definition) changed.
    std::vector<std::size_t> ltpChanged;
    std::vector<std::size_t> statusChangedRunners;
    /// Runners the change touched at all (ladders, traded volume, prices).
    std::vector<std::size_t> touched;
    /// Set when part of the change was refused (a runner or a price over the limits): why.
    QString refused;
    /// Runners of an open market that had a last traded price, open, before a full image: the
    /// image may drop them or state no price for them (the decoder then suspends that price).
    struct PricedBefore
    {
        qint64 id = 0;
        double handicap = 0;
        QString name;
        double price = 0;
    };
    std::vector<PricedBefore> pricedBeforeImage;
};

/// The markets of one stream, rebuilt from its changes exactly as the exchange means them:
/// `img` replaces, ladders update price by price, a definition replaces the last one.
/// Lives in: the thread of its owner; not thread-safe.
class MarketCache
{
public:
    /// Holds at most StreamLimits::maxRunners per market, maxLadderPoints per ladder (the
    /// exchange's ladder has 350), maxMarketsHeld markets, and maxRunnersHeld runners and
    /// maxPricesHeld ladder prices across them all.
    explicit MarketCache(const StreamLimits &limits = {})
        : m_limits(limits)
    { }

    /// Applies one market change published at @p publishTimeMs. The cap on markets held is the
    /// caller's to keep, line by line (newMarkets()): a line is refused whole or applied whole.
    MarketDelta apply(MarketChange &change, qint64 publishTimeMs);
    /// How many markets applying @p changes would add, when that would pass maxMarkets() (0
    /// otherwise, without looking them up: the usual line costs nothing).
    std::size_t newMarketsOverTheCap(const std::vector<MarketChange> &changes) const;
    const MarketState *market(const QString &id) const;
    /// Frees the ladders of a market that has closed (its statuses and last prices stay).
    void releaseBooks(std::size_t marketIndex);
    /// Forgets a market: its id, definition and runners go, and the next new market takes its
    /// index (whoever keys anything by that index forgets it first). A later change of the same
    /// id starts a market afresh.
    void forget(std::size_t marketIndex);
    std::size_t size() const { return std::size_t(m_index.size()); } ///< markets held
    std::size_t maxMarkets() const { return m_limits.maxMarketsHeld; }
    std::size_t runnersHeld() const { return m_runnersHeld; } ///< across every market
    std::size_t pricesHeld() const { return m_pricesHeld; } ///< in the price ladders of every runner
    /// Indexes in use or free for reuse: what markets() holds.
    std::size_t slotCount() const { return m_markets.size(); }
    /// Every market by index, in the order they first appeared (a forgotten one has no id).
    const std::deque<MarketState> &markets() const { return m_markets; }

private:
    /// Applies @p changes to @p ladder within the per-ladder limit and the prices left in all.
    bool applyLadder(Ladder &ladder, const std::vector<PriceSize> &changes);
    void dropBooks(RunnerState &runner);

    StreamLimits m_limits;
    std::size_t m_runnersHeld = 0;
    std::size_t m_pricesHeld = 0;
    bool m_pricesRefused = false; ///< during one apply(): the limit in all, not the ladder's
    std::deque<MarketState> m_markets; ///< a deque: a MarketDelta keeps pointing at its market
    QHash<QString, std::size_t> m_index;
    std::vector<std::size_t> m_free; ///< indexes of forgotten markets, taken again first
};

} // namespace OddsTap::Betfair

// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/event.h>

#include <QHash>

#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

namespace OddsTap {

/// The latest price of one selection, with the one before it.
struct PriceState
{
    QString sourceId;
    QString fixtureId;
    QString marketType;
    QString selection;
    double price = 0;
    double previousPrice = 0; ///< 0 until the price has changed once
    PriceStatus status = PriceStatus::Open;
    qint64 changedAtMs = 0; ///< source timestamp of the latest change
    qint64 updatedAtMs = 0; ///< received_at of the latest update, changed or not
    quint64 seq = 0;
    quint64 updates = 0;
};

/// The latest state of one fixture.
struct FixtureState
{
    FixtureData fixture;
    QString sourceId;
    quint64 seq = 0;
    qint64 updatedAtMs = 0; ///< received_at of the latest fixture update
    quint64 updates = 0; ///< fixture updates
    qint64 lastEventAtMs = 0; ///< received_at of the latest fixture or price event
    quint64 events = 0; ///< fixture and price events
};

/// What changed in a live state over one interval, coalesced (each fixture and price once, at its
/// latest), with the fixtures it forgot: how the session hands the live state to other threads.
struct LiveChanges
{
    std::vector<FixtureState> fixtures;
    std::vector<PriceState> prices;
    std::vector<std::pair<QString, QString>> removed; ///< (source id, fixture id)
};
using LiveChangesPtr = std::shared_ptr<const LiveChanges>;

/// In-memory live view of the feed: current fixtures and the latest price of every selection,
/// fed batch by batch. Tracks what changed since the last takeChanges(), so consumers (the GUI at
/// 10-20 Hz) get coalesced deltas, never the raw stream. Events older than what is held (by seq)
/// never overwrite newer state. Not thread-safe: lives in the thread that applies batches.
class LiveState
{
public:
    void apply(const EventBatch &batch);

    const FixtureState *fixture(const QString &sourceId, const QString &fixtureId) const;
    const PriceState *price(
        const QString &sourceId, const QString &fixtureId, const QString &marketType, const QString &selection) const;
    std::vector<PriceState> prices(const QString &sourceId, const QString &fixtureId) const;
    /// Every fixture held (for a view that starts late).
    std::vector<FixtureState> fixtures() const;
    /// Every price held, also of fixtures whose fixture event has not arrived (a resumed stream).
    std::vector<PriceState> allPrices() const;
    qsizetype fixtureCount() const { return m_fixtureCount; }
    qsizetype priceCount() const { return qsizetype(m_prices.size()); }

    /// Fixtures and prices changed since the last call, each once however often it changed.
    struct Changes
    {
        std::vector<FixtureState> fixtures;
        std::vector<PriceState> prices;
        bool empty() const { return fixtures.empty() && prices.empty(); }
    };
    Changes takeChanges();

    /// Forgets fixtures that ended or were cancelled more than `keepMs` before `nowMs` (received
    /// time), with their prices, and beyond the `maxFinished` most recently finished ones, so a
    /// day of churn or a flood of fixtures ending does not grow memory. Call right after
    /// takeChanges(). Returns the (source id, fixture id) of each fixture forgotten.
    std::vector<std::pair<QString, QString>> pruneFinished(
        qint64 nowMs, qint64 keepMs, std::size_t maxFinished = std::size_t(-1));
    /// Past `maxFixtures` entries (fixtures, and fixtures known only by their prices) or
    /// `maxPrices` prices, forgets the fixtures idle longest, those not in play first, until both
    /// are down to nine tenths: fixtures that never
    /// end (a feed that never sends the end, or invents fixture ids) must not grow memory for as
    /// long as the session runs. A fixture for which @p keep (source id, fixture id) is true stays
    /// (the watched one, those on the watch list).
    /// Only entries with nothing in the change lists go (call right after takeChanges()): the
    /// lists point into the entries. Returns the (source id, fixture id) of each one forgotten.
    std::vector<std::pair<QString, QString>> pruneOldest(std::size_t maxFixtures,
        std::size_t maxPrices = std::size_t(-1),
        const std::function<bool(const QString &sourceId, const QString &fixtureId)> &keep = {});
    /// Prices a fixture holds at most (markets times selections): a feed that invents selections
    /// must not grow one fixture without bound. Prices of further selections are left out of the
    /// live state (they are stored) and counted.
    static constexpr std::size_t kMaxPricesPerFixture = 5000;
    /// Price updates left out so far because their fixture held kMaxPricesPerFixture already.
    quint64 pricesLeftOut() const { return m_pricesLeftOut; }

private:
    struct FixtureKey
    {
        QString sourceId;
        QString fixtureId;
        bool operator==(const FixtureKey &) const = default;
    };
    struct PriceKey
    {
        QString sourceId;
        QString fixtureId;
        QString marketType;
        QString selection;
        bool operator==(const PriceKey &) const = default;
    };
    /// A price key made of the event's own strings, for lookups: building a PriceKey copies four
    /// QStrings, and their reference counts are shared with every other thread that holds the
    /// same interned strings (the decoder's, the writer's), so each copy is a contended atomic.
    struct PriceKeyRef
    {
        const QString &sourceId;
        const QString &fixtureId;
        const QString &marketType;
        const QString &selection;
    };
    /// Deliberately not noexcept: libstdc++'s unordered_map then stores each node's hash, and a
    /// lookup compares stored hashes instead of hashing four strings again for every node it walks
    /// past to find its bucket's end (that walk was 3.8 % of all CPU samples of a full-speed run).
    struct KeyHash
    {
        using is_transparent = void;
        std::size_t operator()(const FixtureKey &k) const;
        /// PriceKey and PriceKeyRef hash alike, so that either finds the same entry.
        template <typename K> std::size_t operator()(const K &k) const
        {
            return qHashMulti(0, k.sourceId, k.fixtureId, k.marketType, k.selection);
        }
    };
    struct PriceKeyEqual
    {
        using is_transparent = void;
        template <typename A, typename B> bool operator()(const A &a, const B &b) const noexcept
        {
            return same(a.selection, b.selection) && same(a.marketType, b.marketType) && same(a.fixtureId, b.fixtureId)
                && same(a.sourceId, b.sourceId);
        }
        /// The decoder interns these strings, so equal ones usually share their storage: then
        /// there is no text to compare (and no cold cache line of it to read).
        static bool same(const QString &x, const QString &y) noexcept
        {
            return (x.constData() == y.constData() && x.size() == y.size()) || x == y;
        }
    };
    struct FixtureEntry
    {
        FixtureState state;
        bool dirty = false;
        std::vector<const PriceState *> prices; ///< every selection priced for this fixture
    };
    struct PriceEntry
    {
        PriceState state;
        bool dirty = false;
        FixtureEntry *fixture = nullptr;
    };

    // Node-based maps: entries never move, so the change lists and the per-fixture index hold
    // plain pointers, and a price update costs one hash lookup with no key string built.
    using FixtureMap = std::unordered_map<FixtureKey, FixtureEntry, KeyHash>;
    /// Whether the entry can be forgotten now: nothing of it waits in the change lists.
    bool clean(const FixtureEntry &entry) const;
    /// Forgets the entry and its prices; returns its key.
    std::pair<QString, QString> forget(FixtureMap::iterator it);

    FixtureMap m_fixtures;
    std::unordered_map<PriceKey, PriceEntry, KeyHash, PriceKeyEqual> m_prices;
    std::vector<FixtureEntry *> m_changedFixtures;
    qsizetype m_fixtureCount = 0; ///< entries holding a fixture (a price may arrive first)
    quint64 m_pricesLeftOut = 0;
    std::vector<PriceEntry *> m_changedPrices;
};

} // namespace OddsTap

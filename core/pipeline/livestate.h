// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/event.h>

#include <QHash>
#include <QSet>

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
    quint64 seq = 0;
    quint64 updates = 0;
};

/// The latest state of one fixture.
struct FixtureState
{
    FixtureData fixture;
    QString sourceId;
    quint64 seq = 0;
    qint64 updatedAtMs = 0; ///< received_at of the latest update
    quint64 updates = 0;
};

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
    qsizetype fixtureCount() const
    {
        return m_fixtures.size();
    }
    qsizetype priceCount() const
    {
        return m_prices.size();
    }

    /// Fixtures and prices changed since the last call, each once however often it changed.
    struct Changes
    {
        std::vector<FixtureState> fixtures;
        std::vector<PriceState> prices;
        bool empty() const
        {
            return fixtures.empty() && prices.empty();
        }
    };
    Changes takeChanges();

private:
    static QString fixtureKey(const QString &sourceId, const QString &fixtureId);
    static QString priceKey(
        const QString &sourceId, const QString &fixtureId, const QString &marketType, const QString &selection);

    QHash<QString, FixtureState> m_fixtures;
    QHash<QString, PriceState> m_prices;
    QSet<QString> m_changedFixtures;
    QSet<QString> m_changedPrices;
};

} // namespace OddsTap

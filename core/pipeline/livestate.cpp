// SPDX-License-Identifier: MIT
#include "livestate.h"

#include <algorithm>
#include <tuple>

namespace OddsTap {

QString LiveState::fixtureKey(const QString &sourceId, const QString &fixtureId)
{
    return sourceId + QChar(0x1f) + fixtureId;
}

QString LiveState::priceKey(
    const QString &sourceId, const QString &fixtureId, const QString &marketType, const QString &selection)
{
    return sourceId + QChar(0x1f) + fixtureId + QChar(0x1f) + marketType + QChar(0x1f) + selection;
}

void LiveState::apply(const EventBatch &batch)
{
    for (const Event &e : batch.events) {
        if (const FixtureData *f = e.fixture()) {
            const QString key = fixtureKey(e.sourceId, f->fixtureId);
            FixtureState &state = m_fixtures[key];
            if (state.seq != 0 && e.seq <= state.seq) {
                continue; // older than what we hold
            }
            state.fixture = *f;
            state.sourceId = e.sourceId;
            state.seq = e.seq;
            state.updatedAtMs = e.receivedAtMs;
            ++state.updates;
            m_changedFixtures.insert(key);
        } else if (const OddsData *o = e.odds()) {
            const QString key = priceKey(e.sourceId, o->fixtureId, o->marketType, o->selection);
            PriceState &state = m_prices[key];
            if (state.seq != 0 && e.seq <= state.seq) {
                continue;
            }
            if (state.seq == 0) {
                state.sourceId = e.sourceId;
                state.fixtureId = o->fixtureId;
                state.marketType = o->marketType;
                state.selection = o->selection;
            } else if (o->oddValue != state.price) {
                state.previousPrice = state.price;
            }
            if (state.seq == 0 || o->oddValue != state.price || o->status != state.status) {
                state.changedAtMs = o->timestampMs;
            }
            state.price = o->oddValue;
            state.status = o->status;
            state.seq = e.seq;
            ++state.updates;
            m_changedPrices.insert(key);
        }
    }
}

const FixtureState *LiveState::fixture(const QString &sourceId, const QString &fixtureId) const
{
    const auto it = m_fixtures.constFind(fixtureKey(sourceId, fixtureId));
    return it == m_fixtures.constEnd() ? nullptr : &it.value();
}

const PriceState *LiveState::price(
    const QString &sourceId, const QString &fixtureId, const QString &marketType, const QString &selection) const
{
    const auto it = m_prices.constFind(priceKey(sourceId, fixtureId, marketType, selection));
    return it == m_prices.constEnd() ? nullptr : &it.value();
}

std::vector<PriceState> LiveState::prices(const QString &sourceId, const QString &fixtureId) const
{
    std::vector<PriceState> out;
    for (const PriceState &p : m_prices) {
        if (p.sourceId == sourceId && p.fixtureId == fixtureId) {
            out.push_back(p);
        }
    }
    std::sort(out.begin(), out.end(), [](const PriceState &a, const PriceState &b) {
        return std::tie(a.marketType, a.selection) < std::tie(b.marketType, b.selection);
    });
    return out;
}

LiveState::Changes LiveState::takeChanges()
{
    Changes c;
    c.fixtures.reserve(std::size_t(m_changedFixtures.size()));
    for (const QString &key : std::as_const(m_changedFixtures)) {
        c.fixtures.push_back(m_fixtures.value(key));
    }
    c.prices.reserve(std::size_t(m_changedPrices.size()));
    for (const QString &key : std::as_const(m_changedPrices)) {
        c.prices.push_back(m_prices.value(key));
    }
    m_changedFixtures.clear();
    m_changedPrices.clear();
    return c;
}

} // namespace OddsTap

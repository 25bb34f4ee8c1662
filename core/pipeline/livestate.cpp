// SPDX-License-Identifier: MIT
#include "livestate.h"

#include <algorithm>
#include <tuple>

namespace OddsTap {

std::size_t LiveState::KeyHash::operator()(const FixtureKey &k) const
{
    return qHashMulti(0, k.sourceId, k.fixtureId);
}

void LiveState::apply(const EventBatch &batch)
{
    for (const Event &e : batch.events) {
        if (const FixtureData *f = e.fixture()) {
            FixtureEntry &entry = m_fixtures[FixtureKey { e.sourceId, f->fixtureId }];
            FixtureState &state = entry.state;
            if (state.seq != 0 && e.seq <= state.seq) {
                continue; // older than what we hold
            }
            if (state.seq == 0) {
                ++m_fixtureCount;
            }
            state.fixture = *f;
            state.sourceId = e.sourceId;
            state.seq = e.seq;
            state.updatedAtMs = e.receivedAtMs;
            state.lastEventAtMs = e.receivedAtMs;
            ++state.updates;
            ++state.events;
            if (!entry.dirty) {
                entry.dirty = true;
                m_changedFixtures.push_back(&entry);
            }
        } else if (const OddsData *o = e.odds()) {
            auto it = m_prices.find(PriceKeyRef { e.sourceId, o->fixtureId, o->marketType, o->selection });
            const bool inserted = it == m_prices.end();
            FixtureEntry *owner = nullptr;
            if (inserted) {
                owner = &m_fixtures[FixtureKey { e.sourceId, o->fixtureId }];
                if (owner->prices.size() >= kMaxPricesPerFixture) {
                    ++m_pricesLeftOut;
                    continue;
                }
                it = m_prices.try_emplace(PriceKey { e.sourceId, o->fixtureId, o->marketType, o->selection }).first;
            }
            PriceEntry &entry = it->second;
            PriceState &state = entry.state;
            if (inserted) {
                state.sourceId = e.sourceId;
                state.fixtureId = o->fixtureId;
                state.marketType = o->marketType;
                state.selection = o->selection;
                entry.fixture = owner;
                entry.fixture->prices.push_back(&state);
            } else if (e.seq <= state.seq) {
                continue;
            } else if (o->oddValue != state.price) {
                state.previousPrice = state.price;
            }
            if (inserted || o->oddValue != state.price || o->status != state.status) {
                state.changedAtMs = o->timestampMs;
            }
            state.price = o->oddValue;
            state.status = o->status;
            state.updatedAtMs = e.receivedAtMs;
            state.seq = e.seq;
            ++state.updates;
            if (!entry.dirty) {
                entry.dirty = true;
                m_changedPrices.push_back(&entry);
            }
            FixtureEntry &fixture = *entry.fixture;
            fixture.state.lastEventAtMs = std::max(fixture.state.lastEventAtMs, e.receivedAtMs);
            ++fixture.state.events;
            if (!fixture.dirty) {
                fixture.dirty = true;
                m_changedFixtures.push_back(&fixture);
            }
        }
    }
}

const FixtureState *LiveState::fixture(const QString &sourceId, const QString &fixtureId) const
{
    const auto it = m_fixtures.find(FixtureKey { sourceId, fixtureId });
    // An entry created by a price before its fixture arrived holds no fixture yet.
    return it == m_fixtures.end() || it->second.state.seq == 0 ? nullptr : &it->second.state;
}

const PriceState *LiveState::price(
    const QString &sourceId, const QString &fixtureId, const QString &marketType, const QString &selection) const
{
    const auto it = m_prices.find(PriceKeyRef { sourceId, fixtureId, marketType, selection });
    return it == m_prices.end() ? nullptr : &it->second.state;
}

std::vector<PriceState> LiveState::prices(const QString &sourceId, const QString &fixtureId) const
{
    std::vector<PriceState> out;
    const auto it = m_fixtures.find(FixtureKey { sourceId, fixtureId });
    if (it == m_fixtures.end()) {
        return out;
    }
    out.reserve(it->second.prices.size());
    for (const PriceState *p : it->second.prices) {
        out.push_back(*p);
    }
    std::sort(out.begin(), out.end(), [](const PriceState &a, const PriceState &b) {
        return std::tie(a.marketType, a.selection) < std::tie(b.marketType, b.selection);
    });
    return out;
}

std::vector<FixtureState> LiveState::fixtures() const
{
    std::vector<FixtureState> out;
    out.reserve(std::size_t(m_fixtureCount));
    for (const auto &[key, entry] : m_fixtures) {
        if (entry.state.seq != 0) {
            out.push_back(entry.state);
        }
    }
    return out;
}

std::vector<PriceState> LiveState::allPrices() const
{
    std::vector<PriceState> out;
    out.reserve(m_prices.size());
    for (const auto &[key, entry] : m_prices) {
        out.push_back(entry.state);
    }
    return out;
}

bool LiveState::clean(const FixtureEntry &entry) const
{
    return !entry.dirty && std::none_of(entry.prices.begin(), entry.prices.end(), [this](const PriceState *p) {
        const auto price = m_prices.find(PriceKeyRef { p->sourceId, p->fixtureId, p->marketType, p->selection });
        return price != m_prices.end() && price->second.dirty;
    });
}

std::pair<QString, QString> LiveState::forget(FixtureMap::iterator it)
{
    for (const PriceState *p : it->second.prices) {
        m_prices.erase(PriceKey { p->sourceId, p->fixtureId, p->marketType, p->selection });
    }
    if (it->second.state.seq != 0) {
        --m_fixtureCount;
    }
    std::pair<QString, QString> key { it->first.sourceId, it->first.fixtureId };
    m_fixtures.erase(it);
    return key;
}

std::vector<std::pair<QString, QString>> LiveState::pruneFinished(qint64 nowMs, qint64 keepMs, std::size_t maxFinished)
{
    // Finished fixtures that may go: out of the change lists (only after takeChanges() is nothing
    // dirty), newest first once sorted, so the cap keeps the most recently finished.
    std::vector<FixtureMap::iterator> finished;
    for (auto it = m_fixtures.begin(); it != m_fixtures.end(); ++it) {
        const FixtureState &s = it->second.state;
        const bool ended = s.fixture.status == FixtureStatus::Ended || s.fixture.status == FixtureStatus::Cancelled;
        if (ended && s.seq != 0 && clean(it->second)) {
            finished.push_back(it);
        }
    }
    std::sort(finished.begin(), finished.end(),
        [](const auto &a, const auto &b) { return a->second.state.updatedAtMs > b->second.state.updatedAtMs; });
    std::vector<std::pair<QString, QString>> removed;
    for (std::size_t i = 0; i < finished.size(); ++i) {
        const FixtureState &s = finished[i]->second.state;
        if (i < maxFinished && nowMs - s.updatedAtMs < keepMs) {
            continue;
        }
        removed.push_back(forget(finished[i]));
    }
    return removed;
}

std::vector<std::pair<QString, QString>> LiveState::pruneOldest(std::size_t maxFixtures, std::size_t maxPrices,
    const std::function<bool(const QString &sourceId, const QString &fixtureId)> &keep)
{
    std::vector<std::pair<QString, QString>> removed;
    if (m_fixtures.size() <= maxFixtures && m_prices.size() <= maxPrices) {
        return removed;
    }
    // Each count over its cap comes down to nine tenths of it; one that is not is left as it is.
    const std::size_t fixtureTarget = m_fixtures.size() > maxFixtures ? maxFixtures - maxFixtures / 10 : maxFixtures;
    const std::size_t priceTarget = m_prices.size() > maxPrices ? maxPrices - maxPrices / 10 : maxPrices;
    std::vector<FixtureMap::iterator> candidates;
    candidates.reserve(m_fixtures.size());
    for (auto it = m_fixtures.begin(); it != m_fixtures.end(); ++it) {
        if (clean(it->second) && !(keep && keep(it->first.sourceId, it->first.fixtureId))) {
            candidates.push_back(it);
        }
    }
    const auto inPlay = [](const FixtureState &s) {
        return s.seq != 0 && (s.fixture.status == FixtureStatus::Live || s.fixture.status == FixtureStatus::Suspended);
    };
    std::sort(candidates.begin(), candidates.end(), [&](const auto &a, const auto &b) {
        const FixtureState &x = a->second.state;
        const FixtureState &y = b->second.state;
        return std::make_tuple(inPlay(x), x.lastEventAtMs) < std::make_tuple(inPlay(y), y.lastEventAtMs);
    });
    for (const auto &candidate : candidates) {
        if (m_fixtures.size() <= fixtureTarget && m_prices.size() <= priceTarget) {
            break;
        }
        removed.push_back(forget(candidate));
    }
    return removed;
}

LiveState::Changes LiveState::takeChanges()
{
    Changes c;
    c.fixtures.reserve(m_changedFixtures.size());
    for (FixtureEntry *entry : m_changedFixtures) {
        entry->dirty = false;
        if (entry->state.seq != 0) { // prices came first: no fixture to show yet
            c.fixtures.push_back(entry->state);
        }
    }
    c.prices.reserve(m_changedPrices.size());
    for (PriceEntry *entry : m_changedPrices) {
        entry->dirty = false;
        c.prices.push_back(entry->state);
    }
    m_changedFixtures.clear();
    m_changedPrices.clear();
    return c;
}

} // namespace OddsTap

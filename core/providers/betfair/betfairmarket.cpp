// SPDX-License-Identifier: MIT
#include "betfairmarket.h"

#include <algorithm>

namespace OddsTap::Betfair {

bool Ladder::set(double price, double size, std::size_t maxPoints)
{
    const auto it = std::lower_bound(
        m_points.begin(), m_points.end(), price, [](const PriceSize &p, double v) { return p.price < v; });
    const bool found = it != m_points.end() && it->price == price;
    if (size <= 0) {
        if (found) {
            m_points.erase(it);
        }
    } else if (found) {
        it->size = size;
    } else if (m_points.size() < maxPoints) {
        m_points.insert(it, { price, size });
    } else {
        return false;
    }
    return true;
}

bool Ladder::apply(const std::vector<PriceSize> &changes, std::size_t maxPoints)
{
    bool all = true;
    for (const PriceSize &c : changes) {
        all &= set(c.price, c.size, maxPoints);
    }
    return all;
}

std::optional<PriceSize> Ladder::highest() const
{
    return m_points.empty() ? std::nullopt : std::optional<PriceSize>(m_points.back());
}

std::optional<PriceSize> Ladder::lowest() const
{
    return m_points.empty() ? std::nullopt : std::optional<PriceSize>(m_points.front());
}

double Ladder::total() const
{
    double t = 0;
    for (const PriceSize &p : m_points) {
        t += p.size;
    }
    return t;
}

void LevelLadder::apply(const std::vector<LevelPriceSize> &changes)
{
    for (const LevelPriceSize &c : changes) {
        const auto level = std::size_t(c.level); // the parser holds it to 0..maxLevel-1
        if (c.size <= 0) {
            if (level < m_levels.size()) {
                m_levels[level] = {};
            }
            continue;
        }
        if (level >= m_levels.size()) {
            m_levels.resize(level + 1);
        }
        m_levels[level] = { c.price, c.size };
    }
}

std::vector<LevelPriceSize> LevelLadder::levels() const
{
    std::vector<LevelPriceSize> out;
    for (std::size_t i = 0; i < m_levels.size(); ++i) {
        if (m_levels[i].size > 0) {
            out.push_back({ int(i), m_levels[i].price, m_levels[i].size });
        }
    }
    return out;
}

std::optional<PriceSize> RunnerState::bestBack() const
{
    const auto top = bestToBack.levels();
    if (!top.empty()) {
        return PriceSize { top.front().price, top.front().size };
    }
    return availableToBack.highest();
}

std::optional<PriceSize> RunnerState::bestLay() const
{
    const auto top = bestToLay.levels();
    if (!top.empty()) {
        return PriceSize { top.front().price, top.front().size };
    }
    return availableToLay.lowest();
}

QString RunnerState::displayName() const
{
    QString n = name.isEmpty() ? QString::number(id) : name;
    if (handicap != 0) {
        n += QStringLiteral(" %1%2").arg(handicap > 0 ? QStringLiteral("+") : QString()).arg(handicap);
    }
    return n;
}

RunnerState *MarketState::runner(qint64 runnerId, double handicap)
{
    for (RunnerState &r : runners) {
        if (r.id == runnerId && r.handicap == handicap) {
            return &r;
        }
    }
    return nullptr;
}

const RunnerState *MarketState::runner(qint64 runnerId, double handicap) const
{
    return const_cast<MarketState *>(this)->runner(runnerId, handicap);
}

MarketDelta MarketCache::apply(MarketChange &change, qint64 publishTimeMs)
{
    auto idx = m_index.constFind(change.id);
    if (idx == m_index.constEnd()) {
        std::size_t slot = m_markets.size();
        if (!m_free.empty()) {
            slot = m_free.back();
            m_free.pop_back();
        } else {
            m_markets.emplace_back();
        }
        m_markets[slot].id = change.id;
        idx = m_index.insert(change.id, slot);
    }
    MarketState &m = m_markets[*idx];
    MarketDelta delta;
    delta.market = &m;
    delta.marketIndex = *idx;
    delta.image = change.image;
    m.publishTimeMs = publishTimeMs;
    if (change.image) {
        // A full image: what was held is replaced, prices and all, and a runner neither it nor the
        // market's definition lists is gone.
        m.tradedTotal = 0;
        const std::optional<MarketDefinition> &def = change.definition ? change.definition : m.definition;
        const auto listed = [&change, &def](const RunnerState &r) {
            const auto same = [&r](qint64 id, double hc) { return id == r.id && hc == r.handicap; };
            return std::any_of(change.runners.begin(), change.runners.end(), [&](const RunnerChange &c) {
                return same(c.id, c.handicap);
            }) || (def && std::any_of(def->runners.begin(), def->runners.end(), [&](const RunnerDefinition &d) {
                return same(d.id, d.handicap);
            }));
        };
        if (m.definition && m.definition->status == QLatin1String("OPEN")) {
            for (const RunnerState &r : m.runners) {
                if (r.lastTraded && (r.status.isEmpty() || r.status == QLatin1String("ACTIVE"))) {
                    delta.pricedBeforeImage.push_back({ r.id, r.handicap, r.displayName(), *r.lastTraded });
                }
            }
        }
        std::erase_if(m.runners, [&](RunnerState &r) {
            if (listed(r)) {
                return false;
            }
            dropBooks(r);
            --m_runnersHeld;
            return true;
        });
        for (RunnerState &r : m.runners) {
            dropBooks(r);
            RunnerState fresh;
            fresh.id = r.id;
            fresh.handicap = r.handicap;
            fresh.status = std::move(r.status);
            fresh.adjustmentFactor = r.adjustmentFactor;
            fresh.removalDate = std::move(r.removalDate);
            fresh.name = std::move(r.name);
            fresh.sortPriority = r.sortPriority;
            fresh.bsp = r.bsp;
            r = std::move(fresh);
        }
    }
    if (change.tv) {
        m.tradedTotal = *change.tv;
    }
    constexpr std::size_t kNone = std::size_t(-1);
    const auto runnerAt = [&](qint64 id, double hc) -> std::size_t {
        for (std::size_t i = 0; i < m.runners.size(); ++i) {
            if (m.runners[i].id == id && m.runners[i].handicap == hc) {
                return i;
            }
        }
        if (m.runners.size() >= m_limits.maxRunners) {
            delta.refused =
                QStringLiteral("market %1 would hold more than %2 runners").arg(m.id).arg(m_limits.maxRunners);
            return kNone;
        }
        if (m_runnersHeld >= m_limits.maxRunnersHeld) {
            delta.refused = QStringLiteral("market %1 would take the stream past %2 runners held in all")
                                .arg(m.id)
                                .arg(m_limits.maxRunnersHeld);
            return kNone;
        }
        ++m_runnersHeld;
        m.runners.emplace_back();
        m.runners.back().id = id;
        m.runners.back().handicap = hc;
        return m.runners.size() - 1;
    };
    if (change.definition) {
        MarketDefinition &def = *change.definition;
        delta.definitionChanged = true;
        delta.statusChanged = !m.definition || m.definition->status != def.status || m.definition->inPlay != def.inPlay;
        for (const RunnerDefinition &rd : def.runners) {
            const std::size_t i = runnerAt(rd.id, rd.handicap);
            if (i == kNone) {
                continue;
            }
            RunnerState &r = m.runners[i];
            const QString status = rd.status.isEmpty() ? QStringLiteral("ACTIVE") : rd.status;
            if (r.status != status) {
                delta.statusChangedRunners.push_back(i);
            }
            r.status = status;
            r.adjustmentFactor = rd.adjustmentFactor;
            r.removalDate = rd.removalDate;
            if (!rd.name.isEmpty()) {
                r.name = rd.name;
            }
            r.sortPriority = rd.sortPriority;
            r.bsp = rd.bsp;
        }
        m.definition = std::move(def);
    }
    bool ladderOk = true;
    m_pricesRefused = false;
    for (const RunnerChange &rc : change.runners) {
        const std::size_t i = runnerAt(rc.id, rc.handicap);
        if (i == kNone) {
            continue;
        }
        delta.touched.push_back(i);
        RunnerState &r = m.runners[i];
        if (rc.ltp && r.lastTraded != rc.ltp) {
            r.lastTraded = rc.ltp;
            delta.ltpChanged.push_back(i);
        }
        if (rc.tv) {
            r.tradedTotal = *rc.tv;
        }
        if (rc.spn) {
            r.spNear = rc.spn;
        }
        if (rc.spf) {
            r.spFar = rc.spf;
        }
        if (rc.present & RunnerChange::Atb) {
            ladderOk &= applyLadder(r.availableToBack, rc.atb);
        }
        if (rc.present & RunnerChange::Atl) {
            ladderOk &= applyLadder(r.availableToLay, rc.atl);
        }
        if (rc.present & RunnerChange::Trd) {
            ladderOk &= applyLadder(r.traded, rc.trd);
        }
        if (rc.present & RunnerChange::Spb) {
            ladderOk &= applyLadder(r.spBack, rc.spb);
        }
        if (rc.present & RunnerChange::Spl) {
            ladderOk &= applyLadder(r.spLay, rc.spl);
        }
        if (rc.present & RunnerChange::Batb) {
            r.bestToBack.apply(rc.batb);
        }
        if (rc.present & RunnerChange::Batl) {
            r.bestToLay.apply(rc.batl);
        }
        if (rc.present & RunnerChange::Bdatb) {
            r.bestToBackVirtual.apply(rc.bdatb);
        }
        if (rc.present & RunnerChange::Bdatl) {
            r.bestToLayVirtual.apply(rc.bdatl);
        }
    }
    if (!ladderOk) {
        delta.refused = m_pricesRefused ? QStringLiteral("market %1 would take the stream past %2 prices held in all")
                                              .arg(m.id)
                                              .arg(m_limits.maxPricesHeld)
                                        : QStringLiteral("a ladder of market %1 would hold more than %2 prices")
                                              .arg(m.id)
                                              .arg(m_limits.maxLadderPoints);
    }
    return delta;
}

bool MarketCache::applyLadder(Ladder &ladder, const std::vector<PriceSize> &changes)
{
    const std::size_t before = ladder.points().size();
    const std::size_t room = m_limits.maxPricesHeld - std::min(m_pricesHeld, m_limits.maxPricesHeld);
    const std::size_t most = std::min(m_limits.maxLadderPoints, before + room);
    const bool all = ladder.apply(changes, most);
    m_pricesHeld = m_pricesHeld - before + ladder.points().size();
    if (!all && most < m_limits.maxLadderPoints) {
        m_pricesRefused = true;
    }
    return all;
}

void MarketCache::dropBooks(RunnerState &r)
{
    for (Ladder *l : { &r.availableToBack, &r.availableToLay, &r.traded, &r.spBack, &r.spLay }) {
        m_pricesHeld -= l->points().size();
        *l = Ladder {};
    }
    for (LevelLadder *l : { &r.bestToBack, &r.bestToLay, &r.bestToBackVirtual, &r.bestToLayVirtual }) {
        *l = LevelLadder {};
    }
}

void MarketCache::releaseBooks(std::size_t marketIndex)
{
    for (RunnerState &r : m_markets[marketIndex].runners) {
        dropBooks(r);
    }
}

std::size_t MarketCache::newMarketsOverTheCap(const std::vector<MarketChange> &changes) const
{
    if (size() + changes.size() <= m_limits.maxMarketsHeld) {
        return 0;
    }
    std::size_t added = 0; // an id twice in the line counts twice: the cap errs on the safe side
    for (const MarketChange &mc : changes) {
        added += m_index.contains(mc.id) ? 0 : 1;
    }
    return size() + added > m_limits.maxMarketsHeld ? added : 0;
}

void MarketCache::forget(std::size_t marketIndex)
{
    MarketState &m = m_markets[marketIndex];
    if (m.id.isEmpty()) {
        return;
    }
    m_index.remove(m.id);
    for (RunnerState &r : m.runners) {
        dropBooks(r);
    }
    m_runnersHeld -= m.runners.size();
    m = MarketState {};
    m_free.push_back(marketIndex);
}

const MarketState *MarketCache::market(const QString &id) const
{
    const auto it = m_index.constFind(id);
    return it == m_index.constEnd() ? nullptr : &m_markets[*it];
}

} // namespace OddsTap::Betfair

// SPDX-License-Identifier: MIT
// What the engine compares across sources: which fixtures are one match, and the arbitrage rule.
#include "alertengine.h"

#include <core/common/marketbook.h>

namespace OddsTap {

void AlertEngine::knowFixture(const QString &sourceId, const FixtureData &fixture)
{
    if (fixture.status == FixtureStatus::Ended || fixture.status == FixtureStatus::Cancelled) {
        return; // over: nothing left to compare or to fire
    }
    const auto source = m_sources.find(sourceId);
    if (source != m_sources.end()) {
        if (const auto held = source->second.fixtures.find(fixture.fixtureId); held != source->second.fixtures.end()) {
            // Its own events since are newer than what the caller knew: only the names it lacks.
            if (held->second.teams.isEmpty()) {
                held->second.teams = teamsOf(fixture);
            }
            return;
        }
    }
    m_known.insert(sourceId + QChar(0x1f) + fixture.fixtureId, fixture);
}

void AlertEngine::learn(Fixture &f, const FixtureData &d)
{
    f.sportId = d.sportId;
    f.status = d.status;
    f.score = d.score;
    f.teams = teamsOf(d);
}

QString AlertEngine::teamsOf(const FixtureData &d)
{
    // A race names one side only (Betfair: the event and the market's name).
    return d.home.isEmpty() && d.away.isEmpty() ? QString()
                                                : QString(d.home.toLower() + QLatin1Char('|') + d.away.toLower());
}

void AlertEngine::onArbitrage(Fixture &f, const Event &e, const OddsData &d, std::vector<Alert> &out)
{
    // One match: what the map says; else equal ids whose teams agree (independent feeds number
    // their fixtures alike without meaning the same game). Map keys and ids never meet.
    // A fixture whose names are not known yet (its fixture event came before a rules reload or a
    // restart) is no other source's: two feeds' "fx-33" are as likely two games as one, and an
    // arbitrage made of two games' prices is a loss.
    const QString match = m_fixtureMap.names(e.sourceId, d.fixtureId)
        ? QString(QStringLiteral("map:") + m_fixtureMap.key(e.sourceId, d.fixtureId))
        : f.teams.isEmpty() ? QString(QStringLiteral("source:") + e.sourceId + QChar(0x1f) + d.fixtureId)
                            : QString(QStringLiteral("id:") + d.fixtureId + QChar(0x1f) + f.teams);
    const QString key = match + QChar(0x1f) + d.marketType;
    f.compared.insert(key);
    ComparedState &c = m_compared[key];
    if (c.market.marketType.isEmpty()) {
        c.market.marketType = d.marketType;
    }
    c.market.update(d.selection, { e.sourceId, d.oddValue, d.status, e.receivedAtMs });
    if (m_updateGoesOn) {
        // Judged after the update's last price: between two of its prices the best prices are a
        // mix of the old and the new that no book ever showed. The book before stays the one
        // read before the update (assessMarket is not called until then).
        return;
    }
    const std::optional<double> overroundBefore = c.market.bestOverround;
    forEachRule(AlertKind::Arbitrage, f, [&](int i) {
        const AlertRule &r = m_rules[std::size_t(i)];
        if (!inScope(r, f, d.marketType, QString())) {
            return;
        }
        assessMarket(c.market, e.receivedAtMs, r.windowMs);
        if (!c.market.arbitrage() || c.market.marginPercent() < r.minPercent) {
            c.open.remove(i);
            return;
        }
        if (c.open.contains(i)) {
            return; // fired when it opened
        }
        c.open.insert(i);
        // Receipt time: the legs come from sources whose clocks disagree.
        const auto last = c.lastFired.constFind(i);
        if (last != c.lastFired.constEnd() && e.receivedAtMs - *last < r.cooldownMs) {
            ++m_suppressed;
            return;
        }
        c.lastFired.insert(i, e.receivedAtMs);
        out.push_back({ i, r.name, r.kind, f.sourceId, f.fixtureId, d.marketType, QString(), e.serverTsMs, e.seq,
            overroundBefore ? MarketBook::text(*overroundBefore * 100, 2) : QString(), arbitrageText(c.market),
            m_eventMonoNs, m_eventWallMs });
    });
}

} // namespace OddsTap

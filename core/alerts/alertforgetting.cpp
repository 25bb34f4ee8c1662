// SPDX-License-Identifier: MIT
// What the engine forgets, and when: its memory of fixtures stays bounded on an all-day feed.
#include "alertengine.h"

#include <core/models/roles.h>

#include <algorithm>

namespace OddsTap {

void AlertEngine::forget(Source &source, std::unordered_map<QString, Fixture, IdHash>::iterator it, Forgotten why)
{
    for (const QString &key : std::as_const(it->second.compared)) {
        if (why == Forgotten::Ended) {
            m_compared.remove(key); // the match is over: what late prices compared since goes with it
            continue;
        }
        // Silent in this source, maybe not in the others: only this source's quotes go.
        const auto c = m_compared.find(key);
        if (c == m_compared.end()) {
            continue;
        }
        bool quoted = false;
        for (ComparedSelection &s : c->market.selections) {
            std::erase_if(s.quotes, [&it](const SourceQuote &q) { return q.sourceId == it->second.sourceId; });
            s.best = -1; // assessed again with the next price
            quoted |= !s.quotes.empty();
        }
        c->market.bestOverround.reset();
        if (!quoted) {
            m_compared.erase(c);
        }
    }
    if (why != Forgotten::IdleRecentCleared) {
        std::replace(m_recentFixtures.begin(), m_recentFixtures.end(), &it->second, static_cast<Fixture *>(nullptr));
    }
    source.fixtures.erase(it);
}

void AlertEngine::forgetIdlest(Source &source)
{
    if (source.fixtures.size() <= kMaxFixtures) {
        return;
    }
    std::vector<std::pair<qint64, const QString *>> idle;
    idle.reserve(source.fixtures.size());
    for (const auto &[id, f] : source.fixtures) {
        if (!m_watchedFixtures.contains(fixtureKey(f.sourceId, f.fixtureId))) {
            idle.emplace_back(f.lastUpdateMs, &id);
        }
    }
    const std::size_t excess = source.fixtures.size() - kMaxFixtures * 9 / 10;
    const std::size_t count = std::min(excess, idle.size());
    const auto older = [](const auto &a, const auto &b) {
        return a.first != b.first ? a.first < b.first : *a.second < *b.second;
    };
    std::nth_element(idle.begin(), idle.begin() + qsizetype(count), idle.end(), older);
    std::vector<QString> ids;
    ids.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        ids.push_back(*idle[i].second);
    }
    m_recentFixtures.fill(nullptr); // thousands go: emptying the lookup table once costs less
    for (const QString &id : ids) {
        forget(source, source.fixtures.find(id), Forgotten::IdleRecentCleared);
    }
    m_idleForgotten += count;
}

void AlertEngine::forgetEnded(Source &source)
{
    while (!source.ended.empty() && source.ended.front().first <= source.clockMs) {
        const QString id = std::move(source.ended.front().second);
        source.ended.pop_front();
        const auto it = source.fixtures.find(id);
        if (it == source.fixtures.end() || !isOver(it->second)) {
            continue; // forgotten already, or it came back (a cancelled match restarted)
        }
        if (const qint64 due = it->second.lastUpdateMs + m_forgetAfterMs; due > source.clockMs) {
            source.ended.emplace_back(due, id); // late events: later
            continue;
        }
        forget(source, it, Forgotten::Ended);
    }
}

} // namespace OddsTap

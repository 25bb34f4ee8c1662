// SPDX-License-Identifier: MIT
#include "ladderbook.h"

namespace OddsTap {

void LadderBook::apply(const std::vector<PriceLadder> &ladders)
{
    for (const PriceLadder &l : ladders) {
        Entry &e = m_books[{ l.sourceId, l.fixtureId }][{ l.marketType, l.selection }];
        e.ladder = l;
        e.changed = true;
    }
}

std::vector<PriceLadder> LadderBook::ladders(const QString &sourceId, const QString &fixtureId) const
{
    std::vector<PriceLadder> out;
    const auto it = m_books.find({ sourceId, fixtureId });
    if (it != m_books.end()) {
        for (const auto &[key, entry] : it->second) {
            out.push_back(entry.ladder);
        }
    }
    return out;
}

std::vector<PriceLadder> LadderBook::takeChanged(const QString &sourceId, const QString &fixtureId)
{
    std::vector<PriceLadder> out;
    const auto it = m_books.find({ sourceId, fixtureId });
    if (it != m_books.end()) {
        for (auto &[key, entry] : it->second) {
            if (entry.changed) {
                entry.changed = false;
                out.push_back(entry.ladder);
            }
        }
    }
    return out;
}

void LadderBook::forget(const QString &sourceId, const QString &fixtureId)
{
    m_books.erase({ sourceId, fixtureId });
}

std::size_t LadderBook::size() const
{
    std::size_t n = 0;
    for (const auto &[fixture, selections] : m_books) {
        n += selections.size();
    }
    return n;
}

} // namespace OddsTap

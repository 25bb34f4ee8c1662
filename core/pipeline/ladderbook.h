// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/event.h>

#include <map>
#include <tuple>
#include <vector>

namespace OddsTap {

/// The latest order book of every selection that has one (exchange profiles), by source and
/// fixture, with what changed since it was last asked. Fixtures go when the live state forgets
/// them, so it holds no more than the live state does. Not thread-safe: lives in the session's
/// thread.
class LadderBook
{
public:
    void apply(const std::vector<PriceLadder> &ladders);
    /// Every book of one fixture, by market and selection.
    std::vector<PriceLadder> ladders(const QString &sourceId, const QString &fixtureId) const;
    /// The books of one fixture that changed since the last call for it (each once, at its latest).
    std::vector<PriceLadder> takeChanged(const QString &sourceId, const QString &fixtureId);
    void forget(const QString &sourceId, const QString &fixtureId);
    std::size_t size() const;

private:
    struct Entry
    {
        PriceLadder ladder;
        bool changed = false;
    };
    using Selection = std::pair<QString, QString>; ///< market type, selection
    using Fixture = std::pair<QString, QString>; ///< source id, fixture id
    std::map<Fixture, std::map<Selection, Entry>> m_books;
};

} // namespace OddsTap

// SPDX-License-Identifier: MIT
// What the live models say about a cell beyond its text, for the views, delegates and proxies in
// ui/ to act on: they read these roles, never header or cell text.
#pragma once

#include <core/session/sessionsnapshot.h>

#include <QString>

namespace OddsTap {

/// Roles shared by the live models.
enum LiveRole
{
    SortRole = Qt::UserRole + 1, ///< a value that sorts right (numbers, times)
    SeverityRole, ///< a Severity, as int: the error log's lines, and cells that are bad news
    StatusRole, ///< the wire spelling of a fixture's status (its Status column only)
    ChangeRole, ///< -1 price down, 0 unchanged, +1 up (the columns a move colours only)
    FlashRole, ///< true while a cell changed within the last second
    SuspendedRole, ///< true for suspended selections
    KeyRole, ///< a stable key of the row (fixtureKey() for fixtures)
    BestRole, ///< true for the best price of a selection across sources
    ArbitrageRole, ///< true for the rows of a market whose best prices lock a profit
    WatchedRole, ///< true for a fixture on the watch list
};

/// The one key of a fixture across sources, for hashes and KeyRole.
inline QString fixtureKey(const QString &sourceId, const QString &fixtureId)
{
    return sourceId + QChar(0x1f) + fixtureId;
}

} // namespace OddsTap

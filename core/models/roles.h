// SPDX-License-Identifier: MIT
// What the live models say about a cell beyond its text, for the views, delegates and proxies in
// ui/ to act on: they read these roles, never header or cell text.
#pragma once

#include <core/session/sessionsnapshot.h>

#include <QSet>
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
    WatchedRole, ///< true for a fixture (or, in the market view, a selection) on the watch list
    /// true for text whose end tells rows apart (source ids: "demo-1796…-book2"), cut in the middle
    ElideMiddleRole,
};

/// The one key of a fixture across sources, for hashes and KeyRole.
inline QString fixtureKey(const QString &sourceId, const QString &fixtureId)
{
    return sourceId + QChar(0x1f) + fixtureId;
}

/// One selection's key on the watch list, beside fixtures' keys (fixtureKey() and two more parts).
inline QString selectionKey(
    const QString &sourceId, const QString &fixtureId, const QString &marketType, const QString &selection)
{
    return fixtureKey(sourceId, fixtureId) + QChar(0x1f) + marketType + QChar(0x1f) + selection;
}

/// The fixtures a watch list touches: those pinned, and those with a pinned selection.
inline QSet<QString> watchedFixtures(const QSet<QString> &watchList)
{
    QSet<QString> out;
    for (const QString &key : watchList) {
        const qsizetype first = key.indexOf(QChar(0x1f));
        const qsizetype second = first < 0 ? -1 : key.indexOf(QChar(0x1f), first + 1);
        out.insert(second < 0 ? key : key.left(second));
    }
    return out;
}

} // namespace OddsTap

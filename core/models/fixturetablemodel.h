// SPDX-License-Identifier: MIT
#pragma once

#include <core/models/livetablemodel.h>
#include <core/session/sessionsnapshot.h>

#include <QHash>
#include <QSet>

#include <deque>
#include <vector>

namespace OddsTap {

/// Live fixtures of every source. Rows are appended as fixtures appear and never move (the view
/// sorts through a proxy), so a snapshot is one insert range plus one dataChanged range.
class FixtureTableModel : public LiveTableModel
{
    Q_OBJECT
public:
    enum Column
    {
        Sport,
        Tournament,
        Start,
        Home,
        Away,
        Status,
        Score,
        LastUpdate,
        UpdatesPerMin,
        Source,
        FixtureId,
        Watched, ///< "★" for a fixture on the watch list, "☆" for one with selections on it
        ColumnCount
    };
    explicit FixtureTableModel(QObject *parent = nullptr);

    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

    /// Applies a snapshot's changed fixtures; `nowMs` ages the "last update" column.
    void apply(const std::vector<FixtureState> &fixtures, qint64 nowMs);
    /// Removes the rows of fixtures the live state forgot, in as few ranges as they form.
    void remove(const std::vector<std::pair<QString, QString>> &fixtures);
    /// Forgets every row (a replay that starts over).
    void clear();
    const FixtureState *fixtureAt(int row) const;
    int rowOf(const QString &sourceId, const QString &fixtureId) const;
    static QString sportName(qint64 sportId);
    /// The watch list (fixtureKey()s and selectionKey()s): marked in the Watched column, and
    /// WatchedRole for a fixture pinned or with a pinned selection.
    void setWatched(QSet<QString> keys);
    const QSet<QString> &watched() const { return m_watched; }

private:
    std::size_t size() const override;
    struct Row
    {
        FixtureState state;
        std::deque<std::pair<qint64, quint64>> samples; ///< (time, events) for updates/min
    };
    double updatesPerMinute(const Row &row) const;

    std::vector<Row> m_rows;
    QHash<QString, int> m_index; ///< source + '\x1f' + fixture id -> row
    qint64 m_nowMs = 0;
    QSet<QString> m_watched;
    QSet<QString> m_watchedFixtures; ///< pinned, or with a pinned selection (WatchedRole)
};

} // namespace OddsTap

// SPDX-License-Identifier: MIT
// Item models of the live views. QtCore only: views, delegates and colours are in ui/, which maps
// the semantic roles (roles.h) to colours. All of them live in the GUI thread and take coalesced
// snapshots (about 10 Hz), never the raw stream: one insert range and one dataChanged range per
// snapshot at most.
#pragma once

#include <core/models/roles.h>

#include <QAbstractTableModel>

#include <algorithm>
#include <deque>
#include <span>

namespace OddsTap {

/// What every live table shares: a flat list of rows under a fixed set of titled columns. A model
/// names its columns in an enum ending in ColumnCount and gives their titles to this constructor.
class LiveTableModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    int rowCount(const QModelIndex &parent = {}) const final;
    int columnCount(const QModelIndex &parent = {}) const final;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const final;

protected:
    /// `headers`: a title per column, marked QT_TR_NOOP and translated in the subclass's context.
    LiveTableModel(std::span<const char *const> headers, QObject *parent);
    /// How many rows the model holds.
    virtual std::size_t size() const = 0;
    /// For assertions in data(): a cell of this model, not of a child or another model.
    bool validIndex(const QModelIndex &index) const;
    /// A tape (bets, alerts): @p count new items, oldest first, go on top of @p rows, newest at
    /// row 0, in one insert range; what passes @p capacity falls off the bottom in one remove
    /// range. @p make(i) builds the row of the i-th new item.
    template <typename Row, typename Make>
    void prependNewestFirst(std::deque<Row> &rows, std::size_t count, int capacity, Make make)
    {
        if (count == 0) {
            return;
        }
        const std::size_t take = std::min<std::size_t>(count, std::size_t(capacity));
        const int overflow = int(rows.size() + take) - capacity;
        if (overflow > 0) {
            beginRemoveRows({}, int(rows.size()) - overflow, int(rows.size()) - 1);
            rows.erase(rows.end() - overflow, rows.end());
            endRemoveRows();
        }
        beginInsertRows({}, 0, int(take) - 1);
        for (std::size_t i = count - take; i < count; ++i) {
            rows.push_front(make(i));
        }
        endInsertRows();
    }

private:
    std::span<const char *const> m_headers;
};

} // namespace OddsTap

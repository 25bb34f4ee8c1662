// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/marketbook.h>
#include <core/models/livetablemodel.h>
#include <core/models/roles.h>
#include <core/session/sessionsnapshot.h>

#include <QHash>
#include <QSet>

#include <deque>
#include <optional>
#include <vector>

namespace OddsTap {

/// Every market and selection of the watched fixture: price, previous, change, implied
/// probability and the market's overround. Rows are kept sorted by (market, selection).
class MarketModel : public LiveTableModel
{
    Q_OBJECT
public:
    enum Column
    {
        Market,
        Selection,
        Price,
        Previous,
        Change,
        Implied,
        Overround,
        Updated,
        ColumnCount
    };
    explicit MarketModel(QObject *parent = nullptr);

    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

    /// `reset`: `prices` is the whole fixture (a new watch); otherwise the ones that changed.
    void apply(const QString &fixtureId, bool reset, const std::vector<PriceState> &prices, qint64 nowMs);
    QString fixtureId() const { return m_fixtureId; }
    QStringList markets() const;
    /// The market's book in percent (106.7 for a 6.7 % margin; see MarketBook), none while the
    /// market is not whole (a selection suspended or not yet priced).
    std::optional<double> overround(const QString &market) const;
    /// The watch list (selectionKey()s count here): a watched selection is starred, WatchedRole.
    void setWatchList(QSet<QString> keys);
    /// The row's selection key (selectionKey()), for toggling it on the watch list.
    QString selectionKeyAt(int row) const
    {
        if (row < 0 || std::size_t(row) >= m_rows.size()) {
            return {};
        }
        const PriceState &p = m_rows[std::size_t(row)].state;
        return selectionKey(p.sourceId, p.fixtureId, p.marketType, p.selection);
    }

private:
    std::size_t size() const override;
    struct Row
    {
        PriceState state;
        qint64 flashUntilMs = 0;
    };
    QString m_fixtureId;
    std::vector<Row> m_rows;
    QHash<QString, double> m_overround; ///< the whole markets' books
    QHash<QString, BookMemory> m_bookMemory; ///< of this fixture's markets of types MarketBook does not know
    QSet<QString> m_watchList;
    bool watched(const PriceState &p) const;
    qint64 m_nowMs = 0;
    void recomputeOverround();
};

} // namespace OddsTap

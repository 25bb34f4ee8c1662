// SPDX-License-Identifier: MIT
#pragma once

#include <core/models/livetablemodel.h>

#include <optional>
#include <vector>

namespace OddsTap {

/// The exchange's price ladder (Betfair's 350 ticks from 1.01 to 1000): the tick steps 0.01 up
/// to 2, 0.02 to 3, 0.05 to 4, 0.1 to 6, 0.2 to 10, 0.5 to 20, 1 to 30, 2 to 50, 5 to 100, 10 to
/// 1000.
const std::vector<double> &tickLadder();
/// The index of the tick nearest to a price.
int tickIndex(double price);

/// Roles of the ladder beyond text.
enum LadderRole
{
    /// The traded volume at the row's price over the most traded price's, 0 to 1 (the bar).
    TradedFractionRole = KeyRole + 1,
    /// True on the last traded price's row.
    LastTradedRole,
    /// Which side a cell's money is on: -1 back, +1 lay, 0 none.
    SideRole,
};

/// One selection's order book on the tick ladder, highest price first (as traders read it): the
/// money available to back and to lay at each price, what has been matched there, and the last
/// traded price. A new book changes only the rows whose values differ, so the view does not
/// flicker. Lives in: the GUI thread.
class LadderModel : public LiveTableModel
{
    Q_OBJECT
public:
    enum Column
    {
        Traded,
        Back,
        Price,
        Lay,
        ColumnCount,
    };
    explicit LadderModel(QObject *parent = nullptr);

    void setLadder(const PriceLadder &ladder);
    void clear();
    const std::optional<PriceLadder> &ladder() const { return m_ladder; }
    /// The row of a price (the nearest tick).
    int rowOf(double price) const;
    /// The row a view centres on: between the best back and the best lay, else the last traded.
    std::optional<int> centreRow() const;

    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

protected:
    std::size_t size() const override;

private:
    struct Row
    {
        double back = 0;
        double lay = 0;
        double traded = 0;
    };
    std::vector<Row> m_rows; ///< by tick index, ascending price
    std::optional<PriceLadder> m_ladder;
    double m_maxTraded = 0;
    int m_lastTradedRow = -1;
};

} // namespace OddsTap

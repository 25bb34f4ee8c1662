// SPDX-License-Identifier: MIT
#pragma once

#include <core/models/livetablemodel.h>

#include <vector>

namespace OddsTap {

/// Every runner of one market of the watched fixture, from its order book: the best price to back
/// and to lay with the money there, the last traded price, what has been matched, and the weight
/// of money (the share of the money on the back side over the best three levels of each side).
/// Lives in: the GUI thread.
class MarketBookModel : public LiveTableModel
{
    Q_OBJECT
public:
    enum Column
    {
        Selection,
        BackSize,
        Back,
        Lay,
        LaySize,
        LastTraded,
        Matched,
        WeightOfMoney,
        ColumnCount,
    };
    explicit MarketBookModel(QObject *parent = nullptr);

    /// Adds or updates the runner of this book (a book of another market is ignored).
    void setMarket(const QString &marketType);
    const QString &market() const { return m_market; }
    void update(const PriceLadder &ladder);
    void clear();
    /// The book of a row, for the ladder beside the table.
    const PriceLadder &book(int row) const { return m_books[std::size_t(row)]; }
    int rowOf(const QString &selection) const;

    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

protected:
    std::size_t size() const override { return m_books.size(); }

private:
    QString m_market;
    std::vector<PriceLadder> m_books; ///< in the order the runners first appeared
};

/// The back side's share of the money over the best @p levels of each side, 0 to 100 (50 when
/// neither side has any).
double weightOfMoney(const PriceLadder &ladder, std::size_t levels = 3);

} // namespace OddsTap

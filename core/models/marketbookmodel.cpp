// SPDX-License-Identifier: MIT
#include "marketbookmodel.h"

namespace OddsTap {
namespace {

constexpr const char *kHeaders[] = {
    QT_TRANSLATE_NOOP("OddsTap::MarketBookModel", "Selection"),
    QT_TRANSLATE_NOOP("OddsTap::MarketBookModel", "Back £"),
    QT_TRANSLATE_NOOP("OddsTap::MarketBookModel", "Back"),
    QT_TRANSLATE_NOOP("OddsTap::MarketBookModel", "Lay"),
    QT_TRANSLATE_NOOP("OddsTap::MarketBookModel", "Lay £"),
    QT_TRANSLATE_NOOP("OddsTap::MarketBookModel", "LTP"),
    QT_TRANSLATE_NOOP("OddsTap::MarketBookModel", "Matched"),
    QT_TRANSLATE_NOOP("OddsTap::MarketBookModel", "WoM %"),
};
static_assert(std::size(kHeaders) == MarketBookModel::ColumnCount);

QString price(double p)
{
    return QString::number(p, 'f', p < 10 ? 2 : (p < 100 ? 1 : 0));
}

} // namespace

double weightOfMoney(const PriceLadder &ladder, std::size_t levels)
{
    double back = 0;
    double lay = 0;
    for (std::size_t i = 0; i < std::min(levels, ladder.back.size()); ++i) {
        back += ladder.back[i].size;
    }
    for (std::size_t i = 0; i < std::min(levels, ladder.lay.size()); ++i) {
        lay += ladder.lay[i].size;
    }
    return back + lay > 0 ? 100.0 * back / (back + lay) : 50.0;
}

MarketBookModel::MarketBookModel(QObject *parent)
    : LiveTableModel(kHeaders, parent)
{ }

void MarketBookModel::setMarket(const QString &marketType)
{
    if (marketType == m_market) {
        return;
    }
    beginResetModel();
    m_market = marketType;
    m_books.clear();
    endResetModel();
}

void MarketBookModel::clear()
{
    beginResetModel();
    m_books.clear();
    endResetModel();
}

int MarketBookModel::rowOf(const QString &selection) const
{
    for (std::size_t i = 0; i < m_books.size(); ++i) {
        if (m_books[i].selection == selection) {
            return int(i);
        }
    }
    return -1;
}

void MarketBookModel::update(const PriceLadder &ladder)
{
    if (ladder.marketType != m_market) {
        return;
    }
    const int row = rowOf(ladder.selection);
    if (row >= 0) {
        m_books[std::size_t(row)] = ladder;
        emit dataChanged(index(row, 0), index(row, ColumnCount - 1), { Qt::DisplayRole, SortRole });
        return;
    }
    const int at = int(m_books.size());
    beginInsertRows({}, at, at);
    m_books.push_back(ladder);
    endInsertRows();
}

QVariant MarketBookModel::data(const QModelIndex &index, int role) const
{
    Q_ASSERT(validIndex(index));
    const PriceLadder &b = m_books[std::size_t(index.row())];
    const LadderLevel *back = b.back.empty() ? nullptr : &b.back.front();
    const LadderLevel *lay = b.lay.empty() ? nullptr : &b.lay.front();
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case Selection:
            return b.selection;
        case BackSize:
            return back ? QString::number(back->size, 'f', back->size < 100 ? 2 : 0) : QString();
        case Back:
            return back ? price(back->price) : QString();
        case Lay:
            return lay ? price(lay->price) : QString();
        case LaySize:
            return lay ? QString::number(lay->size, 'f', lay->size < 100 ? 2 : 0) : QString();
        case LastTraded:
            return b.lastTraded ? price(*b.lastTraded) : QString();
        case Matched:
            return QString::number(b.tradedTotal, 'f', 0);
        case WeightOfMoney:
            return back || lay ? QString::number(weightOfMoney(b), 'f', 0) : QString();
        }
    } else if (role == Qt::TextAlignmentRole) {
        return int(
            index.column() == Selection ? (Qt::AlignLeft | Qt::AlignVCenter) : (Qt::AlignRight | Qt::AlignVCenter));
    } else if (role == SortRole) {
        switch (index.column()) {
        case Selection:
            return b.selection;
        case Back:
            return back ? back->price : 0.0;
        case Lay:
            return lay ? lay->price : 0.0;
        case LastTraded:
            return b.lastTraded.value_or(0.0);
        case Matched:
            return b.tradedTotal;
        case WeightOfMoney:
            return weightOfMoney(b);
        default:
            return {};
        }
    } else if (role == Qt::ToolTipRole && index.column() == WeightOfMoney) {
        return tr("Share of the money on the back side over the best three prices of each side");
    }
    return {};
}

} // namespace OddsTap

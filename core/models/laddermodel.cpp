// SPDX-License-Identifier: MIT
#include "laddermodel.h"

#include <algorithm>
#include <cmath>

namespace OddsTap {
namespace {

constexpr const char *kHeaders[] = {
    QT_TRANSLATE_NOOP("OddsTap::LadderModel", "Traded"),
    QT_TRANSLATE_NOOP("OddsTap::LadderModel", "Back"),
    QT_TRANSLATE_NOOP("OddsTap::LadderModel", "Price"),
    QT_TRANSLATE_NOOP("OddsTap::LadderModel", "Lay"),
};
static_assert(std::size(kHeaders) == LadderModel::ColumnCount);

QString money(double size)
{
    return size >= 1000 ? QString::number(size, 'f', 0) : QString::number(size, 'f', 2);
}

} // namespace

const std::vector<double> &tickLadder()
{
    static const std::vector<double> ticks = [] {
        // Steps in hundredths, so that 2.02 is exactly what the exchange sends, not 2.0199999.
        const std::pair<int, int> bands[] = { { 200, 1 }, { 300, 2 }, { 400, 5 }, { 600, 10 }, { 1000, 20 },
            { 2000, 50 }, { 3000, 100 }, { 5000, 200 }, { 10000, 500 }, { 100000, 1000 } };
        std::vector<double> t;
        int cents = 101;
        for (const auto &[upTo, step] : bands) {
            for (; cents < upTo; cents += step) {
                t.push_back(cents / 100.0);
            }
        }
        t.push_back(1000.0);
        return t;
    }();
    return ticks;
}

int tickIndex(double price)
{
    const std::vector<double> &t = tickLadder();
    const auto it = std::lower_bound(t.begin(), t.end(), price);
    if (it == t.end()) {
        return int(t.size()) - 1;
    }
    if (it != t.begin() && price - *(it - 1) < *it - price) {
        return int(it - t.begin()) - 1;
    }
    return int(it - t.begin());
}

LadderModel::LadderModel(QObject *parent)
    : LiveTableModel(kHeaders, parent)
    , m_rows(tickLadder().size())
{ }

std::size_t LadderModel::size() const
{
    return m_rows.size();
}

int LadderModel::rowOf(double price) const
{
    return int(m_rows.size()) - 1 - tickIndex(price);
}

void LadderModel::clear()
{
    setLadder(PriceLadder {});
    m_ladder.reset();
}

void LadderModel::setLadder(const PriceLadder &ladder)
{
    std::vector<Row> next(m_rows.size());
    for (const LadderLevel &l : ladder.back) {
        next[std::size_t(tickIndex(l.price))].back += l.size;
    }
    for (const LadderLevel &l : ladder.lay) {
        next[std::size_t(tickIndex(l.price))].lay += l.size;
    }
    double maxTraded = 0;
    for (const LadderLevel &l : ladder.traded) {
        Row &r = next[std::size_t(tickIndex(l.price))];
        r.traded += l.size;
        maxTraded = std::max(maxTraded, r.traded);
    }
    const int lastTradedRow = ladder.lastTraded ? rowOf(*ladder.lastTraded) : -1;
    // One dataChanged over the rows that differ (a book moves near its best prices).
    int first = -1;
    int last = -1;
    const bool scaleChanged = maxTraded != m_maxTraded;
    for (std::size_t i = 0; i < next.size(); ++i) {
        const int row = int(next.size() - 1 - i);
        const Row &a = m_rows[i];
        const Row &b = next[i];
        const bool differs = a.back != b.back || a.lay != b.lay || a.traded != b.traded
            || (scaleChanged && (a.traded > 0 || b.traded > 0)) || row == lastTradedRow || row == m_lastTradedRow;
        if (differs) {
            first = first < 0 ? row : std::min(first, row);
            last = std::max(last, row);
        }
    }
    m_rows = std::move(next);
    m_maxTraded = maxTraded;
    m_lastTradedRow = lastTradedRow;
    m_ladder = ladder;
    if (first >= 0) {
        emit dataChanged(index(first, 0), index(last, ColumnCount - 1),
            { Qt::DisplayRole, TradedFractionRole, LastTradedRole, SideRole, Qt::ToolTipRole });
    }
}

std::optional<int> LadderModel::centreRow() const
{
    if (!m_ladder) {
        return std::nullopt;
    }
    if (!m_ladder->back.empty() && !m_ladder->lay.empty()) {
        return (rowOf(m_ladder->back.front().price) + rowOf(m_ladder->lay.front().price)) / 2;
    }
    if (m_ladder->lastTraded) {
        return rowOf(*m_ladder->lastTraded);
    }
    if (!m_ladder->back.empty()) {
        return rowOf(m_ladder->back.front().price);
    }
    if (!m_ladder->lay.empty()) {
        return rowOf(m_ladder->lay.front().price);
    }
    return std::nullopt;
}

QVariant LadderModel::data(const QModelIndex &index, int role) const
{
    Q_ASSERT(validIndex(index));
    const std::size_t tick = m_rows.size() - 1 - std::size_t(index.row());
    const Row &r = m_rows[tick];
    const double price = tickLadder()[tick];
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case Traded:
            return r.traded > 0 ? money(r.traded) : QString();
        case Back:
            return r.back > 0 ? money(r.back) : QString();
        case Price:
            return QString::number(price, 'f', price < 10 ? 2 : (price < 100 ? 1 : 0));
        case Lay:
            return r.lay > 0 ? money(r.lay) : QString();
        }
        break;
    case Qt::TextAlignmentRole:
        return int(index.column() == Price ? Qt::AlignCenter : (Qt::AlignRight | Qt::AlignVCenter));
    case TradedFractionRole:
        return index.column() == Traded && m_maxTraded > 0 ? r.traded / m_maxTraded : 0.0;
    case LastTradedRole:
        return index.row() == m_lastTradedRow;
    case SideRole:
        if (index.column() == Back && r.back > 0) {
            return -1;
        }
        if (index.column() == Lay && r.lay > 0) {
            return 1;
        }
        return 0;
    case SortRole:
        return price;
    case Qt::ToolTipRole:
        return tr("%1: %2 available to back, %3 to lay, %4 matched")
            .arg(price)
            .arg(money(r.back), money(r.lay), money(r.traded));
    }
    return {};
}

} // namespace OddsTap

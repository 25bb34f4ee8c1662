// SPDX-License-Identifier: MIT
#include "bettapemodel.h"

#include <core/models/cellformat.h>

#include <QDateTime>
#include <QLocale>

#include <algorithm>
#include <tuple>

namespace OddsTap {
namespace {

constexpr const char *kHeaders[] = { QT_TR_NOOP("Time"), QT_TR_NOOP("User"), QT_TR_NOOP("Fixture"),
    QT_TR_NOOP("Market"), QT_TR_NOOP("Selection"), QT_TR_NOOP("Stake"), QT_TR_NOOP("Odds"),
    QT_TR_NOOP("Potential win") };
static_assert(std::size(kHeaders) == BetTapeModel::ColumnCount);

} // namespace

BetTapeModel::BetTapeModel(int capacity, QObject *parent)
    : LiveTableModel(kHeaders, parent)
    , m_capacity(std::max(1, capacity))
{ }

QVariant BetTapeModel::data(const QModelIndex &index, int role) const
{
    Q_ASSERT(validIndex(index));
    const Event &e = m_rows[std::size_t(index.row())];
    const BetData *b = e.bet();
    if (!b) {
        return {};
    }
    if (role == Qt::DisplayRole || role == SortRole) {
        const bool sort = role == SortRole;
        switch (index.column()) {
        case Time:
            return sort ? QVariant(b->timestampMs) : QVariant(CellFormat::timeOfDay(b->timestampMs));
        case User:
            return b->userId;
        case Fixture:
            return b->fixtureId;
        case Market:
            return b->marketType;
        case Selection:
            return b->selection;
        case Stake:
            return sort ? QVariant(b->stake) : QVariant(CellFormat::money(b->stake));
        case Odds:
            return sort ? QVariant(b->oddValue.value_or(0))
                        : QVariant(b->oddValue ? QString::number(*b->oddValue, 'f', 2) : QString());
        case PotentialWin:
            return sort ? QVariant(b->potentialWin) : QVariant(CellFormat::money(b->potentialWin));
        default:
            return {};
        }
    }
    if (role == Qt::TextAlignmentRole && index.column() >= Stake) {
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    }
    if (role == Qt::ToolTipRole) {
        return tr("bet %1 from %2, seq %3").arg(b->betId, e.sourceId).arg(e.seq);
    }
    return {};
}

void BetTapeModel::append(const std::vector<Event> &bets)
{
    prependNewestFirst(m_rows, bets.size(), m_capacity, [&bets](std::size_t i) { return bets[i]; });
}

const BetData *BetTapeModel::betAt(int row) const
{
    return row >= 0 && row < int(m_rows.size()) ? m_rows[std::size_t(row)].bet() : nullptr;
}

void BetTapeModel::clear()
{
    beginResetModel();
    m_rows.clear();
    endResetModel();
}

std::size_t BetTapeModel::size() const
{
    return m_rows.size();
}

} // namespace OddsTap

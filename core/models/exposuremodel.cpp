// SPDX-License-Identifier: MIT
#include "exposuremodel.h"

#include <core/models/cellformat.h>

#include <QDateTime>
#include <QLocale>

#include <algorithm>
#include <tuple>

namespace OddsTap {
namespace {

constexpr const char *kHeaders[] = { QT_TR_NOOP("Market"), QT_TR_NOOP("Selection"), QT_TR_NOOP("Bets"),
    QT_TR_NOOP("Stake"), QT_TR_NOOP("Payout if wins"), QT_TR_NOOP("Book P/L if wins") };
static_assert(std::size(kHeaders) == ExposureModel::ColumnCount);

} // namespace

ExposureModel::ExposureModel(QObject *parent)
    : LiveTableModel(kHeaders, parent)
{ }

double ExposureModel::marketStake(const QString &market) const
{
    double total = 0;
    for (const Row &r : m_rows) {
        if (r.market == market) {
            total += r.stake;
        }
    }
    return total;
}

QVariant ExposureModel::data(const QModelIndex &index, int role) const
{
    Q_ASSERT(validIndex(index));
    const Row &r = m_rows[std::size_t(index.row())];
    const double net = marketStake(r.market) - r.payout; // the book's result if this selection wins
    if (role == Qt::DisplayRole || role == SortRole) {
        const bool sort = role == SortRole;
        switch (index.column()) {
        case Market:
            return r.market;
        case Selection:
            return r.selection;
        case Bets:
            return sort ? QVariant(r.bets) : QVariant(QString::number(r.bets));
        case Stake:
            return sort ? QVariant(r.stake) : QVariant(CellFormat::money(r.stake));
        case Payout:
            return sort ? QVariant(r.payout) : QVariant(CellFormat::money(r.payout));
        case Net:
            return sort ? QVariant(net) : QVariant(CellFormat::money(net));
        default:
            return {};
        }
    }
    if (role == SeverityRole && index.column() == Net) {
        return int(net < 0 ? LogSeverity::Error : LogSeverity::Info);
    }
    if (role == Qt::TextAlignmentRole && index.column() >= Bets) {
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    }
    if (role == Qt::ToolTipRole && index.column() == Net) {
        return tr("What the book keeps (negative: pays out) if %1 wins: the market's stakes minus this "
                  "selection's potential wins")
            .arg(r.selection);
    }
    return {};
}

void ExposureModel::setFixture(const QString &sourceId, const QString &fixtureId)
{
    if (sourceId == m_sourceId && fixtureId == m_fixtureId) {
        return;
    }
    beginResetModel();
    m_sourceId = sourceId;
    m_fixtureId = fixtureId;
    m_rows.clear();
    endResetModel();
}

void ExposureModel::clear()
{
    beginResetModel();
    m_rows.clear();
    endResetModel();
}

void ExposureModel::add(const std::vector<Event> &bets)
{
    bool changed = false;
    std::vector<Row> added;
    for (const Event &e : bets) {
        const BetData *b = e.bet();
        if (!b || b->fixtureId != m_fixtureId || e.sourceId != m_sourceId) {
            continue;
        }
        auto it = std::find_if(m_rows.begin(), m_rows.end(),
            [&](const Row &r) { return r.market == b->marketType && r.selection == b->selection; });
        Row *row = nullptr;
        if (it != m_rows.end()) {
            row = &*it;
            changed = true;
        } else {
            auto a = std::find_if(added.begin(), added.end(),
                [&](const Row &r) { return r.market == b->marketType && r.selection == b->selection; });
            if (a == added.end()) {
                added.push_back({ b->marketType, b->selection, 0, 0, 0 });
                a = added.end() - 1;
            }
            row = &*a;
        }
        ++row->bets;
        row->stake += b->stake;
        row->payout += b->potentialWin;
    }
    if (changed && !m_rows.empty()) {
        emit dataChanged(
            index(0, 0), index(int(m_rows.size()) - 1, ColumnCount - 1), { Qt::DisplayRole, SortRole, SeverityRole });
    }
    if (!added.empty()) {
        beginInsertRows({}, int(m_rows.size()), int(m_rows.size() + added.size()) - 1);
        m_rows.insert(m_rows.end(), added.begin(), added.end());
        endInsertRows();
        // Net depends on the whole market's stake.
        emit dataChanged(
            index(0, Net), index(int(m_rows.size()) - 1, Net), { Qt::DisplayRole, SortRole, SeverityRole });
    }
}

std::size_t ExposureModel::size() const
{
    return m_rows.size();
}

} // namespace OddsTap

// SPDX-License-Identifier: MIT
#include "comparisonmodel.h"

#include <core/common/marketbook.h>
#include <core/models/roles.h>

namespace OddsTap {

ComparisonModel::ComparisonModel(QObject *parent)
    : QAbstractTableModel(parent)
{ }

int ComparisonModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int ComparisonModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : 2 + int(m_sources.size()) + TailCount;
}

int ComparisonModel::sourceColumn(const QString &sourceId) const
{
    const auto it = std::find(m_sources.begin(), m_sources.end(), sourceId);
    return it == m_sources.end() ? -1 : 2 + int(it - m_sources.begin());
}

QVariant ComparisonModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return {};
    }
    if (section == 0) {
        return tr("Market");
    }
    if (section == 1) {
        return tr("Selection");
    }
    if (section < 2 + int(m_sources.size())) {
        return m_sources[std::size_t(section - 2)];
    }
    switch (Tail(section - 2 - int(m_sources.size()))) {
    case Best:
        return tr("Best");
    case Average:
        return tr("Average");
    case Stake:
        return tr("Stake / 100");
    case TailCount:
        break;
    }
    return {};
}

const SourceQuote *ComparisonModel::quote(const Row &r, std::size_t source) const
{
    for (const SourceQuote &q : selectionOf(r).quotes) {
        if (q.sourceId == m_sources[source]) {
            return &q;
        }
    }
    return nullptr;
}

QString ComparisonModel::leftOutReason(const SourceQuote &q) const
{
    if (q.status != PriceStatus::Open) {
        return tr("suspended");
    }
    if (m_comparison->atMs - q.updatedAtMs > m_comparison->maxAgeMs) {
        return tr("stale");
    }
    return {};
}

QString ComparisonModel::quoteText(const SourceQuote &q) const
{
    const double age = double(std::max<qint64>(0, m_comparison->atMs - q.updatedAtMs)) / 1000.0;
    const QString reason = leftOutReason(q);
    const QString ageText = age < 60 ? QString::number(age, 'f', 1) + QStringLiteral("s")
                                     : QString::number(int(age / 60)) + QStringLiteral("min");
    return QString::number(q.price, 'f', 2) + QStringLiteral("  ") + (reason.isEmpty() ? ageText : reason);
}

QVariant ComparisonModel::data(const QModelIndex &index, int role) const
{
    Q_ASSERT(checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid));
    const Row &r = m_rows[std::size_t(index.row())];
    const ComparedMarket &market = marketOf(r);
    const ComparedSelection &s = selectionOf(r);
    const int column = index.column();
    const int sources = int(m_sources.size());
    const SourceQuote *q = column >= 2 && column < 2 + sources ? quote(r, std::size_t(column - 2)) : nullptr;
    const SourceQuote *best = s.bestQuote();
    if (role == ArbitrageRole) {
        return market.arbitrage();
    }
    if (role == BestRole) {
        return q && best && q == best;
    }
    if (role == SuspendedRole) {
        return q && !leftOutReason(*q).isEmpty();
    }
    if (role == Qt::TextAlignmentRole && column >= 2) {
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    }
    if (role == Qt::ToolTipRole) {
        if (q) {
            const QString reason = leftOutReason(*q);
            return reason.isEmpty() ? tr("%1's price, received %2 s ago")
                                          .arg(q->sourceId)
                                          .arg(double(m_comparison->atMs - q->updatedAtMs) / 1000.0, 0, 'f', 1)
                                    : tr("%1's price is %2: left out of the best (older than %3 s counts as stale)")
                                          .arg(q->sourceId, reason)
                                          .arg(double(m_comparison->maxAgeMs) / 1000.0);
        }
        if (column == 0 && market.bestOverround) {
            return tr("The overround of the best prices: %1").arg(MarketBook::text(*market.bestOverround * 100, 2));
        }
        if (column == tailColumn(Best) && best) {
            return tr("Best at %1").arg(best->sourceId);
        }
        if (column == tailColumn(Stake)) {
            return market.arbitrage()
                ? tr("Staking these amounts at the best prices returns %1 per 100 staked whichever selection wins")
                      .arg(100.0 + market.marginPercent(), 0, 'f', 2)
                : tr("No arbitrage: the best prices add up to an overround of 100 % or more");
        }
        return {};
    }
    if (role != Qt::DisplayRole && role != SortRole) {
        return {};
    }
    const bool sort = role == SortRole;
    if (column == 0) {
        if (sort || r.selection > 0) {
            return sort ? QVariant(market.marketType) : QVariant(QString());
        }
        // The market's first row carries what the whole market says: its best overround.
        return market.bestOverround
            ? tr("%1 · %2").arg(market.marketType, MarketBook::text(*market.bestOverround * 100))
            : market.marketType;
    }
    if (column == 1) {
        return s.selection;
    }
    if (column < 2 + sources) {
        if (!q) {
            return sort ? QVariant(0.0) : QVariant(QStringLiteral("–"));
        }
        return sort ? QVariant(q->price) : QVariant(quoteText(*q));
    }
    switch (Tail(column - 2 - sources)) {
    case Best:
        return best ? (sort ? QVariant(best->price) : QVariant(QString::number(best->price, 'f', 2))) : QVariant();
    case Average:
        return s.usable > 0 ? (sort ? QVariant(s.average) : QVariant(QString::number(s.average, 'f', 3))) : QVariant();
    case Stake:
        return market.arbitrage()
            ? (sort ? QVariant(s.stakeShare) : QVariant(QString::number(s.stakeShare * 100, 'f', 2)))
            : QVariant();
    case TailCount:
        break;
    }
    return {};
}

void ComparisonModel::apply(const std::optional<FixtureComparison> &comparison)
{
    std::vector<Row> rows;
    if (comparison) {
        for (std::size_t m = 0; m < comparison->markets.size(); ++m) {
            for (std::size_t s = 0; s < comparison->markets[m].selections.size(); ++s) {
                rows.push_back({ m, s });
            }
        }
    }
    const std::vector<QString> sources = comparison ? comparison->sources : std::vector<QString> {};
    const bool sameShape = sources == m_sources && rows.size() == m_rows.size();
    bool sameRows = sameShape;
    for (std::size_t i = 0; sameRows && i < rows.size(); ++i) {
        const ComparedMarket &a = comparison->markets[rows[i].market];
        const ComparedMarket &b = m_comparison->markets[m_rows[i].market];
        sameRows = a.marketType == b.marketType
            && a.selections[rows[i].selection].selection == b.selections[m_rows[i].selection].selection;
    }
    if (!sameRows) {
        beginResetModel();
        m_comparison = comparison;
        m_sources = sources;
        m_rows = std::move(rows);
        endResetModel();
        return;
    }
    m_comparison = comparison;
    if (!m_rows.empty()) {
        emit dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1));
    }
}

} // namespace OddsTap

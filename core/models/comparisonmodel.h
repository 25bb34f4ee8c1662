// SPDX-License-Identifier: MIT
#pragma once

#include <core/session/sessionsnapshot.h>

#include <QAbstractTableModel>

namespace OddsTap {

/// One fixture across sources: a row per selection, a column per source with its price and age,
/// then the best price, where it is, the average and, for an arbitrage, the stake per 100 on each
/// leg. Stale and suspended prices are shown but marked and left out of the best. The columns
/// follow the sources that carry the fixture (a reset when they change, a dataChanged otherwise).
class ComparisonModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    explicit ComparisonModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

    /// The snapshot's comparison (none: nothing watched, or nobody prices it).
    void apply(const std::optional<FixtureComparison> &comparison);
    const std::optional<FixtureComparison> &comparison() const { return m_comparison; }
    /// The column of a source, or -1.
    int sourceColumn(const QString &sourceId) const;
    /// Columns after the sources'.
    enum Tail
    {
        Best,
        Average,
        Stake,
        TailCount
    };
    int tailColumn(Tail t) const { return 2 + int(m_sources.size()) + int(t); }

private:
    struct Row
    {
        std::size_t market;
        std::size_t selection;
    };
    const ComparedMarket &marketOf(const Row &r) const { return m_comparison->markets[r.market]; }
    const ComparedSelection &selectionOf(const Row &r) const { return marketOf(r).selections[r.selection]; }
    const SourceQuote *quote(const Row &r, std::size_t source) const;
    QString quoteText(const SourceQuote &q) const;
    QString leftOutReason(const SourceQuote &q) const;

    std::optional<FixtureComparison> m_comparison;
    std::vector<QString> m_sources;
    std::vector<Row> m_rows;
};

} // namespace OddsTap

// SPDX-License-Identifier: MIT
#pragma once

#include <core/models/livetablemodel.h>
#include <core/session/sessionsnapshot.h>

#include <QHash>

#include <deque>
#include <vector>

namespace OddsTap {

/// Stake and liability per selection of one fixture, from the bets seen since it was selected.
class ExposureModel : public LiveTableModel
{
    Q_OBJECT
public:
    enum Column
    {
        Market,
        Selection,
        Bets,
        Stake,
        Payout,
        Net,
        ColumnCount
    };
    explicit ExposureModel(QObject *parent = nullptr);

    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

    void setFixture(const QString &sourceId, const QString &fixtureId);
    /// Forgets the bets counted so far (a replay that starts over), keeping the fixture.
    void clear();
    void add(const std::vector<Event> &bets);

private:
    std::size_t size() const override;
    struct Row
    {
        QString market;
        QString selection;
        quint64 bets = 0;
        double stake = 0;
        double payout = 0; ///< sum of potential wins: what the book pays if the selection wins
    };
    double marketStake(const QString &market) const;
    QString m_sourceId;
    QString m_fixtureId;
    std::vector<Row> m_rows;
};

} // namespace OddsTap

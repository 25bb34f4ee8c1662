// SPDX-License-Identifier: MIT
#pragma once

#include <core/models/livetablemodel.h>
#include <core/session/sessionsnapshot.h>

#include <QHash>

#include <deque>
#include <vector>

namespace OddsTap {

/// The bet tape: the newest bets, in a ring of fixed capacity (oldest rows fall off the top).
class BetTapeModel : public LiveTableModel
{
    Q_OBJECT
public:
    enum Column
    {
        Time,
        User,
        Fixture,
        Market,
        Selection,
        Stake,
        Odds,
        PotentialWin,
        ColumnCount
    };
    explicit BetTapeModel(int capacity = 2000, QObject *parent = nullptr);

    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

    void append(const std::vector<Event> &bets);
    void clear();
    const BetData *betAt(int row) const;

private:
    std::size_t size() const override;
    int m_capacity;
    std::deque<Event> m_rows;
};

} // namespace OddsTap

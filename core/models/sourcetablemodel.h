// SPDX-License-Identifier: MIT
#pragma once

#include <core/models/livetablemodel.h>
#include <core/session/sessionsnapshot.h>

#include <QHash>

#include <deque>
#include <vector>

namespace OddsTap {

/// Sources with their state and counters, from the metrics.
class SourceTableModel : public LiveTableModel
{
    Q_OBJECT
public:
    enum Column
    {
        Id,
        State,
        EventsPerSec,
        LastSeq,
        Gaps,
        Reconnects,
        Rejected,
        Problem, ///< why it last went down, until it is live again
        Url,
        ColumnCount
    };
    explicit SourceTableModel(QObject *parent = nullptr);

    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

    void apply(const std::vector<SourceStatus> &sources, qint64 nowMs);
    const SourceStatus *sourceAt(int row) const;
    /// "live", "backing off (retry in 3 s)", ... as the table shows it.
    static QString stateText(const SourceStatus &s, qint64 nowMs);

private:
    std::size_t size() const override;
    std::vector<SourceStatus> m_rows;
    qint64 m_nowMs = 0;
};

} // namespace OddsTap

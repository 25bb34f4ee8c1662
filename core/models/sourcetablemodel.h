// SPDX-License-Identifier: MIT
#pragma once

#include <core/models/livetablemodel.h>
#include <core/session/sessionsnapshot.h>

#include <QHash>
#include <QSet>

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
        Latency, ///< server time -> receipt, p50 / p99 over the last interval
        Clock, ///< the source's clock against ours, when it is off by more than a network takes
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

    /// A source the user keeps in the list that is off (disabled, or the demo switched off): it is
    /// listed with this state while it does not run, also when the session never started it.
    struct OffSource
    {
        QString sourceId;
        QString url;
        QString state;
    };

    void apply(const std::vector<SourceStatus> &sources, qint64 nowMs);
    /// The sources that are off, and those removed from the list (no longer shown, though the
    /// session keeps their counts).
    void setListing(std::vector<OffSource> off, QSet<QString> removed);
    const SourceStatus *sourceAt(int row) const;
    /// "live", "backing off (retry in 3 s)", ... as the table shows it.
    static QString stateText(const SourceStatus &s, qint64 nowMs);

private:
    std::size_t size() const override;
    void rebuild();
    /// stateText(), or the state a source that is off is listed with.
    QString shownState(const SourceStatus &s) const;

    std::vector<SourceStatus> m_session; ///< as the latest snapshot has them
    std::vector<OffSource> m_off;
    QSet<QString> m_removed;
    std::vector<SourceStatus> m_rows; ///< what the table shows
    qint64 m_nowMs = 0;
};

} // namespace OddsTap

// SPDX-License-Identifier: MIT
#pragma once

#include <core/models/livetablemodel.h>
#include <core/session/sessionsnapshot.h>

#include <QHash>

#include <deque>
#include <vector>

namespace OddsTap {

/// The error log: rejects, connection events, gaps, storage and spool messages. Repeats (same
/// kind, source, code and message) are grouped into one row with a count and the latest time.
class ErrorLogModel : public LiveTableModel
{
    Q_OBJECT
public:
    enum Column
    {
        Time,
        Severity,
        Kind,
        Source,
        Seq,
        Code,
        Message,
        Count,
        ColumnCount
    };
    explicit ErrorLogModel(int capacity = 5000, QObject *parent = nullptr);

    /// What a row keeps of a reject's raw text. A frame may be 64 KiB and a hostile feed can send
    /// thousands of distinct ones; the rejects store holds each whole.
    static constexpr qsizetype kMaxRawBytes = 4096;

    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

    /// `dropped`: lines the session counted but did not send (over its per-snapshot cap).
    void append(const std::vector<LogEntry> &entries, quint64 dropped = 0);
    /// Forgets every row (a replay that starts over rebuilds the log up to its new position).
    void clear();
    const LogEntry *entryAt(int row) const;
    quint64 countAt(int row) const;
    /// Groups the model can still add to: at most one per row, however many distinct lines went by.
    int groupsTracked() const { return int(m_keyToSerial.size()); }
    /// Every visible row as tab-separated text (for the clipboard).
    static QString toText(const LogEntry &entry, quint64 count);
    /// A row's raw text as copied and exported: where it keeps only the start, it says so.
    static QString rawText(const LogEntry &entry);

private:
    std::size_t size() const override;
    struct Row
    {
        LogEntry entry; ///< the latest occurrence
        quint64 count = 1;
    };
    static QString groupKey(const LogEntry &e);
    int m_capacity;
    std::deque<Row> m_rows;
    QHash<QString, quint64> m_keyToSerial; ///< group key -> serial of its row
    quint64 m_firstSerial = 0; ///< serial of m_rows.front()
};

} // namespace OddsTap

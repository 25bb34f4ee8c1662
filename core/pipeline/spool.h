// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/event.h>
#include <core/common/result.h>
#include <core/common/stringcache.h>

#include <QString>

#include <algorithm>
#include <deque>
#include <memory>

class QFile;

namespace OddsTap {

/// On-disk overflow for batches the storage writer cannot keep in memory: append-only segment
/// files (`<n>.seg`), one record per batch as [magic][length][CRC-32][payload]. Batches come back
/// in the order they went in; a segment is deleted once every record in it is consumed. A record
/// that fails its checksum is skipped and reported, never silently. Not thread-safe: the storage
/// thread owns it.
class Spool
{
public:
    explicit Spool(QString directory, qint64 segmentBytes = 16 * 1024 * 1024);
    ~Spool();

    /// Creates the directory and picks up segments left by an earlier run.
    Result<void> open();
    Result<void> append(const EventBatch &batch);
    /// Reads the next batch, or nullopt when the spool is empty. The batch stays on disk until
    /// consume(): a crash in between reads it again (events are de-duplicated by seq downstream).
    Result<std::optional<EventBatch>> readNext();
    /// The first `count` batches read and not yet consumed are stored: forget them (deleting
    /// segments that are done). Batches read after them stay on disk until consumed in turn.
    void consume(quint64 count);

    bool empty() const
    {
        return m_records == 0;
    }
    /// True while a record is on disk that readNext() has not returned yet.
    bool hasUnread() const
    {
        return std::any_of(
            m_segments.begin(), m_segments.end(), [](const Segment &s) { return s.readOffset < s.size; });
    }
    quint64 records() const
    {
        return m_records;
    }
    qint64 bytesOnDisk() const
    {
        return m_bytes;
    }
    quint64 corruptRecords() const
    {
        return m_corrupt;
    }
    QString directory() const
    {
        return m_dir;
    }

private:
    struct Segment
    {
        quint64 number = 0;
        QString path;
        qint64 size = 0;
        qint64 readOffset = 0; ///< next record to read
        qint64 consumedOffset = 0; ///< everything before is stored
    };
    Result<void> openWriter();
    Result<void> scan(Segment &segment, quint64 &records);

    QString m_dir;
    qint64 m_segmentBytes;
    std::deque<Segment> m_segments;
    std::unique_ptr<QFile> m_writer;
    std::unique_ptr<QFile> m_reader; ///< kept open between reads of the same segment
    quint64 m_records = 0; ///< appended and not yet consumed
    std::deque<std::pair<quint64, qint64>> m_reads; ///< (segment number, end offset) of batches read
    qint64 m_bytes = 0;
    quint64 m_corrupt = 0;
    StringCache m_strings; ///< batches read back share their strings, as live ones do
};

} // namespace OddsTap

// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/event.h>
#include <core/common/result.h>
#include <core/common/stringcache.h>

#include <QString>

#include <deque>
#include <memory>
#include <optional>
#include <vector>

class QFile;

namespace OddsTap {

/// A spooled record that could not be read back (damaged on disk, or cut short). What it held is
/// known when this run appended it: the source and the seqs it carried.
struct LostSpoolRecord
{
    QString segmentPath;
    qint64 offset = 0;
    QString reason;
    /// Known for records appended by this run; empty for leftovers of an earlier run.
    QString sourceId;
    std::optional<quint64> prevSeq; ///< the source's last seq before the record's events
    std::optional<quint64> lastSeq; ///< the source's last seq after them
    quint64 events = 0;
};

/// On-disk overflow for batches the storage writer cannot keep in memory: append-only segment
/// files (`<n>.seg`), one record per batch as [magic][length][CRC-32][payload]. Batches come back
/// in the order they went in; a segment is deleted once every record in it is consumed.
///
/// Every append either lands whole or leaves the spool as it was: a write the disk refuses (full,
/// read-only) is cut back off the segment, and if even that fails the segment is sealed at its
/// last good record and the next append starts a new one. Reads go by an index of where each
/// record starts and how long it is (kept from the appends, or from the scan of an earlier run's
/// segments), never by a length read from the disk alone, so one damaged record cannot put the
/// reads out of step. A record that cannot be read is reported (takeLost()), never silently
/// skipped. Not thread-safe: the spool thread owns it.
class Spool
{
public:
    explicit Spool(QString directory, qint64 segmentBytes = 16 * 1024 * 1024);
    ~Spool();

    /// Creates the directory and picks up segments left by an earlier run.
    Result<void> open();
    /// At most @p maxBytes on disk and @p maxRecords held (0: no limit): an append past either is
    /// refused as a full disk is (the sources hold off, SpoolWorker), so that a database away for
    /// days neither fills the disk nor grows the index in memory (about 100 bytes per record).
    void setLimits(qint64 maxBytes, quint64 maxRecords)
    {
        m_maxBytes = maxBytes;
        m_maxRecords = maxRecords;
    }
    /// Appends one record; on failure the spool is exactly as before the call.
    Result<void> append(const EventBatch &batch);
    /// Reads the next batch, or nullopt when the spool is empty. The batch stays on disk until
    /// consume(): a crash in between reads it again (events are de-duplicated by seq downstream).
    /// Records that cannot be read are passed over and reported by takeLost().
    Result<std::optional<EventBatch>> readNext();
    /// The records readNext() passed over since the last call.
    std::vector<LostSpoolRecord> takeLost();
    /// The first `count` batches read and not yet consumed are stored: forget them (and the
    /// unreadable records before them), deleting segments that are done.
    void consume(quint64 count);

    bool empty() const { return m_index.empty(); }
    /// True while a record is on disk that readNext() has not returned (or reported) yet.
    bool hasUnread() const { return m_nextRead < m_index.size(); }
    /// Records appended (or picked up) and not yet consumed.
    quint64 records() const { return m_index.size(); }
    qint64 bytesOnDisk() const { return m_bytes; }
    quint64 corruptRecords() const { return m_corrupt; }
    QString directory() const { return m_dir; }

    /// Largest record a reader accepts: a length field beyond it is damage, not a record.
    static constexpr quint32 kMaxRecordBytes = 512 * 1024 * 1024;

private:
    struct Segment
    {
        quint64 number = 0;
        QString path;
        qint64 size = 0; ///< end of the last good record (a failed append's bytes are not in it)
    };
    struct Record
    {
        quint64 segment = 0;
        qint64 offset = 0;
        quint32 payloadBytes = 0;
        bool lost = false; ///< read and found unreadable
        // What it holds, when this run appended it.
        QString sourceId;
        std::optional<quint64> prevSeq;
        std::optional<quint64> lastSeq;
        quint64 events = 0;
    };
    Result<void> openWriter();
    Result<void> scan(Segment &segment);
    QString segmentPath(quint64 number) const;
    const Segment *findSegment(quint64 number) const;
    void loseRecord(Record &record, const QString &path, const QString &reason);
    void dropDoneSegments();

    QString m_dir;
    qint64 m_segmentBytes;
    std::deque<Segment> m_segments;
    std::deque<Record> m_index; ///< every record not yet consumed, in order
    std::size_t m_nextRead = 0; ///< index of the next record readNext() looks at
    std::unique_ptr<QFile> m_writer; ///< appends to m_segments.back() while open
    std::unique_ptr<QFile> m_reader; ///< kept open between reads of the same segment
    std::vector<LostSpoolRecord> m_lost;
    qint64 m_bytes = 0;
    qint64 m_maxBytes = 0;
    quint64 m_maxRecords = 0;
    quint64 m_corrupt = 0;
    StringCache m_strings; ///< batches read back share their strings, as live ones do
};

} // namespace OddsTap

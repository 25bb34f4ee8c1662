// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/event.h>
#include <core/common/result.h>
#include <core/feed/feeddecoder.h>

#include <QHash>
#include <QString>

#include <memory>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace OddsTap {

/// PRAGMA application_id of a capture file ('ODTC'): tells one from a database.
inline constexpr int kCaptureApplicationId = 0x4F445443;

/// Capture file format (docs/capture-format.md): an SQLite database with application_id 'ODTC'.
/// Format 1 keeps a frame per row of `frames`; format 2 (written now) keeps them in blocks of
/// `frame_blocks`, a copy per frame instead of an SQLite row. Both are read.
inline constexpr int kCaptureFormatVersion = 2;
/// Limits a reader holds a capture file to (its every field is untrusted).
inline constexpr qint64 kMaxCaptureSources = 65536;
inline constexpr int kMaxCaptureFrameBytes = 64 * 1024 * 1024;

struct CaptureSource
{
    QString sourceId;
    QString url; ///< redacted: no user info, query or fragment
};

/// Session metadata at the head of a capture.
struct CaptureHeader
{
    QString oddstapVersion;
    QString mode = QStringLiteral("record"); ///< record | ring | import
    QString notes;
    qint64 startedAtMs = 0;
    std::vector<CaptureSource> sources;
};

/// One record of a capture, in the order it was received: a frame or a connection event.
struct CaptureRecord
{
    enum class Kind : std::uint8_t
    {
        Frame,
        Connection,
    };
    Kind kind = Kind::Frame;
    qint64 ord = 0; ///< position in the capture, shared by frames and connection events
    QString sourceId;
    RawFrame frame; ///< Kind::Frame
    ConnectionEvent connection; ///< Kind::Connection (its atMs is the wall time, ms)
    qint64 wallNs() const { return kind == Kind::Frame ? frame.wallNs : connection.atMs * 1000000; }
};

/// Writes a capture. Frames are appended to a block in memory, written as one row of
/// `frame_blocks` when it holds 4 MiB and at each commit() (the recorder commits every 250 ms, so
/// a kill -9 loses at most that much: a rollback journal, synchronous=FULL). Recording costs a copy
/// per frame, not an SQLite row.
/// Lives in: one thread at a time; not thread-safe.
class CaptureWriter
{
public:
    /// Creates a new file; an existing file is an error (a capture is never overwritten), and so
    /// is a name refusedName() refuses.
    static Result<std::unique_ptr<CaptureWriter>> create(const QString &path, const CaptureHeader &header);
    /// Why a new capture cannot take @p path, or "": a file there already, a journal or WAL beside
    /// it (SQLite would delete it as the new file's own), or the name of another database's journal
    /// or WAL (recording into it would destroy that database).
    static QString refusedName(const QString &path);
    ~CaptureWriter();
    CaptureWriter(const CaptureWriter &) = delete;
    CaptureWriter &operator=(const CaptureWriter &) = delete;

    const QString &path() const { return m_path; }
    /// Adds a source seen after creation (no-op for a known id).
    void addSource(const CaptureSource &source);
    void addFrame(const QString &sourceId, const RawFrame &frame);
    void addConnectionEvent(const ConnectionEvent &event);
    /// Appends a batch's frames and connection events in their received order; with @p fromWallNs,
    /// only the frames received at or after it (and the connection events after the first of them).
    void addReceived(const ReceivedFrames &received, qint64 fromWallNs = 0);
    /// Writes what waits. A reader of the file that holds it (not OddsTap's, which reads a block at
    /// a time) can delay that: the transaction stays open and the next commit tries again, until
    /// kMaxUncommittedBytes wait, which is an error.
    Result<void> commit();
    /// Commits, stamps the end time and leaves a single self-contained file.
    Result<void> finish(qint64 endedAtMs);

    /// Frames added, committed or not.
    quint64 frames() const { return m_frames; }
    /// Frames the file holds: those of the last commit that succeeded.
    quint64 committedFrames() const { return m_committedFrames; }
    /// Written into the open transaction, not committed yet (held in memory: no cache spill).
    qint64 uncommittedBytes() const { return m_uncommittedBytes; }
    quint64 payloadBytes() const { return m_payloadBytes; }
    quint64 connectionEvents() const { return m_connectionEvents; }
    /// The first write error, if any (the recorder reports it once and stops recording).
    const QString &error() const { return m_error; }

private:
    CaptureWriter() = default;
    /// create() once the empty file is this writer's.
    static Result<std::unique_ptr<CaptureWriter>> createClaimed(const QString &path, const CaptureHeader &header);
    int sourceIndex(const QString &sourceId);
    void addFrame(int source, QByteArrayView payload, qint64 wallNs, qint64 monoNs, quint32 connection, bool binary);
    /// Writes the block in memory as one row.
    void flushBlock();
    bool exec(const char *sql);
    bool begin();
    void fail(const QString &what);

    /// How long a commit waits for a reader of the file (a block read takes milliseconds); a
    /// commit that could not wait longer is tried again at the next one.
    static constexpr int kBusyTimeoutMs = 100;
    static constexpr int kFinishBusyTimeoutMs = 10000;
    /// What may wait in an open transaction while another program holds the file.
    static constexpr qint64 kMaxUncommittedBytes = 256 * 1024 * 1024;

    QString m_path;
    sqlite3 *m_db = nullptr;
    sqlite3_stmt *m_insFrame = nullptr;
    sqlite3_stmt *m_insConn = nullptr;
    sqlite3_stmt *m_insSecond = nullptr;
    sqlite3_stmt *m_insSource = nullptr;
    sqlite3_stmt *m_insBlock = nullptr;
    std::vector<QString> m_sources; ///< index = row id - 1
    QHash<QString, int> m_sourceIndex; ///< source id -> row id
    QByteArray m_block; ///< frames since the last flushBlock(), encoded (captureformat.h), then spare room
    qsizetype m_blockBytes = 0; ///< of m_block, those frames
    qint64 m_blockFirstOrd = 0;
    qint64 m_blockLastOrd = 0;
    qint64 m_blockFirstWallNs = 0;
    qint64 m_blockLastWallNs = 0;
    qint64 m_blockFirstMonoNs = 0;
    qint64 m_blockLastMonoNs = 0;
    qint64 m_blockPayloadBytes = 0;
    int m_blockFrames = 0;
    bool m_inTransaction = false;
    qint64 m_uncommittedBytes = 0; ///< written into the open transaction
    qint64 m_busySinceNs = 0; ///< monotonic: the first commit another program's read held back
    qint64 m_ord = 0;
    qint64 m_lastSecond = -1;
    quint64 m_frames = 0;
    quint64 m_committedFrames = 0;
    quint64 m_payloadBytes = 0;
    quint64 m_connectionEvents = 0;
    QString m_error;
};

/// What a capture holds, read from its metadata and tables.
struct CaptureInfo
{
    QString path;
    int formatVersion = 0;
    CaptureHeader header;
    qint64 endedAtMs = 0; ///< 0: the recording did not finish cleanly (interrupted)
    quint64 frames = 0;
    quint64 connectionEvents = 0;
    quint64 payloadBytes = 0;
    qint64 firstWallNs = 0; ///< of the first frame
    qint64 lastWallNs = 0; ///< of the last frame
    /// The first and last record's receipt, frames and connection events alike: where a replay
    /// starts and ends (a capture's last records are often its disconnection and retries).
    qint64 firstRecordWallNs = 0;
    qint64 lastRecordWallNs = 0;
    qint64 firstMonoNs = 0;
    qint64 lastMonoNs = 0;
};

/// Anything a replay reads records from, in received order: a capture file, or a provider's own
/// recorded stream (a Betfair historical file; recordreader.h opens either). Lives in: one thread
/// at a time.
class RecordReader
{
public:
    virtual ~RecordReader() = default;
    virtual const CaptureInfo &info() const = 0;
    /// Positions the cursor at the first record received at or after @p wallNs (0: the start).
    virtual Result<void> seek(qint64 wallNs) = 0;
    /// The next record; false at the end or on an error (then error() says what).
    virtual bool next(CaptureRecord &out) = 0;
    virtual const QString &error() const = 0;
    /// How the frames are decoded: a capture holds reference frames, a Betfair file Betfair lines.
    virtual FeedProfile profile() const { return {}; }
};

/// Reads a capture in received order, optionally from a wall time on. Opens files that a killed
/// recorder left behind (the WAL is recovered). Lives in: one thread at a time.
class CaptureReader : public RecordReader
{
public:
    static Result<std::unique_ptr<CaptureReader>> open(const QString &path);
    ~CaptureReader() override;
    CaptureReader(const CaptureReader &) = delete;
    CaptureReader &operator=(const CaptureReader &) = delete;

    const CaptureInfo &info() const override { return m_info; }
    Result<void> seek(qint64 wallNs) override;
    bool next(CaptureRecord &out) override;
    const QString &error() const override { return m_error; }

private:
    CaptureReader() = default;
    bool stepFrame();
    /// The next frame of a format 2 file: from the current block, or the next one.
    bool stepBlockFrame();
    /// Checks a frame's fields and fills m_nextFrame; false (m_error set) when they break a rule.
    bool acceptFrame(qint64 ord, qint64 source, qint64 connection, qint64 wallNs, qint64 monoNs, bool binary,
        QByteArrayView payload);
    bool stepConn();
    bool sourceFor(qint64 id, QString &sourceId, QString &problem) const;

    sqlite3 *m_db = nullptr;
    sqlite3_stmt *m_frames = nullptr;
    sqlite3_stmt *m_blocks = nullptr; ///< format 2: its frames are in blocks
    sqlite3_stmt *m_conns = nullptr;
    QByteArray m_block; ///< the block being read
    struct BlockHead
    {
        qint64 firstOrd = 0;
        qint64 lastOrd = 0;
        qint64 frames = 0;
    } m_blockHead; ///< what its row says of it
    qsizetype m_blockAt = 0;
    qint64 m_blockLastOrd = 0;
    qint64 m_blockFramesRead = 0;
    qint64 m_fromOrd = 0;
    CaptureInfo m_info;
    std::vector<QString> m_sourceIds; ///< index = row id - 1
    bool m_haveFrame = false;
    bool m_haveConn = false;
    CaptureRecord m_nextFrame;
    CaptureRecord m_nextConn;
    QString m_error;
};

} // namespace OddsTap

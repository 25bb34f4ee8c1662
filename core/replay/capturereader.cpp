// SPDX-License-Identifier: MIT
#include "capturefile.h"

#include <core/replay/captureformat.h>

#include <QFile>
#include <QFileInfo>
#include <QScopeGuard>

#include <sqlite3.h>

#include <algorithm>
#include <limits>
#include <optional>

namespace OddsTap {

using namespace CaptureFormat;

namespace {

/// SQLite's limit on one value of a capture being read: a block is the largest.
constexpr int kMaxCaptureValueBytes = int(kMaxBlockBytes) + 4096;

quint32 bigEndian32(const char *p)
{
    const auto *u = reinterpret_cast<const unsigned char *>(p);
    return (quint32(u[0]) << 24) | (quint32(u[1]) << 16) | (quint32(u[2]) << 8) | quint32(u[3]);
}

/// Reads the SQLite header of `path` (the file is untrusted): whether it is a capture at all, and
/// whether it is cut short. Empty when it looks like a whole capture.
std::optional<Error> inspectCaptureHeader(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        return Error { QStringLiteral("io_error"),
            QStringLiteral("cannot read capture file '%1': %2").arg(path, f.errorString()) };
    }
    const qint64 size = f.size();
    const QByteArray header = f.read(100);
    if (size == 0) {
        return Error { QStringLiteral("damaged_capture"),
            QStringLiteral("capture file '%1' is empty (a recording that never started, or a copy cut to nothing): "
                           "there is nothing to read")
                .arg(path) };
    }
    if (header.size() < 100 || !header.startsWith(QByteArrayView("SQLite format 3\0", 16))) {
        return Error { QStringLiteral("bad_capture"),
            QStringLiteral("'%1' is not an OddsTap capture: it is not an SQLite file at all").arg(path) };
    }
    if (bigEndian32(header.constData() + 68) != quint32(kApplicationId)) {
        return Error { QStringLiteral("bad_capture"),
            QStringLiteral("'%1' is not an OddsTap capture: it is an SQLite database of another kind (an OddsTap "
                           "database? use 'stats' or 'export')")
                .arg(path) };
    }
    // The in-header page count is valid when "version-valid-for" matches the change counter.
    const quint32 rawPageSize = (quint32(quint8(header[16])) << 8) | quint32(quint8(header[17]));
    const qint64 pageSize = rawPageSize == 1 ? 65536 : qint64(rawPageSize);
    const quint32 pages = bigEndian32(header.constData() + 28);
    const bool countValid = bigEndian32(header.constData() + 92) == bigEndian32(header.constData() + 24);
    // A commit that a kill or a full disk cut short leaves a journal beside the file (a WAL, from
    // earlier versions): SQLite rolls it back or recovers it when it opens the file, and what it
    // cannot is found damaged after.
    const bool journalBeside =
        QFileInfo(path + QStringLiteral("-journal")).size() > 0 || QFileInfo(path + QStringLiteral("-wal")).size() > 0;
    if (pageSize >= 512 && countValid && pages > 0 && size < pageSize * qint64(pages) && !journalBeside) {
        return Error { QStringLiteral("damaged_capture"),
            QStringLiteral("'%1' is an OddsTap capture cut short: %2 of its %3 bytes are there (a copy that did not "
                           "finish, or a disk that filled)")
                .arg(path)
                .arg(size)
                .arg(pageSize * qint64(pages)) };
    }
    return std::nullopt;
}

/// A capture being recorded whose commit waits for another program that keeps it open for
/// reading: the recorder holds new readers off until that program lets go.
QString lockedMessage(const QString &path)
{
    return QStringLiteral("capture file '%1' is locked: it is being recorded, and another program keeps it open for "
                          "reading; close that program and try again")
        .arg(path);
}

/// How far a damaged capture reads: frames in order until the first error.
QString readableSoFar(sqlite3 *db)
{
    sqlite3_stmt *s = nullptr;
    if (!db || sqlite3_prepare_v2(db, "SELECT wall_ns FROM frames ORDER BY ord", -1, &s, nullptr) != SQLITE_OK) {
        sqlite3_finalize(s);
        return QStringLiteral("no frame can be read");
    }
    quint64 frames = 0;
    qint64 first = 0;
    qint64 last = 0;
    int rc = SQLITE_OK;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        last = sqlite3_column_int64(s, 0);
        first = frames == 0 ? last : first;
        ++frames;
    }
    sqlite3_finalize(s);
    s = nullptr;
    if (frames == 0 && rc == SQLITE_DONE
        && sqlite3_prepare_v2(
               db, "SELECT frames, first_wall_ns, last_wall_ns FROM frame_blocks ORDER BY first_ord", -1, &s, nullptr)
            == SQLITE_OK) {
        // Format 2: counted by block, from the blocks' own columns.
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            first = frames == 0 ? sqlite3_column_int64(s, 1) : first;
            last = sqlite3_column_int64(s, 2);
            frames += quint64(std::max<qint64>(0, sqlite3_column_int64(s, 0)));
        }
    }
    sqlite3_finalize(s);
    if (frames == 0) {
        return QStringLiteral("no frame can be read");
    }
    return QStringLiteral("%1 frames read back in order before the damage (%2 s of recording)%3")
        .arg(frames)
        .arg(double(std::max<qint64>(0, last - first)) / 1e9, 0, 'f', 1)
        .arg(rc == SQLITE_DONE ? QStringLiteral(", which is all of them") : QString());
}

} // namespace

Result<std::unique_ptr<CaptureReader>> CaptureReader::open(const QString &path)
{
    if (!QFileInfo::exists(path)) {
        return Error { QStringLiteral("not_found"), QStringLiteral("capture file '%1' does not exist").arg(path) };
    }
    if (auto problem = inspectCaptureHeader(path)) {
        if (problem->code != QLatin1String("damaged_capture")) {
            return *problem;
        }
        sqlite3 *db = nullptr;
        sqlite3_open_v2(QFileInfo(path).absoluteFilePath().toUtf8().constData(), &db, SQLITE_OPEN_READONLY, nullptr);
        problem->message += QStringLiteral("; ") + readableSoFar(db);
        sqlite3_close_v2(db);
        return *problem;
    }
    std::unique_ptr<CaptureReader> r(new CaptureReader);
    r->m_info.path = path;
    const QByteArray native = QFileInfo(path).absoluteFilePath().toUtf8();
    // Read-write when allowed, so that the journal of an interrupted recording is rolled back.
    if (sqlite3_open_v2(native.constData(), &r->m_db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
        sqlite3_close_v2(r->m_db);
        r->m_db = nullptr;
        if (sqlite3_open_v2(native.constData(), &r->m_db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
            return Error { QStringLiteral("io_error"),
                QStringLiteral("cannot open capture file '%1': %2").arg(path, sqliteError(r->m_db)) };
        }
    }
    sqlite3_busy_timeout(r->m_db, 5000);
    // No value of a capture comes near this (a block holds at most a few frames of 16 MiB); a
    // crafted one larger fails its query instead of taking the memory.
    sqlite3_limit(r->m_db, SQLITE_LIMIT_LENGTH, kMaxCaptureValueBytes);
    // The header says it is a capture (inspectCaptureHeader()): what fails from here is damage,
    // or a commit cut short that only write access can roll back.
    const auto fail = [&](const QString &why) {
        if (sqlite3_extended_errcode(r->m_db) == SQLITE_READONLY_ROLLBACK) {
            return Error { QStringLiteral("io_error"),
                QStringLiteral("capture file '%1' was left in the middle of a commit (its recorder was stopped; "
                               "'%1-journal' beside it holds what to undo), and it cannot be written here: copy both "
                               "files together where they can be written, and open the copy")
                    .arg(path) };
        }
        return Error { QStringLiteral("damaged_capture"),
            QStringLiteral("'%1' is an OddsTap capture, but it is damaged: %2; %3")
                .arg(path, why, readableSoFar(r->m_db)) };
    };
    sqlite3_stmt *s = nullptr;
    // A statement that could not be prepared or stepped: SQLite's reason, the statement released.
    const auto failQuery = [&] {
        if (sqlite3_errcode(r->m_db) == SQLITE_BUSY) {
            sqlite3_finalize(s);
            s = nullptr;
            return Error { QStringLiteral("busy"), lockedMessage(path) };
        }
        const QString why = sqliteError(r->m_db);
        sqlite3_finalize(s);
        s = nullptr;
        return fail(why);
    };
    if (sqlite3_prepare_v2(r->m_db, "PRAGMA application_id", -1, &s, nullptr) != SQLITE_OK) {
        return failQuery();
    }
    const int appIdStep = sqlite3_step(s);
    const int appId = appIdStep == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
    sqlite3_finalize(s);
    if (appIdStep == SQLITE_BUSY) {
        return Error { QStringLiteral("busy"), lockedMessage(path) };
    }
    if (appId != kApplicationId) {
        return fail(QStringLiteral("no capture signature (an OddsTap database? use 'stats' or 'export')"));
    }
    // The file's schema is untrusted too: a table replaced by a view runs whatever query the
    // view holds (an endless recursion, a value of gigabytes) in every reader.
    if (sqlite3_prepare_v2(r->m_db,
            "SELECT name, type FROM sqlite_master WHERE type <> 'table' AND name IN ('meta', 'sources', 'frames', "
            "'frame_blocks', 'connection_events')",
            -1, &s, nullptr)
        != SQLITE_OK) {
        return failQuery();
    }
    if (sqlite3_step(s) == SQLITE_ROW) {
        const QString what = QStringLiteral("its '%1' is a %2, not a table").arg(columnText(s, 0), columnText(s, 1));
        sqlite3_finalize(s);
        return fail(what);
    }
    sqlite3_finalize(s);
    if (sqlite3_prepare_v2(r->m_db, "SELECT key, value FROM meta", -1, &s, nullptr) != SQLITE_OK) {
        return failQuery();
    }
    int step = SQLITE_DONE;
    QString badVersion; ///< a format_version that is not a number, as the file has it
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        const QString key = columnText(s, 0);
        const QString value = columnText(s, 1);
        CaptureInfo &i = r->m_info;
        if (key == QLatin1String("format_version")) {
            bool ok = false;
            i.formatVersion = value.toInt(&ok);
            if (!ok) {
                badVersion = value.left(40);
            }
        } else if (key == QLatin1String("oddstap_version")) {
            i.header.oddstapVersion = value;
        } else if (key == QLatin1String("mode")) {
            i.header.mode = value;
        } else if (key == QLatin1String("notes")) {
            i.header.notes = value;
        } else if (key == QLatin1String("started_at")) {
            i.header.startedAtMs = value.toLongLong();
        } else if (key == QLatin1String("ended_at")) {
            i.endedAtMs = value.toLongLong();
        }
    }
    if (step != SQLITE_DONE) {
        return failQuery();
    }
    sqlite3_finalize(s);
    if (r->m_info.formatVersion > kCaptureFormatVersion) {
        return Error { QStringLiteral("newer_format"),
            QStringLiteral("capture file '%1' has format version %2; this OddsTap reads up to %3: upgrade OddsTap")
                .arg(path)
                .arg(r->m_info.formatVersion)
                .arg(kCaptureFormatVersion) };
    }
    if (!badVersion.isEmpty()) {
        for (QChar &c : badVersion) {
            c = c.isPrint() ? c : QLatin1Char('?');
        }
        return fail(QStringLiteral("its format version is '%1', not a number").arg(badVersion));
    }
    if (r->m_info.formatVersion < 1) {
        return fail(QStringLiteral("no format version"));
    }
    if (sqlite3_prepare_v2(r->m_db, "SELECT id, source_id, url FROM sources ORDER BY id", -1, &s, nullptr)
        != SQLITE_OK) {
        return failQuery();
    }
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        // Every field of the file is untrusted: ids index a table, so they are checked first.
        const qint64 id = sqlite3_column_int64(s, 0);
        const QString sourceId = columnText(s, 1);
        if (id < 1 || id > kMaxCaptureSources || sourceId.isEmpty()) {
            sqlite3_finalize(s);
            return fail(QStringLiteral("its sources table holds id %1 for '%2' (ids run from 1 to %3, each with a "
                                       "source id)")
                            .arg(id)
                            .arg(sourceId)
                            .arg(kMaxCaptureSources));
        }
        if (r->m_sourceIds.size() < std::size_t(id)) {
            r->m_sourceIds.resize(std::size_t(id));
        }
        r->m_sourceIds[std::size_t(id - 1)] = sourceId;
        r->m_info.header.sources.push_back({ sourceId, columnText(s, 2) });
    }
    if (step != SQLITE_DONE) {
        return failQuery();
    }
    sqlite3_finalize(s);
    // Format 2 keeps frames in blocks, format 1 a frame per row; a file holding both is damaged.
    qint64 blockFrames = 0;
    sqlite3_prepare_v2(
        r->m_db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'frame_blocks'", -1, &s, nullptr);
    const bool hasBlocks = sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int64(s, 0) > 0;
    sqlite3_finalize(s);
    // Records are read one query each by their key: a crafted table without that key would make
    // each query a scan of the whole table.
    for (const auto &[table, key] :
        { std::pair { "frame_blocks", "first_ord" }, std::pair { "connection_events", "ord" } }) {
        if (!hasBlocks && qstrcmp(table, "frame_blocks") == 0) {
            continue;
        }
        const QByteArray sql = QByteArrayLiteral("SELECT count(*) FROM pragma_table_info('") + table
            + QByteArrayLiteral("') WHERE name = '") + key + QByteArrayLiteral("' AND pk = 1");
        if (sqlite3_prepare_v2(r->m_db, sql.constData(), -1, &s, nullptr) != SQLITE_OK
            || sqlite3_step(s) != SQLITE_ROW) {
            return failQuery();
        }
        const bool keyed = sqlite3_column_int64(s, 0) == 1;
        sqlite3_finalize(s);
        s = nullptr;
        if (!keyed) {
            return fail(
                QStringLiteral("its %1 table is not keyed by %2").arg(QLatin1String(table), QLatin1String(key)));
        }
    }
    if (hasBlocks) {
        // total(): a crafted count cannot overflow the sum; the blocks' own frames are checked as they are read.
        if (sqlite3_prepare_v2(
                r->m_db, "SELECT count(*), total(frames), total(payload_bytes) FROM frame_blocks", -1, &s, nullptr)
                != SQLITE_OK
            || sqlite3_step(s) != SQLITE_ROW) {
            return failQuery();
        }
        if (sqlite3_column_int64(s, 0) > 0) {
            const auto clamp = [](double v) { return quint64(std::clamp(v, 0.0, 1e18)); };
            blockFrames = sqlite3_column_int64(s, 0);
            r->m_info.frames = clamp(sqlite3_column_double(s, 1));
            r->m_info.payloadBytes = clamp(sqlite3_column_double(s, 2));
        }
        sqlite3_finalize(s);
    }
    sqlite3_prepare_v2(
        r->m_db, "SELECT count(*), coalesce(sum(length(payload)), 0), min(ord), max(ord) FROM frames", -1, &s, nullptr);
    qint64 firstOrd = 0;
    qint64 lastOrd = 0;
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int64(s, 0) > 0) {
        if (blockFrames > 0) {
            sqlite3_finalize(s);
            return fail(QStringLiteral("it holds frames both in blocks (format 2) and as rows (format 1)"));
        }
        r->m_info.frames = quint64(sqlite3_column_int64(s, 0));
        r->m_info.payloadBytes = quint64(sqlite3_column_int64(s, 1));
        firstOrd = sqlite3_column_int64(s, 2);
        lastOrd = sqlite3_column_int64(s, 3);
    }
    sqlite3_finalize(s);
    if (blockFrames > 0) {
        sqlite3_prepare_v2(r->m_db,
            "SELECT first_wall_ns, first_mono_ns FROM frame_blocks WHERE first_ord = (SELECT min(first_ord) FROM "
            "frame_blocks) UNION ALL SELECT last_wall_ns, last_mono_ns FROM frame_blocks WHERE first_ord = (SELECT "
            "max(first_ord) FROM frame_blocks)",
            -1, &s, nullptr);
        for (const bool first : { true, false }) {
            if (sqlite3_step(s) == SQLITE_ROW) {
                (first ? r->m_info.firstWallNs : r->m_info.lastWallNs) = sqlite3_column_int64(s, 0);
                (first ? r->m_info.firstMonoNs : r->m_info.lastMonoNs) = sqlite3_column_int64(s, 1);
            }
        }
        sqlite3_finalize(s);
        // From the block that holds the ord sought (the last one starting at or before it): chosen
        // by first_ord, the key, as last_ord is only the block's own word. One block per query
        // (after ?2, the one read before): a recorder writing this file waits for no more than one
        // block's read to commit.
        if (sqlite3_prepare_v2(r->m_db,
                "SELECT first_ord, last_ord, frames, length(data), data FROM frame_blocks WHERE first_ord >= "
                "coalesce((SELECT max(first_ord) FROM frame_blocks WHERE first_ord <= ?1), ?1) AND first_ord > ?2 "
                "ORDER BY first_ord LIMIT 1",
                -1, &r->m_blocks, nullptr)
            != SQLITE_OK) {
            return fail(sqliteError(r->m_db));
        }
    } else {
        sqlite3_prepare_v2(r->m_db, "SELECT wall_ns, mono_ns FROM frames WHERE ord = ?", -1, &s, nullptr);
        for (const qint64 ord : { firstOrd, lastOrd }) {
            sqlite3_bind_int64(s, 1, ord);
            if (sqlite3_step(s) == SQLITE_ROW) {
                (ord == firstOrd ? r->m_info.firstWallNs : r->m_info.lastWallNs) = sqlite3_column_int64(s, 0);
                (ord == firstOrd ? r->m_info.firstMonoNs : r->m_info.lastMonoNs) = sqlite3_column_int64(s, 1);
            }
            sqlite3_reset(s);
        }
        sqlite3_finalize(s);
    }
    r->m_info.firstRecordWallNs = r->m_info.firstWallNs;
    r->m_info.lastRecordWallNs = r->m_info.lastWallNs;
    sqlite3_prepare_v2(r->m_db, "SELECT count(*), min(wall_ns), max(wall_ns) FROM connection_events", -1, &s, nullptr);
    if (sqlite3_step(s) == SQLITE_ROW) {
        r->m_info.connectionEvents = quint64(sqlite3_column_int64(s, 0));
        if (r->m_info.connectionEvents > 0) {
            const qint64 first = sqlite3_column_int64(s, 1);
            r->m_info.firstRecordWallNs = r->m_info.frames > 0 ? std::min(r->m_info.firstRecordWallNs, first) : first;
            r->m_info.lastRecordWallNs = std::max(r->m_info.lastRecordWallNs, sqlite3_column_int64(s, 2));
        }
    }
    sqlite3_finalize(s);
    if (sqlite3_prepare_v2(r->m_db,
            "SELECT ord, source, connection, wall_ns, mono_ns, binary, payload FROM frames WHERE ord >= ? ORDER BY ord",
            -1, &r->m_frames, nullptr)
            != SQLITE_OK
        || sqlite3_prepare_v2(r->m_db,
               "SELECT ord, source, connection, wall_ns, state, reason, delay_ms, last_seq FROM connection_events "
               "WHERE ord > ? ORDER BY ord LIMIT 1",
               -1, &r->m_conns, nullptr)
            != SQLITE_OK) {
        return fail(sqliteError(r->m_db));
    }
    if (auto sought = r->seek(0); !sought) {
        return sought.error();
    }
    return r;
}

CaptureReader::~CaptureReader()
{
    sqlite3_finalize(m_frames);
    sqlite3_finalize(m_blocks);
    sqlite3_finalize(m_conns);
    if (m_db) {
        sqlite3_close_v2(m_db);
    }
}

Result<void> CaptureReader::seek(qint64 wallNs)
{
    qint64 fromOrd = 0;
    if (wallNs > 0) {
        sqlite3_stmt *s = nullptr;
        sqlite3_prepare_v2(
            m_db, "SELECT first_ord FROM seek_index WHERE second <= ? ORDER BY second DESC LIMIT 1", -1, &s, nullptr);
        sqlite3_bind_int64(s, 1, wallNs / 1000000000);
        if (sqlite3_step(s) == SQLITE_ROW) {
            fromOrd = sqlite3_column_int64(s, 0);
        }
        sqlite3_finalize(s);
    }
    sqlite3_reset(m_frames);
    sqlite3_reset(m_conns);
    sqlite3_bind_int64(m_frames, 1, fromOrd);
    sqlite3_bind_int64(m_conns, 1, std::max(fromOrd, std::numeric_limits<qint64>::min() + 1) - 1);
    if (m_blocks) {
        sqlite3_reset(m_blocks);
        sqlite3_bind_int64(m_blocks, 1, fromOrd);
        sqlite3_bind_int64(m_blocks, 2, std::numeric_limits<qint64>::min());
        m_block.clear();
        m_blockAt = 0;
        m_blockLastOrd = 0;
        m_blockFramesRead = 0;
    }
    m_fromOrd = fromOrd;
    m_error.clear();
    m_haveConn = stepConn();
    m_haveFrame = stepFrame();
    // Within the second found, skip what came before the requested time.
    CaptureRecord skipped;
    while ((m_haveFrame || m_haveConn) && wallNs > 0) {
        const CaptureRecord &head =
            (m_haveFrame && (!m_haveConn || m_nextFrame.ord < m_nextConn.ord)) ? m_nextFrame : m_nextConn;
        if (head.wallNs() >= wallNs) {
            break;
        }
        next(skipped);
    }
    if (!m_error.isEmpty()) {
        return Error { QStringLiteral("io_error"), m_error };
    }
    return {};
}

bool CaptureReader::stepFrame()
{
    if (m_blocks) {
        return stepBlockFrame();
    }
    const int rc = sqlite3_step(m_frames);
    if (rc != SQLITE_ROW) {
        if (rc != SQLITE_DONE) {
            m_error = QStringLiteral("reading frames: ") + sqliteError(m_db);
        }
        return false;
    }
    const int bytes = sqlite3_column_bytes(m_frames, 6);
    if (bytes > kMaxCaptureFrameBytes) {
        m_error = QStringLiteral("frame %1 of '%2' is damaged: a %3-byte payload (at most %4)")
                      .arg(sqlite3_column_int64(m_frames, 0))
                      .arg(m_info.path)
                      .arg(bytes)
                      .arg(kMaxCaptureFrameBytes);
        return false;
    }
    return acceptFrame(sqlite3_column_int64(m_frames, 0), sqlite3_column_int64(m_frames, 1),
        sqlite3_column_int64(m_frames, 2), sqlite3_column_int64(m_frames, 3), sqlite3_column_int64(m_frames, 4),
        sqlite3_column_int(m_frames, 5) != 0,
        QByteArrayView(static_cast<const char *>(sqlite3_column_blob(m_frames, 6)), bytes));
}

bool CaptureReader::stepBlockFrame()
{
    const auto damaged = [this](const QString &why) {
        m_error = QStringLiteral("a frame block of '%1' is damaged: %2").arg(m_info.path, why);
        return false;
    };
    for (;;) {
        while (m_blockAt < m_block.size()) {
            BlockFrame f;
            if (const QString bad = takeBlockFrame(m_block, m_blockAt, m_blockLastOrd, f); !bad.isEmpty()) {
                return damaged(bad);
            }
            if (f.payload.size() > kMaxCaptureFrameBytes) {
                m_error = QStringLiteral("frame %1 of '%2' is damaged: a %3-byte payload (at most %4)")
                              .arg(f.ord)
                              .arg(m_info.path)
                              .arg(f.payload.size())
                              .arg(kMaxCaptureFrameBytes);
                return false;
            }
            if (m_blockFramesRead++ == 0 && f.ord != m_blockHead.firstOrd) {
                return damaged(
                    QStringLiteral("the block at ord %1 starts with frame %2").arg(m_blockHead.firstOrd).arg(f.ord));
            }
            if (f.ord >= m_fromOrd) {
                return acceptFrame(f.ord, f.source, f.connection, f.wallNs, f.monoNs, f.binary, f.payload);
            }
        }
        // A block read to its end holds what its row says, no more and no less.
        if (!m_block.isEmpty() && (m_blockFramesRead != m_blockHead.frames || m_blockLastOrd != m_blockHead.lastOrd)) {
            return damaged(QStringLiteral("the block at ord %1 says %2 frames up to ord %3, and holds %4 up to %5")
                               .arg(m_blockHead.firstOrd)
                               .arg(m_blockHead.frames)
                               .arg(m_blockHead.lastOrd)
                               .arg(m_blockFramesRead)
                               .arg(m_blockLastOrd));
        }
        const int rc = sqlite3_step(m_blocks);
        if (rc != SQLITE_ROW) {
            sqlite3_reset(m_blocks);
            if (rc == SQLITE_BUSY) {
                m_error = lockedMessage(m_info.path);
            } else if (rc != SQLITE_DONE) {
                m_error = QStringLiteral("reading frames: ") + sqliteError(m_db);
            } else if (!m_haveConn) {
                m_haveConn = stepConn(); // a file being recorded: events after its last frames
            }
            return false;
        }
        // Read in one query; reset (which ends the read) once its data is copied, below.
        const auto nextBlock = qScopeGuard([this] {
            sqlite3_reset(m_blocks);
            sqlite3_bind_int64(m_blocks, 2, m_blockHead.firstOrd);
        });
        m_blockHead = { sqlite3_column_int64(m_blocks, 0), sqlite3_column_int64(m_blocks, 1),
            sqlite3_column_int64(m_blocks, 2) };
        // Its size first (read from the row's header): the data is loaded only if it can be a block.
        const qint64 bytes = sqlite3_column_int64(m_blocks, 3);
        if (bytes <= 0 || bytes > kMaxBlockBytes) {
            return damaged(QStringLiteral("the block at ord %1 is %2 bytes (a block holds 1 to %3)")
                               .arg(m_blockHead.firstOrd)
                               .arg(bytes)
                               .arg(kMaxBlockBytes));
        }
        if (m_blockHead.firstOrd <= m_blockLastOrd) {
            return damaged(QStringLiteral("the block at ord %1 comes after frame %2")
                               .arg(m_blockHead.firstOrd)
                               .arg(m_blockLastOrd));
        }
        // Copied: the row's memory is SQLite's only until the next step.
        m_block =
            QByteArray(static_cast<const char *>(sqlite3_column_blob(m_blocks, 4)), sqlite3_column_bytes(m_blocks, 4));
        m_blockAt = 0;
        m_blockFramesRead = 0;
        if (!m_haveConn && m_error.isEmpty()) {
            // A file being recorded: connection events committed since the last were read come
            // with this block or before it.
            m_haveConn = stepConn();
        }
    }
}

bool CaptureReader::acceptFrame(
    qint64 ord, qint64 source, qint64 connection, qint64 wallNs, qint64 monoNs, bool binary, QByteArrayView payload)
{
    CaptureRecord &r = m_nextFrame;
    r.kind = CaptureRecord::Kind::Frame;
    r.ord = ord;
    QString problem;
    if (!sourceFor(source, r.sourceId, problem)) {
    } else if (connection < 0 || connection > qint64(std::numeric_limits<quint32>::max())) {
        problem = QStringLiteral("connection number %1").arg(connection);
    } else if (wallNs < 0 || monoNs < 0) {
        problem = QStringLiteral("a negative receive time");
    }
    if (!problem.isEmpty()) {
        m_error = QStringLiteral("frame %1 of '%2' is damaged: %3").arg(r.ord).arg(m_info.path, problem);
        return false;
    }
    r.frame.connection = quint32(connection);
    r.frame.wallNs = wallNs;
    r.frame.monoNs = monoNs;
    r.frame.binary = binary;
    r.frame.bytes = payload.toByteArray();
    return true;
}

bool CaptureReader::sourceFor(qint64 id, QString &sourceId, QString &problem) const
{
    if (id >= 1 && std::size_t(id) <= m_sourceIds.size() && !m_sourceIds[std::size_t(id - 1)].isEmpty()) {
        sourceId = m_sourceIds[std::size_t(id - 1)];
        return true;
    }
    problem = QStringLiteral("source id %1, which its sources table lacks").arg(id);
    return false;
}

bool CaptureReader::stepConn()
{
    // One event per query, as blocks are read (see open()).
    const int rc = sqlite3_step(m_conns);
    CaptureRecord &r = m_nextConn;
    r.ord = rc == SQLITE_ROW ? sqlite3_column_int64(m_conns, 0) : 0;
    const auto nextEvent = qScopeGuard([this, rc, &r] {
        sqlite3_reset(m_conns);
        if (rc == SQLITE_ROW) {
            sqlite3_bind_int64(m_conns, 1, r.ord);
        }
    });
    if (rc != SQLITE_ROW) {
        if (rc == SQLITE_BUSY) {
            m_error = lockedMessage(m_info.path);
        } else if (rc != SQLITE_DONE) {
            m_error = QStringLiteral("reading connection events: ") + sqliteError(m_db);
        }
        return false;
    }
    r.kind = CaptureRecord::Kind::Connection;
    const qint64 connection = sqlite3_column_int64(m_conns, 2);
    const qint64 wallNs = sqlite3_column_int64(m_conns, 3);
    const qint64 delayMs = sqlite3_column_int64(m_conns, 6);
    const qint64 lastSeq = sqlite3_column_int64(m_conns, 7);
    const QString state = columnText(m_conns, 4);
    QString problem;
    if (!sourceFor(sqlite3_column_int64(m_conns, 1), r.sourceId, problem)) {
    } else if (connection < 0 || connection > qint64(std::numeric_limits<quint32>::max())) {
        problem = QStringLiteral("connection number %1").arg(connection);
    } else if (wallNs < 0) {
        problem = QStringLiteral("a negative time");
    } else if (delayMs < 0 || delayMs > std::numeric_limits<int>::max()) {
        problem = QStringLiteral("a delay of %1 ms").arg(delayMs);
    } else if (lastSeq < 0) {
        problem = QStringLiteral("a negative seq");
    } else if (!sourceStateFromWire(state)) {
        problem = QStringLiteral("an unknown state '%1'").arg(state.left(40));
    }
    if (!problem.isEmpty()) {
        m_error = QStringLiteral("connection event %1 of '%2' is damaged: %3").arg(r.ord).arg(m_info.path, problem);
        return false;
    }
    ConnectionEvent &e = r.connection;
    e.sourceId = r.sourceId;
    e.connection = quint32(connection);
    e.atMs = wallNs / 1000000;
    e.state = *sourceStateFromWire(state); // checked above
    e.reason = columnText(m_conns, 5);
    e.delayMs = int(delayMs);
    e.lastSeq = quint64(lastSeq);
    return true;
}

bool CaptureReader::next(CaptureRecord &out)
{
    if (m_haveFrame && (!m_haveConn || m_nextFrame.ord < m_nextConn.ord)) {
        out = m_nextFrame;
        m_haveFrame = stepFrame();
        return true;
    }
    if (m_haveConn) {
        out = m_nextConn;
        m_haveConn = stepConn();
        return true;
    }
    return false;
}

} // namespace OddsTap

// SPDX-License-Identifier: MIT
#include "capturefile.h"

#include <core/common/paths.h>
#include <core/common/redact.h>
#include <core/common/timeutil.h>
#include <core/replay/captureformat.h>
#include <core/storage/directwritevfs.h>

#include <QFile>
#include <QFileInfo>
#include <QUrl>

#include <sqlite3.h>

#include <algorithm>
#include <cstring>

namespace OddsTap {

using namespace CaptureFormat;

Result<std::unique_ptr<CaptureWriter>> CaptureWriter::create(const QString &path, const CaptureHeader &header)
{
    if (path.isEmpty()) {
        return Error { QStringLiteral("usage"), QStringLiteral("no capture file name given") };
    }
    if (const QString refused = refusedName(path); !refused.isEmpty()) {
        return Error { QStringLiteral("exists"), refused };
    }
    if (const QString why = makeParentDirectory(path); !why.isEmpty()) {
        return Error { QStringLiteral("io_error"), QStringLiteral("%1, for capture file '%2'").arg(why, path) };
    }
    {
        // Made here, exclusively: of two recordings started on one name at once, one gets the
        // file and the other the same refusal as for a file there before.
        QFile claim(path);
        if (!claim.open(QIODevice::WriteOnly | QIODevice::NewOnly)) {
            if (QFileInfo::exists(path) || QFileInfo(path).isSymLink()) {
                return Error { QStringLiteral("exists"),
                    QStringLiteral("capture file '%1' exists already; a capture is never overwritten, choose "
                                   "another name")
                        .arg(path) };
            }
            return Error { QStringLiteral("io_error"),
                QStringLiteral("cannot create capture file '%1': %2").arg(path, claim.errorString()) };
        }
    }
    auto created = createClaimed(path, header);
    if (!created) {
        // The file is this recording's own (made above): nothing of it is worth keeping, and
        // leaving it would take the name.
        QFile::remove(path);
        QFile::remove(path + QStringLiteral("-journal"));
    }
    return created;
}

QString CaptureWriter::refusedName(const QString &path)
{
    const auto existsAlready = [&path] {
        return QStringLiteral("capture file '%1' exists already; a capture is never overwritten, choose another name")
            .arg(path);
    };
    if (QFileInfo::exists(path) || QFileInfo(path).isSymLink()) { // a link, even one to nothing
        return existsAlready();
    }
    for (const QLatin1String suffix : { QLatin1String("-journal"), QLatin1String("-wal"), QLatin1String("-shm") }) {
        // SQLite would take the one beside the new file for that file's own, and delete it; and
        // recording into a database's journal or WAL destroys the database.
        const QFileInfo beside(path + suffix);
        // An empty journal holds nothing to undo (a recording or import that stopped leaves one):
        // SQLite removing it loses nothing.
        const bool emptyJournal = suffix == QLatin1String("-journal") && beside.isFile() && beside.size() == 0;
        if ((beside.exists() || beside.isSymLink()) && !emptyJournal) {
            if (QFileInfo::exists(path)) {
                return existsAlready(); // another recording made both since the check above
            }
            return QStringLiteral("'%1' exists beside capture file '%2' and would be taken for its own %3 file and "
                                  "deleted; move it or choose another name")
                .arg(path + suffix, path, suffix.mid(1));
        }
        if (path.endsWith(suffix) && QFileInfo::exists(path.chopped(suffix.size()))) {
            return QStringLiteral("capture file '%1' is named as the %2 file of the database '%3', which recording "
                                  "into it would destroy; choose another name")
                .arg(path, suffix.mid(1), path.chopped(suffix.size()));
        }
    }
    return {};
}

Result<std::unique_ptr<CaptureWriter>> CaptureWriter::createClaimed(const QString &path, const CaptureHeader &header)
{
    std::unique_ptr<CaptureWriter> w(new CaptureWriter);
    w->m_path = path;
    const QByteArray native = QFileInfo(path).absoluteFilePath().toUtf8();
    // Pages go to the file with O_DIRECT where the file system takes it (directwritevfs.h): a
    // capture is written once and in order, and the page cache would only cost CPU.
    const char *vfs = installDirectWriteVfs() ? kDirectWriteVfs : nullptr;
    if (sqlite3_open_v2(native.constData(), &w->m_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs) != SQLITE_OK) {
        return Error { QStringLiteral("io_error"),
            QStringLiteral("cannot create capture file '%1': %2").arg(path, sqliteError(w->m_db)) };
    }
    const QByteArray pragmas = "PRAGMA application_id=" + QByteArray::number(kApplicationId)
        + ";PRAGMA user_version=" + QByteArray::number(kCaptureFormatVersion)
        + ";PRAGMA journal_mode=TRUNCATE;PRAGMA synchronous=FULL;PRAGMA cache_spill=OFF;PRAGMA page_size=16384;";
    // A rollback journal, not a WAL: a block's pages are new, so they are written once, into the
    // file, where a WAL writes them twice (and checksums them) for the checkpoint. Readers of a
    // file being recorded read a block at a time (CaptureReader), so a commit waits at most for
    // one block read; a reader that holds the file longer delays commits (commit()). No cache
    // spill: a spill in the middle of a transaction would lock readers out until its commit.
    sqlite3_busy_timeout(w->m_db, kBusyTimeoutMs);
    if (!w->exec("PRAGMA page_size=16384") || !w->exec(pragmas.constData()) || !w->exec("BEGIN") || !w->exec(kSchema)) {
        return Error { QStringLiteral("io_error"),
            QStringLiteral("cannot create capture file '%1': %2").arg(path, w->m_error) };
    }
    sqlite3_stmt *meta = nullptr;
    sqlite3_prepare_v2(w->m_db, "INSERT INTO meta(key, value) VALUES(?, ?)", -1, &meta, nullptr);
    const auto putMeta = [&](const char *key, const QString &value) {
        sqlite3_bind_text(meta, 1, key, -1, SQLITE_STATIC);
        bindQString(meta, 2, value);
        sqlite3_step(meta);
        sqlite3_reset(meta);
    };
    putMeta("format", QStringLiteral("oddstap-capture"));
    putMeta("format_version", QString::number(kCaptureFormatVersion));
    putMeta("oddstap_version", header.oddstapVersion);
    putMeta("mode", header.mode);
    putMeta("notes", header.notes);
    putMeta("started_at", QString::number(header.startedAtMs));
    sqlite3_finalize(meta);
    const char *insFrame = "INSERT INTO frames(ord, source, connection, wall_ns, mono_ns, binary, payload) "
                           "VALUES(?, ?, ?, ?, ?, ?, ?)";
    const char *insConn = "INSERT INTO connection_events(ord, source, connection, wall_ns, state, reason, delay_ms, "
                          "last_seq) VALUES(?, ?, ?, ?, ?, ?, ?, ?)";
    if (sqlite3_prepare_v2(w->m_db, insFrame, -1, &w->m_insFrame, nullptr) != SQLITE_OK
        || sqlite3_prepare_v2(w->m_db, insConn, -1, &w->m_insConn, nullptr) != SQLITE_OK
        || sqlite3_prepare_v2(w->m_db, "INSERT OR IGNORE INTO seek_index(second, first_ord) VALUES(?, ?)", -1,
               &w->m_insSecond, nullptr)
            != SQLITE_OK
        || sqlite3_prepare_v2(
               w->m_db, "INSERT INTO sources(id, source_id, url) VALUES(?, ?, ?)", -1, &w->m_insSource, nullptr)
            != SQLITE_OK
        || sqlite3_prepare_v2(w->m_db,
               "INSERT INTO frame_blocks(first_ord, last_ord, frames, payload_bytes, first_wall_ns, last_wall_ns, "
               "first_mono_ns, last_mono_ns, data) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)",
               -1, &w->m_insBlock, nullptr)
            != SQLITE_OK) {
        return Error { QStringLiteral("io_error"),
            QStringLiteral("cannot prepare capture file '%1': %2").arg(path, sqliteError(w->m_db)) };
    }
    w->m_inTransaction = true;
    for (const CaptureSource &s : header.sources) {
        w->addSource(s);
    }
    if (auto r = w->commit(); !r) {
        return r.error();
    }
    return w;
}

CaptureWriter::~CaptureWriter()
{
    if (m_db && m_error.isEmpty() && m_blockBytes > 0 && begin()) {
        flushBlock();
    }
    for (sqlite3_stmt *s : { m_insFrame, m_insConn, m_insSecond, m_insSource, m_insBlock }) {
        sqlite3_finalize(s);
    }
    if (m_db) {
        if (m_inTransaction) {
            sqlite3_busy_timeout(m_db, kBusyTimeoutMs);
            sqlite3_exec(m_db, "COMMIT", nullptr, nullptr, nullptr);
        }
        sqlite3_close_v2(m_db);
    }
}

bool CaptureWriter::exec(const char *sql)
{
    char *err = nullptr;
    if (sqlite3_exec(m_db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
        fail(err ? QString::fromUtf8(err) : sqliteError(m_db));
        sqlite3_free(err);
        return false;
    }
    return true;
}

void CaptureWriter::fail(const QString &what)
{
    if (m_error.isEmpty()) {
        m_error = what;
    }
}

bool CaptureWriter::begin()
{
    if (!m_inTransaction && m_error.isEmpty()) {
        m_inTransaction = exec("BEGIN");
    }
    return m_inTransaction;
}

void CaptureWriter::addSource(const CaptureSource &source)
{
    if (m_sourceIndex.contains(source.sourceId) || !begin()) {
        return;
    }
    if (qint64(m_sources.size()) >= kMaxCaptureSources) {
        fail(QStringLiteral("more than %1 sources in one capture (the most a capture holds)").arg(kMaxCaptureSources));
        return;
    }
    m_sources.push_back(source.sourceId);
    m_sourceIndex.insert(source.sourceId, int(m_sources.size()));
    sqlite3_bind_int64(m_insSource, 1, qint64(m_sources.size()));
    bindQString(m_insSource, 2, source.sourceId);
    // Redacted here too, whatever the caller did: an imported file's URL may carry a password,
    // a token or an app key, and a capture is a file that gets passed around.
    bindQString(m_insSource, 3, source.url.isEmpty() ? QString() : redactedUrl(source.url));
    if (sqlite3_step(m_insSource) != SQLITE_DONE) {
        fail(sqliteError(m_db));
    }
    sqlite3_reset(m_insSource);
}

int CaptureWriter::sourceIndex(const QString &sourceId)
{
    if (const auto it = m_sourceIndex.constFind(sourceId); it != m_sourceIndex.constEnd()) {
        return *it;
    }
    addSource({ sourceId, QString() });
    return m_sourceIndex.value(sourceId, 0); // 0 once failed: addFrame() does nothing then
}

void CaptureWriter::addFrame(const QString &sourceId, const RawFrame &frame)
{
    addFrame(sourceIndex(sourceId), frame.bytes, frame.wallNs, frame.monoNs, frame.connection, frame.binary);
}

void CaptureWriter::addFrame(
    int source, QByteArrayView payload, qint64 wallNs, qint64 monoNs, quint32 connection, bool binary)
{
    if (!begin()) {
        return;
    }
    const qint64 ord = ++m_ord;
    const qsizetype need = m_blockBytes + kBlockFrameHeader + payload.size();
    if (need > m_block.size()) {
        m_block.resize(std::max(need, kBlockBytes + kBlockBytes / 4));
    }
    char *p = m_block.data() + m_blockBytes;
    m_blockBytes = need;
    putLittleEndian<qint64>(p, ord);
    putLittleEndian<quint32>(p, quint32(source));
    putLittleEndian<quint32>(p, connection);
    putLittleEndian<qint64>(p, wallNs);
    putLittleEndian<qint64>(p, monoNs);
    *p++ = binary ? 1 : 0;
    putLittleEndian<quint32>(p, quint32(payload.size()));
    std::memcpy(p, payload.data(), std::size_t(payload.size()));
    if (m_blockFrames == 0) {
        m_blockFirstOrd = ord;
        m_blockFirstWallNs = wallNs;
        m_blockFirstMonoNs = monoNs;
        m_blockPayloadBytes = 0;
    }
    m_blockLastOrd = ord;
    m_blockLastWallNs = wallNs;
    m_blockLastMonoNs = monoNs;
    m_blockPayloadBytes += payload.size();
    ++m_blockFrames;
    ++m_frames;
    m_payloadBytes += quint64(payload.size());
    const qint64 second = wallNs / 1000000000;
    if (second != m_lastSecond) {
        m_lastSecond = second;
        sqlite3_bind_int64(m_insSecond, 1, second);
        sqlite3_bind_int64(m_insSecond, 2, ord);
        sqlite3_step(m_insSecond);
        sqlite3_reset(m_insSecond);
    }
    if (m_blockBytes >= kBlockBytes) {
        flushBlock();
    }
}

void CaptureWriter::flushBlock()
{
    if (m_blockFrames == 0) {
        return;
    }
    sqlite3_bind_int64(m_insBlock, 1, m_blockFirstOrd);
    sqlite3_bind_int64(m_insBlock, 2, m_blockLastOrd);
    sqlite3_bind_int(m_insBlock, 3, m_blockFrames);
    sqlite3_bind_int64(m_insBlock, 4, m_blockPayloadBytes);
    sqlite3_bind_int64(m_insBlock, 5, m_blockFirstWallNs);
    sqlite3_bind_int64(m_insBlock, 6, m_blockLastWallNs);
    sqlite3_bind_int64(m_insBlock, 7, m_blockFirstMonoNs);
    sqlite3_bind_int64(m_insBlock, 8, m_blockLastMonoNs);
    sqlite3_bind_blob(m_insBlock, 9, m_block.constData(), int(m_blockBytes), SQLITE_STATIC);
    m_uncommittedBytes += m_blockBytes;
    if (sqlite3_step(m_insBlock) != SQLITE_DONE) {
        fail(sqliteError(m_db));
    }
    sqlite3_reset(m_insBlock);
    m_blockBytes = 0; // the next block fills the same memory
    m_blockFrames = 0;
}

void CaptureWriter::addConnectionEvent(const ConnectionEvent &event)
{
    if (!begin()) {
        return;
    }
    sqlite3_bind_int64(m_insConn, 1, ++m_ord);
    sqlite3_bind_int64(m_insConn, 2, sourceIndex(event.sourceId));
    sqlite3_bind_int64(m_insConn, 3, event.connection);
    sqlite3_bind_int64(m_insConn, 4, event.atMs * 1000000);
    const auto state = toWire(event.state);
    sqlite3_bind_text(m_insConn, 5, state.data(), int(state.size()), SQLITE_STATIC);
    bindQString(m_insConn, 6, event.reason);
    sqlite3_bind_int64(m_insConn, 7, event.delayMs);
    sqlite3_bind_int64(m_insConn, 8, qint64(event.lastSeq));
    if (sqlite3_step(m_insConn) != SQLITE_DONE) {
        fail(sqliteError(m_db));
    }
    sqlite3_reset(m_insConn);
    ++m_connectionEvents;
}

void CaptureWriter::addReceived(const ReceivedFrames &received, qint64 fromWallNs)
{
    const int source = received.frames.empty() ? 0 : sourceIndex(received.sourceId);
    bool started = fromWallNs == 0;
    received.walk(
        [&](const ReceivedFrames::Frame &f) {
            started = started || f.wallNs >= fromWallNs;
            if (started) {
                addFrame(source, received.payload(f), f.wallNs, f.monoNs, f.connection, f.binary);
            }
        },
        [&](const ConnectionEvent &e) {
            if (started || (e.atMs + 1) * 1000000 > fromWallNs) { // its millisecond reaches into the cut
                addConnectionEvent(e);
            }
        });
}

Result<void> CaptureWriter::commit()
{
    if (m_inTransaction) {
        flushBlock();
        const int rc = sqlite3_exec(m_db, "COMMIT", nullptr, nullptr, nullptr);
        if (rc == SQLITE_OK) {
            m_inTransaction = false;
            m_committedFrames = m_frames;
            m_uncommittedBytes = 0;
            m_busySinceNs = 0;
        } else if (rc == SQLITE_BUSY && m_error.isEmpty()) {
            // Another program reads the file (a shell, a browser of SQLite files): the transaction
            // stays open and the next commit tries again, for as long as memory allows.
            const qint64 now = monotonicNs();
            m_busySinceNs = m_busySinceNs == 0 ? now : m_busySinceNs;
            if (m_uncommittedBytes > kMaxUncommittedBytes) {
                fail(QStringLiteral("another program has kept the file open for reading for %1 s, and %2 MiB wait to "
                                    "be written; close that program")
                         .arg((now - m_busySinceNs) / 1000000000)
                         .arg(m_uncommittedBytes / (1024 * 1024)));
            }
        } else {
            fail(sqliteError(m_db));
            m_inTransaction = sqlite3_get_autocommit(m_db) == 0; // SQLite rolls some failures back
        }
    }
    if (!m_error.isEmpty()) {
        return Error { QStringLiteral("io_error"), QStringLiteral("capture file '%1': %2").arg(m_path, m_error) };
    }
    return {};
}

Result<void> CaptureWriter::finish(qint64 endedAtMs)
{
    if (begin()) {
        flushBlock();
        const QByteArray sql =
            "INSERT OR REPLACE INTO meta(key, value) VALUES('ended_at', '" + QByteArray::number(endedAtMs) + "')";
        exec(sql.constData());
    }
    sqlite3_busy_timeout(m_db, kFinishBusyTimeoutMs); // the last commit: a reader is waited for, once
    const Result<void> last = commit();
    sqlite3_busy_timeout(m_db, kBusyTimeoutMs);
    if (!last) {
        return last;
    }
    if (m_inTransaction) {
        // Still held: what waits is given up, and said so (a later commit would contradict it).
        fail(QStringLiteral("another program kept the file open for reading: its last %1 MiB could not be written "
                            "(waited %2 s); close that program before stopping a recording")
                 .arg(m_uncommittedBytes / (1024 * 1024))
                 .arg(kFinishBusyTimeoutMs / 1000));
        sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
        m_inTransaction = false;
        return commit();
    }
    // One self-contained file that travels: no empty -journal beside it.
    exec("PRAGMA journal_mode=DELETE");
    return commit();
}

} // namespace OddsTap

// SPDX-License-Identifier: MIT
#include "capturefile.h"

#include <core/common/paths.h>

#include <QFile>
#include <QFileInfo>
#include <QtEndian>

#include <sqlite3.h>

#include <cstring>
#include <functional>
#include <limits>
#include <optional>

namespace OddsTap {
namespace {

constexpr int kApplicationId = 0x4F445443; // 'ODTC'

constexpr const char *kSchema = R"sql(
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE sources (id INTEGER PRIMARY KEY, source_id TEXT NOT NULL UNIQUE, url TEXT NOT NULL);
CREATE TABLE frames (
    ord        INTEGER PRIMARY KEY,
    source     INTEGER NOT NULL REFERENCES sources(id),
    connection INTEGER NOT NULL,
    wall_ns    INTEGER NOT NULL,
    mono_ns    INTEGER NOT NULL,
    binary     INTEGER NOT NULL,
    payload    BLOB NOT NULL
);
CREATE TABLE connection_events (
    ord        INTEGER PRIMARY KEY,
    source     INTEGER NOT NULL REFERENCES sources(id),
    connection INTEGER NOT NULL,
    wall_ns    INTEGER NOT NULL,
    state      TEXT NOT NULL,
    reason     TEXT NOT NULL,
    delay_ms   INTEGER NOT NULL,
    last_seq   INTEGER NOT NULL
);
CREATE TABLE seek_index (second INTEGER PRIMARY KEY, first_ord INTEGER NOT NULL);
CREATE TABLE frame_blocks (
    first_ord     INTEGER PRIMARY KEY,
    last_ord      INTEGER NOT NULL,
    frames        INTEGER NOT NULL,
    payload_bytes INTEGER NOT NULL,
    first_wall_ns INTEGER NOT NULL,
    last_wall_ns  INTEGER NOT NULL,
    first_mono_ns INTEGER NOT NULL,
    last_mono_ns  INTEGER NOT NULL,
    data          BLOB NOT NULL
);
)sql";

/// A frame in a block: its fields little-endian, then its payload.
///   ord i64 | source u32 | connection u32 | wall_ns i64 | mono_ns i64 | binary u8 | length u32
constexpr qsizetype kBlockFrameHeader = 8 + 4 + 4 + 8 + 8 + 1 + 4;
/// A block is written once it holds this much, and at every commit.
constexpr qsizetype kBlockBytes = 4 * 1024 * 1024;
/// The most a block can hold: just under kBlockBytes, then the largest frame.
constexpr qint64 kMaxBlockBytes = kBlockBytes + kBlockFrameHeader + kMaxCaptureFrameBytes;

struct BlockFrame
{
    qint64 ord = 0;
    qint64 source = 0;
    qint64 connection = 0;
    qint64 wallNs = 0;
    qint64 monoNs = 0;
    bool binary = false;
    QByteArrayView payload;
};

template <typename T> void putLittleEndian(char *&at, T value)
{
    qToLittleEndian(value, at);
    at += sizeof(T);
}

template <typename T> T takeLittleEndian(const char *&at)
{
    const T value = qFromLittleEndian<T>(at);
    at += sizeof(T);
    return value;
}

/// Reads the frame at @p at of a block and moves past it. The block is untrusted: every length is
/// checked against what is there, and ords must rise. Returns what is wrong, or "".
QString takeBlockFrame(QByteArrayView block, qsizetype &at, qint64 &lastOrd, BlockFrame &f)
{
    if (block.size() - at < kBlockFrameHeader) {
        return QStringLiteral("a frame header cut short at byte %1").arg(at);
    }
    const char *p = block.data() + at;
    f.ord = takeLittleEndian<qint64>(p);
    f.source = takeLittleEndian<quint32>(p);
    f.connection = takeLittleEndian<quint32>(p);
    f.wallNs = takeLittleEndian<qint64>(p);
    f.monoNs = takeLittleEndian<qint64>(p);
    f.binary = *p++ != 0;
    const quint32 length = takeLittleEndian<quint32>(p);
    const qint64 left = block.size() - at - kBlockFrameHeader;
    if (qint64(length) > left) {
        return QStringLiteral("frame %1 claims %2 bytes where %3 are left").arg(f.ord).arg(length).arg(left);
    }
    if (f.ord <= lastOrd) {
        return QStringLiteral("frame %1 after frame %2").arg(f.ord).arg(lastOrd);
    }
    lastOrd = f.ord;
    f.payload = QByteArrayView(p, qsizetype(length));
    at += kBlockFrameHeader + qsizetype(length);
    return {};
}

QString sqliteError(sqlite3 *db)
{
    return db ? QString::fromUtf8(sqlite3_errmsg(db)) : QStringLiteral("out of memory");
}

void bindQString(sqlite3_stmt *s, int i, const QString &text)
{
    const QByteArray utf8 = text.toUtf8();
    sqlite3_bind_text(s, i, utf8.constData(), int(utf8.size()), SQLITE_TRANSIENT);
}

QString columnText(sqlite3_stmt *s, int i)
{
    const auto *text = reinterpret_cast<const char *>(sqlite3_column_text(s, i));
    return text ? QString::fromUtf8(text, sqlite3_column_bytes(s, i)) : QString();
}

/// The state a wire name stands for; nothing for a name no version writes (a damaged file).
std::optional<SourceState> sourceStateFromWire(const QString &text)
{
    for (int i = 0; i < kSourceStateCount; ++i) {
        const auto name = toWire(SourceState(i));
        if (text == QLatin1String(name.data(), qsizetype(name.size()))) {
            return SourceState(i);
        }
    }
    return std::nullopt;
}

} // namespace

// ---- writer ----

Result<std::unique_ptr<CaptureWriter>> CaptureWriter::create(const QString &path, const CaptureHeader &header)
{
    if (path.isEmpty()) {
        return Error { QStringLiteral("usage"), QStringLiteral("no capture file name given") };
    }
    if (QFileInfo::exists(path)) {
        return Error { QStringLiteral("exists"),
            QStringLiteral("capture file '%1' exists already; a capture is never overwritten, choose another name")
                .arg(path) };
    }
    if (const QString why = makeParentDirectory(path); !why.isEmpty()) {
        return Error { QStringLiteral("io_error"), QStringLiteral("%1, for capture file '%2'").arg(why, path) };
    }
    std::unique_ptr<CaptureWriter> w(new CaptureWriter);
    w->m_path = path;
    const QByteArray native = QFileInfo(path).absoluteFilePath().toUtf8();
    if (sqlite3_open_v2(native.constData(), &w->m_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr)
        != SQLITE_OK) {
        return Error { QStringLiteral("io_error"),
            QStringLiteral("cannot create capture file '%1': %2").arg(path, sqliteError(w->m_db)) };
    }
    const QByteArray pragmas = "PRAGMA application_id=" + QByteArray::number(kApplicationId)
        + ";PRAGMA user_version=" + QByteArray::number(kCaptureFormatVersion)
        + ";PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA page_size=16384;";
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
    if (m_db && m_error.isEmpty() && !m_block.isEmpty() && begin()) {
        flushBlock();
    }
    for (sqlite3_stmt *s : { m_insFrame, m_insConn, m_insSecond, m_insSource, m_insBlock }) {
        sqlite3_finalize(s);
    }
    if (m_db) {
        if (m_inTransaction) {
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
    for (const QString &known : m_sources) {
        if (known == source.sourceId) {
            return;
        }
    }
    if (!begin()) {
        return;
    }
    m_sources.push_back(source.sourceId);
    sqlite3_bind_int64(m_insSource, 1, qint64(m_sources.size()));
    bindQString(m_insSource, 2, source.sourceId);
    bindQString(m_insSource, 3, source.url);
    if (sqlite3_step(m_insSource) != SQLITE_DONE) {
        fail(sqliteError(m_db));
    }
    sqlite3_reset(m_insSource);
}

int CaptureWriter::sourceIndex(const QString &sourceId)
{
    for (std::size_t i = 0; i < m_sources.size(); ++i) {
        if (m_sources[i] == sourceId) {
            return int(i + 1);
        }
    }
    addSource({ sourceId, QString() });
    return int(m_sources.size());
}

void CaptureWriter::addFrame(const QString &sourceId, const RawFrame &frame)
{
    if (!begin()) {
        return;
    }
    const qint64 ord = ++m_ord;
    const int source = sourceIndex(sourceId);
    const qsizetype at = m_block.size();
    m_block.resize(at + kBlockFrameHeader + frame.bytes.size());
    char *p = m_block.data() + at;
    putLittleEndian<qint64>(p, ord);
    putLittleEndian<quint32>(p, quint32(source));
    putLittleEndian<quint32>(p, frame.connection);
    putLittleEndian<qint64>(p, frame.wallNs);
    putLittleEndian<qint64>(p, frame.monoNs);
    *p++ = frame.binary ? 1 : 0;
    putLittleEndian<quint32>(p, quint32(frame.bytes.size()));
    std::memcpy(p, frame.bytes.constData(), std::size_t(frame.bytes.size()));
    if (m_blockFrames == 0) {
        m_blockFirstOrd = ord;
        m_blockFirstWallNs = frame.wallNs;
        m_blockFirstMonoNs = frame.monoNs;
        m_blockPayloadBytes = 0;
    }
    m_blockLastOrd = ord;
    m_blockLastWallNs = frame.wallNs;
    m_blockLastMonoNs = frame.monoNs;
    m_blockPayloadBytes += frame.bytes.size();
    ++m_blockFrames;
    ++m_frames;
    m_payloadBytes += quint64(frame.bytes.size());
    const qint64 second = frame.wallNs / 1000000000;
    if (second != m_lastSecond) {
        m_lastSecond = second;
        sqlite3_bind_int64(m_insSecond, 1, second);
        sqlite3_bind_int64(m_insSecond, 2, ord);
        sqlite3_step(m_insSecond);
        sqlite3_reset(m_insSecond);
    }
    if (m_block.size() >= kBlockBytes) {
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
    sqlite3_bind_blob(m_insBlock, 9, m_block.constData(), int(m_block.size()), SQLITE_STATIC);
    if (sqlite3_step(m_insBlock) != SQLITE_DONE) {
        fail(sqliteError(m_db));
    }
    sqlite3_reset(m_insBlock);
    m_block.resize(0); // keeps its capacity: the next block fills the same memory
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

void CaptureWriter::addBatch(const EventBatch &batch)
{
    // A connection event at position p came after the first p raw frames of the batch. Without
    // positions (recording switched on mid-batch) the frames go first.
    const bool ordered = batch.connectionEventRawPos.size() == batch.connectionEvents.size();
    std::size_t ci = 0;
    for (std::size_t fi = 0; fi < batch.raw.size(); ++fi) {
        while (ordered && ci < batch.connectionEvents.size() && batch.connectionEventRawPos[ci] <= fi) {
            addConnectionEvent(batch.connectionEvents[ci++]);
        }
        addFrame(batch.sourceId, batch.raw[fi]);
    }
    while (ci < batch.connectionEvents.size()) {
        addConnectionEvent(batch.connectionEvents[ci++]);
    }
}

Result<void> CaptureWriter::commit()
{
    if (m_inTransaction) {
        flushBlock();
        m_inTransaction = false;
        exec("COMMIT");
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
    if (auto r = commit(); !r) {
        return r;
    }
    // One self-contained file that travels: no -wal or -shm beside it.
    exec("PRAGMA wal_checkpoint(TRUNCATE)");
    exec("PRAGMA journal_mode=DELETE");
    return commit();
}

// ---- reader ----

namespace {

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
    if (pageSize >= 512 && countValid && pages > 0 && size < pageSize * qint64(pages)) {
        return Error { QStringLiteral("damaged_capture"),
            QStringLiteral("'%1' is an OddsTap capture cut short: %2 of its %3 bytes are there (a copy that did not "
                           "finish, or a disk that filled)")
                .arg(path)
                .arg(size)
                .arg(pageSize * qint64(pages)) };
    }
    return std::nullopt;
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
    // Read-write when allowed, so that the WAL of an interrupted recording is recovered.
    if (sqlite3_open_v2(native.constData(), &r->m_db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
        sqlite3_close_v2(r->m_db);
        r->m_db = nullptr;
        if (sqlite3_open_v2(native.constData(), &r->m_db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
            return Error { QStringLiteral("io_error"),
                QStringLiteral("cannot open capture file '%1': %2").arg(path, sqliteError(r->m_db)) };
        }
    }
    sqlite3_busy_timeout(r->m_db, 5000);
    // The header says it is a capture (inspectCaptureHeader()): what fails from here is damage.
    const auto fail = [&](const QString &why) {
        return Error { QStringLiteral("damaged_capture"),
            QStringLiteral("'%1' is an OddsTap capture, but it is damaged: %2; %3")
                .arg(path, why, readableSoFar(r->m_db)) };
    };
    sqlite3_stmt *s = nullptr;
    if (sqlite3_prepare_v2(r->m_db, "PRAGMA application_id", -1, &s, nullptr) != SQLITE_OK) {
        const QString why = sqliteError(r->m_db);
        sqlite3_finalize(s);
        return fail(why);
    }
    const int appId = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
    sqlite3_finalize(s);
    if (appId != kApplicationId) {
        return fail(QStringLiteral("no capture signature (an OddsTap database? use 'stats' or 'export')"));
    }
    if (sqlite3_prepare_v2(r->m_db, "SELECT key, value FROM meta", -1, &s, nullptr) != SQLITE_OK) {
        const QString why = sqliteError(r->m_db);
        sqlite3_finalize(s);
        return fail(why);
    }
    while (sqlite3_step(s) == SQLITE_ROW) {
        const QString key = columnText(s, 0);
        const QString value = columnText(s, 1);
        CaptureInfo &i = r->m_info;
        if (key == QLatin1String("format_version")) {
            i.formatVersion = value.toInt();
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
    sqlite3_finalize(s);
    if (r->m_info.formatVersion > kCaptureFormatVersion) {
        return Error { QStringLiteral("newer_format"),
            QStringLiteral("capture file '%1' has format version %2; this OddsTap reads up to %3: upgrade OddsTap")
                .arg(path)
                .arg(r->m_info.formatVersion)
                .arg(kCaptureFormatVersion) };
    }
    if (r->m_info.formatVersion < 1) {
        return fail(QStringLiteral("no format version"));
    }
    if (sqlite3_prepare_v2(r->m_db, "SELECT id, source_id, url FROM sources ORDER BY id", -1, &s, nullptr)
        != SQLITE_OK) {
        const QString why = sqliteError(r->m_db);
        sqlite3_finalize(s);
        return fail(why);
    }
    while (sqlite3_step(s) == SQLITE_ROW) {
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
    sqlite3_finalize(s);
    // Format 2 keeps frames in blocks, format 1 a frame per row; a file holding both is damaged.
    qint64 blockFrames = 0;
    sqlite3_prepare_v2(
        r->m_db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'frame_blocks'", -1, &s, nullptr);
    const bool hasBlocks = sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int64(s, 0) > 0;
    sqlite3_finalize(s);
    if (hasBlocks) {
        // total(): a crafted count cannot overflow the sum; the blocks' own frames are checked as they are read.
        if (sqlite3_prepare_v2(
                r->m_db, "SELECT count(*), total(frames), total(payload_bytes) FROM frame_blocks", -1, &s, nullptr)
                != SQLITE_OK
            || sqlite3_step(s) != SQLITE_ROW) {
            const QString why = sqliteError(r->m_db);
            sqlite3_finalize(s);
            return fail(why);
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
        // by first_ord, the key, as last_ord is only the block's own word.
        if (sqlite3_prepare_v2(r->m_db,
                "SELECT first_ord, last_ord, frames, length(data), data FROM frame_blocks WHERE first_ord >= "
                "coalesce((SELECT max(first_ord) FROM frame_blocks WHERE first_ord <= ?1), ?1) ORDER BY first_ord",
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
    sqlite3_prepare_v2(r->m_db, "SELECT count(*) FROM connection_events", -1, &s, nullptr);
    if (sqlite3_step(s) == SQLITE_ROW) {
        r->m_info.connectionEvents = quint64(sqlite3_column_int64(s, 0));
    }
    sqlite3_finalize(s);
    if (sqlite3_prepare_v2(r->m_db,
            "SELECT ord, source, connection, wall_ns, mono_ns, binary, payload FROM frames WHERE ord >= ? ORDER BY ord",
            -1, &r->m_frames, nullptr)
            != SQLITE_OK
        || sqlite3_prepare_v2(r->m_db,
               "SELECT ord, source, connection, wall_ns, state, reason, delay_ms, last_seq FROM connection_events "
               "WHERE ord >= ? ORDER BY ord",
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
    sqlite3_bind_int64(m_conns, 1, fromOrd);
    if (m_blocks) {
        sqlite3_reset(m_blocks);
        sqlite3_bind_int64(m_blocks, 1, fromOrd);
        m_block.clear();
        m_blockAt = 0;
        m_blockLastOrd = 0;
        m_blockFramesRead = 0;
    }
    m_fromOrd = fromOrd;
    m_error.clear();
    m_haveFrame = stepFrame();
    m_haveConn = stepConn();
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
            if (rc != SQLITE_DONE) {
                m_error = QStringLiteral("reading frames: ") + sqliteError(m_db);
            }
            return false;
        }
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
    const int rc = sqlite3_step(m_conns);
    if (rc != SQLITE_ROW) {
        if (rc != SQLITE_DONE) {
            m_error = QStringLiteral("reading connection events: ") + sqliteError(m_db);
        }
        return false;
    }
    CaptureRecord &r = m_nextConn;
    r.kind = CaptureRecord::Kind::Connection;
    r.ord = sqlite3_column_int64(m_conns, 0);
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

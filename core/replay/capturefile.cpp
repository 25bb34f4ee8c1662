// SPDX-License-Identifier: MIT
#include "capturefile.h"

#include <QFileInfo>

#include <sqlite3.h>

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
)sql";

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

SourceState sourceStateFromWire(const QString &text)
{
    for (int i = 0; i < kSourceStateCount; ++i) {
        const auto name = toWire(SourceState(i));
        if (text == QLatin1String(name.data(), qsizetype(name.size()))) {
            return SourceState(i);
        }
    }
    return SourceState::Idle;
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
    for (sqlite3_stmt *s : { m_insFrame, m_insConn, m_insSecond, m_insSource }) {
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
    sqlite3_bind_int64(m_insFrame, 1, ord);
    sqlite3_bind_int64(m_insFrame, 2, sourceIndex(sourceId));
    sqlite3_bind_int64(m_insFrame, 3, frame.connection);
    sqlite3_bind_int64(m_insFrame, 4, frame.wallNs);
    sqlite3_bind_int64(m_insFrame, 5, frame.monoNs);
    sqlite3_bind_int(m_insFrame, 6, frame.binary ? 1 : 0);
    sqlite3_bind_blob(m_insFrame, 7, frame.bytes.constData(), int(frame.bytes.size()), SQLITE_STATIC);
    if (sqlite3_step(m_insFrame) != SQLITE_DONE) {
        fail(sqliteError(m_db));
    }
    sqlite3_reset(m_insFrame);
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

Result<std::unique_ptr<CaptureReader>> CaptureReader::open(const QString &path)
{
    if (!QFileInfo::exists(path)) {
        return Error { QStringLiteral("not_found"), QStringLiteral("capture file '%1' does not exist").arg(path) };
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
    const auto fail = [&](const QString &why) {
        return Error { QStringLiteral("bad_capture"),
            QStringLiteral("'%1' is not an OddsTap capture: %2").arg(path, why) };
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
    sqlite3_prepare_v2(r->m_db, "SELECT id, source_id, url FROM sources ORDER BY id", -1, &s, nullptr);
    while (sqlite3_step(s) == SQLITE_ROW) {
        const auto id = std::size_t(sqlite3_column_int64(s, 0));
        if (r->m_sourceIds.size() < id) {
            r->m_sourceIds.resize(id);
        }
        r->m_sourceIds[id - 1] = columnText(s, 1);
        r->m_info.header.sources.push_back({ columnText(s, 1), columnText(s, 2) });
    }
    sqlite3_finalize(s);
    sqlite3_prepare_v2(
        r->m_db, "SELECT count(*), coalesce(sum(length(payload)), 0), min(ord), max(ord) FROM frames", -1, &s, nullptr);
    qint64 firstOrd = 0;
    qint64 lastOrd = 0;
    if (sqlite3_step(s) == SQLITE_ROW) {
        r->m_info.frames = quint64(sqlite3_column_int64(s, 0));
        r->m_info.payloadBytes = quint64(sqlite3_column_int64(s, 1));
        firstOrd = sqlite3_column_int64(s, 2);
        lastOrd = sqlite3_column_int64(s, 3);
    }
    sqlite3_finalize(s);
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
    const int rc = sqlite3_step(m_frames);
    if (rc != SQLITE_ROW) {
        if (rc != SQLITE_DONE) {
            m_error = QStringLiteral("reading frames: ") + sqliteError(m_db);
        }
        return false;
    }
    CaptureRecord &r = m_nextFrame;
    r.kind = CaptureRecord::Kind::Frame;
    r.ord = sqlite3_column_int64(m_frames, 0);
    const auto source = std::size_t(sqlite3_column_int64(m_frames, 1));
    r.sourceId = source >= 1 && source <= m_sourceIds.size() ? m_sourceIds[source - 1] : QString();
    r.frame.connection = quint32(sqlite3_column_int64(m_frames, 2));
    r.frame.wallNs = sqlite3_column_int64(m_frames, 3);
    r.frame.monoNs = sqlite3_column_int64(m_frames, 4);
    r.frame.binary = sqlite3_column_int(m_frames, 5) != 0;
    const void *blob = sqlite3_column_blob(m_frames, 6);
    r.frame.bytes = QByteArray(static_cast<const char *>(blob), sqlite3_column_bytes(m_frames, 6));
    return true;
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
    const auto source = std::size_t(sqlite3_column_int64(m_conns, 1));
    r.sourceId = source >= 1 && source <= m_sourceIds.size() ? m_sourceIds[source - 1] : QString();
    ConnectionEvent &e = r.connection;
    e.sourceId = r.sourceId;
    e.connection = quint32(sqlite3_column_int64(m_conns, 2));
    e.atMs = sqlite3_column_int64(m_conns, 3) / 1000000;
    e.state = sourceStateFromWire(columnText(m_conns, 4));
    e.reason = columnText(m_conns, 5);
    e.delayMs = int(sqlite3_column_int64(m_conns, 6));
    e.lastSeq = quint64(sqlite3_column_int64(m_conns, 7));
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

// SPDX-License-Identifier: MIT
#include "sqlitestorage.h"

#include <core/common/logging.h>
#include <core/common/paths.h>
#include <core/common/timeutil.h>
#include <core/common/version.h>
#include <core/storage/oddsrows.h>
#include <core/storage/sqlitemessage.h>
#include <core/storage/walwritebuffer.h>

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QScopeGuard>
#include <QSqlDatabase>
#include <QSqlDriver>
#include <QSqlError>
#include <QSysInfo>
#include <QThread>
#include <QUrl>

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/file.h>
#include <system_error>
#include <tuple>
#include <unistd.h>

namespace OddsTap {
namespace {

constexpr int kApplicationId = 0x0dd57a90; // PRAGMA application_id: marks the file as OddsTap's
// Beyond this WAL size the writer checkpoints itself, as SQLite's auto-checkpoint would: the
// background checkpointer is behind or a reader pins the WAL.
constexpr qint64 kMaxWalBytes = 256 * 1024 * 1024;
// While the writer has a backlog, the background checkpoint waits until the WAL has grown by this
// much: a checkpoint copies each page once however many commits rewrote it since the last one, and
// the commits of a backlog rewrite the same hot index pages over and over. Checkpointing after each
// of them copied those pages every time (the checkpoint thread was 15 % of the CPU of a full-speed
// run, on a machine where the writer waits for CPU). A writer that keeps up checkpoints whenever it
// goes idle (idle()), between commits, where the copy delays nothing.
constexpr qint64 kBacklogCheckpointBytes = 64 * 1024 * 1024;
// Page size of the databases OddsTap creates (an existing file keeps its own). Measured with
// bench_ingest's plain sqlite3 loop on the 2-core machine: 4 KiB pages 163-191k rows/s, 8 KiB
// 216-233k, 16 KiB 234-244k; the whole pipeline gained 3-5 % more from 8 to 16 KiB. But a steady
// feed commits small transactions whose odds land on a different hot index page each (one per
// fixture and market), so the WAL takes a whole page per event: at 20,000 events/s the capture
// wrote 132 MB/s with 4 KiB pages, 218 with 8 KiB and 373 with 16 KiB. 8 KiB keeps most of the
// speed at about half the writes of 16 KiB (PostgreSQL's page size too).
constexpr int kNewDatabasePageSize = 8192;

// SQLite's memory statistics take a global mutex on every allocation; OddsTap reads none of them
// (SQLite's own "recommended compile-time options" turn them off). sqlite3_config() works only
// before the library initializes, so this runs while the program loads, before anything opens a
// database; were SQLite initialized already, the call fails harmlessly and the default stays.
const bool g_sqliteMemoryStatisticsOff = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK;
// After the line above (this initializes SQLite): the VFS that gathers WAL frame writes, used by
// the capture writer's connection only.
// ODDSTAP_NO_WAL_BUFFER=1 leaves SQLite's own VFS in place (to measure the difference).
const bool g_walWriteBuffer = !qEnvironmentVariableIsSet("ODDSTAP_NO_WAL_BUFFER") && installWalWriteBuffer();

/// SQLite says only "unable to open database file": the system's reason, found by opening the
/// file as SQLite would (and removing it again if that created it), as ": <reason>".
QString whyNotWritable(const QString &path)
{
    const QByteArray native = QFile::encodeName(path);
    // O_EXCL: a file this probe creates is its own to remove, never one another process made.
    int fd = ::open(native.constData(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0) {
        ::close(fd);
        ::unlink(native.constData());
        return {};
    }
    if (errno == EEXIST) {
        fd = ::open(native.constData(), O_RDWR | O_CLOEXEC);
        if (fd >= 0) {
            ::close(fd);
            return {};
        }
    }
    return QStringLiteral(" (%1)").arg(QString::fromLocal8Bit(std::strerror(errno)));
}

} // namespace

bool SqliteStorage::walBufferAvailable()
{
    return g_walWriteBuffer;
}

Result<std::unique_ptr<Storage>> SqliteStorage::open(
    const QString &path, const QString &connectionName, int busyTimeoutMs, bool capture, bool readOnly)
{
    const QFileInfo info(path);
    if (readOnly && !info.exists()) {
        return Error { QStringLiteral("not_found"), QStringLiteral("no database at '%1'").arg(path) };
    }
    if (const QString why = readOnly ? QString() : makeParentDirectory(path); !why.isEmpty()) {
        return Error { QStringLiteral("storage_open"),
            QStringLiteral("%1, for database '%2'. Create it, or choose another --db").arg(why, path) };
    }
    if (info.exists() && !info.isFile()) {
        return Error { QStringLiteral("storage_open"), QStringLiteral("database '%1' is not a file").arg(path) };
    } else if (std::optional<Error> notOne = info.exists() ? notADatabase(path) : std::nullopt) {
        return *notOne;
    }
    std::unique_ptr<SqliteStorage> s(new SqliteStorage(path, connectionName));
    s->m_busyTimeoutMs = busyTimeoutMs;
    s->m_readOnly = readOnly;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connectionName);
        if (readOnly) {
            // A WAL database is readable without write access only if its -shm file can be
            // used or made; where it cannot (a read-only directory), nobody can be writing
            // through it, so SQLite may treat the file as immutable.
            const bool canShare =
                QFileInfo(info.absolutePath()).isWritable() || QFileInfo(path + QStringLiteral("-shm")).isReadable();
            db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_URI;QSQLITE_OPEN_READONLY"));
            db.setDatabaseName(QUrl::fromLocalFile(info.absoluteFilePath()).toString(QUrl::FullyEncoded)
                + (canShare ? QStringLiteral("?mode=ro") : QStringLiteral("?mode=ro&immutable=1")));
        } else if (capture && g_walWriteBuffer) {
            // By URI, to name the VFS; QUrl percent-encodes what SQLite's URI parser decodes.
            db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_URI"));
            db.setDatabaseName(QUrl::fromLocalFile(info.absoluteFilePath()).toString(QUrl::FullyEncoded)
                + QStringLiteral("?vfs=") + QLatin1String(kWalWriteBufferVfs));
        } else {
            db.setDatabaseName(path);
        }
        if (!db.open()) {
            return Error { QStringLiteral("storage_open"),
                QStringLiteral("cannot open database '%1': %2%3")
                    .arg(path, db.lastError().driverText(), whyNotWritable(path)) };
        }
        const QVariant handle = db.driver()->handle();
        if (!handle.isValid() || qstrcmp(handle.typeName(), "sqlite3*") != 0) {
            return Error { QStringLiteral("storage_open"), QStringLiteral("the Qt SQLite driver exposes no handle") };
        }
        s->m_db = *static_cast<sqlite3 *const *>(handle.constData());
    }
    for (auto step :
        { &SqliteStorage::configure, &SqliteStorage::migrate, &SqliteStorage::prepare, &SqliteStorage::loadState }) {
        if (auto r = (s.get()->*step)(); !r) {
            if (r.error().code == QLatin1String("storage_corrupt")) {
                return Error { r.error().code, r.error().message + QStringLiteral(". ") + recoveryAdvice(path) };
            }
            return r.error();
        }
    }
    if (capture) {
        // So that a damaged file is refused now instead of failing writes later. Every page of a
        // file up to fullCheckMaxBytes(); of a larger one, what a resume reads (see the header).
        // Pages, not the file's size: after a crash, or behind a long reader, the WAL holds many.
        qint64 pages = 0;
        const bool partialCheckKnown = sqlite3_libversion_number() >= 3033000; // quick_check(TABLE)
        const bool whole = !partialCheckKnown || !s->scalar("PRAGMA page_count", pages)
            || pages * s->m_pageSize <= fullCheckMaxBytes();
        if (!whole) {
            qCInfo(lcStorage).noquote() << "checking the tables a resume reads of" << path
                                        << "(a full check of a file this large would take minutes)";
        }
        // sqlite_master: the schema, and with it the list of free pages new writes take.
        const QStringList tables = whole ? QStringList()
                                         : QStringList { QStringLiteral("sqlite_master"),
                                               QStringLiteral("ingest_state"), QStringLiteral("schema_version") };
        if (auto r = s->quickCheck(tables); !r) {
            return r.error();
        }
    }
    // Opening waited up to the default for a lock; the statements from here on wait the caller's.
    sqlite3_busy_timeout(s->m_db, s->m_busyTimeoutMs);
    return std::unique_ptr<Storage>(std::move(s));
}

SqliteStorage::SqliteStorage(QString path, QString connectionName)
    : m_path(std::move(path))
    , m_connectionName(std::move(connectionName))
{ }

namespace {
/// Beside the file itself, not the name it was opened by: a symlink to the database (or a path
/// with ".." in it) must find the same lock.
QString writerLockDir(const QString &dbPath)
{
    const QString canonical = QFileInfo(dbPath).canonicalFilePath();
    return (canonical.isEmpty() ? dbPath : canonical) + QStringLiteral(".writers");
}

QString writerLockPath(const QString &dbPath, const QString &sourceId)
{
    // Hex keeps any id inside the folder; past 100 bytes its hash stands in, since a file name
    // holds 255 bytes at most (an id of 130 characters made the lock, and so the capture, fail).
    const QByteArray id = sourceId.toUtf8();
    const QString name = id.size() <= 100 ? QString::fromLatin1(id.toHex())
                                          : QStringLiteral("sha256-")
            + QString::fromLatin1(QCryptographicHash::hash(id, QCryptographicHash::Sha256).toHex());
    return writerLockDir(dbPath) + QLatin1Char('/') + name + QStringLiteral(".lock");
}
} // namespace

bool SqliteStorage::sourceHeldElsewhere(const QString &path, const QString &sourceId)
{
    const int fd = ::open(QFile::encodeName(writerLockPath(path, sourceId)).constData(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return false; // never claimed
    }
    const bool held = ::flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    ::close(fd); // releases the lock if it was taken here
    return held;
}

Result<void> SqliteStorage::claimSource(const QString &sourceId)
{
    // One lock file per source beside the database, held with flock(): the kernel releases it
    // when the process dies, so a kill -9 leaves no stale lock, and the file keeps who took it.
    if (m_sourceLocks.count(sourceId) > 0) {
        return {};
    }
    const QString dir = writerLockDir(m_path);
    if (!QDir().mkpath(dir)) {
        return Error { QStringLiteral("storage_error"),
            QStringLiteral("cannot create '%1' for the writer locks").arg(dir) };
    }
    const QString file = writerLockPath(m_path, sourceId);
    const int fd = ::open(QFile::encodeName(file).constData(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        return Error { QStringLiteral("storage_error"),
            QStringLiteral("cannot open the writer lock '%1': %2").arg(file, QString::fromLocal8Bit(strerror(errno))) };
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        QFile holder(file);
        QString who;
        if (holder.open(QIODevice::ReadOnly)) {
            who = QString::fromUtf8(holder.read(512)).trimmed();
        }
        ::close(fd);
        return Error { QStringLiteral("source_locked"),
            QStringLiteral("source '%1' is already being captured into %2 by another process (%3). A database takes "
                           "one writer per source, or every row would be stored twice: stop that capture first, or "
                           "give this feed another source id")
                .arg(sourceId, m_path, who.isEmpty() ? QStringLiteral("holder unknown") : who) };
    }
    const QByteArray who = QStringLiteral("pid %1 on %2, since %3")
                               .arg(QCoreApplication::applicationPid())
                               .arg(QSysInfo::machineHostName(), formatIso8601Utc(wallClockMs()))
                               .toUtf8();
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, who.constData(), size_t(who.size()), 0) != who.size()) {
        qCWarning(lcStorage).noquote() << "could not note the holder in" << file; // the lock itself holds
    }
    m_sourceLocks.emplace(sourceId, fd);
    return {};
}

SqliteStorage::~SqliteStorage()
{
    for (const auto &[source, fd] : m_sourceLocks) {
        ::close(fd); // releases the flock
    }
    m_checkpointer.reset(); // before the last connection closes (which checkpoints what is left)
    setPageCacheUse(0);
    for (sqlite3_stmt *s : { m_insFixtureUpdate, m_upsertFixture, m_insOdds, m_insOddsMany, m_insBet, m_insReject,
             m_insGap, m_insConnectionEvent, m_insFeedError, m_insBook, m_insAlert, m_upsertIngest }) {
        sqlite3_finalize(s);
    }
    m_db = nullptr;
    {
        QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
        db.close();
    }
    QSqlDatabase::removeDatabase(m_connectionName);
}

QString SqliteStorage::describe() const
{
    return QStringLiteral("SQLite %1").arg(m_path);
}

Error SqliteStorage::sqlError(const QString &what) const
{
    const int code = sqlite3_extended_errcode(m_db);
    QString message = sqliteMessage(m_db);
    QString kind = QStringLiteral("storage_error");
    switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        kind = QStringLiteral("storage_locked");
        message += QStringLiteral(" (another process holds the database '%1')").arg(m_path);
        break;
    case SQLITE_FULL:
        kind = QStringLiteral("storage_full");
        break;
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
        kind = QStringLiteral("storage_corrupt");
        message += QStringLiteral(" ('%1' is not a usable SQLite database)").arg(m_path);
        break;
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
        kind = QStringLiteral("storage_io");
        break;
    default:
        break;
    }
    return Error { kind, QStringLiteral("%1: %2").arg(what, message) };
}

Result<void> SqliteStorage::exec(const char *sql, const QString &what)
{
    char *err = nullptr;
    if (sqlite3_exec(m_db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
        sqlite3_free(err);
        return sqlError(what);
    }
    return {};
}

void SqliteStorage::bindText(sqlite3_stmt *s, int i, QStringView text)
{
    if (text.isEmpty()) {
        sqlite3_bind_text(s, i, "", 0, SQLITE_STATIC);
        return;
    }
    if (m_textBuffers.size() <= std::size_t(i)) {
        m_textBuffers.resize(std::size_t(i) + 1);
    }
    std::vector<char> &buffer = m_textBuffers[std::size_t(i)];
    const auto needed = std::size_t(m_utf8.requiredSpace(text.size()));
    if (buffer.size() < needed) {
        buffer.resize(needed);
    }
    const char *end = m_utf8.appendToBuffer(buffer.data(), text);
    sqlite3_bind_text(s, i, buffer.data(), int(end - buffer.data()), SQLITE_STATIC);
}

void SqliteStorage::bindTextOrNull(sqlite3_stmt *s, int i, QStringView text)
{
    if (text.isEmpty()) {
        sqlite3_bind_null(s, i);
    } else {
        bindText(s, i, text);
    }
}

void SqliteStorage::bindCommon(sqlite3_stmt *s, const Event &e)
{
    bindText(s, 1, e.sourceId);
    sqlite3_bind_int64(s, 2, qint64(e.seq));
    sqlite3_bind_int64(s, 3, e.serverTsMs);
    sqlite3_bind_int64(s, 4, e.receivedAtMs);
}

Result<void> SqliteStorage::configure()
{
    sqlite3_busy_timeout(m_db, std::max(m_busyTimeoutMs, kDefaultBusyTimeoutMs));
    // Reading the header first turns "not a database" into a clear error before anything is written.
    if (auto r = exec("SELECT count(*) FROM sqlite_master", QStringLiteral("reading the database")); !r) {
        return r;
    }
    if (m_readOnly) {
        qint64 pageSizeInUse = 0;
        (void)scalar("PRAGMA page_size", pageSizeInUse);
        m_pageSize = std::max<qint64>(512, pageSizeInUse);
        return {};
    }
    // Takes effect only on a file that is still empty: it must come before WAL mode is set.
    const QByteArray pageSize = "PRAGMA page_size=" + QByteArray::number(kNewDatabasePageSize);
    if (auto r = exec(pageSize.constData(), QStringLiteral("configuring the database")); !r) {
        return r;
    }
    // Two processes switching a new file to WAL at once both hold a shared lock and want an
    // exclusive one: SQLite refuses one of them at once (SQLITE_BUSY without calling the busy
    // handler, which would deadlock). That one tries again until the busy timeout; by then the
    // file is usually in WAL mode already.
    QString mode;
    QDeadlineTimer deadline(std::max(m_busyTimeoutMs, kDefaultBusyTimeoutMs));
    for (;;) {
        sqlite3_stmt *stmt = nullptr;
        if (sqlite3_prepare_v2(m_db, "PRAGMA journal_mode=WAL", -1, &stmt, nullptr) != SQLITE_OK) {
            return sqlError(QStringLiteral("enabling WAL"));
        }
        const int rc = sqlite3_step(stmt);
        mode = rc == SQLITE_ROW ? QString::fromUtf8(reinterpret_cast<const char *>(sqlite3_column_text(stmt, 0)))
                                : QString();
        sqlite3_finalize(stmt);
        if ((rc & 0xff) != SQLITE_BUSY || deadline.hasExpired()) {
            break;
        }
        QThread::msleep(20);
    }
    if (mode != QLatin1String("wal")) {
        return sqlError(QStringLiteral("enabling WAL (journal mode is '%1')").arg(mode));
    }
    if (auto r = exec(kTuningPragmas, QStringLiteral("configuring the database")); !r) {
        return r;
    }
    qint64 pageSizeInUse = 0;
    if (!scalar("PRAGMA page_size", pageSizeInUse)) {
        return sqlError(QStringLiteral("reading the page size"));
    }
    m_pageSize = std::max<qint64>(512, pageSizeInUse);
    m_maxWalFrames = int(kMaxWalBytes / std::max<qint64>(512, pageSizeInUse));
    m_backlogCheckpointFrames = int(kBacklogCheckpointBytes / std::max<qint64>(512, pageSizeInUse));
    return {};
}

bool SqliteStorage::scalar(const char *sql, qint64 &out)
{
    sqlite3_stmt *stmt = nullptr;
    if (sqlite3_prepare_v2(m_db, sql, -1, &stmt, nullptr) != SQLITE_OK) {
        return false;
    }
    const bool ok = sqlite3_step(stmt) == SQLITE_ROW;
    out = ok ? sqlite3_column_int64(stmt, 0) : 0;
    sqlite3_finalize(stmt);
    return ok;
}

Result<void> SqliteStorage::migrate()
{
    // Reads the schema's state and refuses what this build must not touch.
    const auto readVersion = [this](qint64 &version) -> Result<void> {
        // In one read transaction: read statement by statement, another process's first migration
        // could commit in between (no application id, then tables): taken for a foreign database.
        const bool own = sqlite3_get_autocommit(m_db) != 0;
        if (auto r = own ? exec("BEGIN", QStringLiteral("reading the schema")) : Result<void>(); !r) {
            return r;
        }
        const auto endRead = qScopeGuard([this, own] { (void)(own && exec("COMMIT", QString())); });
        qint64 appId = 0;
        qint64 tables = 0;
        qint64 hasVersionTable = 0;
        if (!scalar("PRAGMA application_id", appId)
            || !scalar("SELECT count(*) FROM sqlite_master WHERE type='table'", tables)
            || !scalar(
                "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='schema_version'", hasVersionTable)) {
            return sqlError(QStringLiteral("reading the schema"));
        }
        if (tables > 0 && (appId != kApplicationId || hasVersionTable == 0)) {
            return Error {
                QStringLiteral("storage_foreign"),
                QStringLiteral("'%1' is an SQLite database, but not an OddsTap one: refusing to touch it").arg(m_path)
            };
        }
        version = 0;
        if (hasVersionTable != 0 && !scalar("SELECT coalesce(max(version), 0) FROM schema_version", version)) {
            return sqlError(QStringLiteral("reading the schema version"));
        }
        if (version > kSchemaVersion) {
            return newerSchemaError(QStringLiteral("'%1'").arg(m_path), version);
        }
        return {};
    };
    qint64 version = 0;
    if (auto r = readVersion(version); !r) {
        return r;
    }
    if (version == kSchemaVersion) {
        m_version = kSchemaVersion;
        return {};
    }
    if (m_readOnly) {
        return Error { QStringLiteral("storage_old"),
            QStringLiteral("'%1' has schema version %2 and this build reads %3; it is upgraded when a capture or the "
                           "GUI opens it with write access")
                .arg(m_path)
                .arg(version)
                .arg(kSchemaVersion) };
    }
    // Another process may be creating the same new file (a capture and `stats`, say): the state
    // is read again under the write lock, and every step is applied in that one transaction.
    if (auto r = exec("BEGIN IMMEDIATE", QStringLiteral("starting the schema migration")); !r) {
        return r;
    }
    auto rollback = qScopeGuard([this] { (void)exec("ROLLBACK", QStringLiteral("rolling back")); });
    if (auto r = readVersion(version); !r) {
        return r;
    }
    const qint64 from = version;
    for (int v = int(from) + 1; v <= kSchemaVersion; ++v) {
        const auto migration = migrationSql(QStringLiteral("sqlite"), v);
        if (!migration) {
            return migration.error();
        }
        QByteArray bookkeeping;
        if (v == 1) {
            bookkeeping = "CREATE TABLE schema_version (version INTEGER NOT NULL, applied_at INTEGER NOT NULL, "
                          "application TEXT NOT NULL);"
                          "PRAGMA application_id="
                + QByteArray::number(kApplicationId) + ";";
        }
        bookkeeping += "INSERT INTO schema_version VALUES (" + QByteArray::number(v) + ", "
            + QByteArray::number(wallClockMs()) + ", 'OddsTap " + kVersion + "');";
        const QByteArray script = *migration + bookkeeping;
        if (auto r = exec(script.constData(), QStringLiteral("applying migration %1").arg(v)); !r) {
            return r;
        }
    }
    if (auto r = exec("COMMIT", QStringLiteral("committing the schema migration")); !r) {
        return r;
    }
    rollback.dismiss();
    for (int v = int(from) + 1; v <= kSchemaVersion; ++v) {
        qCInfo(lcStorage).noquote() << "applied schema migration" << v << "to" << m_path;
    }
    m_version = kSchemaVersion;
    return {};
}

QByteArray SqliteStorage::oddsInsertSql(int rows)
{
    QByteArray sql = "INSERT INTO odds (source_id, seq, ts, received_at, fixture_id, market_type, selection, "
                     "odd_value, timestamp, status) VALUES ";
    for (int k = 0; k < rows; ++k) {
        sql += k == 0 ? "(?,?,?,?,?,?,?,?,?,?)" : ",(?,?,?,?,?,?,?,?,?,?)";
    }
    return sql;
}

Result<void> SqliteStorage::prepare()
{
    const std::pair<sqlite3_stmt **, const char *> statements[] = {
        { &m_insFixtureUpdate,
            "INSERT INTO fixture_updates (source_id, seq, ts, received_at, fixture_id, sport_id, tournament_id, "
            "start_time, status, home, away, score) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)" },
        { &m_upsertFixture,
            "INSERT INTO fixtures (source_id, seq, ts, received_at, fixture_id, sport_id, tournament_id, start_time, "
            "status, home, away, score) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) "
            "ON CONFLICT (source_id, fixture_id) DO UPDATE SET seq = excluded.seq, ts = excluded.ts, "
            "received_at = excluded.received_at, sport_id = excluded.sport_id, tournament_id = excluded.tournament_id, "
            "start_time = excluded.start_time, status = excluded.status, home = excluded.home, away = excluded.away, "
            "score = excluded.score WHERE excluded.seq > fixtures.seq" },
        { &m_insBet,
            "INSERT OR IGNORE INTO bets (source_id, seq, ts, received_at, bet_id, user_id, fixture_id, market_type, "
            "selection, stake, odd_value, potential_win, timestamp) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)" },
        { &m_insReject,
            "INSERT INTO rejects (source_id, seq, batch_index, received_at, code, message, raw, raw_truncated) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)" },
        { &m_insGap,
            "INSERT INTO gaps (source_id, connection, expected_seq, received_seq, missing, compacted, detected_at) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)" },
        { &m_insConnectionEvent,
            "INSERT INTO connection_events (source_id, connection, state, reason, delay_ms, last_seq, at) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)" },
        { &m_insFeedError,
            "INSERT INTO feed_errors (source_id, seq, ts, received_at, code, message) VALUES (?1, ?2, ?3, ?4, ?5, "
            "?6)" },
        { &m_insBook,
            "INSERT INTO books (source_id, seq, ts, received_at, fixture_id, market_type, selection, timestamp, image, "
            "traded_total, back, lay, traded) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)" },
        { &m_insAlert,
            "INSERT OR IGNORE INTO alerts (source_id, fixture_id, market_type, selection, rule, rule_index, kind, seq, "
            "ts, received_at, before_value, after_value) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)" },
        { &m_upsertIngest,
            "INSERT INTO ingest_state (source_id, last_seq, updated_at) VALUES (?1, ?2, ?3) "
            "ON CONFLICT (source_id) DO UPDATE SET last_seq = excluded.last_seq, updated_at = excluded.updated_at" },
    };
    for (const auto &[target, sql] : statements) {
        if (sqlite3_prepare_v3(m_db, sql, -1, SQLITE_PREPARE_PERSISTENT, target, nullptr) != SQLITE_OK) {
            return sqlError(QStringLiteral("preparing statements"));
        }
    }
    for (const auto &[target, rows] :
        { std::pair { &m_insOdds, 1 }, std::pair { &m_insOddsMany, kOddsRowsPerStatement } }) {
        const QByteArray sql = oddsInsertSql(rows);
        if (sqlite3_prepare_v3(m_db, sql.constData(), int(sql.size()), SQLITE_PREPARE_PERSISTENT, target, nullptr)
            != SQLITE_OK) {
            return sqlError(QStringLiteral("preparing statements"));
        }
    }
    return {};
}

Result<void> SqliteStorage::loadState()
{
    sqlite3_stmt *stmt = nullptr;
    if (sqlite3_prepare_v2(m_db, "SELECT source_id, last_seq FROM ingest_state", -1, &stmt, nullptr) != SQLITE_OK) {
        return sqlError(QStringLiteral("reading ingest_state"));
    }
    int rc = SQLITE_OK;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const QString source = QString::fromUtf8(reinterpret_cast<const char *>(sqlite3_column_text(stmt, 0)));
        m_committed[source] = quint64(sqlite3_column_int64(stmt, 1));
    }
    // A read that stops part way (a damaged page) must not leave a partial resume map.
    const Result<void> result =
        rc == SQLITE_DONE ? Result<void> {} : Result<void>(sqlError(QStringLiteral("reading ingest_state")));
    sqlite3_finalize(stmt);
    return result;
}

Result<quint64> SqliteStorage::query(const QString &sql, const QStringList &params, const RowCallback &onRow)
{
    sqlite3_stmt *stmt = nullptr;
    const QByteArray text = sql.toUtf8();
    if (sqlite3_prepare_v2(m_db, text.constData(), int(text.size()), &stmt, nullptr) != SQLITE_OK) {
        return sqlError(QStringLiteral("preparing a query"));
    }
    for (int i = 0; i < params.size(); ++i) {
        bindText(stmt, i + 1, params[i]);
    }
    const int columns = sqlite3_column_count(stmt);
    RowView row(static_cast<std::size_t>(columns));
    // SQLite prints REALs with 15 digits; the shortest exact form keeps every value distinct.
    std::vector<std::array<char, 32>> numbers(static_cast<std::size_t>(columns));
    quint64 rows = 0;
    int rc = SQLITE_ROW;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        for (int c = 0; c < columns; ++c) {
            const int type = sqlite3_column_type(stmt, c);
            if (type == SQLITE_NULL) {
                row[std::size_t(c)].reset();
            } else if (type == SQLITE_FLOAT) {
                std::array<char, 32> &buffer = numbers[std::size_t(c)];
                const auto r =
                    std::to_chars(buffer.data(), buffer.data() + buffer.size(), sqlite3_column_double(stmt, c));
                row[std::size_t(c)] = QByteArrayView(buffer.data(), r.ptr - buffer.data());
            } else {
                const auto *p = reinterpret_cast<const char *>(sqlite3_column_text(stmt, c));
                row[std::size_t(c)] = QByteArrayView(p, sqlite3_column_bytes(stmt, c));
            }
        }
        ++rows;
        if (!onRow(row)) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) {
        return sqlError(QStringLiteral("reading rows"));
    }
    return rows;
}

Result<std::vector<PriceRow>> SqliteStorage::priceHistory(
    const QString &sourceId, const QString &fixtureId, const QString &marketType, qint64 limit)
{
    // The newest `limit` points through the (fixture_id, market_type, timestamp) index, then oldest first.
    static const char *sql = "SELECT selection, timestamp, odd_value, status FROM (SELECT selection, timestamp, "
                             "odd_value, status, seq FROM odds WHERE fixture_id = ?1 AND market_type = ?2 AND "
                             "source_id = ?3 ORDER BY timestamp DESC, seq DESC LIMIT ?4) ORDER BY timestamp, seq";
    sqlite3_stmt *stmt = nullptr;
    if (sqlite3_prepare_v2(m_db, sql, -1, &stmt, nullptr) != SQLITE_OK) {
        return sqlError(QStringLiteral("reading price history"));
    }
    bindText(stmt, 1, fixtureId);
    bindText(stmt, 2, marketType);
    bindText(stmt, 3, sourceId);
    sqlite3_bind_int64(stmt, 4, limit);
    std::vector<PriceRow> out;
    int rc = SQLITE_ROW;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        PriceRow r;
        r.selection = QString::fromUtf8(
            reinterpret_cast<const char *>(sqlite3_column_text(stmt, 0)), sqlite3_column_bytes(stmt, 0));
        r.timestampMs = sqlite3_column_int64(stmt, 1);
        r.price = sqlite3_column_double(stmt, 2);
        r.suspended = std::string_view(reinterpret_cast<const char *>(sqlite3_column_text(stmt, 3))) == "suspended";
        out.push_back(std::move(r));
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) {
        return sqlError(QStringLiteral("reading price history"));
    }
    return out;
}

Result<QJsonObject> SqliteStorage::tableCounts()
{
    QJsonObject out;
    for (const char *table : { "fixtures", "fixture_updates", "odds", "bets", "books", "rejects", "gaps",
             "connection_events", "feed_errors", "alerts", "ingest_state" }) {
        const QByteArray sql = QByteArray("SELECT count(*) FROM ") + table;
        sqlite3_stmt *stmt = nullptr;
        if (sqlite3_prepare_v2(m_db, sql.constData(), -1, &stmt, nullptr) != SQLITE_OK) {
            return sqlError(QStringLiteral("counting %1").arg(QLatin1String(table)));
        }
        if (sqlite3_step(stmt) == SQLITE_ROW) {
            out.insert(QLatin1String(table), sqlite3_column_int64(stmt, 0));
        }
        sqlite3_finalize(stmt);
    }
    return out;
}

} // namespace OddsTap

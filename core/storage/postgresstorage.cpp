// SPDX-License-Identifier: MIT
#include "postgresstorage.h"

#include <core/common/logging.h>
#include <core/common/timeutil.h>
#include <core/common/version.h>

#include <QElapsedTimer>
#include <QScopeGuard>
#include <QSqlDatabase>
#include <QSqlDriver>
#include <QSqlError>
#include <QThread>
#include <QUrl>
#include <QUrlQuery>

#include <libpq-fe.h>

#include <algorithm>
#include <charconv>
#include <string>

namespace OddsTap {

Result<std::unique_ptr<Storage>> PostgresStorage::open(const QString &urlText, const QString &connectionName)
{
    const QUrl url(urlText);
    std::unique_ptr<PostgresStorage> s(
        new PostgresStorage(url.toString(QUrl::RemovePassword | QUrl::RemoveQuery), connectionName));
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), connectionName);
        if (!db.isValid()) {
            return Error { QStringLiteral("storage_open"),
                QStringLiteral("the Qt PostgreSQL driver (QPSQL) is not installed") };
        }
        db.setHostName(url.host());
        db.setPort(url.port(5432));
        db.setUserName(url.userName());
        db.setDatabaseName(url.path().mid(1));
        // The URL's options (checked by StorageTarget::parse()) go to libpq as they are; ours only
        // where the URL sets none.
        QStringList options;
        const QUrlQuery query(url);
        for (const auto &[key, value] : query.queryItems(QUrl::FullyDecoded)) {
            options << key + QLatin1Char('=') + value;
        }
        if (!query.hasQueryItem(QStringLiteral("connect_timeout"))) {
            options << QStringLiteral("connect_timeout=5");
        }
        if (!query.hasQueryItem(QStringLiteral("application_name"))) {
            options << QStringLiteral("application_name=oddstap");
        }
        db.setConnectOptions(options.join(QLatin1Char(';')));
        // No password here: libpq takes it from PGPASSWORD or ~/.pgpass.
        if (!db.open()) {
            return Error { QStringLiteral("storage_unreachable"),
                QStringLiteral("cannot connect to PostgreSQL at %1: %2")
                    .arg(s->m_display, db.lastError().text().trimmed()) };
        }
        const QVariant handle = db.driver()->handle();
        if (!handle.isValid()
            || (qstrcmp(handle.typeName(), "PGconn*") != 0 && qstrcmp(handle.typeName(), "pg_conn*") != 0)) {
            return Error {
                QStringLiteral("storage_open"),
                QStringLiteral("the Qt PostgreSQL driver exposes no handle (%1)").arg(QLatin1String(handle.typeName()))
            };
        }
        s->m_conn = *static_cast<pg_conn *const *>(handle.constData());
        // Server notices ("relation ... already exists, skipping") go to the debug log, not stderr.
        PQsetNoticeProcessor(
            s->m_conn, [](void *, const char *message) { qCDebug(lcStorage) << QByteArray(message).trimmed(); },
            nullptr);
    }
    for (auto step : { &PostgresStorage::migrate, &PostgresStorage::loadState }) {
        if (auto r = (s.get()->*step)(); !r) {
            return r.error();
        }
    }
    if (auto r = s->ensurePartitions(wallClockMs()); !r) {
        return r.error();
    }
    return std::unique_ptr<Storage>(std::move(s));
}

PostgresStorage::PostgresStorage(QString display, QString connectionName)
    : m_display(std::move(display))
    , m_connectionName(std::move(connectionName))
{ }

PostgresStorage::~PostgresStorage()
{
    m_conn = nullptr;
    {
        QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
        db.close();
    }
    QSqlDatabase::removeDatabase(m_connectionName);
}

QString PostgresStorage::describe() const
{
    return QStringLiteral("PostgreSQL %1").arg(m_display);
}

Error PostgresStorage::pgError(const QString &what) const
{
    // Unavailable, as opposed to refusing this data: the connection is gone, or the server says
    // so by its SQLSTATE (08 connection, 40 serialization failure or deadlock: try again, 53 out
    // of resources, 57 shut down or cancelled, 25006 a read-only standby after a failover).
    bool lost = PQstatus(m_conn) != CONNECTION_OK;
    const QByteArray state = std::exchange(m_lastSqlState, QByteArray());
    lost = lost || state.startsWith("08") || state.startsWith("40") || state.startsWith("53") || state.startsWith("57")
        || state == "25006";
    return Error { lost ? QStringLiteral("storage_unreachable") : QStringLiteral("storage_error"),
        QStringLiteral("%1: %2").arg(what, QString::fromUtf8(PQerrorMessage(m_conn)).trimmed()) };
}

Result<void> PostgresStorage::exec(const QByteArray &sql, const QString &what, qint64 *rows)
{
    PGresult *res = PQexec(m_conn, sql.constData());
    const ExecStatusType status = PQresultStatus(res);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        noteSqlState(res);
        PQclear(res);
        return pgError(what);
    }
    if (rows) {
        *rows = QByteArray(PQcmdTuples(res)).toLongLong();
    }
    PQclear(res);
    return {};
}

void PostgresStorage::noteSqlState(const PGresult *result)
{
    const char *state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
    m_lastSqlState = state ? QByteArray(state) : QByteArray();
}

Result<PostgresStorage::PgResult> PostgresStorage::execParams(
    const char *sql, const std::vector<QByteArray> &params, const QString &what)
{
    std::vector<const char *> values;
    values.reserve(params.size());
    for (const QByteArray &p : params) {
        values.push_back(p.constData());
    }
    PgResult res(PQexecParams(m_conn, sql, int(values.size()), nullptr, values.data(), nullptr, nullptr, 0), &PQclear);
    const ExecStatusType status = PQresultStatus(res.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        noteSqlState(res.get());
        return pgError(what);
    }
    return res;
}

Result<bool> PostgresStorage::deadLetterStored(const QString &id)
{
    const auto res = execParams("SELECT 1 FROM stored_dead_letters WHERE id = $1", { id.toUtf8() },
        QStringLiteral("looking up a requeued dead letter"));
    if (!res) {
        return res.error();
    }
    return PQntuples(res->get()) > 0;
}

Result<void> PostgresStorage::copy(const QByteArray &copySql, const QByteArray &data, const QString &what)
{
    PGresult *res = PQexec(m_conn, copySql.constData());
    if (PQresultStatus(res) != PGRES_COPY_IN) {
        PQclear(res);
        return pgError(what);
    }
    PQclear(res);
    if (PQputCopyData(m_conn, data.constData(), int(data.size())) != 1 || PQputCopyEnd(m_conn, nullptr) != 1) {
        return pgError(what);
    }
    bool ok = true;
    while (PGresult *r = PQgetResult(m_conn)) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            ok = false;
            noteSqlState(r);
        }
        PQclear(r);
    }
    return ok ? Result<void>() : Result<void>(pgError(what));
}

Result<void> PostgresStorage::ensureConnected()
{
    if (PQstatus(m_conn) != CONNECTION_OK) {
        PQreset(m_conn); // reconnect in place (QtSql keeps the same PGconn)
        if (PQstatus(m_conn) != CONNECTION_OK) {
            return pgError(QStringLiteral("reconnecting to PostgreSQL at %1").arg(m_display));
        }
        m_tempTablesReady = false; // temp tables die with the session
        m_relock = true;
        qCInfo(lcStorage).noquote() << "reconnected to PostgreSQL at" << m_display;
    }
    return {};
}

Result<void> PostgresStorage::holdClaimedSources()
{
    if (auto r = ensureConnected(); !r) {
        return r;
    }
    if (!m_relock) {
        return {};
    }
    // So do advisory locks: this writer must hold its sources again before it writes, until then
    // every write stops here (another writer may have taken a source while this one was away).
    for (const QString &source : std::as_const(m_claimedSources)) {
        if (auto r = takeSourceLock(source); !r) {
            return r;
        }
    }
    // What another writer stored meanwhile, and whether the last commit before the loss landed:
    // the database says, not what this writer remembered.
    if (auto r = loadState(); !r) {
        return r;
    }
    m_relock = false;
    return {};
}

Result<void> PostgresStorage::takeSourceLock(const QString &sourceId)
{
    // A session-level advisory lock: the server releases it when this connection ends, however
    // the process ends. Keyed by a hash of the source id within this database.
    const QByteArray key = "oddstap-writer:" + sourceId.toUtf8();
    const char *values[] = { key.constData() };
    // A writer that was killed holds the lock until its backend notices the connection is gone,
    // which takes a moment when the backend was busy: a capture restarted right after a crash
    // waits that long before it refuses.
    constexpr qint64 kLockWaitMs = 5000;
    QElapsedTimer waited;
    waited.start();
    bool got = false;
    PGresult *res = nullptr;
    for (;;) {
        res = PQexecParams(
            m_conn, "SELECT pg_try_advisory_lock(hashtextextended($1, 0))", 1, nullptr, values, nullptr, nullptr, 0);
        if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
            PQclear(res);
            return pgError(QStringLiteral("taking the writer lock of source '%1'").arg(sourceId));
        }
        got = QByteArrayView(PQgetvalue(res, 0, 0)) == "t";
        PQclear(res);
        if (got || waited.elapsed() >= kLockWaitMs) {
            break;
        }
        QThread::msleep(200);
    }
    QString who;
    if (!got) {
        // Who holds it, for the message; best effort.
        res = PQexecParams(m_conn,
            "SELECT string_agg(format('backend pid %s from %s, since %s', a.pid, "
            "coalesce(host(a.client_addr), 'a local socket'), a.backend_start), '; ') "
            "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND a.pid <> pg_backend_pid() "
            "AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended($1, 0)",
            1, nullptr, values, nullptr, nullptr, 0);
        if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
            who = QString::fromUtf8(PQgetvalue(res, 0, 0));
        }
        PQclear(res);
    }
    if (!got) {
        return Error { QStringLiteral("source_locked"),
            QStringLiteral("source '%1' is already being captured into %2 by another writer (%3). A database takes "
                           "one writer per source, or every row would be stored twice: stop that capture first, or "
                           "give this feed another source id")
                .arg(sourceId, m_display, who.isEmpty() ? QStringLiteral("backend unknown") : who) };
    }
    return {};
}

Result<void> PostgresStorage::claimSource(const QString &sourceId)
{
    if (m_claimedSources.contains(sourceId)) {
        return {};
    }
    if (auto r = takeSourceLock(sourceId); !r) {
        return r;
    }
    m_claimedSources << sourceId;
    return {};
}

Result<void> PostgresStorage::migrate()
{
    // Two processes opening a new database at once (a capture and `stats`, say) would both see no
    // schema and both create it; the second fails on "already exists". A session-level advisory
    // lock makes the read-and-migrate one step per database; the other opener waits for it and
    // then finds the schema in place.
    if (auto r = exec("SELECT pg_advisory_lock(hashtextextended('oddstap-schema', 0))",
            QStringLiteral("waiting for another process's schema migration"));
        !r) {
        return r;
    }
    const auto unlock = qScopeGuard(
        [this] { PQclear(PQexec(m_conn, "SELECT pg_advisory_unlock(hashtextextended('oddstap-schema', 0))")); });
    auto scalar = [this](const QByteArray &sql, qint64 &out) -> bool {
        PGresult *res = PQexec(m_conn, sql.constData());
        const bool ok = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
        out = ok ? QByteArray(PQgetvalue(res, 0, 0)).toLongLong() : 0;
        PQclear(res);
        return ok;
    };
    qint64 tables = 0;
    qint64 hasVersion = 0;
    if (!scalar("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()", tables)
        || !scalar(
            "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'schema_version'",
            hasVersion)) {
        return pgError(QStringLiteral("reading the schema"));
    }
    qint64 version = 0;
    if (hasVersion != 0) {
        qint64 ours = 0;
        if (!scalar("SELECT count(*) FROM schema_version WHERE application LIKE 'OddsTap%'", ours)) {
            return pgError(QStringLiteral("reading the schema version"));
        }
        if (ours == 0) {
            hasVersion = 0; // somebody else's schema_version table
        } else if (!scalar("SELECT coalesce(max(version), 0) FROM schema_version", version)) {
            return pgError(QStringLiteral("reading the schema version"));
        }
    }
    if (tables > 0 && hasVersion == 0) {
        return Error { QStringLiteral("storage_foreign"),
            QStringLiteral("the PostgreSQL database at %1 holds tables that are not OddsTap's: refusing "
                           "to touch it (use an empty database)")
                .arg(m_display) };
    }
    if (version > kSchemaVersion) {
        return newerSchemaError(QStringLiteral("the database at %1").arg(m_display), version);
    }
    for (int v = int(version) + 1; v <= kSchemaVersion; ++v) {
        const auto sql = migrationSql(QStringLiteral("postgresql"), v);
        if (!sql) {
            return sql.error();
        }
        QByteArray script = "BEGIN;\n" + *sql;
        if (v == 1) {
            script += "\nCREATE TABLE schema_version (version integer NOT NULL, applied_at bigint NOT NULL, "
                      "application text NOT NULL);";
        }
        script += "\nINSERT INTO schema_version VALUES (" + QByteArray::number(v) + ", "
            + QByteArray::number(wallClockMs()) + ", 'OddsTap " + kVersion + "');\nCOMMIT;";
        if (auto r = exec(script, QStringLiteral("applying migration %1").arg(v)); !r) {
            (void)exec("ROLLBACK", QStringLiteral("rolling back"));
            return r;
        }
        qCInfo(lcStorage).noquote() << "applied schema migration" << v << "to" << m_display;
    }
    m_version = kSchemaVersion;
    return {};
}

Result<void> PostgresStorage::loadState()
{
    PGresult *res = PQexec(m_conn, "SELECT source_id, last_seq FROM ingest_state");
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        PQclear(res);
        return pgError(QStringLiteral("reading ingest_state"));
    }
    for (int i = 0; i < PQntuples(res); ++i) {
        m_committed[QString::fromUtf8(PQgetvalue(res, i, 0))] = QByteArray(PQgetvalue(res, i, 1)).toULongLong();
    }
    PQclear(res);
    return {};
}

Result<quint64> PostgresStorage::query(const QString &sql, const QStringList &params, const RowCallback &onRow)
{
    if (auto r = ensureConnected(); !r) {
        return r.error();
    }
    // `?` placeholders become $1..$n.
    QString pgSql;
    int n = 0;
    for (const QChar ch : sql) {
        if (ch == QLatin1Char('?')) {
            pgSql += QStringLiteral("$%1").arg(++n);
        } else {
            pgSql += ch;
        }
    }
    std::vector<QByteArray> values;
    std::vector<const char *> pointers;
    for (const QString &p : params) {
        values.push_back(p.toUtf8());
    }
    for (const QByteArray &v : values) {
        pointers.push_back(v.constData());
    }
    const QByteArray text = pgSql.toUtf8();
    if (!PQsendQueryParams(
            m_conn, text.constData(), int(pointers.size()), nullptr, pointers.data(), nullptr, nullptr, 0)
        || !PQsetSingleRowMode(m_conn)) {
        return pgError(QStringLiteral("starting a query"));
    }
    quint64 rows = 0;
    bool stopped = false;
    std::optional<Error> failure;
    while (PGresult *res = PQgetResult(m_conn)) {
        const ExecStatusType status = PQresultStatus(res);
        if (status == PGRES_SINGLE_TUPLE && !stopped) {
            const int columns = PQnfields(res);
            RowView row(static_cast<std::size_t>(columns));
            for (int c = 0; c < columns; ++c) {
                if (!PQgetisnull(res, 0, c)) {
                    row[std::size_t(c)] = QByteArrayView(PQgetvalue(res, 0, c), PQgetlength(res, 0, c));
                }
            }
            ++rows;
            if (!onRow(row)) {
                stopped = true;
                PQrequestCancel(m_conn);
            }
        } else if (status != PGRES_TUPLES_OK && status != PGRES_SINGLE_TUPLE && !stopped && !failure) {
            failure = pgError(QStringLiteral("reading rows"));
        }
        PQclear(res);
    }
    if (failure) {
        return *failure;
    }
    return rows;
}

Result<std::vector<PriceRow>> PostgresStorage::priceHistory(
    const QString &sourceId, const QString &fixtureId, const QString &marketType, qint64 limit)
{
    if (auto r = ensureConnected(); !r) {
        return r.error();
    }
    const QByteArray p1 = fixtureId.toUtf8();
    const QByteArray p2 = marketType.toUtf8();
    const QByteArray p3 = sourceId.toUtf8();
    const QByteArray p4 = QByteArray::number(limit);
    const char *values[] = { p1.constData(), p2.constData(), p3.constData(), p4.constData() };
    PGresult *res = PQexecParams(m_conn,
        "SELECT selection, timestamp, odd_value, status FROM (SELECT selection, timestamp, odd_value, status, seq "
        "FROM odds WHERE fixture_id = $1 AND market_type = $2 AND source_id = $3 ORDER BY timestamp DESC, seq DESC "
        "LIMIT $4::bigint) t ORDER BY timestamp, seq",
        4, nullptr, values, nullptr, nullptr, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        PQclear(res);
        return pgError(QStringLiteral("reading price history"));
    }
    std::vector<PriceRow> out;
    const int n = PQntuples(res);
    out.reserve(std::size_t(n));
    for (int i = 0; i < n; ++i) {
        PriceRow r;
        r.selection = QString::fromUtf8(PQgetvalue(res, i, 0));
        r.timestampMs = QByteArray(PQgetvalue(res, i, 1)).toLongLong();
        r.price = QByteArray(PQgetvalue(res, i, 2)).toDouble();
        r.suspended = qstrcmp(PQgetvalue(res, i, 3), "suspended") == 0;
        out.push_back(std::move(r));
    }
    PQclear(res);
    return out;
}

Result<QJsonObject> PostgresStorage::tableCounts()
{
    if (auto r = ensureConnected(); !r) {
        return r.error();
    }
    QJsonObject out;
    for (const char *table : { "fixtures", "fixture_updates", "odds", "bets", "books", "rejects", "gaps",
             "connection_events", "feed_errors", "alerts", "ingest_state" }) {
        const QByteArray sql = QByteArray("SELECT count(*) FROM ") + table;
        PGresult *res = PQexec(m_conn, sql.constData());
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
            PQclear(res);
            return pgError(QStringLiteral("counting %1").arg(QLatin1String(table)));
        }
        out.insert(QLatin1String(table), QByteArray(PQgetvalue(res, 0, 0)).toLongLong());
        PQclear(res);
    }
    return out;
}

} // namespace OddsTap

// SPDX-License-Identifier: MIT
#include "storage.h"

#include <core/broker/brokerpublisher.h>
#include <core/common/redact.h>
#include <core/common/version.h>
#include <core/storage/postgresstorage.h>
#include <core/storage/sqlitestorage.h>

#include <QDir>
#include <QFile>
#include <QStandardPaths>
#include <QUrl>
#include <QUrlQuery>

namespace OddsTap {

const QStringList &postgresUrlOptions()
{
    static const QStringList options { QStringLiteral("sslmode"), QStringLiteral("sslrootcert"),
        QStringLiteral("sslcert"), QStringLiteral("sslkey"), QStringLiteral("sslcrl"), QStringLiteral("sslsni"),
        QStringLiteral("ssl_min_protocol_version"), QStringLiteral("ssl_max_protocol_version"),
        QStringLiteral("gssencmode"), QStringLiteral("channel_binding"), QStringLiteral("requirepeer"),
        QStringLiteral("krbsrvname"), QStringLiteral("connect_timeout"), QStringLiteral("application_name"),
        QStringLiteral("target_session_attrs"), QStringLiteral("keepalives"), QStringLiteral("keepalives_idle"),
        QStringLiteral("keepalives_interval"), QStringLiteral("keepalives_count"), QStringLiteral("tcp_user_timeout"),
        QStringLiteral("options") };
    return options;
}

Result<StorageTarget> StorageTarget::parse(const QString &spec)
{
    StorageTarget t;
    if (spec.startsWith(QLatin1String("postgresql://")) || spec.startsWith(QLatin1String("postgres://"))) {
        const QUrl url(spec, QUrl::StrictMode);
        if (!url.isValid() || url.host().isEmpty() || url.path().size() < 2) {
            return Error { QStringLiteral("bad_db"),
                QStringLiteral("invalid PostgreSQL URL '%1': expected postgresql://user@host:port/database")
                    .arg(redactedUrlText(spec)) };
        }
        if (!url.password().isEmpty()) {
            return Error { QStringLiteral("bad_db"),
                QStringLiteral("the PostgreSQL URL carries a password: use PGPASSWORD or ~/.pgpass instead") };
        }
        if (url.path().contains(QLatin1Char('@')) || url.hasFragment()) {
            // postgresql://bob:1/secret@host/db parses as host "bob", port 1, and a '#' starts a
            // fragment: a password with unencoded characters, which no message may repeat.
            return Error { QStringLiteral("bad_db"),
                QStringLiteral("invalid PostgreSQL URL: an '@' after the host or a '#' (a password with "
                               "unencoded characters?); passwords go in PGPASSWORD or ~/.pgpass") };
        }
        // Options go to libpq as given (TLS among them: never weakened); those it would take a
        // secret from, or that are not libpq's, are refused rather than dropped in silence.
        for (const auto &[key, value] : QUrlQuery(url).queryItems(QUrl::FullyDecoded)) {
            Q_UNUSED(value);
            if (key == QLatin1String("password") || key == QLatin1String("passfile")) {
                return Error { QStringLiteral("bad_db"),
                    QStringLiteral("the PostgreSQL URL carries a %1 option: use PGPASSWORD or ~/.pgpass instead")
                        .arg(key) };
            }
            if (!postgresUrlOptions().contains(key)) {
                return Error { QStringLiteral("bad_db"),
                    QStringLiteral("unknown PostgreSQL URL option '%1' (supported: %2)")
                        .arg(key, postgresUrlOptions().join(QStringLiteral(", "))) };
            }
        }
        t.kind = Kind::Postgres;
        t.url = spec;
        return t;
    }
    if (spec.contains(QLatin1String("://"))) {
        return Error {
            QStringLiteral("bad_db"),
            QStringLiteral("unsupported database URL '%1': use a file path or postgresql://").arg(redactedUrlText(spec))
        };
    }
    if (spec.trimmed().isEmpty()) {
        return Error { QStringLiteral("bad_db"), QStringLiteral("empty database path") };
    }
    t.kind = Kind::Sqlite;
    t.path = QDir::cleanPath(QDir::current().absoluteFilePath(spec));
    return t;
}

void WriteResult::addCounts(const WriteResult &r)
{
    fixtureUpdates += r.fixtureUpdates;
    odds += r.odds;
    bets += r.bets;
    rejects += r.rejects;
    gaps += r.gaps;
    connectionEvents += r.connectionEvents;
    feedErrors += r.feedErrors;
    books += r.books;
    alerts += r.alerts;
    duplicateAlerts += r.duplicateAlerts;
    duplicateSeqs += r.duplicateSeqs;
    duplicateBets += r.duplicateBets;
    streamAdvances += r.streamAdvances;
    writeNs += r.writeNs;
}

Result<StorageTarget> StorageTarget::broker(const QString &amqpUrl, const QString &stateDirectory)
{
    const auto amqp = AmqpTarget::parse(amqpUrl);
    if (!amqp) {
        return amqp.error();
    }
    StorageTarget t;
    t.kind = Kind::Broker;
    t.url = amqpUrl;
    t.path = stateDirectory.isEmpty() ? BrokerPublisher::defaultStateDirectory(*amqp)
                                      : QDir::cleanPath(QDir::current().absoluteFilePath(stateDirectory));
    return t;
}

QString StorageTarget::dataDirectory()
{
    return QDir(QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation))
        .filePath(QStringLiteral("oddstap"));
}

QString StorageTarget::defaultSqlitePath()
{
    return QDir(dataDirectory()).filePath(QStringLiteral("oddstap.db"));
}

QString StorageTarget::defaultSpoolDirectory() const
{
    if (kind == Kind::Sqlite) {
        return path + QStringLiteral(".spool");
    }
    if (kind == Kind::Broker) {
        return QDir(path).filePath(QStringLiteral("spool"));
    }
    const QUrl u(url);
    const QString name = QStringLiteral("%1_%2_%3").arg(u.host()).arg(u.port(5432)).arg(u.path().mid(1));
    return QDir(QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation))
        .filePath(QStringLiteral("oddstap/spool/") + name);
}

QString StorageTarget::display() const
{
    // The query's options are not secrets (a password there is refused), but they are noise in messages.
    if (kind == Kind::Broker) {
        const auto amqp = AmqpTarget::parse(url);
        return amqp ? amqp->describe() : QString();
    }
    return kind == Kind::Sqlite ? path : QUrl(url).toString(QUrl::RemovePassword | QUrl::RemoveQuery);
}

AlreadyCommitted::AlreadyCommitted(const EventBatch &batch, const SeqMap &committed, const PartitionMark *mark)
    : m_committed(committed)
    , m_batchSource(batch.sourceId)
{
    if (!batch.partitionKey.isEmpty()) {
        m_partitioned = true;
        if (mark && batch.deadLetterId.isEmpty()) {
            m_batchSeq = mark->seq;
            const quint64 last = batch.lastSeq.value_or(0);
            m_wholeBatch = last < mark->seq || (last == mark->seq && mark->messageIds.contains(batch.messageId));
        }
        return;
    }
    if (const auto it = committed.find(batch.sourceId); it != committed.end()) {
        m_batchSeq = it->second;
    }
}

bool AlreadyCommitted::operator()(const Event &event) const
{
    if (!event.advancesStream()) {
        return false;
    }
    if (m_partitioned) {
        return m_batchSeq && event.seq <= *m_batchSeq;
    }
    if (event.sourceId == m_batchSource) {
        return m_batchSeq && event.seq <= *m_batchSeq;
    }
    const auto it = m_committed.find(event.sourceId);
    return it != m_committed.end() && event.seq <= it->second;
}

void notePartitionMark(const EventBatch &batch, PartitionMark &mark)
{
    const quint64 last = batch.lastSeq.value_or(0);
    if (last > mark.seq) {
        mark.seq = last;
        mark.messageIds = { batch.messageId };
    } else if (last == mark.seq && !mark.messageIds.contains(batch.messageId)) {
        // Messages that do not move the seq are a source's connection events while its feed is
        // down: bounded, the oldest go (one of those delivered again after that would be stored twice).
        constexpr qsizetype kMaxIds = 64;
        if (mark.messageIds.size() >= kMaxIds) {
            mark.messageIds.removeFirst();
        }
        mark.messageIds.append(batch.messageId);
    }
}

void noteLastSeq(const EventBatch &batch, const SeqMap &committed, SeqMap &next)
{
    if (!batch.lastSeq || batch.sourceId.isEmpty() || !batch.partitionKey.isEmpty()) {
        return;
    }
    const auto it = committed.find(batch.sourceId);
    if (it == committed.end() || *batch.lastSeq > it->second) {
        quint64 &seq = next[batch.sourceId];
        seq = std::max(seq, *batch.lastSeq);
    }
}

Result<QByteArray> migrationSql(const QString &backend, int version)
{
    const QDir dir(QStringLiteral(":/sql/") + backend);
    const QStringList files =
        dir.entryList({ QStringLiteral("%1_*.sql").arg(version, 3, 10, QLatin1Char('0')) }, QDir::Files);
    QFile file(files.size() == 1 ? dir.filePath(files.first()) : QString());
    if (files.size() != 1 || !file.open(QIODevice::ReadOnly)) {
        return Error { QStringLiteral("storage_migration"),
            QStringLiteral("migration %1 for %2 is missing from the build").arg(version).arg(backend) };
    }
    return file.readAll();
}

Error newerSchemaError(const QString &where, qint64 version)
{
    return Error { QStringLiteral("storage_newer"),
        QStringLiteral("%1 has schema version %2, newer than this OddsTap %3 understands (%4): upgrade OddsTap to "
                       "open it")
            .arg(where)
            .arg(version)
            .arg(QLatin1String(kVersion))
            .arg(kSchemaVersion) };
}

Result<std::unique_ptr<Storage>> Storage::openForReading(const StorageTarget &target, const QString &connectionName)
{
    if (target.kind == StorageTarget::Kind::Sqlite) {
        return SqliteStorage::open(target.path, connectionName, kDefaultBusyTimeoutMs, false, true);
    }
    if (target.kind == StorageTarget::Kind::Broker) {
        return Error { QStringLiteral("usage"),
            QStringLiteral("%1 is a broker, not a database: read what the writers stored").arg(target.display()) };
    }
    return PostgresStorage::open(target.url, connectionName);
}

Result<std::unique_ptr<Storage>> Storage::open(
    const StorageTarget &target, const QString &connectionName, int busyTimeoutMs, bool capture)
{
    if (target.kind == StorageTarget::Kind::Sqlite) {
        return SqliteStorage::open(target.path, connectionName, busyTimeoutMs, capture);
    }
    if (target.kind == StorageTarget::Kind::Broker) {
        const auto amqp = AmqpTarget::parse(target.url);
        if (!amqp) {
            return amqp.error();
        }
        return BrokerPublisher::open(*amqp, target.path);
    }
    return PostgresStorage::open(target.url, connectionName);
}

} // namespace OddsTap

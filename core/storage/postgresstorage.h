// SPDX-License-Identifier: MIT
#pragma once

#include <core/storage/storage.h>

#include <memory>
#include <set>
#include <vector>

struct pg_conn;
struct pg_result;

namespace OddsTap {

/// PostgreSQL back end. QtSql (QPSQL) opens the connection, so libpq reads the password from
/// PGPASSWORD or ~/.pgpass as usual; the insert path bulk-loads with COPY on the raw PGconn behind
/// QSqlDriver::handle(). odds and fixture_updates are partitioned by day of received_at, with
/// partitions created ahead. A lost connection is re-established on the next write (the writer
/// retries with backoff). Lives in: the storage thread that opened it.
class PostgresStorage final : public Storage
{
public:
    static Result<std::unique_ptr<Storage>> open(const QString &url, const QString &connectionName);
    ~PostgresStorage() override;

    using Storage::write;
    Result<WriteResult> write(
        const std::vector<const EventBatch *> &batches, const std::vector<Alert> &alerts) override;
    const SeqMap &committedSeqs() const override { return m_committed; }
    bool sortsOutOfProcess() const override { return true; }
    Result<quint64> query(const QString &sql, const QStringList &params, const RowCallback &onRow) override;
    Result<std::vector<PriceRow>> priceHistory(
        const QString &sourceId, const QString &fixtureId, const QString &marketType, qint64 limit) override;
    Result<QJsonObject> tableCounts() override;
    QString describe() const override;
    Result<void> claimSource(const QString &sourceId) override;
    int schemaVersion() const override { return m_version; }

private:
    class CopySink;
    PostgresStorage(QString display, QString connectionName);
    Result<void> migrate();
    Result<void> loadState();
    Result<void> ensureConnected();
    /// ensureConnected(), and after a reconnect the claimed sources' locks taken again and the
    /// committed seqs read again: before every write (reads need neither).
    Result<void> holdClaimedSources();
    Result<void> ensurePartitions(qint64 upToMs);
    Result<void> exec(const QByteArray &sql, const QString &what, qint64 *rows = nullptr);
    Result<void> copy(const QByteArray &copySql, const QByteArray &data, const QString &what);
    Error pgError(const QString &what) const;
    using PgResult = std::unique_ptr<pg_result, void (*)(pg_result *)>;
    /// Runs one statement with text parameters ($1, $2, ...): its result, or the error naming `what`.
    Result<PgResult> execParams(const char *sql, const std::vector<QByteArray> &params, const QString &what);
    Result<bool> deadLetterStored(const QString &id);
    /// Keeps the SQLSTATE of a failed result for pgError(), which tells an outage from a refusal by it.
    void noteSqlState(const pg_result *result);
    Result<void> prepareSession();
    /// Inside the transaction: locks the partition_state rows of the batches' partitions (creating
    /// them) and reads them into m_partitions.
    Result<void> lockPartitions(const std::vector<const EventBatch *> &batches);

    QString m_display;
    QString m_connectionName;
    pg_conn *m_conn = nullptr; ///< owned by QtSql's connection
    int m_version = 0;
    bool m_tempTablesReady = false;
    QStringList m_claimedSources; ///< advisory locks held by this session (taken again after a reconnect)
    Result<void> takeSourceLock(const QString &sourceId);
    std::set<qint64> m_partitionDays; ///< days (since the epoch) that have partitions
    SeqMap m_committed;
    /// The connection was lost: its source locks went with it, and must be held again (and the
    /// committed seqs read again) before the next write.
    bool m_relock = false;
    mutable QByteArray m_lastSqlState;
    PartitionMarks m_partitions; ///< how far broker writers stored each partition, as last read under lock
};

} // namespace OddsTap

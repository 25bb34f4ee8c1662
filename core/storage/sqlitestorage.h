// SPDX-License-Identifier: MIT
#pragma once

#include <core/storage/storage.h>
#include <core/storage/walcheckpointer.h>

#include <QStringEncoder>

struct sqlite3;
struct sqlite3_stmt;

namespace OddsTap {

/// SQLite back end. QtSql opens the file and owns the connection; the insert path uses prepared
/// statements on the raw sqlite3 handle behind QSqlDriver::handle() (QtSql's per-value QVariant
/// binding costs more than the insert itself). WAL, synchronous=NORMAL, 16 MiB page cache; a
/// connection that writes checkpoints from a second connection on its own thread (WalCheckpointer).
/// Lives in: the storage thread that opened it.
class SqliteStorage final : public Storage
{
public:
    /// Per-connection tuning, after WAL is on. Shared with bench/ingest's ceiling loop.
    static constexpr const char *kTuningPragmas =
        "PRAGMA synchronous=NORMAL; PRAGMA cache_size=-16384; PRAGMA temp_store=MEMORY;";
    /// Odds go in by this many rows per INSERT statement (a transaction's remainder one by one):
    /// one statement execution (cursors opened, step, reset) per 32 rows instead of per row. The
    /// writer's time per event fell 5-7 % (bench_ingest, interleaved against one row per
    /// statement); 16-128 measured alike.
    static constexpr int kOddsRowsPerStatement = 32;
    /// The odds INSERT for `rows` rows, ten parameters each (shared with bench/ingest's ceiling).
    static QByteArray oddsInsertSql(int rows);

    /// `capture`: the capture writer's connection. It gathers its WAL writes (walwritebuffer.h),
    /// and it checks the file first (PRAGMA quick_check): a damaged database is refused rather
    /// than written into, with how to recover what it holds. The check reads every page (here
    /// about 4 s per GB with the file in the page cache, 18 s per GB without), so a database of
    /// more than fullCheckMaxBytes() (its pages, the WAL's included) has only the schema (with the
    /// free-page list) and the tables a resume reads checked at start (ingest_state,
    /// schema_version): damage elsewhere stops the capture at the first write that meets it, with
    /// the same advice (StorageWriter), never as an outage.
    /// `readOnly`: opened read-only, never configured or migrated (Storage::openForReading).
    static Result<std::unique_ptr<Storage>> open(const QString &path, const QString &connectionName,
        int busyTimeoutMs = kDefaultBusyTimeoutMs, bool capture = false, bool readOnly = false);
    static qint64 fullCheckMaxBytes();
    static constexpr qint64 kFullCheckMaxBytes = 1024LL * 1024 * 1024;
    /// For tests: a smaller (or larger) file size up to which the start check reads everything.
    static void setFullCheckMaxBytes(qint64 bytes);
    /// What to do about a damaged database file, for error messages.
    static QString recoveryAdvice(const QString &path);
    /// Why the existing, non-empty file at @p path is not a database to open at all (another kind of
    /// file, or an OddsTap capture), before SQLite calls it damaged; none when it may be one.
    static std::optional<Error> notADatabase(const QString &path);
    /// Whether another open storage (this process or another) writes `sourceId` into the
    /// database at `path` now: its writer lock is held.
    static bool sourceHeldElsewhere(const QString &path, const QString &sourceId);
    /// Whether the WAL write buffer is available in this process (ODDSTAP_NO_WAL_BUFFER unset).
    static bool walBufferAvailable();
    ~SqliteStorage() override;

    using Storage::write;
    Result<WriteResult> write(
        const std::vector<const EventBatch *> &batches, const std::vector<Alert> &alerts) override;
    void idle() override;
    const SeqMap &committedSeqs() const override { return m_committed; }
    Result<quint64> query(const QString &sql, const QStringList &params, const RowCallback &onRow) override;
    Result<std::vector<PriceRow>> priceHistory(
        const QString &sourceId, const QString &fixtureId, const QString &marketType, qint64 limit) override;
    Result<QJsonObject> tableCounts() override;
    QString describe() const override;
    Result<void> claimSource(const QString &sourceId) override;
    int schemaVersion() const override { return m_version; }
    /// WAL checkpoints completed by the background connection (for tests and diagnostics).
    quint64 backgroundCheckpoints() const;
    /// The bytes held by the page caches of this process's open storage connections, as of
    /// each one's last commit (for the GUI bench's memory lines: the caches fill up to
    /// cache_size as a database grows, which the heap shows as growth that then stops).
    static qint64 pageCacheBytesInProcess();

private:
    SqliteStorage(QString path, QString connectionName);
    Result<void> configure();
    Result<void> migrate();
    Result<void> prepare();
    Result<void> loadState();
    /// Sets this connection's share of pageCacheBytesInProcess() (storage thread).
    void setPageCacheUse(qint64 bytes);
    /// PRAGMA quick_check of the whole file, or of @p tables only (and their indexes).
    Result<void> quickCheck(const QStringList &tables = {});
    Error sqlError(const QString &what) const;
    Result<void> exec(const char *sql, const QString &what);
    /// The first column of the first row of `sql`; false when it fails or returns no row.
    bool scalar(const char *sql, qint64 &out);
    /// Binds text as UTF-8 from a buffer kept per parameter (SQLITE_STATIC): SQLite's own
    /// conversion of UTF-16 allocates for every value, and it was a tenth of the writer's time.
    /// The buffer stays valid until the parameter is bound again, which every insert does first.
    void bindText(sqlite3_stmt *s, int i, QStringView text);
    void bindTextOrNull(sqlite3_stmt *s, int i, QStringView text);
    void bindCommon(sqlite3_stmt *s, const Event &e);
    void startCheckpointer();
    static int onWalCommit(void *self, sqlite3 *db, const char *schema, int frames);
    class RowSink;

    QString m_path;
    QString m_connectionName;
    std::map<QString, int> m_sourceLocks; ///< source -> descriptor of its flock()ed lock file
    sqlite3 *m_db = nullptr; ///< owned by QtSql's connection
    qint64 m_pageCacheBytes = 0;
    int m_version = 0;
    int m_busyTimeoutMs = kDefaultBusyTimeoutMs;
    bool m_readOnly = false;
    int m_maxWalFrames = 65536; ///< set from the page size when the database is configured
    int m_backlogCheckpointFrames = 8192; ///< likewise; see kBacklogCheckpointBytes
    int m_walFrames = 0; ///< in the WAL after the last commit
    qint64 m_pageSize = 4096;
    int m_checkpointedFrames = 0; ///< of those, how many the last checkpoint asked for covers
    SeqMap m_committed;
    std::unique_ptr<WalCheckpointer::Handle> m_checkpointer; ///< started by the first write()
    /// Why the open file is no longer the database at m_path (deleted, renamed, replaced), or "".
    QString fileGone() const;
    QStringEncoder m_utf8 { QStringEncoder::Utf8, QStringConverter::Flag::Stateless };
    std::vector<std::vector<char>> m_textBuffers; ///< one per parameter index
    sqlite3_stmt *m_insFixtureUpdate = nullptr;
    sqlite3_stmt *m_upsertFixture = nullptr;
    sqlite3_stmt *m_insOdds = nullptr;
    sqlite3_stmt *m_insOddsMany = nullptr; ///< kOddsRowsPerStatement rows
    sqlite3_stmt *m_insBet = nullptr;
    sqlite3_stmt *m_insReject = nullptr;
    sqlite3_stmt *m_insGap = nullptr;
    sqlite3_stmt *m_insConnectionEvent = nullptr;
    sqlite3_stmt *m_insAlert = nullptr;
    sqlite3_stmt *m_insFeedError = nullptr;
    sqlite3_stmt *m_insBook = nullptr;
    sqlite3_stmt *m_upsertIngest = nullptr;
};

} // namespace OddsTap

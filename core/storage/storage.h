// SPDX-License-Identifier: MIT
#pragma once

#include <core/alerts/alert.h>
#include <core/common/event.h>
#include <core/common/latencyhistogram.h>
#include <core/common/result.h>

#include <QByteArrayView>
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

namespace OddsTap {

/// Where history goes: a SQLite file path, or a postgresql:// URL (password from PGPASSWORD or
/// ~/.pgpass, never from the URL's text in logs).
struct StorageTarget
{
    enum class Kind
    {
        Sqlite,
        Postgres,
        Broker, ///< a collector's: batches go to RabbitMQ for the writers (BrokerPublisher)
    };
    Kind kind = Kind::Sqlite;
    QString path; ///< SQLite file; Broker: the directory of the collector's resume points and spool
    QString url; ///< PostgreSQL or amqp:// URL, as given

    /// A collector's target: the broker at `amqpUrl`, its state under `stateDirectory` (empty: the
    /// default for that broker under the data directory).
    static Result<StorageTarget> broker(const QString &amqpUrl, const QString &stateDirectory = {});

    /// Parses `--db` text: a postgresql:// or postgres:// URL, else a file path.
    static Result<StorageTarget> parse(const QString &spec);
    /// The default SQLite file under the user's data directory.
    static QString defaultSqlitePath();
    /// OddsTap's one data directory ($XDG_DATA_HOME/oddstap, usually ~/.local/share/oddstap): the
    /// default database, the demo's database and the GUI's recordings live there.
    static QString dataDirectory();
    QString display() const; ///< for logs and messages: never contains a password
    /// Where the storage queue spills when the database falls behind: `<file>.spool` beside a
    /// SQLite file, or a folder per server and database under the user's data directory.
    QString defaultSpoolDirectory() const;
};

/// The libpq connection options a postgresql:// URL may carry in its query (`?sslmode=require`).
const QStringList &postgresUrlOptions();

/// What one committed batch did.
struct WriteResult
{
    SeqMap committedSeqs; ///< sources whose committed seq this write moved, and to what
    quint64 fixtureUpdates = 0;
    quint64 odds = 0;
    quint64 bets = 0;
    quint64 rejects = 0;
    quint64 gaps = 0;
    quint64 connectionEvents = 0;
    quint64 feedErrors = 0;
    quint64 books = 0; ///< order-book changes (exchange profiles)
    quint64 alerts = 0; ///< fired alerts stored
    quint64 duplicateAlerts = 0; ///< alerts stored already (a retried write, a resent event), left out
    quint64 duplicateSeqs = 0; ///< events at or below the committed seq (already stored)
    quint64 duplicateBets = 0; ///< bets whose (source_id, bet_id) is already stored
    quint64 streamAdvances = 0; ///< of the batch, now committed
    qint64 writeNs = 0;
    qint64 walBytes = 0; ///< SQLite: the write-ahead log's size after this commit (0 elsewhere)
    LatencyHistogram receiveToCommit; ///< per event: frame received -> transaction committed
    // Filled in by the writer after the commit: its queue as it stands.
    quint64 queuedBatches = 0;
    quint64 queuedEvents = 0;
    qint64 spoolBytes = 0;
    quint64 spoolBatches = 0;
    quint64 spilledBatches = 0; ///< batches that went to disk so far
    quint64 peakEventsInMemory = 0; ///< the most events that waited in memory at once (StorageBacklog)

    /// Adds another write's row and duplicate counts and its write time (a running total).
    void addCounts(const WriteResult &other);
    /// The rows written, by table, in the schema's names (for summaries and metrics).
    std::array<std::pair<const char *, quint64>, 9> rowsByTable() const
    {
        return { { { "fixture_updates", fixtureUpdates }, { "odds", odds }, { "bets", bets }, { "books", books },
            { "rejects", rejects }, { "gaps", gaps }, { "connection_events", connectionEvents },
            { "feed_errors", feedErrors }, { "alerts", alerts } } };
    }
    /// The seq-stream events stored (each stream event is one of these rows).
    quint64 storedStream() const { return fixtureUpdates + odds + bets + books; }
};

/// One stored odds row, as the chart reads it back.
struct PriceRow
{
    QString selection;
    qint64 timestampMs = 0;
    double price = 0;
    bool suspended = false;
};

/// One row of a streamed query: each column's text (numbers as the database prints them), or
/// nullopt for NULL. Views are valid during the callback only.
using RowView = std::vector<std::optional<QByteArrayView>>;
/// Receives each row; returns false to stop (cancel) the query.
using RowCallback = std::function<bool(const RowView &row)>;

/// One storage back end. Not thread-safe: one instance per thread, used only where it was opened.
class Storage
{
public:
    virtual ~Storage() = default;

    /// How long an SQLite connection waits for another process's lock before a statement fails.
    static constexpr int kDefaultBusyTimeoutMs = 5000;

    /// Opens (creating or migrating the schema); a newer or foreign database is an error.
    /// `busyTimeoutMs` applies to SQLite statements after opening (opening itself waits up to the
    /// default for another process's lock).
    /// `capture`: the connection of the capture's storage writer, which alone gathers its SQLite
    /// WAL writes (see walwritebuffer.h); readers and tools use SQLite's own VFS.
    static Result<std::unique_ptr<Storage>> open(const StorageTarget &target, const QString &connectionName,
        int busyTimeoutMs = kDefaultBusyTimeoutMs, bool capture = false);
    /// For tools that only read (stats, export, diff): an SQLite file is opened read-only and
    /// never migrated, so a read-only file or directory works; it must exist and be up to date.
    static Result<std::unique_ptr<Storage>> openForReading(const StorageTarget &target, const QString &connectionName);

    /// Writes batches in one transaction, together with each source's last seq and alerts the rules
    /// fired (on these batches, or on batches still to come: the writer stores an alert with its
    /// batch or before it, never after). Events at or below the committed seq of their source are
    /// skipped (counted as duplicates), and so is an alert stored already (same source, seq, rule
    /// index and name, fixture, market and selection). All or nothing.
    virtual Result<WriteResult> write(
        const std::vector<const EventBatch *> &batches, const std::vector<Alert> &alerts) = 0;
    Result<WriteResult> write(const std::vector<const EventBatch *> &batches) { return write(batches, {}); }
    /// The writer has committed everything it was given and waits for more: a good moment for
    /// upkeep that would otherwise compete with the next transactions (SQLite checkpoints its WAL).
    virtual void idle() { }
    Result<WriteResult> write(const EventBatch &batch) { return write(std::vector<const EventBatch *> { &batch }, {}); }
    /// Last committed seq per source.
    virtual const SeqMap &committedSeqs() const = 0;
    /// Row counts per table.
    virtual Result<QJsonObject> tableCounts() = 0;
    /// True when ORDER BY on an unindexed column sorts on the server's disk (PostgreSQL), false
    /// when it would sort in this process's memory (SQLite): exports then use storage order.
    virtual bool sortsOutOfProcess() const { return false; }
    /// Runs a read-only query with `?` placeholders bound to `params` (text) and streams the rows
    /// without holding them. Returns the rows delivered; stopping early is not an error.
    virtual Result<quint64> query(const QString &sql, const QStringList &params, const RowCallback &onRow) = 0;
    /// One market's price history (every selection), oldest first, at most `limit` newest points.
    virtual Result<std::vector<PriceRow>> priceHistory(
        const QString &sourceId, const QString &fixtureId, const QString &marketType, qint64 limit) = 0;
    virtual QString describe() const = 0;
    virtual int schemaVersion() const = 0;
    /// Makes this connection the source's only writer into the database, for as long as it
    /// lives: a second writer of the same source would store every row twice. An error (code
    /// "source_locked") names who holds it. Released when the storage closes or its process dies.
    virtual Result<void> claimSource(const QString &sourceId) = 0;
};

inline constexpr int kSchemaVersion = 5;

/// The SQL of schema migration `version` for a back end ("sqlite", "postgresql"): the resource
/// `:/sql/<backend>/<NNN>_<name>.sql`. An error when the build lacks it.
Result<QByteArray> migrationSql(const QString &backend, int version);

/// The refusal of a database whose schema `version` is newer than this build's; `where` names it.
Error newerSchemaError(const QString &where, qint64 version);

/// How far broker writers stored one partition of a source (partition_state): its last seq, and
/// the messages stored at exactly that seq, by id.
struct PartitionMark
{
    quint64 seq = 0;
    QList<QByteArray> messageIds;
};
using PartitionMarks = std::map<QString, PartitionMark>;

/// Shared by the back ends' write(): an event at or below its source's committed seq is stored
/// already (a re-delivery after a restart or resume). Built once per batch: the batch's source is
/// looked up once, not once per event. A batch with a partitionKey compares with its partition's
/// `mark` instead: a batch that ends below the mark, or at it with an id stored there, is stored
/// already as a whole (rejects, gaps and connection events too). A requeued dead letter never is.
class AlreadyCommitted
{
public:
    AlreadyCommitted(const EventBatch &batch, const SeqMap &committed, const PartitionMark *mark = nullptr);
    bool operator()(const Event &event) const;
    /// A partition's batch that is stored already as a whole (rejects, gaps and all).
    bool wholeBatch() const { return m_wholeBatch; }

private:
    const SeqMap &m_committed;
    const QString &m_batchSource;
    std::optional<quint64> m_batchSeq;
    bool m_partitioned = false;
    bool m_wholeBatch = false;
};
/// Records in `next` the batch's last seq when it moves its source past `committed`.
void noteLastSeq(const EventBatch &batch, const SeqMap &committed, SeqMap &next);
/// A partition's batch now stored: its partition's mark moves to the batch's last seq, or takes
/// its message id at the same seq (never backwards).
void notePartitionMark(const EventBatch &batch, PartitionMark &mark);

} // namespace OddsTap

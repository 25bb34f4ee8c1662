// SPDX-License-Identifier: MIT
#pragma once

#include <core/pipeline/spoolworker.h>
#include <core/storage/storage.h>
#include <core/storage/storagenotice.h>

#include <QObject>

#include <atomic>
#include <deque>
#include <map>
#include <set>

class QTimer;

namespace OddsTap {

/// Bounded memory for the storage queue: beyond the budget, batches spill to an on-disk spool.
struct SpoolConfig
{
    QString directory; ///< empty: no spool (the queue is unbounded)
    std::size_t memoryBudgetEvents = 50000;
    /// What the spool holds at most (Spool::setLimits()): past it the feeds hold off until the
    /// database takes what waits, as when the spool's disk is full.
    qint64 maxDiskBytes = 32LL * 1024 * 1024 * 1024;
    quint64 maxRecords = 1000000;
};

/// The storage thread's worker: owns the database connection, writes each batch in one
/// transaction, and retries failed writes with backoff (keeping the batches, in order) until the
/// database is back. Reports an outage once, not per batch. With a spool, batches come in through
/// the spool's thread (submit() -> SpoolWorker::intake()), which keeps them within the memory
/// budget and spools the rest; the spool hands those back in order as the budget frees up.
/// Lives in: the storage thread (submit() and requestDrain() may be called from any thread).
class StorageWriter : public QObject
{
    Q_OBJECT
public:
    explicit StorageWriter(StorageTarget target, SpoolConfig spool = {}, QObject *parent = nullptr);
    ~StorageWriter() override;

    /// Hands a batch to the storage queue, from any thread (the session's): to the spool thread's
    /// intake when there is a spool (which forwards it or spills it, see SpoolWorker::intake()),
    /// else straight to write(). In order, like a queued signal.
    void submit(const OddsTap::BatchPtr &batch);
    /// From any thread: alerts the rules fired, stored with the next transaction (it may commit
    /// before the batch that raised them, which waits in the queue or the spool). Held in memory
    /// until then, at most kMaxPendingAlerts: beyond that, during a long outage, they are counted
    /// and reported, not stored (a back-test of the capture lists them again).
    void submitAlerts(std::vector<OddsTap::Alert> alerts);
    static constexpr std::size_t kMaxPendingAlerts = 100000;
    /// Storage just behind a fast feed spills and catches up many times a second: it is said at
    /// most once in this long, with how often it happened since.
    static constexpr qint64 kSpillNoticeIntervalMs = 60000;
    /// From any thread: drain() once every batch submitted before has been taken in.
    void requestDrain();
    /// Before start(): the sources this writer stores; it claims each (Storage::claimSource())
    /// when it opens, and fails to open when another writer holds one.
    void setSources(QStringList sources) { m_sources = std::move(sources); }
    /// The events waiting in memory for storage (with a spool; null without one), for the
    /// sources to hold off on.
    std::shared_ptr<StorageBacklog> backlog() const { return m_backlog; }
    /// Before start(): the WAL size past which the writer warns (SQLite; see kWalAlertBytes).
    void setWalAlertBytes(qint64 bytes) { m_walAlertBytes = bytes; }
    /// A write-ahead log this large means something keeps SQLite from reusing it: a reader holding
    /// a read transaction open (a long export, an sqlite3 shell, a backup). It grows with the feed
    /// (about 100 MB/s at full speed) until that reader ends.
    static constexpr qint64 kWalAlertBytes = 1024LL * 1024 * 1024;

public slots:
    void start();
    /// Claims one more source (added while running); a refusal comes as notice().
    bool claimSource(const QString &sourceId);
    /// Takes a batch in (the intake decided it fits the budget, or there is no spool).
    void write(const OddsTap::BatchPtr &batch);
    /// Emits drained() once everything received so far is committed (or storage is gone for good).
    void drain();

signals:
    void opened(const OddsTap::SeqMap &committed, const QString &description);
    void openFailed(const QString &message);
    void committed(const OddsTap::WriteResult &result);
    /// What the user should see, with its typed state change (an outage starts or ends, the
    /// spool's disk fails or recovers, or just a note).
    void notice(const OddsTap::StorageNotice &notice);
    void drained();
    /// Events that cannot be stored (a spooled record could not be read back): recorded as a gap
    /// in the database; a capture that saw this ends with a non-zero exit.
    void eventsLost(const QString &message, quint64 events);
    /// The database is damaged: the writer has stopped for good (nothing more is written).
    void fatal(const QString &message);

private:
    struct Pending
    {
        BatchPtr batch;
        bool fromSpool = false;
    };
    void flushPending();
    void requestSpoolRead();
    void onSpoolRead(const OddsTap::SpoolRead &read);
    void onSpillStarted();
    BatchPtr checkLeftover(const BatchPtr &batch);
    void onLostRecord(const LostSpoolRecord &lost);
    void postFlush();
    void takeAlerts(std::vector<OddsTap::Alert> alerts);

    StorageTarget m_target;
    SpoolConfig m_spoolConfig;
    QStringList m_sources;
    qint64 m_walAlertBytes = kWalAlertBytes;
    bool m_walAlerted = false;
    std::unique_ptr<Storage> m_storage;
    QThread *m_spoolThread = nullptr;
    SpoolWorker *m_spool = nullptr; ///< on m_spoolThread; null without a spool directory
    std::atomic<SpoolWorker *> m_intake { nullptr }; ///< m_spool once it is the intake; read by submit()
    std::shared_ptr<StorageBacklog> m_backlog; ///< shared with the intake and the sources
    bool m_spooling = false; ///< the intake is spooling: read batches back until the spool is empty
    qint64 m_spillNoticeAtMs = 0; ///< monotonic time of the last "storage is behind" notice
    quint64 m_spillsNotNoticed = 0; ///< spills since then
    bool m_spoolReadAsked = false;
    quint64 m_leftoverBatches = 0; ///< still to come back of those an earlier run left in the spool
    quint64 m_leftoversUnreadable = 0; ///< of those, unreadable so far (the first is named, the rest counted)
    SeqMap m_leftoverHeld; ///< per source: stored, or queued from the leftovers
    std::set<QString> m_leftoverHoles; ///< sources whose leftovers start after a hole
    std::deque<Pending> m_pending;
    std::vector<Alert> m_pendingAlerts;
    quint64 m_alertsNotStored = 0; ///< over kMaxPendingAlerts, reported once per outage
    std::size_t m_pendingEvents = 0;
    std::size_t m_inFlightEvents = 0; ///< of m_pendingEvents, in the transaction being written
    QTimer *m_retryTimer = nullptr;
    int m_retryDelayMs = 0;
    qint64 m_outageStartedMs = 0;
    qint64 m_lastTrimNs = 0; ///< monotonic; when freed memory was last handed back to the system
    bool m_draining = false;
    bool m_flushPosted = false;
};

} // namespace OddsTap

Q_DECLARE_METATYPE(OddsTap::WriteResult)

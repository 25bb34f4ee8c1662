// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/event.h>
#include <core/common/storagebacklog.h>
#include <core/pipeline/spool.h>
#include <core/storage/storagenotice.h>

#include <QObject>

class QTimer;

#include <atomic>
#include <deque>
#include <memory>

namespace OddsTap {

/// Batches read back from the spool, in order, for the storage writer.
struct SpoolRead
{
    std::vector<BatchPtr> batches;
    /// Records passed over because they could not be read back (see Spool::takeLost()).
    std::vector<LostSpoolRecord> lost;
    /// Nothing left to read after these; the intake then forwards new batches to the writer again.
    bool empty = false;
};

/// Runs the disk spool on its own thread, so that the storage thread spends its time in the
/// database: serializing, writing, reading back and parsing spilled batches cost the writer
/// about a fifth of its time when it did them itself. Appends and reads are served in the order
/// they are asked for; a batch the disk refuses (full, read-only) is kept in memory behind the
/// ones on disk, never dropped, and everything after it queues behind it in memory. Those go to
/// the disk, in order, as soon as it takes writes again (tried every half second), or to the
/// writer once the disk's records are stored; meanwhile the sources hold off when too many wait
/// (StorageBacklog). Lives in: the spool thread (created by StorageWriter).
class SpoolWorker : public QObject
{
    Q_OBJECT
public:
    /// Takes an opened spool (leftovers of an earlier run included).
    explicit SpoolWorker(std::unique_ptr<Spool> spool);
    ~SpoolWorker() override;

    qint64 bytesOnDisk() const { return m_bytes.load(std::memory_order_relaxed); }
    quint64 records() const { return m_records.load(std::memory_order_relaxed); }

    /// Makes this worker the storage queue's intake (see intake()): forward within the writer's
    /// budget (`backlog->budget` events held by it), spill beyond. Before the first intake().
    void setIntake(std::shared_ptr<StorageBacklog> backlog);
    quint64 spilledBatches() const { return m_spilled.load(std::memory_order_relaxed); }
    /// How often the disk was asked again to take what it refused.
    quint64 refusedRetries() const { return m_refusedRetries.load(std::memory_order_relaxed); }

public slots:
    /// The storage queue's intake, on the spool thread, which never waits for the database: a
    /// batch goes to the writer (forwarded()) while the writer holds less than the budget and
    /// nothing is spooled, else to the spool, behind what is there. Deciding here rather than on
    /// the writer's thread bounds memory: batches never wait in the writer's event queue,
    /// uncounted, while a transaction runs. The order holds because every decision and every
    /// read happens on this one thread.
    void intake(const OddsTap::BatchPtr &batch);
    /// Passes a drain request on behind every batch taken in so far (drainRequested()).
    void passDrain();
    void append(const OddsTap::BatchPtr &batch);
    /// Reads batches until `maxEvents` are read or the spool is empty; replies with readDone().
    void read(quint64 maxEvents);
    /// The first `count` batches read (and not yet consumed) are stored: their disk copies can go.
    void consume(quint64 count);

signals:
    void forwarded(const OddsTap::BatchPtr &batch);
    void spillStarted();
    void drainRequested();
    void readDone(const OddsTap::SpoolRead &read);
    void notice(const OddsTap::StorageNotice &notice);

private:
    void publish();
    /// Moves what the disk refused onto it, in order, as far as it takes them now.
    void retryRefused();
    void keepInMemory(const BatchPtr &batch);

    std::unique_ptr<Spool> m_spool;
    std::deque<BatchPtr> m_memory; ///< the disk refused these: served after the disk's records
    std::deque<bool> m_readFromDisk; ///< per batch read and not yet consumed
    bool m_diskFailed = false;
    std::shared_ptr<StorageBacklog> m_backlog; ///< null: not the intake
    QTimer *m_retryTimer = nullptr; ///< while the disk refuses: retryRefused()
    bool m_spooling = false; ///< the intake spools every batch until a read empties the spool
    std::atomic<quint64> m_spilled { 0 };
    std::atomic<quint64> m_refusedRetries { 0 };
    std::atomic<qint64> m_bytes { 0 };
    std::atomic<quint64> m_records { 0 };
};

} // namespace OddsTap

Q_DECLARE_METATYPE(OddsTap::SpoolRead)

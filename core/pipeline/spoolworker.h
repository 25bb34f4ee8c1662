// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/event.h>
#include <core/pipeline/spool.h>
#include <core/storage/storagenotice.h>

#include <QObject>

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

/// Events the storage writer holds and has not committed: what the intake forwarded or the
/// spool handed back, less what the writer committed. Shared by the spool thread and the writer.
using HeldEvents = std::atomic<std::size_t>;

/// Runs the disk spool on its own thread, so that the storage thread spends its time in the
/// database: serializing, writing, reading back and parsing spilled batches cost the writer
/// about a fifth of its time when it did them itself. Appends and reads are served in the order
/// they are asked for; a batch the disk refuses (full, read-only) is kept in memory behind the
/// ones on disk, never dropped, and everything after it queues behind it in memory until that
/// backlog drains. Lives in: the spool thread (created by StorageWriter).
class SpoolWorker : public QObject
{
    Q_OBJECT
public:
    /// Takes an opened spool (leftovers of an earlier run included).
    explicit SpoolWorker(std::unique_ptr<Spool> spool);
    ~SpoolWorker() override;

    qint64 bytesOnDisk() const { return m_bytes.load(std::memory_order_relaxed); }
    quint64 records() const { return m_records.load(std::memory_order_relaxed); }

    /// Makes this worker the storage queue's intake (see intake()): forward within `budget`
    /// events held by the writer, spill beyond. Before the first intake().
    void setIntake(std::size_t budget, std::shared_ptr<HeldEvents> held);
    quint64 spilledBatches() const { return m_spilled.load(std::memory_order_relaxed); }

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

    std::unique_ptr<Spool> m_spool;
    std::deque<BatchPtr> m_memory; ///< the disk refused these: served after the disk's records
    std::deque<bool> m_readFromDisk; ///< per batch read and not yet consumed
    bool m_diskFailed = false;
    std::shared_ptr<HeldEvents> m_held; ///< null: not the intake
    std::size_t m_budget = 0;
    bool m_spooling = false; ///< the intake spools every batch until a read empties the spool
    std::atomic<quint64> m_spilled { 0 };
    std::atomic<qint64> m_bytes { 0 };
    std::atomic<quint64> m_records { 0 };
};

} // namespace OddsTap

Q_DECLARE_METATYPE(OddsTap::SpoolRead)

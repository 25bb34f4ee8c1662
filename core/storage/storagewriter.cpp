// SPDX-License-Identifier: MIT
#include "storagewriter.h"

#include <core/common/logging.h>
#include <core/common/timeutil.h>
#include <core/pipeline/spool.h>

#include <QThread>
#include <QTimer>

#include <atomic>

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace OddsTap {
namespace {
constexpr int kRetryInitialMs = 100;
constexpr int kRetryMaxMs = 5000;
constexpr std::size_t kMaxEventsPerTransaction = 50000;
std::atomic<int> g_connectionCounter { 0 };
} // namespace

StorageWriter::StorageWriter(StorageTarget target, SpoolConfig spool, QObject *parent)
    : QObject(parent)
    , m_target(std::move(target))
    , m_spoolConfig(std::move(spool))
{
    qRegisterMetaType<WriteResult>();
    qRegisterMetaType<SeqMap>();
}

StorageWriter::~StorageWriter() = default;

void StorageWriter::start()
{
    Q_ASSERT(QThread::currentThread() == thread());
    m_retryTimer = new QTimer(this);
    m_retryTimer->setSingleShot(true);
    connect(m_retryTimer, &QTimer::timeout, this, &StorageWriter::flushPending);
    const QString name = QStringLiteral("oddstap-writer-%1").arg(++g_connectionCounter);
    auto storage = Storage::open(m_target, name);
    if (!storage) {
        qCWarning(lcStorage).noquote() << "cannot open storage:" << storage.error().message;
        emit openFailed(storage.error().message);
        return;
    }
    m_storage = std::move(*storage);
    if (!m_spoolConfig.directory.isEmpty()) {
        m_spool = std::make_unique<Spool>(m_spoolConfig.directory);
        if (auto r = m_spool->open(); !r) {
            emit openFailed(r.error().message);
            return;
        }
        if (!m_spool->empty()) {
            // Left by an earlier run that died: stored first (events already stored are skipped by seq).
            m_spooling = true;
            emit storageProblem(
                QStringLiteral("storing %1 batches left in the spool by an earlier run").arg(m_spool->records()),
                false);
            postFlush();
        }
    }
    SeqMap committed;
    for (const auto &[source, seq] : m_storage->committedSeqs()) {
        committed.insert(source, seq);
    }
    qCInfo(lcStorage).noquote() << "storage open:" << m_storage->describe();
    emit opened(committed, m_storage->describe());
}

void StorageWriter::write(const BatchPtr &batch)
{
    Q_ASSERT(QThread::currentThread() == thread());
    const bool overBudget = m_pendingEvents + batch->events.size() > m_spoolConfig.memoryBudgetEvents;
    if (m_spool && (m_spooling || overBudget)) {
        if (!m_spooling) {
            qCInfo(lcStorage).noquote() << "storage is behind: spilling to" << m_spool->directory();
            emit storageProblem(
                QStringLiteral("storage is behind: queueing on disk in %1").arg(m_spool->directory()), false);
        }
        m_spooling = true; // order: everything after this goes behind what is on disk
        if (auto r = m_spool->append(*batch); r) {
            ++m_spilledBatches;
            postFlush();
            return;
        } else {
            // Disk trouble too: keep it in memory rather than drop it.
            emit storageProblem(r.error().message, true);
        }
    }
    m_pending.push_back({ batch, false });
    m_pendingEvents += batch->events.size();
    postFlush();
}

void StorageWriter::postFlush()
{
    // Flush from a posted call, not here: batches already queued to this thread are delivered
    // before it, so one transaction takes all of them (group commit) instead of one each.
    if (!m_flushPosted && !m_retryTimer->isActive()) {
        m_flushPosted = true;
        QMetaObject::invokeMethod(
            this,
            [this] {
                m_flushPosted = false;
                flushPending();
            },
            Qt::QueuedConnection);
    }
}

void StorageWriter::refillFromSpool()
{
    while (m_spooling && m_pendingEvents < m_spoolConfig.memoryBudgetEvents) {
        auto next = m_spool->readNext();
        if (!next) {
            emit storageProblem(next.error().message, true);
            return;
        }
        if (!next->has_value()) {
            m_spooling = false; // all on disk is in memory now: new batches may skip the spool
            return;
        }
        m_pendingEvents += (**next).events.size();
        m_pending.push_back({ std::make_shared<const EventBatch>(std::move(**next)), true });
    }
}

void StorageWriter::flushPending()
{
    if (!m_storage) {
        return;
    }
    if (m_spool) {
        refillFromSpool();
    }
    if (!m_pending.empty()) {
        // Group commit: whatever queued up while the last transaction ran goes into the next one.
        // Large transactions are what makes SQLite fast here (see docs/benchmarks.md).
        std::vector<const EventBatch *> group;
        std::size_t events = 0;
        quint64 fromSpool = 0;
        for (const Pending &p : m_pending) {
            if (!group.empty() && events + p.batch->events.size() > kMaxEventsPerTransaction) {
                break;
            }
            group.push_back(p.batch.get());
            events += p.batch->events.size();
            fromSpool += p.fromSpool ? 1 : 0;
        }
        auto result = m_storage->write(group);
        if (!result) {
            // Keep the batches (and everything behind them, in order) and try again later.
            m_retryDelayMs = m_retryDelayMs == 0 ? kRetryInitialMs : std::min(kRetryMaxMs, m_retryDelayMs * 2);
            if (m_outageStartedMs == 0) {
                m_outageStartedMs = wallClockMs();
                qCWarning(lcStorage).noquote()
                    << "storage write failed, retrying; events are kept:" << result.error().message;
                emit storageProblem(QStringLiteral("storage write failed: %1; retrying, nothing is dropped")
                                        .arg(result.error().message),
                    true);
            }
            m_retryTimer->start(m_retryDelayMs);
            return;
        }
        if (m_outageStartedMs != 0) {
            const qint64 seconds = (wallClockMs() - m_outageStartedMs) / 1000;
            qCInfo(lcStorage).noquote() << "storage recovered after" << seconds << "s";
            emit storageProblem(QStringLiteral("storage recovered after %1 s; %2 batches were waiting")
                                    .arg(seconds)
                                    .arg(m_pending.size()),
                false);
            m_outageStartedMs = 0;
        }
        m_retryDelayMs = 0;
        const qint64 now = monotonicNs();
        for (const EventBatch *b : group) {
            for (const Event &e : b->events) {
                result->receiveToCommit.add(now - e.receivedMonoNs);
            }
        }
        m_pending.erase(m_pending.begin(), m_pending.begin() + qsizetype(group.size()));
        m_pendingEvents -= std::min(m_pendingEvents, events);
        if (m_spool) {
            m_spool->consume(fromSpool); // stored: the disk copies can go
            refillFromSpool();
            result->spoolBytes = m_spool->bytesOnDisk();
            result->spoolBatches = m_spool->records();
        }
        result->queuedBatches = m_pending.size();
        result->queuedEvents = m_pendingEvents;
        result->spilledBatches = m_spilledBatches;
        emit committed(*result);
#ifdef __GLIBC__
        if (fromSpool > 0) {
            // Batches are allocated on the feed threads and freed here; under a backlog glibc keeps
            // the freed pages in the other threads' arenas. Handing them back keeps RSS flat.
            malloc_trim(0);
        }
#endif
    }
    if (!m_pending.empty()) {
        // One transaction per call, then back to the event loop: batches that queued up meanwhile
        // are taken in (and spilled to disk over the budget) before the next one. Looping here
        // until the spool is empty left them piling up in the thread's event queue, unbounded.
        postFlush();
        return;
    }
    if (m_draining) {
        m_draining = false;
        emit drained();
    }
}

void StorageWriter::drain()
{
    if (!m_storage || (m_pending.empty() && (!m_spool || m_spool->empty()))) {
        emit drained();
        return;
    }
    m_draining = true; // drained() follows the last successful commit
}

} // namespace OddsTap

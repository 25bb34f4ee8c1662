// SPDX-License-Identifier: MIT
#include "storagewriter.h"

#include <core/common/logging.h>
#include <core/common/threadend.h>
#include <core/common/threadpriority.h>
#include <core/common/timeutil.h>
#include <core/pipeline/spool.h>
#include <core/pipeline/spoolworker.h>
#include <core/storage/sqlitestorage.h>

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
constexpr qint64 kTrimIntervalNs = 5LL * 1000 * 1000 * 1000; // while a backlog drains: at most this often
constexpr std::size_t kMaxEventsPerTransaction = 50000;
constexpr int kAlertsWaitMs = 20;
constexpr int kWriterBusyTimeoutMs = 250;
std::atomic<int> g_connectionCounter { 0 };
} // namespace

StorageWriter::StorageWriter(StorageTarget target, SpoolConfig spool, QObject *parent)
    : QObject(parent)
    , m_target(std::move(target))
    , m_spoolConfig(std::move(spool))
{
    if (!m_spoolConfig.directory.isEmpty()) {
        m_backlog = std::make_shared<StorageBacklog>(m_spoolConfig.memoryBudgetEvents);
    }
    qRegisterMetaType<WriteResult>();
    qRegisterMetaType<SeqMap>();
    qRegisterMetaType<StorageNotice>();
}

StorageWriter::~StorageWriter()
{
    if (m_spoolThread) {
        // Not drained (an abnormal stop): batches still queued to the spool thread are dropped
        // with the thread, like those in memory; the feed's resume from the committed seq brings
        // them again.
        // Deleted on its own thread (where its timers live) as the thread ends.
        deleteWhenFinished(*m_spoolThread, m_spool);
        m_spoolThread->quit();
        m_spoolThread->wait();
    }
}

void StorageWriter::start()
{
    Q_ASSERT(QThread::currentThread() == thread());
    m_retryTimer = new QTimer(this);
    m_retryTimer->setSingleShot(true);
    connect(m_retryTimer, &QTimer::timeout, this, &StorageWriter::flushPending);
    const QString name = QStringLiteral("oddstap-writer-%1").arg(++g_connectionCounter);
    // A short wait for another process's lock: a statement blocked in SQLite's busy handler
    // also blocks this thread's event loop, and batches arriving meanwhile would pile up in it,
    // out of the memory budget's sight. The retry with backoff below waits instead, with the
    // event loop running and the spool taking what is over the budget.
    auto storage = Storage::open(m_target, name, kWriterBusyTimeoutMs, true);
    if (!storage) {
        qCWarning(lcStorage).noquote() << "cannot open storage:" << storage.error().message;
        emit openFailed(storage.error().message);
        return;
    }
    m_storage = std::move(*storage);
    for (const QString &source : std::as_const(m_sources)) {
        if (auto claimed = m_storage->claimSource(source); !claimed) {
            qCWarning(lcStorage).noquote() << claimed.error().message;
            m_storage.reset();
            emit openFailed(claimed.error().message);
            return;
        }
    }
    if (!m_spoolConfig.directory.isEmpty()) {
        // Opened here, before the first batch is taken in: leftovers go first.
        auto spool = std::make_unique<Spool>(m_spoolConfig.directory);
        spool->setLimits(m_spoolConfig.maxDiskBytes, m_spoolConfig.maxRecords);
        if (auto r = spool->open(); !r) {
            emit openFailed(r.error().message);
            return;
        }
        const quint64 leftovers = spool->records();
        m_spoolThread = new QThread(this);
        m_spoolThread->setObjectName(QStringLiteral("spool"));
        runsInBackground(*m_spoolThread);
        m_spool = new SpoolWorker(std::move(spool));
        m_spool->setIntake(m_backlog);
        m_spool->moveToThread(m_spoolThread);
        connect(m_spool, &SpoolWorker::forwarded, this, &StorageWriter::write);
        connect(m_spool, &SpoolWorker::spillStarted, this, &StorageWriter::onSpillStarted);
        connect(m_spool, &SpoolWorker::drainRequested, this, &StorageWriter::drain);
        connect(m_spool, &SpoolWorker::readDone, this, &StorageWriter::onSpoolRead);
        connect(m_spool, &SpoolWorker::notice, this, &StorageWriter::notice);
        m_spoolThread->start();
        // Published before opened(): the session submits nothing before it has that signal.
        m_intake.store(m_spool, std::memory_order_release);
        if (leftovers > 0) {
            // Left by an earlier run that died: stored first (events already stored are skipped by
            // seq), as long as they follow what storage holds (see checkLeftover()).
            m_spooling = true;
            m_leftoverBatches = leftovers;
            m_leftoverHeld = m_storage->committedSeqs();
            emit notice({ StorageNotice::Subject::Spool, StorageNotice::Change::Note,
                QStringLiteral("storing %1 batches left in the spool by an earlier run").arg(leftovers) });
            requestSpoolRead();
        }
    }
    qCInfo(lcStorage).noquote() << "storage open:" << m_storage->describe();
    emit opened(m_storage->committedSeqs(), m_storage->describe());
}

bool StorageWriter::claimSource(const QString &sourceId)
{
    if (!m_storage) {
        return false;
    }
    if (auto claimed = m_storage->claimSource(sourceId); !claimed) {
        emit notice({ StorageNotice::Subject::Database, StorageNotice::Change::Note, claimed.error().message });
        return false;
    }
    return true;
}

void StorageWriter::submit(const BatchPtr &batch)
{
    if (SpoolWorker *intake = m_intake.load(std::memory_order_acquire)) {
        m_backlog->posted.fetch_add(batch->events.size(), std::memory_order_relaxed);
        m_backlog->notePeak();
        QMetaObject::invokeMethod(
            intake, [intake, batch] { intake->intake(batch); }, Qt::QueuedConnection);
    } else {
        QMetaObject::invokeMethod(
            this, [this, batch] { write(batch); }, Qt::QueuedConnection);
    }
}

void StorageWriter::submitAlerts(std::vector<Alert> alerts)
{
    // Straight to this thread, never through the spool: alerts are few and the spool's records
    // are batches of the feed.
    QMetaObject::invokeMethod(
        this, [this, alerts = std::move(alerts)]() mutable { takeAlerts(std::move(alerts)); }, Qt::QueuedConnection);
}

void StorageWriter::takeAlerts(std::vector<Alert> alerts)
{
    Q_ASSERT(QThread::currentThread() == thread());
    if (!m_storage) {
        return; // storage failed for good; the session reported it
    }
    const std::size_t room = kMaxPendingAlerts - std::min(kMaxPendingAlerts, m_pendingAlerts.size());
    const std::size_t taken = std::min(room, alerts.size());
    m_pendingAlerts.insert(m_pendingAlerts.end(), std::make_move_iterator(alerts.begin()),
        std::make_move_iterator(alerts.begin() + qsizetype(taken)));
    if (taken < alerts.size()) {
        if (m_alertsNotStored == 0) {
            emit notice({ StorageNotice::Subject::Database, StorageNotice::Change::Note,
                QStringLiteral("%1 alerts are waiting for the database, the most kept in memory: further alerts "
                               "are not stored until it is back (they stay in the Alerts panel and the alerts "
                               "file; a back-test of the recording lists them all)")
                    .arg(kMaxPendingAlerts) });
        }
        m_alertsNotStored += alerts.size() - taken;
    }
    if (!m_pending.empty() || !m_intake.load(std::memory_order_acquire)) {
        postFlush();
    } else {
        // Their batch is on its way through the spool's thread: a moment's wait puts both in one
        // transaction instead of an alerts-only commit before it.
        QTimer::singleShot(kAlertsWaitMs, this, &StorageWriter::postFlush);
    }
}

void StorageWriter::requestDrain()
{
    // Through the intake when there is one, so that the request comes behind every batch.
    if (SpoolWorker *intake = m_intake.load(std::memory_order_acquire)) {
        QMetaObject::invokeMethod(intake, &SpoolWorker::passDrain, Qt::QueuedConnection);
    } else {
        QMetaObject::invokeMethod(this, &StorageWriter::drain, Qt::QueuedConnection);
    }
}

void StorageWriter::write(const BatchPtr &batch)
{
    Q_ASSERT(QThread::currentThread() == thread());
    m_pending.push_back({ batch, false });
    m_pendingEvents += batch->events.size();
    postFlush();
}

void StorageWriter::onSpillStarted()
{
    const qint64 now = monotonicNs() / 1000000;
    if (m_spillNoticeAtMs != 0 && now - m_spillNoticeAtMs < kSpillNoticeIntervalMs) {
        ++m_spillsNotNoticed;
    } else {
        const QString since = m_spillsNotNoticed == 0 ? QString()
                                                      : QStringLiteral(" (again; %1 times in the last %2 s)")
                                                            .arg(m_spillsNotNoticed + 1)
                                                            .arg((now - m_spillNoticeAtMs) / 1000);
        const QString message = QStringLiteral("storage is behind the feed: events wait on disk in %1 and are stored "
                                               "as it catches up, nothing is lost%2")
                                    .arg(m_spoolConfig.directory, since);
        qCInfo(lcStorage).noquote() << message;
        emit notice({ StorageNotice::Subject::Spool, StorageNotice::Change::Note, message });
        m_spillNoticeAtMs = now;
        m_spillsNotNoticed = 0;
    }
    m_spooling = true; // read the spooled batches back as room frees up
    requestSpoolRead();
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

void StorageWriter::requestSpoolRead()
{
    // The transaction being written does not count: reading the next batches while it runs keeps
    // the writer from waiting for the disk after it.
    const std::size_t queued = m_pendingEvents - std::min(m_pendingEvents, m_inFlightEvents);
    if (!m_spool || !m_spooling || m_spoolReadAsked || queued >= m_spoolConfig.memoryBudgetEvents) {
        return;
    }
    m_spoolReadAsked = true;
    const quint64 room = m_spoolConfig.memoryBudgetEvents - queued;
    QMetaObject::invokeMethod(
        m_spool, [spool = m_spool, room] { spool->read(room); }, Qt::QueuedConnection);
}

BatchPtr StorageWriter::checkLeftover(const BatchPtr &batch)
{
    // The batches an earlier run still held in memory when it died were never spooled, so its
    // spool can start after a hole. Storing it would move the committed seq past the hole, and
    // the feed's resume (which starts at the committed seq) would then skip those events for
    // good. Such leftovers are dropped instead: the resume brings them again, or records a gap.
    const QString &source = batch->sourceId;
    quint64 &held = m_leftoverHeld[source];
    if (m_leftoverHoles.count(source) == 0 && (!batch->prevSeq || *batch->prevSeq <= held)) {
        held = std::max(held, batch->lastSeq.value_or(0));
        return batch;
    }
    if (m_leftoverHoles.insert(source).second) {
        const QString message =
            QStringLiteral("the spool left by an earlier run holds %1 from seq %2 on, but the database holds it "
                           "only up to seq %3 (that run died with the events between in memory): those spooled "
                           "batches are dropped, and the feed's resume from seq %3 brings everything again")
                .arg(source)
                .arg(batch->prevSeq.value_or(0) + 1)
                .arg(held);
        qCWarning(lcStorage).noquote() << message;
        emit notice({ StorageNotice::Subject::Spool, StorageNotice::Change::Note, message });
    }
    // Still consumed in its turn, so that the spool's records go in order: an empty batch.
    return std::make_shared<const EventBatch>();
}

void StorageWriter::onLostRecord(const LostSpoolRecord &lost)
{
    if (lost.sourceId.isEmpty()) {
        // Left by an earlier run: what it held is not known here, and need not be. The leftovers
        // after it follow a hole and are dropped (checkLeftover()), and this run's feed resumed
        // from the seq committed before any leftover was stored, so the resume brings it again.
        if (m_leftoverBatches > 0) {
            --m_leftoverBatches;
        }
        // The first is named; the rest are counted, and said once the leftovers are through: a
        // damaged disk can leave thousands, which would bury the rest of the error log.
        if (++m_leftoversUnreadable == 1) {
            const QString message = QStringLiteral("a batch left in the spool by an earlier run cannot be read (%1 "
                                                   "at offset %2: %3); the feed's resume brings its events again")
                                        .arg(lost.segmentPath)
                                        .arg(lost.offset)
                                        .arg(lost.reason);
            emit notice({ StorageNotice::Subject::Spool, StorageNotice::Change::Note, message });
        }
        return;
    }
    // This run spooled it and its events are gone: the feed is past them, and the committed seq
    // will be too once the batches after it are stored. Record the hole where it is, as a gap
    // (connection 0: lost in storage, not in transit), and say so; the capture exits non-zero.
    const quint64 from = lost.prevSeq.value_or(0) + 1;
    const quint64 to = lost.lastSeq.value_or(0);
    EventBatch gap;
    gap.sourceId = lost.sourceId;
    gap.prevSeq = lost.prevSeq;
    gap.lastSeq = lost.lastSeq;
    if (to >= from) {
        gap.gaps.push_back(GapRecord { lost.sourceId, from, to + 1, false, 0, wallClockMs() });
    }
    m_pending.push_back({ std::make_shared<const EventBatch>(std::move(gap)), false });
    const QString message =
        QStringLiteral("events lost: a spooled batch of %1 (seqs %2 to %3, %4 events) cannot be read back from %5 "
                       "(%6); recorded as a gap. Check the disk of the spool directory; the capture will exit "
                       "with status 7")
            .arg(lost.sourceId)
            .arg(from)
            .arg(to)
            .arg(lost.events)
            .arg(lost.segmentPath)
            .arg(lost.reason);
    qCCritical(lcStorage).noquote() << message;
    emit notice({ StorageNotice::Subject::Spool, StorageNotice::Change::Note, message });
    emit eventsLost(message, lost.events);
}

void StorageWriter::onSpoolRead(const SpoolRead &read)
{
    m_spoolReadAsked = false;
    for (const LostSpoolRecord &lost : read.lost) {
        onLostRecord(lost);
    }
    for (const BatchPtr &b : read.batches) {
        BatchPtr batch = b;
        if (m_leftoverBatches > 0) {
            --m_leftoverBatches;
            batch = checkLeftover(b);
            if (m_backlog) {
                m_backlog->held.fetch_sub(b->events.size() - batch->events.size()); // dropped leftovers
            }
        }
        m_pendingEvents += batch->events.size();
        m_pending.push_back({ std::move(batch), true });
    }
    if (m_leftoversUnreadable > 1 && (m_leftoverBatches == 0 || read.empty)) {
        emit notice({ StorageNotice::Subject::Spool, StorageNotice::Change::Note,
            QStringLiteral("%1 batches left in the spool by an earlier run could not be read in all (the first is "
                           "named above); the feed's resume brings their events again")
                .arg(m_leftoversUnreadable) });
        m_leftoversUnreadable = 0;
    }
    if (read.empty) {
        // All that went to the spool is in memory now, and the intake forwards new batches again
        // (it decided that on its thread, in the same step, so nothing can have slipped between).
        m_spooling = false;
    } else if (read.batches.empty() && read.lost.empty()) {
        // Something is on disk but could not be read (reported): ask again later, not in a spin.
        QTimer::singleShot(kRetryMaxMs, this, &StorageWriter::requestSpoolRead);
        return;
    }
    postFlush();
}

void StorageWriter::flushPending()
{
    if (!m_storage) {
        return;
    }
    if (m_pending.empty() && m_pendingAlerts.empty()) {
        requestSpoolRead();
    } else {
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
        m_inFlightEvents = events;
        requestSpoolRead();
        auto result = m_storage->write(group, m_pendingAlerts);
        m_inFlightEvents = 0;
        const bool gone = !result && result.error().code == QLatin1String("storage_gone");
        if (!result && (gone || result.error().code == QLatin1String("storage_corrupt"))) {
            // Not an outage: retrying cannot help, and writing on could make it worse. What is not
            // committed is fetched again by the feed's resume into a repaired or new database.
            const QString message = gone
                ? result.error().message
                : QStringLiteral("%1. %2").arg(result.error().message,
                    m_target.kind == StorageTarget::Kind::Sqlite
                        ? SqliteStorage::recoveryAdvice(m_target.path)
                        : QStringLiteral("Repair the database before capturing into it again"));
            qCCritical(lcStorage).noquote() << message;
            m_storage.reset();
            m_pending.clear();
            m_pendingEvents = 0;
            emit fatal(message);
            if (m_draining) {
                m_draining = false;
                emit drained();
            }
            return;
        }
        if (!result) {
            // Keep the batches (and everything behind them, in order) and try again later.
            m_retryDelayMs = m_retryDelayMs == 0 ? kRetryInitialMs : std::min(kRetryMaxMs, m_retryDelayMs * 2);
            if (m_outageStartedMs == 0) {
                m_outageStartedMs = wallClockMs();
                qCWarning(lcStorage).noquote()
                    << "storage write failed, retrying; events are kept:" << result.error().message;
                emit notice({ StorageNotice::Subject::Database, StorageNotice::Change::Failing,
                    QStringLiteral("storage write failed: %1; retrying, nothing is dropped")
                        .arg(result.error().message) });
            }
            m_retryTimer->start(m_retryDelayMs);
            return;
        }
        if (m_outageStartedMs != 0) {
            const qint64 seconds = (wallClockMs() - m_outageStartedMs) / 1000;
            qCInfo(lcStorage).noquote() << "storage recovered after" << seconds << "s";
            emit notice({ StorageNotice::Subject::Database, StorageNotice::Change::Recovered,
                QStringLiteral("storage recovered after %1 s; %2 batches were waiting")
                    .arg(seconds)
                    .arg(m_pending.size()) });
            m_outageStartedMs = 0;
        }
        m_retryDelayMs = 0;
        if (!m_pendingAlerts.empty()) {
            m_pendingAlerts.clear();
            if (m_alertsNotStored > 0) {
                emit notice({ StorageNotice::Subject::Database, StorageNotice::Change::Note,
                    QStringLiteral("%1 alerts raised while the database was down were not stored")
                        .arg(m_alertsNotStored) });
                m_alertsNotStored = 0;
            }
        }
        if (!m_walAlerted && result->walBytes > m_walAlertBytes) {
            m_walAlerted = true;
            const QString message = QStringLiteral(
                "the write-ahead log of %1 has grown to %2 MiB: another process holds a read transaction "
                "open (a long export, an sqlite3 shell, a backup), so SQLite cannot reuse the log. It "
                "keeps growing with the feed until that reader finishes; end it if the disk runs short")
                                        .arg(m_target.display())
                                        .arg(result->walBytes / (1024 * 1024));
            qCWarning(lcStorage).noquote() << message;
            emit notice({ StorageNotice::Subject::Database, StorageNotice::Change::Note, message });
        } else if (m_walAlerted && result->walBytes < m_walAlertBytes / 4) {
            m_walAlerted = false;
            emit notice({ StorageNotice::Subject::Database, StorageNotice::Change::Note,
                QStringLiteral("the write-ahead log of %1 is back to %2 MiB")
                    .arg(m_target.display())
                    .arg(result->walBytes / (1024 * 1024)) });
        }
        const qint64 now = monotonicNs();
        for (const EventBatch *b : group) {
            for (const Event &e : b->events) {
                result->receiveToCommit.add(now - e.receivedMonoNs);
            }
        }
        std::vector<BatchPtr> done;
        done.reserve(group.size());
        for (std::size_t i = 0; i < group.size(); ++i) {
            done.push_back(std::move(m_pending[i].batch));
        }
        m_pending.erase(m_pending.begin(), m_pending.begin() + qsizetype(group.size()));
        m_pendingEvents -= std::min(m_pendingEvents, events);
        if (m_spool) {
            // Freed on the spool thread: releasing a transaction's tens of thousands of events was 7 %
            // of this thread's time at full speed, and this thread is the pipeline's bottleneck
            // while the spool thread mostly waits (perf, bench_ingest).
            QMetaObject::invokeMethod(
                m_spool, [done = std::move(done)] {}, Qt::QueuedConnection);
        }
        if (m_backlog) {
            m_backlog->held.fetch_sub(events); // room for the intake to forward again
        }
        if (m_spool) {
            if (fromSpool > 0) {
                QMetaObject::invokeMethod(
                    m_spool, [spool = m_spool, fromSpool] { spool->consume(fromSpool); }, Qt::QueuedConnection);
            }
            requestSpoolRead();
            result->spoolBytes = m_spool->bytesOnDisk();
            result->spoolBatches = m_spool->records();
        }
        result->queuedBatches = m_pending.size();
        // Batches the intake forwarded that still wait in this thread's queue: what was pending
        // when the transaction began is committed by now.
        result->queuedEvents = m_backlog ? m_backlog->held.load() : m_pendingEvents;
        result->spilledBatches = m_spool ? m_spool->spilledBatches() : 0;
        result->peakEventsInMemory = m_backlog ? m_backlog->peak.load() : 0;
        emit committed(*result);
#ifdef __GLIBC__
        if (fromSpool > 0 && (!m_spooling || now - m_lastTrimNs >= kTrimIntervalNs)) {
            // Batches are allocated on the feed threads and freed here; under a backlog glibc keeps
            // the freed pages in the other threads' arenas. Handing them back keeps RSS flat after
            // a backlog. Not after every commit: the next batches fault the same pages in again
            // (measured: page faults and madvise were 6-9 % of the CPU of a full-speed run).
            m_lastTrimNs = now;
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
    if (!m_spooling && (!m_backlog || m_backlog->held.load() == 0)) {
        m_storage->idle(); // nothing queued here, nor on its way from the intake
    }
    if (m_draining && !m_spooling) {
        m_draining = false;
        emit drained();
    }
}

void StorageWriter::drain()
{
    if (!m_storage || (m_pending.empty() && m_pendingAlerts.empty() && !m_spooling)) {
        emit drained();
        return;
    }
    m_draining = true; // drained() follows the last successful commit
}

} // namespace OddsTap

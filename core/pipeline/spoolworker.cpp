// SPDX-License-Identifier: MIT
#include "spoolworker.h"

#include <core/common/logging.h>
#include <core/pipeline/spool.h>

#include <QTimer>

namespace OddsTap {
namespace {
constexpr int kRetryRefusedMs = 500; ///< how often a refusing disk is asked again
} // namespace

SpoolWorker::SpoolWorker(std::unique_ptr<Spool> spool)
    : m_spool(std::move(spool))
{
    qRegisterMetaType<SpoolRead>();
    // Leftovers of an earlier run go first: new batches queue behind them.
    m_spooling = m_spool->records() > 0;
    publish();
}

void SpoolWorker::setIntake(std::shared_ptr<StorageBacklog> backlog)
{
    m_backlog = std::move(backlog);
}

void SpoolWorker::intake(const BatchPtr &batch)
{
    Q_ASSERT(m_backlog);
    const std::size_t events = batch->events.size();
    m_backlog->intakeTook(events);
    if (!m_spooling && m_backlog->held.load() + events <= m_backlog->budget) {
        m_backlog->held.fetch_add(events);
        m_backlog->notePeak();
        emit forwarded(batch);
        return;
    }
    if (!m_spooling) {
        m_spooling = true;
        emit spillStarted();
    }
    m_spilled.fetch_add(1, std::memory_order_relaxed);
    append(batch);
}

void SpoolWorker::passDrain()
{
    emit drainRequested();
}

SpoolWorker::~SpoolWorker() = default;

void SpoolWorker::publish()
{
    m_bytes.store(m_spool->bytesOnDisk(), std::memory_order_relaxed);
    m_records.store(m_spool->records() + m_memory.size(), std::memory_order_relaxed);
    if (m_backlog) {
        m_backlog->spoolBytes.store(m_spool->bytesOnDisk(), std::memory_order_relaxed);
        m_backlog->spoolBatches.store(m_spool->records() + m_memory.size(), std::memory_order_relaxed);
    }
}

void SpoolWorker::append(const BatchPtr &batch)
{
    // Once the disk failed, later batches stay in memory too until those before them are on disk
    // or stored: a batch on disk must never overtake one held in memory.
    if (m_memory.empty()) {
        if (auto r = m_spool->append(*batch); r) {
            if (m_diskFailed) {
                m_diskFailed = false;
                emit notice({ StorageNotice::Subject::Spool, StorageNotice::Change::Recovered,
                    QStringLiteral("the spool in %1 is writable again").arg(m_spool->directory()) });
            }
            publish();
            return;
        } else if (!m_diskFailed) {
            m_diskFailed = true;
            qCWarning(lcStorage).noquote() << r.error().message << "- keeping spilled batches in memory";
            emit notice({ StorageNotice::Subject::Spool, StorageNotice::Change::Failing,
                r.error().message + QStringLiteral("; keeping the backlog in memory") });
        }
    }
    keepInMemory(batch);
    publish();
}

void SpoolWorker::keepInMemory(const BatchPtr &batch)
{
    m_memory.push_back(batch);
    if (m_backlog) {
        m_backlog->refused.fetch_add(batch->events.size());
        m_backlog->notePeak();
    }
    if (!m_retryTimer) {
        m_retryTimer = new QTimer(this);
        m_retryTimer->setInterval(kRetryRefusedMs);
        connect(m_retryTimer, &QTimer::timeout, this, &SpoolWorker::retryRefused);
    }
    if (!m_retryTimer->isActive()) {
        // A timer, not the next batch: a source holding off sends none.
        m_retryTimer->start();
    }
}

void SpoolWorker::retryRefused()
{
    m_refusedRetries.fetch_add(1, std::memory_order_relaxed);
    while (!m_memory.empty()) {
        if (auto r = m_spool->append(*m_memory.front()); !r) {
            publish();
            return; // still refused: the next tick tries again
        }
        if (m_backlog) {
            m_backlog->refused.fetch_sub(m_memory.front()->events.size());
        }
        m_memory.pop_front();
    }
    m_retryTimer->stop();
    if (m_diskFailed) {
        m_diskFailed = false;
        emit notice({ StorageNotice::Subject::Spool, StorageNotice::Change::Recovered,
            QStringLiteral("the spool in %1 is writable again: the backlog kept in memory is on disk now")
                .arg(m_spool->directory()) });
    }
    publish();
}

void SpoolWorker::read(quint64 maxEvents)
{
    SpoolRead out;
    quint64 events = 0;
    quint64 fromMemory = 0; ///< of events, already counted as the writer's
    bool diskEmpty = false;
    while (events < maxEvents || out.batches.empty()) {
        auto next = m_spool->readNext();
        if (!next) {
            emit notice({ StorageNotice::Subject::Spool, StorageNotice::Change::Failing, next.error().message });
            break; // what is on disk stays there; the memory backlog waits behind it
        }
        if (!next->has_value()) {
            diskEmpty = true;
            break;
        }
        events += (**next).events.size();
        out.batches.push_back(std::make_shared<const EventBatch>(std::move(**next)));
        m_readFromDisk.push_back(true);
    }
    out.lost = m_spool->takeLost();
    if (!out.lost.empty()) {
        m_spool->consume(0); // unreadable records ahead of anything still to be stored go now
    }
    diskEmpty = diskEmpty || !m_spool->hasUnread();
    if (diskEmpty) {
        while (!m_memory.empty() && (events < maxEvents || out.batches.empty())) {
            const std::size_t n = m_memory.front()->events.size();
            events += n;
            if (m_backlog) {
                // Now the writer's: counted there before it leaves here, so that no one sees less
                // waiting than there is.
                m_backlog->held.fetch_add(n);
                m_backlog->refused.fetch_sub(n);
                fromMemory += n;
            }
            out.batches.push_back(std::move(m_memory.front()));
            m_memory.pop_front();
            m_readFromDisk.push_back(false);
        }
    }
    out.empty = diskEmpty && m_memory.empty();
    if (m_memory.empty() && m_retryTimer) {
        m_retryTimer->stop();
    }
    if (m_backlog) {
        // What is read now lives in the writer until it commits it; with nothing left behind,
        // the next batch may go straight to the writer.
        m_backlog->held.fetch_add(events - fromMemory);
        m_backlog->notePeak();
        m_spooling = m_spooling && !out.empty;
    }
    publish();
    emit readDone(out);
}

void SpoolWorker::consume(quint64 count)
{
    quint64 fromDisk = 0;
    for (quint64 i = 0; i < count && !m_readFromDisk.empty(); ++i) {
        fromDisk += m_readFromDisk.front() ? 1 : 0;
        m_readFromDisk.pop_front();
    }
    m_spool->consume(fromDisk);
    publish();
}

} // namespace OddsTap

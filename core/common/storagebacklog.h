// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/timeutil.h>

#include <algorithm>
#include <atomic>
#include <cstddef>

namespace OddsTap {

/// Events waiting in memory: those the storage writer holds (the spool's intake forwarded them,
/// or the spool handed them back, and they are not committed yet), those the spool keeps in
/// memory because its disk refused them, and those a live source handed to the pipeline that it
/// has not taken yet. Written by the storage threads, the live sources and the pipeline; read by
/// the sources. With the database down and the spool's disk full, or with the pipeline's thread
/// starved of CPU, nothing else bounds memory: a live source holds off (closes its connection,
/// and resumes from its last seq later) and a replay waits while too much is waiting here.
struct StorageBacklog
{
    /// This many events may wait in memory because the spool's disk refused them before the
    /// sources hold off (about 50 MB). What the writer holds is bounded by its budget and one
    /// transaction already, so only these count.
    static constexpr std::size_t kRefusedAllowance = 100000;
    /// The pipeline takes a batch in microseconds, but at full speed a healthy capture still keeps
    /// a queue before it (about 0.6 s of events at 200,000 a second), and a burst (a resume, a
    /// Betfair image) hands over many at once. So the sources hold off for the pipeline only when
    /// events have waited and it has taken none of them for kPipelineStallNs while at least
    /// kUnprocessedFloor wait (its thread does not run), or when kUnprocessedCap wait whatever it
    /// does (it runs, but slower than the feed for a long while: about 280 MB).
    static constexpr std::size_t kUnprocessedFloor = 20000;
    static constexpr std::size_t kUnprocessedCap = 400000;
    static constexpr qint64 kPipelineStallNs = 1000000000;
    /// Batches handed to the spool's thread that it has not taken in yet (posted): when that
    /// thread gets no CPU (a busy machine, and it runs at a background priority in the desktop)
    /// they would otherwise pile up without bound. About 70 MB.
    static constexpr std::size_t kPostedCap = 100000;

    explicit StorageBacklog(std::size_t writerBudget)
        : budget(writerBudget)
        , pipelineTookAtNs(monotonicNs())
    { }

    const std::size_t budget; ///< the writer's memory budget, in events
    std::atomic<std::size_t> held { 0 };
    std::atomic<std::size_t> refused { 0 };
    /// Handed to the pipeline by live sources (handed()), not taken yet (taken()).
    std::atomic<std::size_t> unprocessed { 0 };
    /// Events on their way to the spool's intake (StorageWriter::submit() to SpoolWorker::intake()).
    std::atomic<std::size_t> posted { 0 };
    /// Monotonic time of the pipeline's last progress: its last take, or the moment events began
    /// to wait after none did (a quiet spell is not a stall).
    std::atomic<qint64> pipelineTookAtNs;
    std::atomic<std::size_t> peak { 0 }; ///< the most that waited at once
    /// What waits on the spool's disk, as the spool's thread last left it: read by the views and
    /// the summary while the database takes nothing (no commit reports it then).
    std::atomic<qint64> spoolBytes { 0 };
    std::atomic<quint64> spoolBatches { 0 };

    std::size_t inMemory() const
    {
        return held.load(std::memory_order_relaxed) + refused.load(std::memory_order_relaxed)
            + unprocessed.load(std::memory_order_relaxed) + posted.load(std::memory_order_relaxed);
    }
    bool storageFull() const { return refused.load(std::memory_order_relaxed) > kRefusedAllowance; }
    qint64 sincePipelineProgressNs() const { return monotonicNs() - pipelineTookAtNs.load(std::memory_order_relaxed); }
    bool pipelineBehind() const
    {
        const std::size_t waiting = unprocessed.load(std::memory_order_relaxed);
        return waiting > kUnprocessedCap
            || (waiting > kUnprocessedFloor && sincePipelineProgressNs() > kPipelineStallNs);
    }
    /// Live sources hold off while this holds...
    bool full() const { return storageFull() || pipelineBehind() || intakeBehind(); }
    bool intakeBehind() const { return posted.load(std::memory_order_relaxed) > kPostedCap; }
    /// ...and come back once half of the refused allowance is spooled or stored and the pipeline
    /// takes again: little waits for it, or it took something in the last quarter second (other
    /// sources may keep it busy; what waits then is a healthy queue).
    bool caughtUp() const
    {
        const std::size_t waiting = unprocessed.load(std::memory_order_relaxed);
        return refused.load(std::memory_order_relaxed) <= kRefusedAllowance / 2
            && posted.load(std::memory_order_relaxed) <= kPostedCap / 2
            && (waiting <= kUnprocessedFloor / 2
                || (waiting <= kUnprocessedCap / 2 && sincePipelineProgressNs() < kPipelineStallNs / 4));
    }
    /// A live source hands @p events to the pipeline (its thread). Whoever receives a source's
    /// batches must call taken() for each, or the source holds off for good.
    void handed(std::size_t events)
    {
        if (unprocessed.fetch_add(events, std::memory_order_relaxed) == 0) {
            pipelineTookAtNs.store(monotonicNs(), std::memory_order_relaxed); // the wait starts now
        }
        notePeak();
    }
    /// The pipeline took @p events handed() by a live source (its thread).
    void taken(std::size_t events)
    {
        pipelineTookAtNs.store(monotonicNs(), std::memory_order_relaxed);
        // Never below zero: a count that wrapped around would hold the sources off for good.
        std::size_t was = unprocessed.load(std::memory_order_relaxed);
        while (!unprocessed.compare_exchange_weak(was, was - std::min(was, events), std::memory_order_relaxed)) { }
    }
    /// The spool's intake took @p events posted to it.
    void intakeTook(std::size_t events)
    {
        std::size_t was = posted.load(std::memory_order_relaxed);
        while (!posted.compare_exchange_weak(was, was - std::min(was, events), std::memory_order_relaxed)) { }
    }
    /// After each addition (called by the thread that added).
    void notePeak()
    {
        const std::size_t now = inMemory();
        std::size_t was = peak.load(std::memory_order_relaxed);
        while (now > was && !peak.compare_exchange_weak(was, now, std::memory_order_relaxed)) { }
    }
};

} // namespace OddsTap

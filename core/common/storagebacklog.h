// SPDX-License-Identifier: MIT
#pragma once

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
    /// This many events may wait for the pipeline (about two seconds of a 20,000 events/s feed,
    /// 30 MB) before the live sources hold off; the pipeline takes a batch in microseconds, so
    /// only a thread that does not run reaches it.
    static constexpr std::size_t kUnprocessedAllowance = 50000;

    explicit StorageBacklog(std::size_t writerBudget)
        : budget(writerBudget)
    { }

    const std::size_t budget; ///< the writer's memory budget, in events
    std::atomic<std::size_t> held { 0 };
    std::atomic<std::size_t> refused { 0 };
    std::atomic<std::size_t> unprocessed { 0 }; ///< handed to the pipeline by live sources, not taken yet
    std::atomic<std::size_t> peak { 0 }; ///< the most that waited at once

    std::size_t inMemory() const
    {
        return held.load(std::memory_order_relaxed) + refused.load(std::memory_order_relaxed)
            + unprocessed.load(std::memory_order_relaxed);
    }
    bool storageFull() const { return refused.load(std::memory_order_relaxed) > kRefusedAllowance; }
    bool pipelineBehind() const { return unprocessed.load(std::memory_order_relaxed) > kUnprocessedAllowance; }
    /// Live sources hold off while this holds...
    bool full() const { return storageFull() || pipelineBehind(); }
    /// ...and come back once half of each allowance is spooled, stored or processed.
    bool caughtUp() const
    {
        return refused.load(std::memory_order_relaxed) <= kRefusedAllowance / 2
            && unprocessed.load(std::memory_order_relaxed) <= kUnprocessedAllowance / 2;
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

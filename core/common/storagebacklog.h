// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <cstddef>

namespace OddsTap {

/// Events waiting in memory to be stored: those the storage writer holds (the spool's intake
/// forwarded them, or the spool handed them back, and they are not committed yet) and those the
/// spool keeps in memory because its disk refused them. Written by the storage threads, read by
/// the sources: with the database down and the spool's disk full nothing else bounds memory, so
/// a live source holds off (closes its connection, and resumes from its last seq later) and a
/// replay waits while too much is waiting here.
struct StorageBacklog
{
    /// This many events may wait in memory because the spool's disk refused them before the
    /// sources hold off (about 50 MB). What the writer holds is bounded by its budget and one
    /// transaction already, so only these count.
    static constexpr std::size_t kRefusedAllowance = 100000;

    explicit StorageBacklog(std::size_t writerBudget)
        : budget(writerBudget)
    { }

    const std::size_t budget; ///< the writer's memory budget, in events
    std::atomic<std::size_t> held { 0 };
    std::atomic<std::size_t> refused { 0 };
    std::atomic<std::size_t> peak { 0 }; ///< the most that waited at once

    std::size_t inMemory() const
    {
        return held.load(std::memory_order_relaxed) + refused.load(std::memory_order_relaxed);
    }
    /// Live sources hold off while this holds...
    bool full() const { return refused.load(std::memory_order_relaxed) > kRefusedAllowance; }
    /// ...and come back once half of those are spooled or stored.
    bool caughtUp() const { return refused.load(std::memory_order_relaxed) <= kRefusedAllowance / 2; }
    /// After each addition (called by the thread that added).
    void notePeak()
    {
        const std::size_t now = inMemory();
        std::size_t was = peak.load(std::memory_order_relaxed);
        while (now > was && !peak.compare_exchange_weak(was, now, std::memory_order_relaxed)) { }
    }
};

} // namespace OddsTap

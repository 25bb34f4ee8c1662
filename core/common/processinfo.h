// SPDX-License-Identifier: MIT
// This process's memory, for the benchmarks and the app's bench mode.
#pragma once

#include <QtGlobal>

#include <cstddef>
#include <optional>

namespace OddsTap {

/// Resident set size now, MiB (0 where /proc is not available).
double residentMiB();
/// Peak resident set size so far, MiB.
double peakResidentMiB();
/// Heap bytes the program holds (allocated, not freed), MiB; 0 where the C library does not say.
/// Against residentMiB() it tells growing data from a heap that only fragments.
double heapInUseMiB();
/// Of the heap in use, the blocks of the mmap threshold or more (each mapped for itself, given
/// back when freed: a batch's events, a transaction's rows): how many, and their MiB. They are
/// what is in flight at the moment, where the rest is what the program keeps.
struct LargeBlocks
{
    std::size_t count = 0;
    double mib = 0;
};
LargeBlocks largeHeapBlocks();

/// The resident set by kind, MiB: anonymous (the heap, stacks), file-backed (code, fonts, mapped
/// files) and shared memory (an X server's images). Which of them grows says what to look for.
struct ResidentParts
{
    double anonMiB = 0;
    double fileMiB = 0;
    double shmemMiB = 0;
};
ResidentParts residentParts();

/// Where the calling thread's time went so far (Linux's schedstat): running on a CPU, and waiting
/// runnable for one. Over an interval, the rest of the wall time it slept or was blocked.
struct ThreadTimes
{
    qint64 ranNs = 0;
    qint64 waitedForCpuNs = 0;
};
std::optional<ThreadTimes> currentThreadTimes();

} // namespace OddsTap

// SPDX-License-Identifier: MIT
// This process's memory, for the benchmarks and the app's bench mode.
#pragma once

namespace OddsTap {

/// Resident set size now, MiB (0 where /proc is not available).
double residentMiB();
/// Peak resident set size so far, MiB.
double peakResidentMiB();
/// Heap bytes the program holds (allocated, not freed), MiB; 0 where the C library does not say.
/// Against residentMiB() it tells growing data from a heap that only fragments.
double heapInUseMiB();

} // namespace OddsTap

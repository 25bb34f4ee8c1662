// SPDX-License-Identifier: MIT
// This process's memory, for the benchmarks and the app's bench mode.
#pragma once

namespace OddsTap {

/// Resident set size now, MiB (0 where /proc is not available).
double residentMiB();
/// Peak resident set size so far, MiB.
double peakResidentMiB();

} // namespace OddsTap

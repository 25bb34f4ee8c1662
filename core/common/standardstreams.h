// SPDX-License-Identifier: MIT
#pragma once

namespace OddsTap {

/// Points standard input, output and error at /dev/null where a parent started the process with
/// them closed (`cmd <&- >&- 2>&-`, some service managers). Otherwise the next descriptors opened
/// take their numbers, and what is written to "standard error" lands there: a socket nobody reads
/// (blocking the writer once full) or a file being recorded. Call first thing in main().
void openMissingStandardStreams();

} // namespace OddsTap

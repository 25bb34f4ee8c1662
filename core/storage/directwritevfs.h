// SPDX-License-Identifier: MIT
#pragma once

#include <sys/types.h>

namespace OddsTap {

/// Name of the SQLite VFS that installDirectWriteVfs() registers.
inline constexpr const char *kDirectWriteVfs = "oddstap-direct";

/// Registers, once, an SQLite VFS that wraps the default one and writes a main database's pages
/// with O_DIRECT, gathered into writes of up to 4 MiB (see the .cpp): for files written once and
/// in order, as a capture is, where the page cache only costs CPU. A file system that refuses
/// O_DIRECT gets ordinary writes. Not the default: a connection uses it by name (CaptureWriter).
/// False if SQLite's default VFS cannot be wrapped.
bool installDirectWriteVfs();

/// What a file opened through the VFS did, for tests and benchmarks: the bytes it wrote with
/// O_DIRECT and the bytes it wrote through the page cache, over every file of the process.
struct DirectWriteCounts
{
    unsigned long long directBytes = 0;
    unsigned long long bufferedBytes = 0;
    unsigned long long directWrites = 0; ///< O_DIRECT write calls
};
DirectWriteCounts directWriteCounts();

/// The call O_DIRECT writes go through (pwrite; null puts it back): for tests of what no file
/// system here does, a refusal on the first write rather than at open.
using DirectPwrite = ssize_t (*)(int fd, const void *data, size_t bytes, off_t offset);
void setDirectPwriteForTests(DirectPwrite write);

} // namespace OddsTap

// SPDX-License-Identifier: MIT
#include "directwritevfs.h"

#include <core/storage/sqlitevfswrap.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace OddsTap {
namespace {

using namespace SqliteVfsWrap;

// Writing through the page cache costs the writer more CPU than anything else a recording does:
// the copy into the cache, ext4's delayed allocation and buffer heads per 4 KiB, and the
// writeback at each fdatasync (docs/benchmarks.md). A capture is written once, in order, and read
// later, so the cache buys it nothing. This VFS gathers the main database's page writes, which
// SQLite makes in ascending page order at each commit, into an aligned buffer and writes each run
// of consecutive pages with one O_DIRECT write, through a second descriptor of the same file.
// - Only whole, aligned pages are gathered; any other write goes through the wrapped file, after
//   what is gathered. Reads, syncs, size queries, truncation, unlocking and close write the
//   gathered pages out first, so SQLite never sees the file without them, and no commit ends
//   (its sync) before they are in the file. The journal and every other file are the wrapped
//   VFS's, untouched.
// - A gathered run the file refused stays gathered and fails every later call that needs it out
//   (ENOSPC is SQLITE_FULL): SQLite's own error handling then sees a failed write, never a lost
//   one. A hint SQLite ignores the result of (a file control) never writes the pages out.
// - A file system that refuses O_DIRECT at open or on the first write (EINVAL: ramfs, some FUSE
//   file systems, a device with larger blocks) gets its pages through the wrapped file instead.
// - The second descriptor is closed only after the wrapped file is: closing any descriptor of a
//   file drops the process's POSIX locks on it, and SQLite's locks are on the wrapped one. (A
//   reader of the same file in this process loses its shared lock when a recording closes; the
//   file has no writer left by then.)
constexpr int kGatherBytes = 4 * 1024 * 1024;
/// Offsets, lengths and the buffer's address are multiples of this (O_DIRECT's rule; 4 KiB covers
/// every common device's logical block).
constexpr int kAlign = 4096;

struct DirectFile
{
    sqlite3_file base; ///< pMethods = &g_methods
    sqlite3_file *real; ///< the wrapped file, in the same allocation, after this struct
    int fd; ///< opened with O_DIRECT; -1 when the file system refused it
    bool direct; ///< O_DIRECT writes still used (false once the file system refused one)
    bool wroteDirect; ///< an O_DIRECT write succeeded: a later EINVAL is an error, not a refusal
    char *gather; ///< kGatherBytes, aligned to kAlign
    sqlite3_int64 gatherStart; ///< file offset of gather[0]
    int gathered;
};

sqlite3_io_methods g_methods;
std::atomic<unsigned long long> g_directBytes { 0 };
std::atomic<unsigned long long> g_bufferedBytes { 0 };

DirectFile *directFile(sqlite3_file *f)
{
    return reinterpret_cast<DirectFile *>(f);
}

enum class DirectResult
{
    Written,
    Refused, ///< the file system does not take O_DIRECT writes here
    Full,
    Failed,
};

DirectResult writeDirect(DirectFile *d)
{
    int done = 0;
    while (done < d->gathered) {
        const ssize_t n =
            ::pwrite(d->fd, d->gather + done, std::size_t(d->gathered - done), off_t(d->gatherStart + done));
        if (n > 0) {
            done += int(n);
            d->wroteDirect = true;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && errno == EINVAL && !d->wroteDirect) {
            return DirectResult::Refused;
        } else {
            return n < 0 && (errno == ENOSPC || errno == EDQUOT) ? DirectResult::Full : DirectResult::Failed;
        }
    }
    g_directBytes.fetch_add(unsigned(done), std::memory_order_relaxed);
    return DirectResult::Written;
}

/// Writes the gathered run out; it stays gathered if the file refuses it.
int flush(DirectFile *d)
{
    if (d->gathered == 0) {
        return SQLITE_OK;
    }
    if (d->direct) {
        switch (writeDirect(d)) {
        case DirectResult::Written:
            d->gathered = 0;
            return SQLITE_OK;
        case DirectResult::Full:
            return SQLITE_FULL;
        case DirectResult::Failed:
            return SQLITE_IOERR_WRITE;
        case DirectResult::Refused:
            d->direct = false;
            break;
        }
    }
    const int rc = d->real->pMethods->xWrite(d->real, d->gather, d->gathered, d->gatherStart);
    if (rc == SQLITE_OK) {
        g_bufferedBytes.fetch_add(unsigned(d->gathered), std::memory_order_relaxed);
        d->gathered = 0;
    }
    return rc;
}

int directWrite(sqlite3_file *f, const void *data, int amount, sqlite3_int64 offset)
{
    DirectFile *d = directFile(f);
    const bool whole =
        d->direct && amount > 0 && amount % kAlign == 0 && offset % kAlign == 0 && amount <= kGatherBytes;
    const bool continues = d->gathered == 0 || offset == d->gatherStart + d->gathered;
    if (!whole || !continues || d->gathered + amount > kGatherBytes) {
        if (const int rc = flush(d); rc != SQLITE_OK) {
            return rc;
        }
    }
    if (!whole || !d->direct) {
        const int rc = d->real->pMethods->xWrite(d->real, data, amount, offset);
        if (rc == SQLITE_OK) {
            g_bufferedBytes.fetch_add(unsigned(amount), std::memory_order_relaxed);
        }
        return rc;
    }
    if (d->gathered == 0) {
        d->gatherStart = offset;
    }
    std::memcpy(d->gather + d->gathered, data, std::size_t(amount));
    d->gathered += amount;
    return SQLITE_OK;
}

int directClose(sqlite3_file *f)
{
    DirectFile *d = directFile(f);
    const int flushed = flush(d);
    const int closed = d->real->pMethods->xClose(d->real);
    if (d->fd >= 0) {
        ::close(d->fd); // after the wrapped file's: see above
        d->fd = -1;
    }
    std::free(d->gather);
    d->gather = nullptr;
    return flushed != SQLITE_OK ? flushed : closed;
}

int directOpen(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *file, int flags, int *outFlags)
{
    sqlite3_vfs *real = realVfs(vfs);
    if ((flags & SQLITE_OPEN_MAIN_DB) == 0 || (flags & SQLITE_OPEN_READWRITE) == 0 || name == nullptr) {
        // Journals, temporary files and read-only opens are the real VFS's own file objects.
        return real->xOpen(real, name, file, flags, outFlags);
    }
    auto *d = directFile(file);
    std::memset(d, 0, sizeof(DirectFile));
    d->fd = -1;
    d->real = reinterpret_cast<sqlite3_file *>(reinterpret_cast<char *>(d) + sizeof(DirectFile));
    void *buffer = nullptr;
    if (::posix_memalign(&buffer, kAlign, kGatherBytes) != 0) {
        return SQLITE_NOMEM;
    }
    d->gather = static_cast<char *>(buffer);
    const int rc = real->xOpen(real, name, d->real, flags, outFlags);
    if (rc != SQLITE_OK) {
        std::free(d->gather);
        d->gather = nullptr;
        return rc;
    }
    d->fd = ::open(name, O_WRONLY | O_DIRECT | O_CLOEXEC);
    d->direct = d->fd >= 0;
    d->base.pMethods = &g_methods;
    return SQLITE_OK;
}

} // namespace

bool installDirectWriteVfs()
{
    static const bool installed = [] {
        g_methods.iVersion = 1; // no shared memory (no WAL) or mmap: a rollback journal
        g_methods.xClose = directClose;
        g_methods.xRead = flushThenOnReal<DirectFile, flush, &sqlite3_io_methods::xRead>;
        g_methods.xWrite = directWrite;
        g_methods.xTruncate = flushThenOnReal<DirectFile, flush, &sqlite3_io_methods::xTruncate>;
        g_methods.xSync = flushThenOnReal<DirectFile, flush, &sqlite3_io_methods::xSync>;
        g_methods.xFileSize = flushThenOnReal<DirectFile, flush, &sqlite3_io_methods::xFileSize>;
        g_methods.xLock = onReal<DirectFile, &sqlite3_io_methods::xLock>;
        g_methods.xUnlock = flushThenOnReal<DirectFile, flush, &sqlite3_io_methods::xUnlock>;
        g_methods.xCheckReservedLock = onReal<DirectFile, &sqlite3_io_methods::xCheckReservedLock>;
        g_methods.xFileControl = onReal<DirectFile, &sqlite3_io_methods::xFileControl>;
        g_methods.xSectorSize = onReal<DirectFile, &sqlite3_io_methods::xSectorSize>;
        g_methods.xDeviceCharacteristics = onReal<DirectFile, &sqlite3_io_methods::xDeviceCharacteristics>;
        return registerVfs(kDirectWriteVfs, sqlite3_vfs_find(nullptr), int(sizeof(DirectFile)), directOpen);
    }();
    return installed;
}

DirectWriteCounts directWriteCounts()
{
    return { g_directBytes.load(std::memory_order_relaxed), g_bufferedBytes.load(std::memory_order_relaxed) };
}

} // namespace OddsTap

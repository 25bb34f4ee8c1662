// SPDX-License-Identifier: MIT
#include "directwritevfs.h"

#include <core/storage/sqlitevfswrap.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
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
//   what is gathered. A sync (SQLITE_FCNTL_SYNC, sent even with synchronous=OFF, and xSync), a
//   read, a write elsewhere, unlocking and close write the gathered run out first, so no commit
//   ends and SQLite never reads the file without it. A size query counts the run; a truncation
//   drops what of it lies past the new end. The journal and every other file are the wrapped
//   VFS's, untouched.
// - A run the file refused is dropped once the refusal reached SQLite through a call whose result
//   it honours (a write, a sync, a read): SQLite then abandons the transaction and rolls it back
//   from its journal, which only truncates and rewrites pages already in the file, so a disk
//   that filled up leaves the file as the last commit left it. Only file controls SQLite may
//   ignore never write (except the sync one, whose result it honours).
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
constexpr std::size_t kHugePage = 2 * 1024 * 1024;
/// SQLite's unix VFS writes at most 128 KiB - 1 per call (it masks the length to 17 bits): a run
/// refused by O_DIRECT goes through it in pieces of this.
constexpr int kWrappedWriteBytes = 64 * 1024;

struct DirectFile
{
    sqlite3_file base; ///< pMethods = &g_methods
    sqlite3_file *real; ///< the wrapped file, in the same allocation, after this struct
    int fd; ///< opened with O_DIRECT; -1 when the file system refused it
    bool direct; ///< runs still gathered and written with O_DIRECT (false once refused)
    bool wroteDirect; ///< an O_DIRECT write succeeded: a later EINVAL is an error, not a refusal
    char *gather; ///< kGatherBytes, aligned to kAlign; null when not writing directly
    int failedErrno; ///< the last direct write's error
    sqlite3_int64 gatherStart; ///< file offset of gather[0]
    int gathered;
};

sqlite3_io_methods g_methods;
std::atomic<unsigned long long> g_directBytes { 0 };
std::atomic<unsigned long long> g_bufferedBytes { 0 };
std::atomic<unsigned long long> g_directWrites { 0 };
std::atomic<DirectPwrite> g_pwrite { ::pwrite };

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
    const DirectPwrite write = g_pwrite.load(std::memory_order_relaxed);
    int done = 0;
    while (done < d->gathered) {
        const ssize_t n = write(d->fd, d->gather + done, std::size_t(d->gathered - done), off_t(d->gatherStart + done));
        if (n > 0) {
            done += int(n);
            d->wroteDirect = true;
            g_directWrites.fetch_add(1, std::memory_order_relaxed);
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && errno == EINVAL && !d->wroteDirect) {
            return DirectResult::Refused;
        } else {
            d->failedErrno = n < 0 ? errno : ENOSPC; // a write of 0 bytes: no room for more
            return n < 0 && (errno == ENOSPC || errno == EDQUOT) ? DirectResult::Full : DirectResult::Failed;
        }
    }
    g_directBytes.fetch_add(unsigned(done), std::memory_order_relaxed);
    d->failedErrno = 0; // an old failure is not the reason for a later error
    return DirectResult::Written;
}

/// Writes @p amount bytes at @p offset through the wrapped file, in pieces it takes whole.
int writeWrapped(DirectFile *d, const char *data, int amount, sqlite3_int64 offset)
{
    for (int done = 0; done < amount;) {
        const int piece = std::min(amount - done, kWrappedWriteBytes);
        if (const int rc = d->real->pMethods->xWrite(d->real, data + done, piece, offset + done); rc != SQLITE_OK) {
            return rc;
        }
        done += piece;
    }
    g_bufferedBytes.fetch_add(unsigned(amount), std::memory_order_relaxed);
    return SQLITE_OK;
}

/// Writes the gathered run out. A run the file refused is dropped: the caller hands the error to
/// SQLite, which abandons the transaction it belongs to (see above).
int flush(DirectFile *d)
{
    if (d->gathered == 0) {
        return SQLITE_OK;
    }
    int rc = SQLITE_OK;
    switch (d->direct ? writeDirect(d) : DirectResult::Refused) {
    case DirectResult::Written:
        break;
    case DirectResult::Full:
        rc = SQLITE_FULL;
        break;
    case DirectResult::Failed:
        rc = SQLITE_IOERR_WRITE;
        break;
    case DirectResult::Refused:
        d->direct = false; // this run and everything after it through the wrapped file
        rc = writeWrapped(d, d->gather, d->gathered, d->gatherStart);
        break;
    }
    d->gathered = 0;
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
        return writeWrapped(d, static_cast<const char *>(data), amount, offset);
    }
    if (d->gathered == 0) {
        d->gatherStart = offset;
    }
    std::memcpy(d->gather + d->gathered, data, std::size_t(amount));
    d->gathered += amount;
    return SQLITE_OK;
}

int directFileSize(sqlite3_file *f, sqlite3_int64 *size)
{
    DirectFile *d = directFile(f);
    const int rc = d->real->pMethods->xFileSize(d->real, size);
    if (rc == SQLITE_OK && d->gathered > 0) {
        *size = std::max(*size, d->gatherStart + d->gathered);
    }
    return rc;
}

int directTruncate(sqlite3_file *f, sqlite3_int64 size)
{
    DirectFile *d = directFile(f);
    if (d->gathered > 0 && d->gatherStart + d->gathered > size) {
        // What lies past the new end is never written; what lies before it still is (at once if
        // it no longer ends on a block).
        d->gathered = int(std::max<sqlite3_int64>(0, size - d->gatherStart));
        if (d->gathered % kAlign != 0) {
            const int rc = writeWrapped(d, d->gather, d->gathered, d->gatherStart);
            d->gathered = 0;
            if (rc != SQLITE_OK) {
                return rc;
            }
        }
    }
    return d->real->pMethods->xTruncate(d->real, size);
}

int directFileControl(sqlite3_file *f, int op, void *arg)
{
    DirectFile *d = directFile(f);
    if (op == SQLITE_FCNTL_SYNC) {
        if (const int rc = flush(d); rc != SQLITE_OK) {
            return rc;
        }
    }
    if (op == SQLITE_FCNTL_LAST_ERRNO && d->failedErrno != 0) {
        *static_cast<int *>(arg) = d->failedErrno; // the direct write's, which the real file never saw
        return SQLITE_OK;
    }
    return d->real->pMethods->xFileControl(d->real, op, arg);
}

int directUnlock(sqlite3_file *f, int level)
{
    // Unlocks even when the run is refused: a lock kept would hold every other reader out.
    DirectFile *d = directFile(f);
    const int flushed = flush(d);
    const int unlocked = d->real->pMethods->xUnlock(d->real, level);
    return flushed != SQLITE_OK ? flushed : unlocked;
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

/// A descriptor of @p name for O_DIRECT writes, or -1. Never 0-2: a stray write to standard
/// error would land in the file (SQLite's own opens keep clear of them for the same reason).
int openDirect(const char *name)
{
    int fd = ::open(name, O_WRONLY | O_DIRECT | O_CLOEXEC);
    if (fd >= 0 && fd < 3) {
        // Closing it drops no lock yet: SQLite takes its locks after the open.
        const int high = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
        ::close(fd);
        fd = high;
    }
    return fd;
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
    if (const int rc = real->xOpen(real, name, d->real, flags, outFlags); rc != SQLITE_OK) {
        return rc;
    }
    d->fd = openDirect(name);
    void *buffer = nullptr;
    if (d->fd >= 0 && ::posix_memalign(&buffer, kHugePage, kGatherBytes) == 0) {
        // Each direct write pins the buffer's pages for the device; huge pages make that one step
        // per 2 MiB instead of one per 4 KiB (a kernel without them keeps ordinary pages).
#ifdef MADV_HUGEPAGE
        ::madvise(buffer, kGatherBytes, MADV_HUGEPAGE);
#endif
        d->gather = static_cast<char *>(buffer);
        d->direct = true;
    }
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
        g_methods.xTruncate = directTruncate;
        g_methods.xSync = flushThenOnReal<DirectFile, flush, &sqlite3_io_methods::xSync>;
        g_methods.xFileSize = directFileSize;
        g_methods.xLock = onReal<DirectFile, &sqlite3_io_methods::xLock>;
        g_methods.xUnlock = directUnlock;
        g_methods.xCheckReservedLock = onReal<DirectFile, &sqlite3_io_methods::xCheckReservedLock>;
        g_methods.xFileControl = directFileControl;
        g_methods.xSectorSize = onReal<DirectFile, &sqlite3_io_methods::xSectorSize>;
        // Without SQLITE_IOCAP_BATCH_ATOMIC: gathered pages would escape a batch-atomic window.
        g_methods.xDeviceCharacteristics = [](sqlite3_file *f) {
            sqlite3_file *real = directFile(f)->real;
            return real->pMethods->xDeviceCharacteristics(real) & ~SQLITE_IOCAP_BATCH_ATOMIC;
        };
        return registerVfs(kDirectWriteVfs, sqlite3_vfs_find(nullptr), int(sizeof(DirectFile)), directOpen);
    }();
    return installed;
}

DirectWriteCounts directWriteCounts()
{
    return { g_directBytes.load(std::memory_order_relaxed), g_bufferedBytes.load(std::memory_order_relaxed),
        g_directWrites.load(std::memory_order_relaxed) };
}

void setDirectPwriteForTests(DirectPwrite write)
{
    g_pwrite.store(write ? write : ::pwrite, std::memory_order_relaxed);
}

} // namespace OddsTap

// SPDX-License-Identifier: MIT
#include "walwritebuffer.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace OddsTap {
namespace {

// SQLite writes each WAL frame as two calls: its 24-byte header, then the page. On this VM a
// system call costs more than copying an 8 KiB page, and a 50,000-event commit writes ~5,500
// frames. The VFS below gathers a connection's WAL appends in memory and writes them in one
// call per kBufferBytes (14 frames of 8 KiB), and writes everything out before a transaction commits:
// - A frame header whose "database size" field is set marks a commit frame (SQLite's WAL format).
//   From that header until the next non-commit header every write goes straight to the file,
//   after what is buffered. So the commit frame, its padding and the checksum rewrites SQLite
//   does at commit are all in the file before SQLite publishes the commit in the wal-index: a
//   reader or checkpointer never sees a committed frame that is not in the file.
// - Reads, syncs, size queries, truncation and close write the buffer out first, and a write
//   that does not continue the buffered run (an in-place rewrite, a new WAL header) does too.
// A crash loses only buffered frames of a transaction that had not committed, which SQLite
// ignores on recovery anyway.
// SQLite's unix VFS writes at most 128 KiB - 1 per call (it masks the length to 17 bits).
constexpr int kBufferBytes = 120 * 1024;
constexpr int kFrameHeaderBytes = 24;

struct WalFile
{
    sqlite3_file base; ///< pMethods = &g_methods
    sqlite3_file *real; ///< the wrapped file, in the same allocation, after this struct
    char *buffer;
    sqlite3_int64 bufferStart; ///< file offset of buffer[0]
    int buffered;
    bool direct; ///< writing a commit: no buffering until the next non-commit frame
};

sqlite3_vfs g_vfs;
sqlite3_vfs *g_real = nullptr;
sqlite3_io_methods g_methods;

WalFile *walFile(sqlite3_file *f)
{
    return reinterpret_cast<WalFile *>(f);
}

int flush(WalFile *w)
{
    if (w->buffered == 0) {
        return SQLITE_OK;
    }
    const int n = w->buffered;
    w->buffered = 0;
    return w->real->pMethods->xWrite(w->real, w->buffer, n, w->bufferStart);
}

/// A file method of the wrapped file.
template <auto Method, typename... Args> int onReal(sqlite3_file *f, Args... args)
{
    sqlite3_file *real = walFile(f)->real;
    return (real->pMethods->*Method)(real, args...);
}

/// The same, after writing the buffer out: for everything that looks at the file as it is.
template <auto Method, typename... Args> int flushThenOnReal(sqlite3_file *f, Args... args)
{
    if (const int rc = flush(walFile(f)); rc != SQLITE_OK) {
        return rc;
    }
    return onReal<Method>(f, args...);
}

/// The VFS's other methods are the real VFS's, called with the real VFS.
template <auto Method, typename = decltype(Method)> struct OnRealVfs;
template <auto Method, typename R, typename... Args>
struct OnRealVfs<Method, R (*sqlite3_vfs::*)(sqlite3_vfs *, Args...)>
{
    static R call(sqlite3_vfs *, Args... args)
    {
        return (g_real->*Method)(g_real, args...);
    }
};

int walClose(sqlite3_file *f)
{
    WalFile *w = walFile(f);
    const int flushed = flush(w);
    const int closed = w->real->pMethods->xClose(w->real);
    std::free(w->buffer);
    w->buffer = nullptr;
    return flushed != SQLITE_OK ? flushed : closed;
}

/// A frame header whose "database size after commit" field (big-endian, bytes 4-7) is set.
bool isCommitFrameHeader(const void *header)
{
    const auto *p = static_cast<const unsigned char *>(header);
    return (p[4] | p[5] | p[6] | p[7]) != 0;
}

int walWrite(sqlite3_file *f, const void *data, int amount, sqlite3_int64 offset)
{
    WalFile *w = walFile(f);
    if (amount == kFrameHeaderBytes) {
        w->direct = isCommitFrameHeader(data);
    }
    const bool direct = w->direct || amount > kBufferBytes;
    const bool continues = w->buffered == 0 || offset == w->bufferStart + w->buffered;
    if (direct || !continues || w->buffered + amount > kBufferBytes) {
        if (const int rc = flush(w); rc != SQLITE_OK) {
            return rc;
        }
    }
    if (direct) {
        return w->real->pMethods->xWrite(w->real, data, amount, offset);
    }
    if (w->buffered == 0) {
        w->bufferStart = offset;
    }
    std::memcpy(w->buffer + w->buffered, data, std::size_t(amount));
    w->buffered += amount;
    return SQLITE_OK;
}

int walOpen(sqlite3_vfs *, sqlite3_filename name, sqlite3_file *file, int flags, int *outFlags)
{
    if ((flags & SQLITE_OPEN_WAL) == 0) {
        // Everything but a WAL is the real VFS's own file object (this VFS's szOsFile is larger).
        return g_real->xOpen(g_real, name, file, flags, outFlags);
    }
    auto *w = walFile(file);
    std::memset(w, 0, sizeof(WalFile));
    w->real = reinterpret_cast<sqlite3_file *>(reinterpret_cast<char *>(w) + sizeof(WalFile));
    w->buffer = static_cast<char *>(std::malloc(kBufferBytes));
    if (!w->buffer) {
        return SQLITE_NOMEM;
    }
    const int rc = g_real->xOpen(g_real, name, w->real, flags, outFlags);
    if (rc != SQLITE_OK) {
        std::free(w->buffer);
        w->buffer = nullptr;
        return rc;
    }
    w->base.pMethods = &g_methods;
    return SQLITE_OK;
}

bool registerVfs()
{
    g_real = sqlite3_vfs_find(nullptr);
    if (!g_real || g_real->iVersion < 2) {
        return false;
    }
    g_methods = {};
    g_methods.iVersion = 1; // no shared memory or mmap on a WAL file
    g_methods.xClose = walClose;
    g_methods.xRead = flushThenOnReal<&sqlite3_io_methods::xRead>;
    g_methods.xWrite = walWrite;
    g_methods.xTruncate = flushThenOnReal<&sqlite3_io_methods::xTruncate>;
    g_methods.xSync = flushThenOnReal<&sqlite3_io_methods::xSync>;
    g_methods.xFileSize = flushThenOnReal<&sqlite3_io_methods::xFileSize>;
    g_methods.xLock = onReal<&sqlite3_io_methods::xLock>;
    g_methods.xUnlock = onReal<&sqlite3_io_methods::xUnlock>;
    g_methods.xCheckReservedLock = onReal<&sqlite3_io_methods::xCheckReservedLock>;
    g_methods.xFileControl = flushThenOnReal<&sqlite3_io_methods::xFileControl>;
    g_methods.xSectorSize = onReal<&sqlite3_io_methods::xSectorSize>;
    g_methods.xDeviceCharacteristics = onReal<&sqlite3_io_methods::xDeviceCharacteristics>;

    g_vfs = {};
    g_vfs.iVersion = 2;
    g_vfs.szOsFile = int(sizeof(WalFile)) + g_real->szOsFile;
    g_vfs.mxPathname = g_real->mxPathname;
    g_vfs.zName = kWalWriteBufferVfs;
    g_vfs.xOpen = walOpen;
    g_vfs.xDelete = OnRealVfs<&sqlite3_vfs::xDelete>::call;
    g_vfs.xAccess = OnRealVfs<&sqlite3_vfs::xAccess>::call;
    g_vfs.xFullPathname = OnRealVfs<&sqlite3_vfs::xFullPathname>::call;
    g_vfs.xDlOpen = OnRealVfs<&sqlite3_vfs::xDlOpen>::call;
    g_vfs.xDlError = OnRealVfs<&sqlite3_vfs::xDlError>::call;
    g_vfs.xDlSym = OnRealVfs<&sqlite3_vfs::xDlSym>::call;
    g_vfs.xDlClose = OnRealVfs<&sqlite3_vfs::xDlClose>::call;
    g_vfs.xRandomness = OnRealVfs<&sqlite3_vfs::xRandomness>::call;
    g_vfs.xSleep = OnRealVfs<&sqlite3_vfs::xSleep>::call;
    g_vfs.xCurrentTime = OnRealVfs<&sqlite3_vfs::xCurrentTime>::call;
    g_vfs.xGetLastError = g_real->xGetLastError ? OnRealVfs<&sqlite3_vfs::xGetLastError>::call : nullptr;
    g_vfs.xCurrentTimeInt64 = OnRealVfs<&sqlite3_vfs::xCurrentTimeInt64>::call;
    return sqlite3_vfs_register(&g_vfs, 1) == SQLITE_OK;
}

} // namespace

bool installWalWriteBuffer()
{
    static const bool installed = registerVfs();
    return installed;
}

} // namespace OddsTap

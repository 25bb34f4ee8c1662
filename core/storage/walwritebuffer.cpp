// SPDX-License-Identifier: MIT
#include "walwritebuffer.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <string>

namespace OddsTap {
namespace {

// SQLite writes each WAL frame as two calls: its 24-byte header, then the page. On this VM a
// system call costs more than copying an 8 KiB page, and a 50,000-event commit writes ~5,500
// frames. The VFS below gathers a connection's WAL appends in memory and writes them in one
// call per kBufferBytes (14 frames of 8 KiB), and writes everything out before a transaction commits:
// - A frame header whose "database size" field is set marks a commit frame (SQLite's WAL format).
//   Only non-commit frame headers and the page right after each are gathered; every other write
//   goes straight to the file, after what is buffered. So the commit frame, its padding and the
//   checksum rewrites SQLite does at commit are all in the file before SQLite publishes the
//   commit in the wal-index: a reader or checkpointer never sees a committed frame that is not in
//   the file. A buffer the file refused stays buffered, and fails every later call that needs it.
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
    bool afterHeader; ///< the last write was a buffered, non-commit frame header
};

sqlite3_io_methods g_methods;

/// The VFS a buffer VFS wraps (kept in its pAppData).
sqlite3_vfs *realVfs(sqlite3_vfs *vfs)
{
    return static_cast<sqlite3_vfs *>(vfs->pAppData);
}

WalFile *walFile(sqlite3_file *f)
{
    return reinterpret_cast<WalFile *>(f);
}

int flush(WalFile *w)
{
    if (w->buffered == 0) {
        return SQLITE_OK;
    }
    // The frames stay buffered until the file has them: a failed write fails this call and every
    // later one that needs the buffer out (the next write, sync, size query, read, commit), so no
    // commit frame can reach the file after frames of its transaction that did not.
    const int rc = w->real->pMethods->xWrite(w->real, w->buffer, w->buffered, w->bufferStart);
    if (rc == SQLITE_OK) {
        w->buffered = 0;
    }
    return rc;
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
    static R call(sqlite3_vfs *vfs, Args... args)
    {
        sqlite3_vfs *real = realVfs(vfs);
        return (real->*Method)(real, args...);
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
    // Only two kinds of write are gathered: a non-commit frame header written on its own, and the
    // write right after it (its page). Everything else (a commit frame and what follows it, the
    // WAL header, checksum rewrites, and any pattern a later SQLite might use, such as a header
    // and page in one call) goes straight to the file after the buffer: commit detection cannot
    // be fooled into buffering a commit, only into buffering less.
    const bool header = amount == kFrameHeaderBytes && !isCommitFrameHeader(data);
    const bool continues = w->buffered == 0 || offset == w->bufferStart + w->buffered;
    const bool page = w->afterHeader && w->buffered > 0 && offset == w->bufferStart + w->buffered;
    const bool gather = (header || page) && amount <= kBufferBytes;
    w->afterHeader = false;
    if (!gather || !continues || w->buffered + amount > kBufferBytes) {
        if (const int rc = flush(w); rc != SQLITE_OK) {
            return rc;
        }
    }
    if (!gather) {
        return w->real->pMethods->xWrite(w->real, data, amount, offset);
    }
    w->afterHeader = header;
    if (w->buffered == 0) {
        w->bufferStart = offset;
    }
    std::memcpy(w->buffer + w->buffered, data, std::size_t(amount));
    w->buffered += amount;
    return SQLITE_OK;
}

int walOpen(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *file, int flags, int *outFlags)
{
    sqlite3_vfs *real = realVfs(vfs);
    if ((flags & SQLITE_OPEN_WAL) == 0) {
        // Everything but a WAL is the real VFS's own file object (this VFS's szOsFile is larger).
        return real->xOpen(real, name, file, flags, outFlags);
    }
    auto *w = walFile(file);
    std::memset(w, 0, sizeof(WalFile));
    w->real = reinterpret_cast<sqlite3_file *>(reinterpret_cast<char *>(w) + sizeof(WalFile));
    w->buffer = static_cast<char *>(std::malloc(kBufferBytes));
    if (!w->buffer) {
        return SQLITE_NOMEM;
    }
    const int rc = real->xOpen(real, name, w->real, flags, outFlags);
    if (rc != SQLITE_OK) {
        std::free(w->buffer);
        w->buffer = nullptr;
        return rc;
    }
    w->base.pMethods = &g_methods;
    return SQLITE_OK;
}

bool registerVfs(const char *name, sqlite3_vfs *real, bool makeDefault)
{
    if (!real || real->iVersion < 2) {
        return false;
    }
    static std::deque<sqlite3_vfs> instances; // registered VFSs must outlive every connection
    static std::deque<std::string> names;
    if (g_methods.xClose == nullptr) {
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
    }
    names.emplace_back(name);
    sqlite3_vfs &vfs = instances.emplace_back();
    vfs = {};
    vfs.iVersion = 2;
    vfs.szOsFile = int(sizeof(WalFile)) + real->szOsFile;
    vfs.mxPathname = real->mxPathname;
    vfs.zName = names.back().c_str();
    vfs.pAppData = real;
    vfs.xOpen = walOpen;
    vfs.xDelete = OnRealVfs<&sqlite3_vfs::xDelete>::call;
    vfs.xAccess = OnRealVfs<&sqlite3_vfs::xAccess>::call;
    vfs.xFullPathname = OnRealVfs<&sqlite3_vfs::xFullPathname>::call;
    vfs.xDlOpen = OnRealVfs<&sqlite3_vfs::xDlOpen>::call;
    vfs.xDlError = OnRealVfs<&sqlite3_vfs::xDlError>::call;
    vfs.xDlSym = OnRealVfs<&sqlite3_vfs::xDlSym>::call;
    vfs.xDlClose = OnRealVfs<&sqlite3_vfs::xDlClose>::call;
    vfs.xRandomness = OnRealVfs<&sqlite3_vfs::xRandomness>::call;
    vfs.xSleep = OnRealVfs<&sqlite3_vfs::xSleep>::call;
    vfs.xCurrentTime = OnRealVfs<&sqlite3_vfs::xCurrentTime>::call;
    vfs.xGetLastError = real->xGetLastError ? OnRealVfs<&sqlite3_vfs::xGetLastError>::call : nullptr;
    vfs.xCurrentTimeInt64 = OnRealVfs<&sqlite3_vfs::xCurrentTimeInt64>::call;
    return sqlite3_vfs_register(&vfs, makeDefault ? 1 : 0) == SQLITE_OK;
}

} // namespace

bool installWalWriteBuffer()
{
    // Not the default: only connections that ask for it by name (the capture database's writer).
    static const bool installed = registerVfs(kWalWriteBufferVfs, sqlite3_vfs_find(nullptr), false);
    return installed;
}

bool registerWalWriteBuffer(const char *name, const char *baseVfs)
{
    return registerVfs(name, sqlite3_vfs_find(baseVfs), false);
}

} // namespace OddsTap

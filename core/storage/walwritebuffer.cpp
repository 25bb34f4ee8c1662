// SPDX-License-Identifier: MIT
#include "walwritebuffer.h"

#include <core/storage/sqlitevfswrap.h>

#include <cstdlib>
#include <cstring>

namespace OddsTap {
namespace {

using namespace SqliteVfsWrap;

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

bool registerBufferVfs(const char *name, sqlite3_vfs *real)
{
    if (g_methods.xClose == nullptr) {
        g_methods.iVersion = 1; // no shared memory or mmap on a WAL file
        g_methods.xClose = walClose;
        g_methods.xRead = flushThenOnReal<WalFile, flush, &sqlite3_io_methods::xRead>;
        g_methods.xWrite = walWrite;
        g_methods.xTruncate = flushThenOnReal<WalFile, flush, &sqlite3_io_methods::xTruncate>;
        g_methods.xSync = flushThenOnReal<WalFile, flush, &sqlite3_io_methods::xSync>;
        g_methods.xFileSize = flushThenOnReal<WalFile, flush, &sqlite3_io_methods::xFileSize>;
        g_methods.xLock = onReal<WalFile, &sqlite3_io_methods::xLock>;
        g_methods.xUnlock = onReal<WalFile, &sqlite3_io_methods::xUnlock>;
        g_methods.xCheckReservedLock = onReal<WalFile, &sqlite3_io_methods::xCheckReservedLock>;
        g_methods.xFileControl = flushThenOnReal<WalFile, flush, &sqlite3_io_methods::xFileControl>;
        g_methods.xSectorSize = onReal<WalFile, &sqlite3_io_methods::xSectorSize>;
        g_methods.xDeviceCharacteristics = onReal<WalFile, &sqlite3_io_methods::xDeviceCharacteristics>;
    }
    return registerVfs(name, real, int(sizeof(WalFile)), walOpen);
}

} // namespace

bool installWalWriteBuffer()
{
    // Not the default: only connections that ask for it by name (SqliteStorage's writer).
    static const bool installed = registerBufferVfs(kWalWriteBufferVfs, sqlite3_vfs_find(nullptr));
    return installed;
}

bool registerWalWriteBuffer(const char *name, const char *baseVfs)
{
    return registerBufferVfs(name, sqlite3_vfs_find(baseVfs));
}

} // namespace OddsTap

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

int walClose(sqlite3_file *f)
{
    WalFile *w = walFile(f);
    const int flushed = flush(w);
    const int closed = w->real->pMethods->xClose(w->real);
    std::free(w->buffer);
    w->buffer = nullptr;
    return flushed != SQLITE_OK ? flushed : closed;
}

int walRead(sqlite3_file *f, void *data, int amount, sqlite3_int64 offset)
{
    WalFile *w = walFile(f);
    if (const int rc = flush(w); rc != SQLITE_OK) {
        return rc;
    }
    return w->real->pMethods->xRead(w->real, data, amount, offset);
}

bool isCommitFrameHeader(const void *data, int amount)
{
    if (amount != kFrameHeaderBytes) {
        return false;
    }
    const auto *p = static_cast<const unsigned char *>(data);
    return (p[4] | p[5] | p[6] | p[7]) != 0; // big-endian database size after commit, 0 otherwise
}

int walWrite(sqlite3_file *f, const void *data, int amount, sqlite3_int64 offset)
{
    WalFile *w = walFile(f);
    if (amount == kFrameHeaderBytes) {
        w->direct = isCommitFrameHeader(data, amount);
    }
    const bool continues = w->buffered > 0 && offset == w->bufferStart + w->buffered;
    if (w->direct || amount > kBufferBytes || (w->buffered > 0 && !continues) || w->buffered + amount > kBufferBytes) {
        if (const int rc = flush(w); rc != SQLITE_OK) {
            return rc;
        }
    }
    if (w->direct || amount > kBufferBytes) {
        return w->real->pMethods->xWrite(w->real, data, amount, offset);
    }
    if (w->buffered == 0) {
        w->bufferStart = offset;
    }
    std::memcpy(w->buffer + w->buffered, data, std::size_t(amount));
    w->buffered += amount;
    return SQLITE_OK;
}

int walTruncate(sqlite3_file *f, sqlite3_int64 size)
{
    WalFile *w = walFile(f);
    if (const int rc = flush(w); rc != SQLITE_OK) {
        return rc;
    }
    return w->real->pMethods->xTruncate(w->real, size);
}

int walSync(sqlite3_file *f, int flags)
{
    WalFile *w = walFile(f);
    if (const int rc = flush(w); rc != SQLITE_OK) {
        return rc;
    }
    return w->real->pMethods->xSync(w->real, flags);
}

int walFileSize(sqlite3_file *f, sqlite3_int64 *size)
{
    WalFile *w = walFile(f);
    if (const int rc = flush(w); rc != SQLITE_OK) {
        return rc;
    }
    return w->real->pMethods->xFileSize(w->real, size);
}

int walLock(sqlite3_file *f, int level)
{
    WalFile *w = walFile(f);
    return w->real->pMethods->xLock(w->real, level);
}

int walUnlock(sqlite3_file *f, int level)
{
    WalFile *w = walFile(f);
    return w->real->pMethods->xUnlock(w->real, level);
}

int walCheckReservedLock(sqlite3_file *f, int *out)
{
    WalFile *w = walFile(f);
    return w->real->pMethods->xCheckReservedLock(w->real, out);
}

int walFileControl(sqlite3_file *f, int op, void *arg)
{
    WalFile *w = walFile(f);
    if (const int rc = flush(w); rc != SQLITE_OK) {
        return rc;
    }
    return w->real->pMethods->xFileControl(w->real, op, arg);
}

int walSectorSize(sqlite3_file *f)
{
    WalFile *w = walFile(f);
    return w->real->pMethods->xSectorSize(w->real);
}

int walDeviceCharacteristics(sqlite3_file *f)
{
    WalFile *w = walFile(f);
    return w->real->pMethods->xDeviceCharacteristics(w->real);
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

// The rest of the VFS is the real one's.
int vfsDelete(sqlite3_vfs *, const char *name, int syncDir)
{
    return g_real->xDelete(g_real, name, syncDir);
}
int vfsAccess(sqlite3_vfs *, const char *name, int flags, int *out)
{
    return g_real->xAccess(g_real, name, flags, out);
}
int vfsFullPathname(sqlite3_vfs *, const char *name, int n, char *out)
{
    return g_real->xFullPathname(g_real, name, n, out);
}
void *vfsDlOpen(sqlite3_vfs *, const char *name)
{
    return g_real->xDlOpen(g_real, name);
}
void vfsDlError(sqlite3_vfs *, int n, char *out)
{
    g_real->xDlError(g_real, n, out);
}
void (*vfsDlSym(sqlite3_vfs *, void *handle, const char *symbol))(void)
{
    return g_real->xDlSym(g_real, handle, symbol);
}
void vfsDlClose(sqlite3_vfs *, void *handle)
{
    g_real->xDlClose(g_real, handle);
}
int vfsRandomness(sqlite3_vfs *, int n, char *out)
{
    return g_real->xRandomness(g_real, n, out);
}
int vfsSleep(sqlite3_vfs *, int micros)
{
    return g_real->xSleep(g_real, micros);
}
int vfsCurrentTime(sqlite3_vfs *, double *out)
{
    return g_real->xCurrentTime(g_real, out);
}
int vfsGetLastError(sqlite3_vfs *, int n, char *out)
{
    return g_real->xGetLastError ? g_real->xGetLastError(g_real, n, out) : 0;
}
int vfsCurrentTimeInt64(sqlite3_vfs *, sqlite3_int64 *out)
{
    return g_real->xCurrentTimeInt64(g_real, out);
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
    g_methods.xRead = walRead;
    g_methods.xWrite = walWrite;
    g_methods.xTruncate = walTruncate;
    g_methods.xSync = walSync;
    g_methods.xFileSize = walFileSize;
    g_methods.xLock = walLock;
    g_methods.xUnlock = walUnlock;
    g_methods.xCheckReservedLock = walCheckReservedLock;
    g_methods.xFileControl = walFileControl;
    g_methods.xSectorSize = walSectorSize;
    g_methods.xDeviceCharacteristics = walDeviceCharacteristics;

    g_vfs = {};
    g_vfs.iVersion = 2;
    g_vfs.szOsFile = int(sizeof(WalFile)) + g_real->szOsFile;
    g_vfs.mxPathname = g_real->mxPathname;
    g_vfs.zName = kWalWriteBufferVfs;
    g_vfs.xOpen = walOpen;
    g_vfs.xDelete = vfsDelete;
    g_vfs.xAccess = vfsAccess;
    g_vfs.xFullPathname = vfsFullPathname;
    g_vfs.xDlOpen = vfsDlOpen;
    g_vfs.xDlError = vfsDlError;
    g_vfs.xDlSym = vfsDlSym;
    g_vfs.xDlClose = vfsDlClose;
    g_vfs.xRandomness = vfsRandomness;
    g_vfs.xSleep = vfsSleep;
    g_vfs.xCurrentTime = vfsCurrentTime;
    g_vfs.xGetLastError = vfsGetLastError;
    g_vfs.xCurrentTimeInt64 = vfsCurrentTimeInt64;
    return sqlite3_vfs_register(&g_vfs, 1) == SQLITE_OK;
}

} // namespace

bool installWalWriteBuffer()
{
    static const bool installed = registerVfs();
    return installed;
}

} // namespace OddsTap

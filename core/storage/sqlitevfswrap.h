// SPDX-License-Identifier: MIT
// What the SQLite VFSs that wrap another one share (walwritebuffer.cpp, directwritevfs.cpp): each
// keeps the wrapped VFS in pAppData, opens its own kind of file over the wrapped one's file and
// passes every other call through.
#pragma once

#include <sqlite3.h>

namespace OddsTap::SqliteVfsWrap {

using OpenFn = int (*)(sqlite3_vfs *, sqlite3_filename, sqlite3_file *, int, int *);

/// The VFS a wrapping VFS wraps.
inline sqlite3_vfs *realVfs(sqlite3_vfs *vfs)
{
    return static_cast<sqlite3_vfs *>(vfs->pAppData);
}

/// Registers, for the life of the process, a VFS named @p name (copied) that opens files with
/// @p open and passes every other call to @p real. Its files are @p wrapperFileBytes, then the real
/// VFS's file object. Not the default VFS: connections ask for it by name.
bool registerVfs(const char *name, sqlite3_vfs *real, int wrapperFileBytes, OpenFn open);

/// A file method of the wrapped file, for a wrapper file type F whose `real` is that file.
template <typename F, auto Method, typename... Args> int onReal(sqlite3_file *f, Args... args)
{
    sqlite3_file *real = reinterpret_cast<F *>(f)->real;
    return (real->pMethods->*Method)(real, args...);
}

/// The same, after Flush(F *) wrote out what the wrapper holds: for calls that look at the file
/// as it is.
template <typename F, int (*Flush)(F *), auto Method, typename... Args>
int flushThenOnReal(sqlite3_file *f, Args... args)
{
    if (const int rc = Flush(reinterpret_cast<F *>(f)); rc != SQLITE_OK) {
        return rc;
    }
    return onReal<F, Method>(f, args...);
}

} // namespace OddsTap::SqliteVfsWrap

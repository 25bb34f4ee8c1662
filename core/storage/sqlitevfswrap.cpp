// SPDX-License-Identifier: MIT
#include "sqlitevfswrap.h"

#include <deque>
#include <mutex>
#include <string>

namespace OddsTap::SqliteVfsWrap {
namespace {

/// The VFS's methods other than xOpen are the real VFS's, called with the real VFS.
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

} // namespace

bool registerVfs(const char *name, sqlite3_vfs *real, int wrapperFileBytes, OpenFn open)
{
    if (!real || real->iVersion < 2) {
        return false;
    }
    static std::mutex lock;
    const std::lock_guard hold(lock);
    static std::deque<sqlite3_vfs> instances; // registered VFSs must outlive every connection
    static std::deque<std::string> names;
    names.emplace_back(name);
    sqlite3_vfs &vfs = instances.emplace_back();
    vfs = {};
    vfs.iVersion = 2;
    vfs.szOsFile = wrapperFileBytes + real->szOsFile;
    vfs.mxPathname = real->mxPathname;
    vfs.zName = names.back().c_str();
    vfs.pAppData = real;
    vfs.xOpen = open;
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
    return sqlite3_vfs_register(&vfs, 0) == SQLITE_OK;
}

} // namespace OddsTap::SqliteVfsWrap

// SPDX-License-Identifier: MIT
#include "sqlitemessage.h"

#include <sqlite3.h>

#include <cstring>

namespace OddsTap {

QString sqliteMessage(sqlite3 *db)
{
    if (db == nullptr) {
        return QStringLiteral("out of memory");
    }
    QString message = QString::fromUtf8(sqlite3_errmsg(db));
    const int code = sqlite3_extended_errcode(db);
    if (code == SQLITE_READONLY_DBMOVED) {
        return message
            + QStringLiteral(
                " (the file was deleted, renamed or its file system unmounted while it was open: nothing more "
                "can be written to it)");
    }
    switch (code & 0xff) {
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_FULL:
    case SQLITE_CORRUPT:
    case SQLITE_READONLY: {
        // SQLite takes a short read after an I/O error for damage ("malformed"): the system's
        // error says which it was.
        int errnum = sqlite3_system_errno(db);
        if (errnum == 0) {
            // A failed commit does not set it: the main file keeps its own last error.
            sqlite3_file_control(db, "main", SQLITE_FCNTL_LAST_ERRNO, &errnum);
        }
        if (errnum != 0) {
            message += QStringLiteral(" (system error: %1)").arg(QString::fromLocal8Bit(std::strerror(errnum)));
        }
        break;
    }
    default:
        break;
    }
    return message;
}

} // namespace OddsTap

// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

struct sqlite3;

namespace OddsTap {

/// SQLite's message for the last failure on @p db, with what it leaves out: the operating
/// system's own error for a failed read, write or open (EIO, ENOSPC, EACCES...), and what a
/// "readonly" file that was writable means (deleted, renamed or unmounted while open).
QString sqliteMessage(sqlite3 *db);

} // namespace OddsTap

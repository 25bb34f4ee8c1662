// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/result.h>

#include <QByteArray>
#include <QString>

namespace OddsTap {

/// The rule of every output path (--db, --record, --ring-dir, --out, --output): a missing
/// directory is made. Each returns why it could not be ("cannot create the directory 'D': the
/// system's reason"), or an empty string.
QString makeDirectory(const QString &dir);
QString makeParentDirectory(const QString &file);

/// A settings document the user names (alert rules, a fixture map), whole: a regular file of at
/// most 64 MB (a pipe or a device is refused: notARegularFile()). Fails with io_error, or with
/// @p tooLargeCode and "PATH is over 64 MB".
Result<QByteArray> readSettingsDocument(const QString &path, const QString &tooLargeCode);
/// Empty when @p path is a regular file (or does not exist: opening it says so); else why it
/// cannot be read as one. A pipe or a device would block the reader (a FIFO without a writer
/// blocks the open itself) or never end.
QString notARegularFile(const QString &path);

} // namespace OddsTap

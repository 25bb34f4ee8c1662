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

/// True when @p path is an output that exists and is not a regular file or a directory: a
/// device (/dev/null), a FIFO, a pipe given as /dev/fd/N (`--out >(gzip > x.gz)`), a socket. Such
/// a target is written into as it is: the usual file written beside it and renamed over it would
/// replace the device or the pipe with a regular file (as root, /dev/null itself).
bool isStreamTarget(const QString &path);

/// Writes @p bytes as the whole of @p path: through a file beside it renamed over it (a reader
/// never sees half a file), or straight into a stream target (isStreamTarget()). Why not, naming
/// the path, or an empty string.
QString writeWholeFile(const QString &path, const QByteArray &bytes);

} // namespace OddsTap

// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/result.h>

#include <QByteArray>
#include <QString>

namespace OddsTap {

/// The most a file holding one secret (a token, a webhook URL) may hold: anything larger is not one.
inline constexpr qint64 kMaxSecretFileBytes = 64 * 1024;

/// How long a pipe given as a secret file may take to deliver it (`--token-file <(pass show x)`).
inline constexpr int kSecretFileWaitMs = 10000;

/// Reads a secret from @p path, trimmed: a regular file, or a pipe that delivers it (process
/// substitution, a FIFO). Bounded in size and in time, since the path is the user's to give: a
/// FIFO nobody writes, /dev/zero or a multi-GB file end in an error naming @p what and the file,
/// not in a hang or an exhausted memory. An empty file is an error too (a token of nothing is a
/// mistake, never intended). @p waitMs 0 takes what a pipe holds now (the GUI thread must not wait).
Result<QByteArray> readSecretFile(
    const QString &path, const QString &what, int waitMs = kSecretFileWaitMs, qint64 maxBytes = kMaxSecretFileBytes);

} // namespace OddsTap

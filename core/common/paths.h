// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

namespace OddsTap {

/// The rule of every output path (--db, --record, --ring-dir, --out, --output): a missing
/// directory is made. Each returns why it could not be ("cannot create the directory 'D': the
/// system's reason"), or an empty string.
QString makeDirectory(const QString &dir);
QString makeParentDirectory(const QString &file);

} // namespace OddsTap

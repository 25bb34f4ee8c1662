// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/result.h>

#include <QIODevice>

#include <memory>

namespace OddsTap {

/// Opens a file for reading whether it is plain, gzip (.gz) or bzip2 (.bz2) compressed, told by
/// its first bytes rather than its name. Concatenated streams (as `cat a.gz b.gz`) read as one.
/// The device is sequential: no seek, no size.
Result<std::unique_ptr<QIODevice>> openMaybeCompressed(const QString &path);

} // namespace OddsTap

// SPDX-License-Identifier: MIT
#pragma once

#include <core/replay/capturefile.h>

#include <QStringList>

namespace OddsTap {

/// Opens what @p paths hold, told by content: one capture file, or one or more Betfair stream
/// files (plain, .gz or .bz2) merged on their publish times as one source.
Result<std::unique_ptr<RecordReader>> openRecords(const QStringList &paths);

/// True when the file starts like a Betfair stream line (`{"op":...`), compressed or not.
bool looksLikeBetfairFile(const QString &path);

} // namespace OddsTap

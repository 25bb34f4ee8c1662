// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

#include <optional>
#include <string_view>

namespace OddsTap {

/// Parses an ISO 8601 / RFC 3339 date-time with a zone designator into UTC ms since the epoch:
/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`. Calendar-checked (leap years, day of month); a
/// missing zone is rejected because a feed time without one is ambiguous. Any thread; pure.
std::optional<qint64> parseIso8601Utc(std::string_view text);

/// Formats UTC ms since the epoch as `2026-11-25T15:04:05.123Z`.
QString formatIso8601Utc(qint64 msSinceEpoch);

/// Largest timestamp we accept anywhere: 9999-12-31T23:59:59.999Z.
inline constexpr qint64 kMaxTimestampMs = 253402300799999;

/// Wall clock (UTC ms) and monotonic clock (ns), as stamped on received frames. Any thread.
qint64 wallClockMs();
qint64 wallClockNs(); ///< wall clock, ns since the epoch (UTC)
qint64 monotonicNs();

} // namespace OddsTap

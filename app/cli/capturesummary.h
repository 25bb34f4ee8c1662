// SPDX-License-Identifier: MIT
#pragma once

#include <QJsonObject>
#include <QString>

namespace OddsTap {
struct CaptureStats;
}

namespace OddsTap::Cli {

/// `capture`'s live status line: each source's state and seq, the rate and the counts.
QString captureStatusLine(const CaptureStats &stats, double rate);

/// The end of a run in a few lines, for a person at a terminal (the JSON summary has every count).
QString humanCaptureSummary(const QJsonObject &summary);

} // namespace OddsTap::Cli

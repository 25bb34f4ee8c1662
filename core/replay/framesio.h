// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/result.h>

#include <QString>

class QIODevice;

namespace OddsTap {

/// Interchange of captures with other tools: NDJSON, one record per line, in received order.
/// The first line describes the capture ({"capture": {...}}); then each frame is
/// {"source","connection","received_at","wall_ns","mono_ns","frame"} (or "frame_base64" for binary
/// frames and text that is not UTF-8) and each connection event
/// {"source","connection","event":"connection","state","reason","delay_ms","last_seq","received_at","wall_ns"}.
/// docs/capture-format.md describes both.
struct FramesIoCounts
{
    quint64 frames = 0;
    quint64 connectionEvents = 0;
};

Result<FramesIoCounts> exportFramesNdjson(const QString &capturePath, QIODevice &out);

/// Reads NDJSON as exportFramesNdjson writes it into a new capture file. Only "frame" (or
/// "frame_base64") and a receive time ("wall_ns", "received_at" ISO 8601 or "received_at_ms") are
/// required; "source" defaults to import-1 and "connection" to 1. A bad line is an error that
/// names its line number.
Result<FramesIoCounts> importFramesNdjson(QIODevice &in, const QString &capturePath, const QString &notes);

} // namespace OddsTap

// SPDX-License-Identifier: MIT
#pragma once

#include <core/session/capturestats.h>

#include <QByteArray>

namespace OddsTap {

/// What one scrape of /metrics reports: the session's totals and its storage queue as they stood
/// at the latest snapshot. Built on the session's thread, read on the metrics server's.
struct MetricsReading
{
    qint64 atMs = 0; ///< when the session built it (wall clock)
    CaptureStats stats;
    SeqMap committedSeqs; ///< per source, the last seq whose events are in the database
    quint64 queuedEvents = 0; ///< waiting in the storage writer's memory
    qint64 spoolBytes = 0; ///< waiting on disk
    bool storageDown = false;
};

/// The reading in Prometheus' text exposition format (version 0.0.4): counters per source, type,
/// reject code and table, gauges for the queue and each source's state, and histograms (seconds) of
/// each pipeline stage. Names and labels are listed in docs/metrics.md.
QByteArray prometheusText(const MetricsReading &reading);

} // namespace OddsTap

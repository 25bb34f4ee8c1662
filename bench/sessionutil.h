// SPDX-License-Identifier: MIT
// A capture session as the benchmarks run it: one source on the simulator, run to its end.
#pragma once

#include "benchutil.h"
#include "simthread.h"

#include <core/session/capturesession.h>

#include <QEventLoop>

namespace OddsTap::Bench {

/// A capture of the simulator's stream from its first event, stopping after @p count envelopes.
inline CaptureConfig captureOf(const SimThread &sim, quint64 count)
{
    FeedSourceConfig source;
    source.sourceId = QStringLiteral("bench");
    source.url = sim.url();
    source.resumeFromSeq = 0;
    CaptureConfig capture;
    capture.sources = { source };
    capture.count = count;
    return capture;
}

/// Starts @p session and runs a real event loop until it finishes; returns the seconds it took.
/// (processEvents(flags, ms) ignores WaitForMoreEvents and would spin, taking a core away from
/// the pipeline being measured.)
inline double runToEnd(CaptureSession &session)
{
    QEventLoop loop;
    QObject::connect(&session, &CaptureSession::finished, &loop, &QEventLoop::quit);
    const auto start = std::chrono::steady_clock::now();
    session.start();
    loop.exec();
    return secondsSince(start);
}

} // namespace OddsTap::Bench

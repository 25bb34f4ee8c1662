// SPDX-License-Identifier: MIT
// CaptureSession's record of one running source (its client: a FeedClient, or the ReplaySource
// for a replay), shared by the files that implement the session.
#pragma once

#include <core/feed/batchsource.h>
#include <core/session/capturesession.h>

#include <QThread>

namespace OddsTap {

struct CaptureSession::SourceRun
{
    FeedSourceConfig config;
    QThread thread;
    BatchSource *client = nullptr; ///< lives in `thread`; deleted when it finishes
    bool replay = false; ///< the replay source (one for all of a capture's sources)
    bool running = false;
    bool enabled = true;
    bool stopping = false;
};

} // namespace OddsTap

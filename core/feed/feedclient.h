// SPDX-License-Identifier: MIT
#pragma once

#include <core/feed/liveconnection.h>

#include <memory>

namespace OddsTap {

/// One feed source: keeps one WebSocket alive (exponential backoff with full jitter, liveness from
/// heartbeats, resume from the last seq held), decodes and validates frames, detects gaps and
/// duplicates, and hands everything on in batches (flushed on size or after a few ms).
/// Lives in: a worker thread (created in start()); talk to it with queued calls only.
class FeedClient : public LiveSource
{
    Q_OBJECT
public:
    explicit FeedClient(FeedSourceConfig config, QObject *parent = nullptr);
    ~FeedClient() override;

public slots:
    void start() override;
    void stop(const QString &why) override;

private:
    LiveConnection *live() override;

    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace OddsTap

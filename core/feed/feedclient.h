// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/event.h>
#include <core/feed/batchsource.h>
#include <core/feed/framedecoder.h>

#include <QObject>
#include <QUrl>

#include <memory>
#include <optional>

namespace OddsTap {

/// Everything a FeedClient needs, copied in before it moves to its thread.
struct FeedSourceConfig
{
    QString sourceId = QStringLiteral("src-1");
    QUrl url;
    FeedProfile profile; ///< how its messages map onto events
    QByteArray
        token; ///< sent as "Authorization: Bearer" (a Betfair stream: the session token); never logged, never stored
    QByteArray appKey; ///< a Betfair stream's application key (ODDSTAP_BETFAIR_APP_KEY); never logged
    QString caFile; ///< extra CA certificates (PEM) for wss://, on top of the system ones
    int heartbeatMs = 1000; ///< the server's heartbeat interval; silence for 3 of them means dead
    int backoffInitialMs = 500;
    int backoffMaxMs = 30000;
    int healthyResetMs = 10000; ///< a connection up this long resets the backoff
    int authBackoffMs = 60000; ///< wait after HTTP 401 before trying again
    int connectTimeoutMs = 10000;
    std::optional<quint64> resumeFromSeq; ///< first subscribe's from_seq (e.g. the committed seq)
    DecoderLimits limits;
    qint64 hardMessageBytes = 16 * 1024 * 1024; ///< the socket refuses bigger messages outright
    int flushIntervalMs = 5;
    std::size_t flushMaxItems = 2000;
    quint64 jitterSeed = 0; ///< 0 = random
};

/// Checks a source configuration (URL scheme and host, CA file readable); the message names the problem.
QString validateSourceConfig(const FeedSourceConfig &config);

/// One feed source: keeps one WebSocket alive (exponential backoff with full jitter, liveness from
/// heartbeats, resume from the last seq held), decodes and validates frames, detects gaps and
/// duplicates, and hands everything on in batches (flushed on size or after a few ms).
/// Lives in: a worker thread (created in start()); talk to it with queued calls only.
class FeedClient : public BatchSource
{
    Q_OBJECT
public:
    explicit FeedClient(FeedSourceConfig config, QObject *parent = nullptr);
    ~FeedClient() override;

    const FeedSourceConfig &config() const { return m_config; }

public slots:
    void start() override;
    void stop() override;
    void setKeepRaw(bool keep) override;

private:
    struct Impl;
    friend struct Impl;
    FeedSourceConfig m_config;
    bool m_keepRaw = false;
    std::unique_ptr<Impl> d;
};

} // namespace OddsTap

Q_DECLARE_METATYPE(OddsTap::FeedSourceConfig)

// SPDX-License-Identifier: MIT
#pragma once

#include <core/feed/liveconnection.h>

#include <memory>

namespace OddsTap::Betfair {

/// The live Betfair Exchange Stream: a TLS socket carrying one JSON message per CRLF-terminated
/// line (not a WebSocket). It authenticates with an app key and a session token, subscribes to
/// the markets its URL names, watches the stream's heartbeats, and after a drop reconnects with
/// backoff and resumes from the stream's clocks (`initialClk`, `clk`), so the exchange sends what
/// was missed rather than a new image. The URL:
///   betfair://stream-api.betfair.com:443?marketIds=1.23,1.24&eventTypeIds=7&countryCodes=GB
///       &marketTypes=WIN,PLACE&ladderLevels=3
/// (`betfair+tcp://` for a plain socket, for local tests only). The session token is the
/// source's token (--token-file or ODDSTAP_TOKEN); the app key is FeedSourceConfig::appKey.
/// Lives in: a worker thread (created in start()); talk to it with queued calls only.
class StreamClient : public LiveSource
{
    Q_OBJECT
public:
    explicit StreamClient(FeedSourceConfig config, QObject *parent = nullptr);
    ~StreamClient() override;

    /// True for the URL schemes this client speaks.
    static bool handles(const QUrl &url);

public slots:
    void start() override;
    void stop(const QString &why) override;

private:
    LiveConnection *live() override;

    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace OddsTap::Betfair

// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/event.h>
#include <core/common/rng.h>
#include <core/feed/batchsource.h>
#include <core/feed/framedecoder.h>
#include <core/feed/streamtracker.h>

#include <QUrl>

#include <optional>

class QSslConfiguration;
class QTimer;

namespace OddsTap {

class StorageHoldOff;

/// Everything a live client needs, copied in before it moves to its thread.
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
    GapPolicy gapPolicy; ///< when a gap that resumes keep meeting is given up
    qint64 hardMessageBytes = 16 * 1024 * 1024; ///< the socket refuses bigger messages outright
    int flushIntervalMs = 5;
    std::size_t flushMaxItems = 2000;
    quint64 jitterSeed = 0; ///< 0 = random
};

/// Checks a source configuration (URL scheme and host, CA file readable); the message names the problem.
QString validateSourceConfig(const FeedSourceConfig &config);

/// The connection life cycle that every live client shares (the WebSocket feed, the Betfair
/// stream): the stream tracker, the backoff, the timers, the storage hold-off and the reports of
/// each state. A client's private part derives from it and adds its socket and protocol.
/// Lives in: the client's worker thread.
struct LiveConnection
{
    LiveConnection(BatchSource *owner, const FeedSourceConfig &config, const FeedProfile &profile);
    virtual ~LiveConnection();
    LiveConnection(const LiveConnection &) = delete;
    LiveConnection &operator=(const LiveConnection &) = delete;

    const FeedSourceConfig &cfg() const { return config; }
    /// Creates the timers and the hold-off as children of the client (on its thread), starts
    /// checking liveness every @p livenessMs and connects.
    void start(bool keepRaw, std::shared_ptr<StorageBacklog> backlog, int livenessMs);
    /// No more reconnecting, and Stopped reported. Returns false if already stopping; the client
    /// then closes its socket and flushes.
    bool beginStop(const QString &why);
    void setState(SourceState next, const QString &reason = {}, int delayMs = 0);
    void scheduleFlush();
    /// Hands on what the tracker holds (counted as waiting for the pipeline, which takes it off
    /// again), then holds off if too much waits in memory.
    void flush();
    int nextBackoffMs();
    /// Starts the next connection attempt's bookkeeping (its number, the tracker, the cleared
    /// error); false while stopping, when there is no next attempt.
    bool beginAttempt();
    /// The start of a client's end of connection: the health timer stopped, what the tracker
    /// holds flushed. Unless stopping, an authentication failure is reported with @p authText and
    /// tried again after authBackoffMs. True when the connection just ended: the client says why
    /// (disconnected()) and reconnects.
    bool connectionEnded(const QString &authText);
    /// Reports the source Disconnected for @p reason. True while storage is full: it then waits for
    /// storage and reconnects by itself.
    bool disconnected(const QString &reason);
    /// The system's CA certificates plus the source's CA file: certificates are always
    /// verified, there is no insecure mode.
    QSslConfiguration sslConfiguration() const;

    /// True, with lastError set, when more than kMaxUnsentBytes wait to be sent: the server does
    /// not read what it makes the client answer (pongs to a ping flood, replies to repeated
    /// control messages), which would otherwise pile up in memory without end. The client then
    /// drops the connection.
    bool serverStopsReading(qint64 unsentBytes);
    static constexpr qint64 kMaxUnsentBytes = 4 * 1024 * 1024;

    virtual void connectNow() = 0;
    virtual void checkLiveness() = 0;
    /// Ends the connection while too many events wait in memory for storage (StorageBacklog);
    /// it resumes from where the stream was once storage caught up.
    virtual void holdOffIfStorageIsFull() = 0;

    BatchSource *source;
    const FeedSourceConfig &config;
    QTimer *flushTimer = nullptr;
    QTimer *livenessTimer = nullptr;
    QTimer *reconnectTimer = nullptr;
    QTimer *healthyTimer = nullptr; ///< a connection up this long resets the backoff
    StorageHoldOff *holdOff = nullptr;
    std::shared_ptr<StorageBacklog> backlog; ///< null: nothing to count or hold off for
    StreamTracker tracker;
    Rng rng;
    SourceState state = SourceState::Idle;
    bool stopping = false;
    bool authFailed = false;
    QString lastError; ///< why the connection ended, for the next Disconnected
    quint32 connection = 0;
    int attempt = 0;
};

/// A live client: its configuration, and whether its batches carry the raw frames.
/// Lives in: a worker thread (created in start()); talk to it with queued calls only.
class LiveSource : public BatchSource
{
    Q_OBJECT
public:
    LiveSource(FeedSourceConfig config, QObject *parent);

    const FeedSourceConfig &config() const { return m_config; }

public slots:
    void setKeepRaw(bool keep) final;

protected:
    /// The running connection; null before start().
    virtual LiveConnection *live() = 0;

    FeedSourceConfig m_config;
    bool m_keepRaw = false;
};

} // namespace OddsTap

Q_DECLARE_METATYPE(OddsTap::FeedSourceConfig)

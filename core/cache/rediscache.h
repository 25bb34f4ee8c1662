// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/event.h>
#include <core/common/result.h>
#include <core/pipeline/livestate.h>

#include <QObject>

struct redisContext;
class QTimer;

namespace OddsTap {

/// Where the live cache goes: redis://[:password@]host[:port][/db].
struct RedisTarget
{
    QString host = QStringLiteral("127.0.0.1");
    quint16 port = 6379;
    int db = 0;
    QString password;

    static Result<RedisTarget> parse(const QString &url);
    QString describe() const; ///< the URL without the password
};

/// Keeps the live state (current fixtures, the latest price of every selection) in Redis for fast
/// reads by other programs, and announces each flush on a channel. Layout (docs/redis-cache.md):
///   oddstap:fixture:<source>:<fixture>  hash   the fixture's fields
///   oddstap:odds:<source>:<fixture>     hash   "<market>/<selection>" -> {"price","status","seq","ts"}
///   oddstap:fixtures:active             set    "<source>:<fixture>" of unfinished fixtures
///   oddstap:changes                     channel one JSON message per flush
/// Batches are coalesced in a LiveState of its own and written every kFlushIntervalMs, pipelined:
/// a selection that changed a thousand times in between is one HSET. Redis going away costs
/// nothing upstream: the cache reconnects with backoff and then rewrites everything it holds,
/// so a restarted (empty) Redis is whole again.
/// Lives in: its own thread ("redis"); talk to it with queued calls only.
class RedisCache : public QObject
{
    Q_OBJECT
public:
    explicit RedisCache(RedisTarget target, QObject *parent = nullptr);
    ~RedisCache() override;

    static constexpr int kFlushIntervalMs = 50;
    /// How long finished fixtures stay in the cache (as in the live views).
    static constexpr qint64 kKeepFinishedMs = 5 * 60 * 1000;

public slots:
    void start();
    void append(const OddsTap::BatchPtr &batch);
    /// Writes what is pending (blocking: the caller waits for the last flush at the end of a run).
    void flush();

signals:
    /// The cache went down or came back: for the error log.
    void problem(const QString &message, bool recovered);

private:
    bool connectNow();
    void disconnect(const QString &why);
    /// Queues every command of the changes; false once the connection failed.
    bool writeChanges(const LiveState::Changes &changes, const std::vector<std::pair<QString, QString>> &removed);

    RedisTarget m_target;
    redisContext *m_redis = nullptr;
    LiveState m_live;
    bool m_resyncAll = true; ///< after (re)connecting: write everything held, not only changes
    bool m_down = false;
    int m_backoffMs = 0;
    QTimer *m_flushTimer = nullptr;
    QTimer *m_reconnectTimer = nullptr;
    qint64 m_lastPruneMs = 0;
    /// Fixtures forgotten (finished long enough) whose keys are still to be deleted.
    std::vector<std::pair<QString, QString>> m_removedPending;
};

} // namespace OddsTap

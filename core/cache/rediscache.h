// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/event.h>
#include <core/common/result.h>
#include <core/pipeline/livestate.h>

#include <QObject>

#include <map>
#include <optional>
#include <set>

struct redisContext;
class QTimer;

namespace OddsTap {

/// Where the live cache goes: redis://host[:port][/db], the password (if the server wants one) from
/// ODDSTAP_REDIS_PASSWORD: a URL shows in ps and in logs.
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
/// reads by other programs, and announces each write on a channel. Layout (docs/redis-cache.md):
///   oddstap:fixture:<source>:<fixture>  hash   the fixture's fields
///   oddstap:odds:<source>:<fixture>     hash   "<market>/<selection>" -> {"price","status","seq","ts"}
///   oddstap:fixtures:active             set    "<source>:<fixture>" of unfinished fixtures
///   oddstap:changes                     channel one JSON message per write
/// Fed the session's coalesced changes once per snapshot (no per-event work here), written in one
/// pipelined round trip: a selection that changed a thousand times in between is one HSET. It
/// mirrors what it was given, so that Redis going away costs nothing upstream: it reconnects with
/// backoff and then rewrites everything, and a restarted (empty) Redis is whole again.
/// Lives in: its own thread ("redis"); talk to it with queued calls only.
class RedisCache : public QObject
{
    Q_OBJECT
public:
    /// Fixtures forgotten while Redis is down are kept to delete, at most @p maxPendingRemovals:
    /// past that (a long outage of a busy feed) the list goes, and the rewrite after the
    /// reconnect deletes every cached fixture it does not hold instead.
    static constexpr std::size_t kMaxPendingRemovals = 100000;
    explicit RedisCache(
        RedisTarget target, QObject *parent = nullptr, std::size_t maxPendingRemovals = kMaxPendingRemovals);
    ~RedisCache() override;

    /// An id, market or selection as it stands in a key or field: '%', '/' and ':' percent-encoded
    /// (%25, %2F, %3A), so that the separators stay unambiguous whatever the feed sends.
    static QByteArray keyPart(const QString &text);
    /// Forgotten fixtures kept to delete once Redis is back (at most the bound given).
    std::size_t pendingRemovals() const { return m_pending.removed.size(); }

public slots:
    void start();
    /// One interval's changes: kept in the mirror and written at once.
    void apply(const OddsTap::LiveChangesPtr &changes);
    /// Writes what is pending (at the end of a run the caller waits for it).
    void flush();

signals:
    /// The cache went down or came back: for the error log.
    void problem(const QString &message, bool recovered);

private:
    /// A fixture as the cache holds it: its fields (once its fixture event came) and prices.
    struct Mirror
    {
        std::optional<FixtureState> fixture;
        std::map<std::pair<QString, QString>, PriceState> prices; ///< (market, selection)
    };

    bool connectNow();
    void disconnect(const QString &why);
    /// Queues every command of the changes and reads the replies; false once the write failed.
    bool write(const LiveChanges &changes);
    /// Deletes the cached fixtures and prices of this cache's sources that the mirror does not
    /// hold, and their members of the active set; other sources' keys (another collector's, in
    /// the same database) stay. False once Redis failed.
    bool purgeStale();

    RedisTarget m_target;
    redisContext *m_redis = nullptr;
    std::map<std::pair<QString, QString>, Mirror> m_mirror; ///< (source, fixture)
    LiveChanges m_pending; ///< given since the last write that succeeded
    bool m_resyncAll = true; ///< after (re)connecting: write everything held, not only changes
    std::size_t m_maxPendingRemovals;
    /// Sources of fixtures forgotten: with the mirror's, what purgeStale() may touch.
    std::set<QString> m_forgottenSources;
    bool m_purgeStale = false; ///< the removals kept while down overflowed: purgeStale() before the rewrite
    bool m_down = false;
    int m_backoffMs = 0;
    QTimer *m_reconnectTimer = nullptr;
};

} // namespace OddsTap

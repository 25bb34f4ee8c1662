// SPDX-License-Identifier: MIT
#include "rediscache.h"

#include <core/common/logging.h>
#include <core/common/redact.h>
#include <core/common/timeutil.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimer>
#include <QUrl>

#include <algorithm>
#include <array>
#include <hiredis.h>
#include <set>
#include <tuple>

namespace OddsTap {

namespace {

constexpr int kIoTimeoutMs = 5000;
constexpr int kMaxBackoffMs = 10000;

/// One command's arguments, binary-safe, for redisAppendCommandArgv.
class Command
{
public:
    Command &operator<<(const QByteArray &arg)
    {
        m_args.push_back(arg);
        return *this;
    }
    Command &operator<<(const QString &arg) { return *this << arg.toUtf8(); }
    Command &operator<<(const char *arg) { return *this << QByteArray(arg); }
    Command &operator<<(qint64 arg) { return *this << QByteArray::number(arg); }

    bool append(redisContext *c) const
    {
        std::vector<const char *> argv;
        std::vector<size_t> lengths;
        for (const QByteArray &a : m_args) {
            argv.push_back(a.constData());
            lengths.push_back(size_t(a.size()));
        }
        return redisAppendCommandArgv(c, int(argv.size()), argv.data(), lengths.data()) == REDIS_OK;
    }

private:
    std::vector<QByteArray> m_args;
};

QByteArray fixtureKey(const QString &source, const QString &fixture)
{
    return "oddstap:fixture:" + RedisCache::keyPart(source) + ':' + RedisCache::keyPart(fixture);
}

QByteArray oddsKey(const QString &source, const QString &fixture)
{
    return "oddstap:odds:" + RedisCache::keyPart(source) + ':' + RedisCache::keyPart(fixture);
}

QByteArray member(const QString &source, const QString &fixture)
{
    return RedisCache::keyPart(source) + ':' + RedisCache::keyPart(fixture);
}

QByteArray wire(std::string_view text)
{
    return QByteArray(text.data(), qsizetype(text.size()));
}

timeval timeoutOf(int ms)
{
    return { ms / 1000, (ms % 1000) * 1000 };
}

} // namespace

Result<RedisTarget> RedisTarget::parse(const QString &text)
{
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid() || url.scheme() != QLatin1String("redis") || url.host().isEmpty()) {
        return Error { QStringLiteral("usage"),
            QStringLiteral("--redis wants redis://host[:port][/db], got '%1'").arg(redactedUrlText(text)) };
    }
    RedisTarget t;
    t.host = url.host();
    t.port = quint16(url.port(6379));
    if (url.hasFragment() || url.hasQuery()) {
        // redis://u:#pw@host parses as host "u" and a fragment: a password with a '#' in it.
        return Error { QStringLiteral("usage"),
            QStringLiteral("--redis wants redis://host[:port][/db], without '?' or '#' (a password goes in "
                           "ODDSTAP_REDIS_PASSWORD)") };
    }
    if (!url.password().isEmpty() || !url.userName().isEmpty() || url.path().contains(QLatin1Char('@'))) {
        return Error { QStringLiteral("usage"),
            QStringLiteral("the redis:// URL carries a password: set ODDSTAP_REDIS_PASSWORD instead (a URL shows in ps "
                           "and in logs)") };
    }
    t.password = QString::fromUtf8(qgetenv("ODDSTAP_REDIS_PASSWORD"));
    const QString path = url.path().mid(1);
    if (!path.isEmpty()) {
        bool ok = false;
        t.db = path.toInt(&ok);
        if (!ok || t.db < 0) {
            return Error { QStringLiteral("usage"),
                QStringLiteral("--redis: the database is a number (redis://host:port/0), got '%1'").arg(path) };
        }
    }
    return t;
}

QString RedisTarget::describe() const
{
    return QStringLiteral("redis://%1:%2/%3").arg(host).arg(port).arg(db);
}

QByteArray RedisCache::keyPart(const QString &text)
{
    // Percent-encoding of the separators (and of '%' itself): "over/under 2.5" stays one market.
    QByteArray out;
    for (const char c : text.toUtf8()) {
        if (c == '%' || c == '/' || c == ':') {
            out += '%';
            out += QByteArray::number(uchar(c), 16).toUpper();
        } else {
            out += c;
        }
    }
    return out;
}

RedisCache::RedisCache(RedisTarget target, QObject *parent, std::size_t maxPendingRemovals)
    : QObject(parent)
    , m_target(std::move(target))
    , m_maxPendingRemovals(maxPendingRemovals)
{ }

RedisCache::~RedisCache()
{
    if (m_redis) {
        redisFree(m_redis);
    }
}

void RedisCache::start()
{
    m_reconnectTimer = new QTimer(this);
    m_reconnectTimer->setSingleShot(true);
    connect(m_reconnectTimer, &QTimer::timeout, this, [this] {
        if (connectNow()) {
            flush();
        }
    });
    connectNow();
}

bool RedisCache::connectNow()
{
    if (m_redis) {
        return true;
    }
    const QByteArray host = m_target.host.toUtf8();
    redisContext *c = redisConnectWithTimeout(host.constData(), m_target.port, timeoutOf(kIoTimeoutMs));
    QString why;
    if (!c || c->err) {
        why = c ? QString::fromUtf8(c->errstr) : QStringLiteral("out of memory");
    } else {
        redisSetTimeout(c, timeoutOf(kIoTimeoutMs));
        redisEnableKeepAlive(c);
        auto checked = [&](Command command) {
            if (!command.append(c)) {
                return false;
            }
            redisReply *reply = nullptr;
            if (redisGetReply(c, reinterpret_cast<void **>(&reply)) != REDIS_OK || !reply) {
                why = QString::fromUtf8(c->errstr);
                return false;
            }
            const bool ok = reply->type != REDIS_REPLY_ERROR;
            if (!ok) {
                why = QString::fromUtf8(reply->str, int(reply->len));
            }
            freeReplyObject(reply);
            return ok;
        };
        if ((!m_target.password.isEmpty() && !checked(Command() << "AUTH" << m_target.password))
            || !checked(Command() << "SELECT" << qint64(m_target.db))) {
            if (why.isEmpty()) {
                why = QStringLiteral("the server refused the connection");
            }
            if (why.startsWith(QLatin1String("WRONGPASS")) || why.startsWith(QLatin1String("NOAUTH"))
                || why.contains(QLatin1String("invalid password"))) {
                why += QStringLiteral(" (check ODDSTAP_REDIS_PASSWORD)");
            }
        }
    }
    if (!why.isEmpty()) {
        if (c) {
            redisFree(c);
        }
        if (!m_down) {
            m_down = true;
            emit problem(QStringLiteral("live cache %1 unavailable: %2; retrying, the cache is rewritten whole once "
                                        "it is back (capture and storage go on)")
                             .arg(m_target.describe(), why),
                false);
        }
        m_backoffMs = std::min(kMaxBackoffMs, m_backoffMs == 0 ? 250 : m_backoffMs * 2);
        m_reconnectTimer->start(m_backoffMs);
        return false;
    }
    m_redis = c;
    m_resyncAll = true; // "back" is said once the whole rewrite is in (flush)
    qCInfo(lcCache).noquote() << "live cache connected:" << m_target.describe();
    return true;
}

void RedisCache::disconnect(const QString &why)
{
    if (m_redis) {
        redisFree(m_redis);
        m_redis = nullptr;
    }
    if (!m_down) {
        m_down = true;
        emit problem(QStringLiteral("live cache %1 lost: %2; retrying, the cache is rewritten whole once it is back")
                         .arg(m_target.describe(), why),
            false);
    }
    // Doubling also when the connection itself comes back at once but writes are refused.
    m_backoffMs = std::min(kMaxBackoffMs, m_backoffMs == 0 ? 250 : m_backoffMs * 2);
    m_reconnectTimer->start(m_backoffMs);
}

void RedisCache::apply(const LiveChangesPtr &changes)
{
    // The sources of what it holds are the mirror's; those whose every fixture went are kept here.
    for (const auto &key : changes->removed) {
        m_forgottenSources.insert(key.first);
    }
    for (const FixtureState &f : changes->fixtures) {
        m_mirror[{ f.sourceId, f.fixture.fixtureId }].fixture = f;
    }
    for (const PriceState &p : changes->prices) {
        m_mirror[{ p.sourceId, p.fixtureId }].prices[{ p.marketType, p.selection }] = p;
    }
    for (const auto &key : changes->removed) {
        m_mirror.erase(key);
    }
    if (!m_redis) {
        // Dropped: the rewrite after the reconnect covers them. The forgotten keys are kept to
        // delete, up to a bound; past it the rewrite purges what it does not hold instead.
        if (!m_purgeStale && m_pending.removed.size() + changes->removed.size() > m_maxPendingRemovals) {
            m_purgeStale = true;
            m_pending.removed = {};
        }
        if (!m_purgeStale) {
            m_pending.removed.insert(m_pending.removed.end(), changes->removed.begin(), changes->removed.end());
        }
        return;
    }
    m_pending.fixtures.insert(m_pending.fixtures.end(), changes->fixtures.begin(), changes->fixtures.end());
    m_pending.prices.insert(m_pending.prices.end(), changes->prices.begin(), changes->prices.end());
    m_pending.removed.insert(m_pending.removed.end(), changes->removed.begin(), changes->removed.end());
    flush();
}

void RedisCache::flush()
{
    if (!m_redis) {
        return;
    }
    if (m_resyncAll) {
        m_pending.fixtures.clear();
        m_pending.prices.clear();
        for (const auto &[key, mirror] : m_mirror) {
            if (mirror.fixture) {
                m_pending.fixtures.push_back(*mirror.fixture);
            }
            for (const auto &[selection, price] : mirror.prices) {
                m_pending.prices.push_back(price);
            }
        }
    }
    if (m_pending.fixtures.empty() && m_pending.prices.empty() && m_pending.removed.empty() && !m_resyncAll) {
        return;
    }
    if (m_resyncAll && m_purgeStale) {
        if (!purgeStale()) {
            m_pending.fixtures.clear(); // the rewrite after the reconnect covers them
            m_pending.prices.clear();
            return;
        }
        m_purgeStale = false;
    }
    if (write(m_pending)) {
        m_pending = {};
        m_backoffMs = 0;
        if (m_down && m_resyncAll) {
            m_down = false;
            emit problem(QStringLiteral("live cache %1 is back: rewritten whole").arg(m_target.describe()), true);
        }
        m_resyncAll = false;
    } else {
        m_pending.fixtures.clear(); // the rewrite after the reconnect covers them
        m_pending.prices.clear();
    }
}

bool RedisCache::purgeStale()
{
    std::set<QByteArray> held; // keys and active-set members of what the mirror holds
    std::set<QString> sources = m_forgottenSources;
    for (const auto &[key, mirror] : m_mirror) {
        sources.insert(key.first);
        held.insert(fixtureKey(key.first, key.second));
        held.insert(oddsKey(key.first, key.second));
        held.insert(member(key.first, key.second));
    }
    const auto failed = [this](redisReply *reply, const char *what) {
        const QString why = reply && reply->type == REDIS_REPLY_ERROR ? QString::fromUtf8(reply->str, int(reply->len))
            : reply ? QStringLiteral("an unexpected %1 reply").arg(QLatin1String(what))
                    : QString::fromUtf8(m_redis->errstr);
        if (reply) {
            freeReplyObject(reply);
        }
        disconnect(QStringLiteral("purging the fixtures forgotten while it was away: %1").arg(why));
        return false;
    };
    // A glob that matches the encoded source literally.
    const auto literal = [](const QByteArray &text) {
        QByteArray out;
        for (const char ch : text) {
            if (ch == '*' || ch == '?' || ch == '[' || ch == ']' || ch == '\\') {
                out += '\\';
            }
            out += ch;
        }
        return out;
    };
    std::vector<QByteArray> staleKeys;
    std::vector<QByteArray> staleMembers;
    for (const QString &source : sources) {
        const QByteArray prefix = literal(keyPart(source)) + ':';
        // (command, key scanned or empty, pattern, where what is stale goes)
        const std::array<std::tuple<const char *, QByteArray, QByteArray, std::vector<QByteArray> *>, 3> scans { {
            { "SCAN", QByteArray(), "oddstap:fixture:" + prefix + '*', &staleKeys },
            { "SCAN", QByteArray(), "oddstap:odds:" + prefix + '*', &staleKeys },
            { "SSCAN", QByteArrayLiteral("oddstap:fixtures:active"), prefix + '*', &staleMembers },
        } };
        for (const auto &[command, key, pattern, stale] : scans) {
            QByteArray cursor = "0";
            do {
                Command scan;
                scan << command;
                if (!key.isEmpty()) {
                    scan << key;
                }
                scan << cursor << "MATCH" << pattern << "COUNT" << qint64(1000);
                redisReply *reply = nullptr;
                if (!scan.append(m_redis) || redisGetReply(m_redis, reinterpret_cast<void **>(&reply)) != REDIS_OK
                    || !reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 2
                    || reply->element[0]->type != REDIS_REPLY_STRING || reply->element[1]->type != REDIS_REPLY_ARRAY) {
                    return failed(reply, command);
                }
                cursor = QByteArray(reply->element[0]->str, qsizetype(reply->element[0]->len));
                const redisReply *found = reply->element[1];
                for (std::size_t i = 0; i < found->elements; ++i) {
                    QByteArray item(found->element[i]->str, qsizetype(found->element[i]->len));
                    if (!held.count(item)) {
                        stale->push_back(std::move(item));
                    }
                }
                freeReplyObject(reply);
            } while (cursor != "0");
        }
    }
    qCInfo(lcCache).noquote() << "purging" << staleKeys.size()
                              << "cached keys of fixtures forgotten while Redis was away";
    int queued = 0;
    for (std::size_t from = 0; from < staleKeys.size(); from += 1000) {
        Command del;
        del << "UNLINK";
        for (std::size_t i = from; i < std::min(staleKeys.size(), from + 1000); ++i) {
            del << staleKeys[i];
        }
        queued += del.append(m_redis) ? 1 : 0;
    }
    for (std::size_t from = 0; from < staleMembers.size(); from += 1000) {
        Command srem;
        srem << "SREM"
             << "oddstap:fixtures:active";
        for (std::size_t i = from; i < std::min(staleMembers.size(), from + 1000); ++i) {
            srem << staleMembers[i];
        }
        queued += srem.append(m_redis) ? 1 : 0;
    }
    for (int i = 0; i < queued; ++i) {
        redisReply *reply = nullptr;
        if (redisGetReply(m_redis, reinterpret_cast<void **>(&reply)) != REDIS_OK || !reply
            || reply->type == REDIS_REPLY_ERROR) {
            return failed(reply, "UNLINK");
        }
        freeReplyObject(reply);
    }
    return true;
}

bool RedisCache::write(const LiveChanges &changes)
{
    const auto &removed = changes.removed;
    int queued = 0;
    auto queue = [&](const Command &command) {
        if (command.append(m_redis)) {
            ++queued;
        }
    };
    // Deletes first: a fixture forgotten while Redis was down may have come back since (its new
    // fields are in the changes). One forgotten in this very flush is not written again.
    QJsonArray gone;
    std::set<std::pair<QString, QString>> goneNow;
    for (const auto &[source, fixture] : removed) {
        queue(Command() << "DEL" << fixtureKey(source, fixture) << oddsKey(source, fixture));
        queue(Command() << "SREM"
                        << "oddstap:fixtures:active" << member(source, fixture));
        gone.append(QString::fromUtf8(member(source, fixture)));
        if (!m_mirror.count({ source, fixture })) {
            goneNow.emplace(source, fixture);
        }
    }
    QJsonArray touched;
    for (const FixtureState &s : changes.fixtures) {
        const FixtureData &f = s.fixture;
        if (goneNow.count({ s.sourceId, f.fixtureId })) {
            continue;
        }
        queue(Command() << "HSET" << fixtureKey(s.sourceId, f.fixtureId) << "sport_id" << f.sportId << "tournament_id"
                        << f.tournamentId << "start_time" << formatIso8601Utc(f.startTimeMs).toUtf8() << "status"
                        << wire(toWire(f.status)) << "home" << f.home << "away" << f.away << "score" << f.score << "seq"
                        << qint64(s.seq) << "updated_at" << s.updatedAtMs);
        const bool finished = f.status == FixtureStatus::Ended || f.status == FixtureStatus::Cancelled;
        queue(
            Command() << (finished ? "SREM" : "SADD") << "oddstap:fixtures:active" << member(s.sourceId, f.fixtureId));
        touched.append(QString::fromUtf8(member(s.sourceId, f.fixtureId)));
    }
    for (const PriceState &p : changes.prices) {
        if (goneNow.count({ p.sourceId, p.fixtureId })) {
            continue;
        }
        const QByteArray value =
            QJsonDocument(QJsonObject { { QStringLiteral("price"), p.price },
                              { QStringLiteral("status"), QString::fromUtf8(wire(toWire(p.status))) },
                              { QStringLiteral("seq"), qint64(p.seq) }, { QStringLiteral("ts"), p.changedAtMs } })
                .toJson(QJsonDocument::Compact);
        queue(Command() << "HSET" << oddsKey(p.sourceId, p.fixtureId)
                        << keyPart(p.marketType) + '/' + keyPart(p.selection) << value);
    }
    const QJsonObject message { { QStringLiteral("at"), wallClockMs() }, { QStringLiteral("fixtures"), touched },
        { QStringLiteral("prices"), qint64(changes.prices.size()) }, { QStringLiteral("removed"), gone },
        { QStringLiteral("full"), m_resyncAll } };
    queue(Command() << "PUBLISH"
                    << "oddstap:changes" << QJsonDocument(message).toJson(QJsonDocument::Compact));

    QString refused;
    for (int i = 0; i < queued; ++i) {
        redisReply *reply = nullptr;
        if (redisGetReply(m_redis, reinterpret_cast<void **>(&reply)) != REDIS_OK || !reply) {
            // The rewrite after the reconnect covers what this write held.
            disconnect(QString::fromUtf8(m_redis->errstr));
            return false;
        }
        if (reply->type == REDIS_REPLY_ERROR && refused.isEmpty()) {
            refused = QString::fromUtf8(reply->str, int(reply->len));
        }
        freeReplyObject(reply);
    }
    if (!refused.isEmpty()) {
        // Loading its data set, out of memory, a read-only replica: what this write held is not
        // in Redis. Start over as after a loss, so that the rewrite comes once it accepts writes.
        disconnect(QStringLiteral("Redis refused a write: %1").arg(refused));
        return false;
    }
    return true;
}

} // namespace OddsTap

// SPDX-License-Identifier: MIT
#include "brokerviewer.h"

#include <core/cache/rediscache.h>
#include <core/common/eventserialization.h>
#include <core/common/logging.h>
#include <core/common/timeutil.h>

#include <QJsonDocument>
#include <QJsonObject>
#include <QTimer>
#include <QUrlQuery>

#include <algorithm>
#include <hiredis.h>

namespace OddsTap {
namespace {

constexpr int kPollMs = 20;
constexpr int kMaxMessagesPerBatch = 500;
/// Fixtures loaded from the cache at most: a viewer shows a desk's worth, not a warehouse.
constexpr std::size_t kMaxCachedFixtures = 20000;

QString decodedKeyPart(const QByteArray &part)
{
    return QUrl::fromPercentEncoding(part);
}

/// hiredis reply pairs (HGETALL) as a map.
std::map<QByteArray, QByteArray> pairs(const redisReply *reply)
{
    std::map<QByteArray, QByteArray> out;
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        return out;
    }
    for (size_t i = 0; i + 1 < reply->elements; i += 2) {
        out[QByteArray(reply->element[i]->str, qsizetype(reply->element[i]->len))] =
            QByteArray(reply->element[i + 1]->str, qsizetype(reply->element[i + 1]->len));
    }
    return out;
}

} // namespace

BrokerViewer::BrokerViewer(QString sourceId, QUrl url, QObject *parent)
    : BatchSource(parent)
    , m_sourceId(std::move(sourceId))
    , m_url(std::move(url))
{ }

BrokerViewer::~BrokerViewer() = default;

void BrokerViewer::start()
{
    m_timer = new QTimer(this);
    m_timer->setInterval(kPollMs);
    connect(m_timer, &QTimer::timeout, this, &BrokerViewer::poll);
    m_timer->start();
    poll();
}

void BrokerViewer::stop(const QString &why)
{
    if (m_stopped) {
        return;
    }
    m_stopped = true;
    if (m_timer) {
        m_timer->stop();
    }
    m_connection.reset(); // the exclusive queue goes with the connection
    auto batch = std::make_shared<EventBatch>();
    batch->sourceId = m_sourceId;
    setState(SourceState::Stopped, why, 0, batch.get());
    emit batchReady(batch);
}

void BrokerViewer::setState(SourceState state, const QString &reason, int delayMs, EventBatch *into)
{
    ConnectionEvent e;
    e.sourceId = m_sourceId;
    e.connection = m_connections;
    e.state = state;
    e.reason = reason;
    e.delayMs = delayMs;
    e.atMs = wallClockMs();
    emit stateChanged(e);
    if (into) {
        into->connectionEvents.push_back(e);
    } else {
        m_pendingStates.push_back(e);
    }
}

bool BrokerViewer::connectBroker()
{
    ++m_connections;
    setState(SourceState::Connecting, {}, 0, nullptr);
    QUrl amqpUrl = m_url;
    amqpUrl.setQuery(QString());
    auto target = AmqpTarget::parse(amqpUrl.toString());
    QString why;
    if (target) {
        auto c = AmqpConnection::open(*target);
        if (c) {
            auto queue = (*c)->declareTopology() ? (*c)->declareViewerQueue(kMaxQueued) : Result<QByteArray>(Error {});
            if (queue && (*c)->consume(QString::fromUtf8(*queue), 500)) {
                m_connection = std::move(*c);
                m_backoffMs = 0;
                setState(SourceState::Subscribed, QStringLiteral("watching %1").arg(target->describe()), 0, nullptr);
                return true;
            }
            why = queue ? QStringLiteral("cannot consume its queue") : queue.error().message;
        } else {
            why = c.error().message;
        }
    } else {
        why = target.error().message;
    }
    m_backoffMs = std::clamp(m_backoffMs * 2, 500, 30000);
    m_retryAtNs = monotonicNs() + qint64(m_backoffMs) * 1000000;
    setState(SourceState::BackingOff, why, m_backoffMs, nullptr);
    return false;
}

void BrokerViewer::loadCache(EventBatch &batch)
{
    const QString redisUrl = QUrlQuery(m_url).queryItemValue(QStringLiteral("redis"), QUrl::FullyDecoded);
    if (redisUrl.isEmpty()) {
        return;
    }
    const auto target = RedisTarget::parse(redisUrl);
    if (!target) {
        qCWarning(lcCache).noquote() << "viewer:" << target.error().message;
        return;
    }
    const timeval timeout { 2, 0 };
    redisContext *c = redisConnectWithTimeout(target->host.toUtf8().constData(), target->port, timeout);
    const auto done = qScopeGuard([c] {
        if (c) {
            redisFree(c);
        }
    });
    if (!c || c->err) {
        qCWarning(lcCache).noquote() << "viewer: the live cache at" << target->describe()
                                     << "cannot be read; the views fill as events arrive";
        return;
    }
    redisSetTimeout(c, timeout);
    if (!target->password.isEmpty()) {
        freeReplyObject(redisCommand(c, "AUTH %s", target->password.toUtf8().constData()));
    }
    if (target->db != 0) {
        freeReplyObject(redisCommand(c, "SELECT %d", target->db));
    }
    auto *members = static_cast<redisReply *>(redisCommand(c, "SMEMBERS oddstap:fixtures:active"));
    if (!members || members->type != REDIS_REPLY_ARRAY) {
        freeReplyObject(members);
        return;
    }
    std::vector<QByteArray> keys;
    for (size_t i = 0; i < members->elements && keys.size() < kMaxCachedFixtures; ++i) {
        keys.emplace_back(members->element[i]->str, qsizetype(members->element[i]->len));
    }
    freeReplyObject(members);
    for (const QByteArray &key : keys) {
        redisAppendCommand(c, "HGETALL oddstap:fixture:%b", key.constData(), size_t(key.size()));
        redisAppendCommand(c, "HGETALL oddstap:odds:%b", key.constData(), size_t(key.size()));
    }
    const qint64 now = wallClockMs();
    const qint64 mono = monotonicNs();
    for (const QByteArray &key : keys) {
        redisReply *fixtureReply = nullptr;
        redisReply *oddsReply = nullptr;
        if (redisGetReply(c, reinterpret_cast<void **>(&fixtureReply)) != REDIS_OK
            || redisGetReply(c, reinterpret_cast<void **>(&oddsReply)) != REDIS_OK) {
            freeReplyObject(fixtureReply);
            return;
        }
        const auto fields = pairs(fixtureReply);
        const auto prices = pairs(oddsReply);
        freeReplyObject(fixtureReply);
        freeReplyObject(oddsReply);
        const qsizetype colon = key.indexOf(':');
        if (colon <= 0) {
            continue;
        }
        const QString source = decodedKeyPart(key.left(colon));
        const QString fixtureId = decodedKeyPart(key.mid(colon + 1));
        const auto field = [&fields](const char *name) {
            const auto it = fields.find(QByteArray(name));
            return it == fields.end() ? QByteArray() : it->second;
        };
        const auto status = fixtureStatusFromWire(field("status").toStdString());
        if (!status) {
            continue; // not a fixture this version writes: leave it to the live stream
        }
        Event e;
        e.type = EventType::Fixture;
        e.seq = field("seq").toULongLong();
        e.sourceId = source;
        e.receivedAtMs = now;
        e.receivedMonoNs = mono;
        FixtureData f;
        f.fixtureId = fixtureId;
        f.sportId = field("sport_id").toLongLong();
        f.tournamentId = field("tournament_id").toLongLong();
        f.startTimeMs = parseIso8601Utc(field("start_time").toStdString()).value_or(0);
        f.status = *status;
        f.home = QString::fromUtf8(field("home"));
        f.away = QString::fromUtf8(field("away"));
        f.score = QString::fromUtf8(field("score"));
        e.data = f;
        batch.events.push_back(e);
        for (const auto &[name, value] : prices) {
            const qsizetype slash = name.indexOf('/');
            const QJsonObject o = QJsonDocument::fromJson(value).object();
            const auto priceStatus = priceStatusFromWire(o.value(QStringLiteral("status")).toString().toStdString());
            const double price = o.value(QStringLiteral("price")).toDouble();
            if (slash <= 0 || !priceStatus || !(price > 1.0)) {
                continue;
            }
            Event p;
            p.type = EventType::Odds;
            p.seq = quint64(o.value(QStringLiteral("seq")).toInteger());
            p.serverTsMs = o.value(QStringLiteral("ts")).toInteger();
            p.sourceId = source;
            p.receivedAtMs = now;
            p.receivedMonoNs = mono;
            p.data = OddsData { fixtureId, decodedKeyPart(name.left(slash)), decodedKeyPart(name.mid(slash + 1)), price,
                p.serverTsMs, *priceStatus };
            batch.events.push_back(p);
        }
    }
}

void BrokerViewer::poll()
{
    if (m_stopped) {
        return;
    }
    auto batch = std::make_shared<EventBatch>();
    batch->sourceId = m_sourceId;
    if (!m_connection) {
        if (monotonicNs() >= m_retryAtNs) {
            connectBroker();
        }
        if (m_connection && !m_cacheLoaded) {
            // After the queue exists, so that nothing published in between is missed (the
            // stream's later seqs win over the cache's in the live state).
            loadCache(*batch);
            m_cacheLoaded = true;
        }
    }
    const qint64 until = monotonicNs() + qint64(kPollMs / 2) * 1000000;
    int messages = 0;
    while (m_connection && messages < kMaxMessagesPerBatch && monotonicNs() < until) {
        auto next = m_connection->next(0);
        if (!next) {
            m_connection.reset();
            m_backoffMs = std::clamp(m_backoffMs * 2, 500, 30000);
            m_retryAtNs = monotonicNs() + qint64(m_backoffMs) * 1000000;
            setState(SourceState::BackingOff, next.error().message, m_backoffMs, nullptr);
            break;
        }
        if (!*next) {
            break;
        }
        ++messages;
        ++batch->frames;
        batch->bytes += quint64((*next)->body.size());
        if (auto a = m_connection->ack((*next)->deliveryTag); !a) {
            m_connection.reset();
            continue;
        }
        EventBatch part;
        if (!deserializeBatch((*next)->body, part)) {
            continue; // the writers dead-letter it; a viewer only watches
        }
        std::move(part.events.begin(), part.events.end(), std::back_inserter(batch->events));
        std::move(part.rejects.begin(), part.rejects.end(), std::back_inserter(batch->rejects));
        std::move(part.gaps.begin(), part.gaps.end(), std::back_inserter(batch->gaps));
        std::move(
            part.connectionEvents.begin(), part.connectionEvents.end(), std::back_inserter(batch->connectionEvents));
    }
    // Envelopes the views received through the broker (the cache's included), so that the totals
    // read "received = accepted + rejected" as for a feed.
    batch->envelopes = quint64(batch->events.size() + batch->rejects.size());
    batch->connectionEvents.insert(batch->connectionEvents.begin(), m_pendingStates.begin(), m_pendingStates.end());
    m_pendingStates.clear();
    if (!batch->empty()) {
        emit batchReady(batch);
    }
}

} // namespace OddsTap

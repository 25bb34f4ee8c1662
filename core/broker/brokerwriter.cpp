// SPDX-License-Identifier: MIT
#include "brokerwriter.h"

#include <core/broker/brokertopology.h>
#include <core/common/eventserialization.h>
#include <core/common/logging.h>
#include <core/common/timeutil.h>
#include <core/metrics/prometheustext.h>

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QThread>

#include <algorithm>
#include <csignal>

namespace OddsTap {

namespace {

/// A message's identity: the same bytes delivered again, or published again by a collector that
/// did not see the confirm, have the same id.
QByteArray messageId(const QByteArray &body)
{
    return QCryptographicHash::hash(body, QCryptographicHash::Sha1).toHex();
}

} // namespace

struct BrokerWriter::Item
{
    AmqpDelivery delivery;
    EventBatch batch;
    int attempts = 0;
};

BrokerWriter::BrokerWriter(BrokerWriterConfig config)
    : m_config(std::move(config))
{ }

BrokerWriter::~BrokerWriter() = default;

Result<void> BrokerWriter::open()
{
    auto storage = Storage::open(m_config.database, QStringLiteral("broker-writer"));
    if (!storage) {
        return storage.error();
    }
    m_storage = std::move(*storage);
    return {};
}

Result<void> BrokerWriter::connectBroker()
{
    auto consumer = AmqpConnection::open(m_config.broker);
    if (!consumer) {
        return consumer.error();
    }
    if (auto r = (*consumer)->declareTopology(); !r) {
        return r;
    }
    for (const int p : m_config.partitions) {
        if (auto r = (*consumer)->consume(Broker::queueName(p), m_config.prefetch); !r) {
            return r;
        }
    }
    auto publisher = AmqpConnection::open(m_config.broker);
    if (!publisher) {
        return publisher.error();
    }
    if (auto r = (*publisher)->enableConfirms(); !r) {
        return r;
    }
    m_consumer = std::move(*consumer);
    m_publisher = std::move(*publisher);
    return {};
}

void BrokerWriter::dropBroker(const QString &why)
{
    if (m_stats.brokerUp) {
        m_notice(QStringLiteral("broker connection lost: %1; reconnecting (unacknowledged messages are delivered "
                                "again and recognised)")
                     .arg(why));
    }
    m_consumer.reset();
    m_publisher.reset();
    m_stats.brokerUp = false;
}

bool BrokerWriter::sleepUnless(int ms, const std::function<bool()> &stopRequested)
{
    const qint64 until = monotonicNs() + qint64(ms) * 1000000;
    while (monotonicNs() < until) {
        QCoreApplication::processEvents();
        if (stopRequested()) {
            return false;
        }
        QThread::msleep(std::min<qint64>(50, (until - monotonicNs()) / 1000000 + 1));
    }
    return true;
}

void BrokerWriter::run(const std::function<bool()> &stopRequested,
    const std::function<void(const BrokerWriterStats &)> &onStats, const std::function<void(const QString &)> &onNotice)
{
    m_notice = onNotice;
    qint64 lastStatsNs = 0;
    while (true) {
        QCoreApplication::processEvents();
        if (stopRequested()) {
            break;
        }
        if (monotonicNs() - lastStatsNs > 1000000000LL) {
            updateBacklog();
            onStats(m_stats);
            lastStatsNs = monotonicNs();
        }
        if (!m_consumer) {
            if (auto r = connectBroker(); !r) {
                if (m_brokerDelayMs == 0) {
                    m_notice(QStringLiteral("broker unavailable: %1; retrying").arg(r.error().message));
                }
                m_brokerDelayMs = std::clamp(m_brokerDelayMs * 2, 250, 5000);
                m_consumer.reset();
                m_publisher.reset();
                if (!sleepUnless(m_brokerDelayMs, stopRequested)) {
                    break;
                }
                continue;
            }
            if (m_brokerDelayMs > 0 || m_stats.brokerReconnects > 0) {
                m_notice(QStringLiteral("broker connected: %1").arg(m_config.broker.describe()));
            }
            ++m_stats.brokerReconnects;
            m_brokerDelayMs = 0;
            m_stats.brokerUp = true;
        }
        // One transaction's worth: what arrives within maxWaitMs of the first message.
        std::vector<Item> items;
        qint64 firstNs = 0;
        while (int(items.size()) < m_config.maxMessagesPerCommit) {
            const int waitMs = items.empty()
                ? 200
                : int(std::max<qint64>(0, m_config.maxWaitMs - (monotonicNs() - firstNs) / 1000000));
            auto next = m_consumer->next(waitMs);
            if (!next) {
                dropBroker(next.error().message);
                items.clear(); // delivered again to whoever consumes the partition next
                break;
            }
            if (!*next) {
                break;
            }
            if (items.empty()) {
                firstNs = monotonicNs();
            }
            Item item;
            item.delivery = std::move(**next);
            ++m_stats.messages;
            m_stats.redelivered += item.delivery.redelivered ? 1 : 0;
            const int partition = Broker::partitionOf(item.delivery.routingKey);
            if (partition < 0 || !deserializeBatch(item.delivery.body, item.batch) || item.batch.sourceId.isEmpty()) {
                // Not something a collector sent: retrying cannot help.
                const QString reason = partition < 0
                    ? QStringLiteral("routing key '%1' is not a partition")
                          .arg(QString::fromUtf8(item.delivery.routingKey))
                    : QStringLiteral("the body is not an OddsTap batch (%1 bytes)").arg(item.delivery.body.size());
                if (!deadLetter(item, reason)) {
                    items.clear();
                    break;
                }
                continue;
            }
            item.batch.partitionKey = Broker::partitionStateKey(item.batch.sourceId, partition);
            item.batch.messageId = messageId(item.delivery.body);
            if (const auto it = item.delivery.headers.find(Broker::kHeaderDeadLetterId);
                it != item.delivery.headers.end()) {
                item.batch.deadLetterId = QString::fromUtf8(it->second);
            }
            items.push_back(std::move(item));
            if (int(items.size()) > 0 && m_config.maxWaitMs == 0) {
                break;
            }
        }
        if (items.empty() || !m_consumer) {
            continue;
        }
        if (!store(items, stopRequested)) {
            continue;
        }
    }
    updateBacklog();
    onStats(m_stats);
}

bool BrokerWriter::store(std::vector<Item> &items, const std::function<bool()> &stopRequested)
{
    int outageDelayMs = 0;
    std::vector<Item *> pending;
    for (Item &item : items) {
        pending.push_back(&item);
    }
    while (!pending.empty()) {
        std::vector<const EventBatch *> batches;
        for (const Item *item : pending) {
            batches.push_back(&item->batch);
        }
        const qint64 started = monotonicNs();
        const auto written = m_storage->write(batches);
        if (written) {
            m_stats.databaseWrite.add(monotonicNs() - started);
            if (!m_stats.databaseUp) {
                m_stats.databaseUp = true;
                m_notice(QStringLiteral("database available again: %1").arg(m_storage->describe()));
            }
            std::vector<Item> done;
            quint64 lastTag = 0;
            for (const Item *item : pending) {
                lastTag = std::max(lastTag, item->delivery.deliveryTag);
            }
            const qint64 nowMs = wallClockMs();
            for (const Item *item : pending) {
                for (const Event &e : item->batch.events) {
                    m_stats.receiveToCommitted.add(std::max<qint64>(0, nowMs - e.receivedAtMs) * 1000000);
                }
            }
            const WriteResult &r = *written;
            ++m_stats.commits;
            m_stats.stored.addCounts(r);
            if (m_config.killAfterCommits != 0 && m_stats.commits >= m_config.killAfterCommits) {
                std::raise(SIGKILL);
            }
            if (!m_consumer) {
                return false; // the connection went during an outage: they come again, and are recognised
            }
            // Committed: now the broker may forget them. Tags below lastTag that were dead-lettered
            // are acknowledged already, which `multiple` skips.
            if (auto a = m_consumer->ack(lastTag, true); !a) {
                dropBroker(a.error().message); // committed: the redelivery is recognised
                return false;
            }
            return true;
        }
        const Error &e = written.error();
        if (e.code == QLatin1String("storage_unreachable") || e.code == QLatin1String("storage_open")) {
            if (m_stats.databaseUp) {
                m_stats.databaseUp = false;
                ++m_stats.databaseOutages;
                m_notice(QStringLiteral("database unavailable: %1; the messages wait in the broker, retrying")
                             .arg(e.message));
                // Nothing calls into the broker connection while this waits, so it would miss its
                // heartbeats: let it go. The messages go back to their queues (to a standby, or to
                // this writer once the database is back); those stored meanwhile are recognised.
                dropBroker(QStringLiteral("the database is unavailable"));
            }
            outageDelayMs = std::clamp(outageDelayMs * 2, 250, 2000);
            if (!sleepUnless(outageDelayMs, stopRequested)) {
                return false;
            }
            continue;
        }
        if (pending.size() > 1) {
            // One message is refused, or several: store each alone to find which.
            for (Item *item : pending) {
                std::vector<Item> single;
                single.push_back(std::move(*item));
                if (!store(single, stopRequested)) {
                    return false;
                }
            }
            return true;
        }
        if (!m_consumer) {
            return false; // the broker went meanwhile: the message comes again
        }
        Item &item = *pending.front();
        ++item.attempts;
        if (item.attempts < m_config.maxAttempts) {
            if (!sleepUnless(m_config.retryDelayMs, stopRequested)) {
                return false;
            }
            continue;
        }
        return deadLetter(item, e.message);
    }
    return true;
}

bool BrokerWriter::deadLetter(const Item &item, const QString &reason)
{
    if (!m_publisher || !m_consumer) {
        return false;
    }
    std::map<QByteArray, QByteArray> headers = item.delivery.headers;
    headers[Broker::kHeaderError] = reason.toUtf8();
    headers[Broker::kHeaderRoutingKey] = item.delivery.routingKey;
    headers[Broker::kHeaderAttempts] = QByteArray::number(std::max(item.attempts, 1));
    headers[Broker::kHeaderDeadAt] = formatIso8601Utc(wallClockMs()).toUtf8();
    // Every copy of this dead letter (one published twice around a failure, or requeued twice)
    // carries the same id, so that the writers store it once.
    headers.try_emplace(Broker::kHeaderDeadLetterId, messageId(item.delivery.body));
    auto published = m_publisher->publish(QByteArray(Broker::kDeadExchange), QByteArray(), item.delivery.body, headers);
    if (published) {
        published = m_publisher->waitForConfirms(15000);
    }
    if (!published) {
        dropBroker(published.error().message);
        return false;
    }
    if (auto a = m_consumer->ack(item.delivery.deliveryTag); !a) {
        dropBroker(a.error().message); // the dead letter may then exist twice: listed twice, never lost
        return false;
    }
    ++m_stats.deadLetters;
    m_notice(QStringLiteral("message from partition %1 sent to the dead-letter queue %2 after %3 attempt(s): %4 "
                            "(oddstap-cli dead-letters list|requeue)")
                 .arg(QString::fromUtf8(item.delivery.routingKey), QLatin1String(Broker::kDeadLetterQueue),
                     QString::number(std::max(item.attempts, 1)), reason)); // one arg(): a "%2E" in a key stays
    return true;
}

void BrokerWriter::updateBacklog()
{
    if (!m_publisher) {
        return;
    }
    quint64 total = 0;
    for (const int p : m_config.partitions) {
        auto depth = m_publisher->queueDepth(Broker::queueName(p));
        if (!depth) {
            dropBroker(depth.error().message);
            return;
        }
        total += *depth;
    }
    m_stats.backlog = total;
}

QByteArray BrokerWriterStats::prometheusText() const
{
    PrometheusWriter w;
    const auto counter = [&w](const char *name, const char *help, quint64 value) {
        w.family(name, "counter", help);
        w.sample(name, {}, double(value));
    };
    counter("oddstap_writer_messages_total", "Messages taken off the partition queues.", messages);
    counter("oddstap_writer_redelivered_total", "Of those, delivered before (a writer went away).", redelivered);
    counter("oddstap_writer_commits_total", "Database transactions committed.", commits);
    w.family("oddstap_writer_rows_total", "counter", "Rows stored, by table.");
    for (const auto &[table, rows] : stored.rowsByTable()) {
        w.sample("oddstap_writer_rows_total", QByteArray("table=\"") + table + '"', double(rows));
    }
    counter("oddstap_writer_duplicate_events_total", "Events stored already (a redelivery), skipped.",
        stored.duplicateSeqs);
    counter("oddstap_writer_dead_letters_total", "Messages sent to the dead-letter queue.", deadLetters);
    counter("oddstap_writer_database_outages_total", "Times the database became unavailable.", databaseOutages);
    counter("oddstap_writer_broker_connects_total", "Connections made to the broker.", brokerReconnects);
    w.family("oddstap_writer_backlog_messages", "gauge", "Messages waiting in this writer's partition queues.");
    w.sample("oddstap_writer_backlog_messages", {}, double(backlog));
    w.family("oddstap_writer_database_up", "gauge", "1 while the database takes writes.");
    w.sample("oddstap_writer_database_up", {}, databaseUp ? 1 : 0);
    w.family("oddstap_writer_broker_up", "gauge", "1 while connected to the broker.");
    w.sample("oddstap_writer_broker_up", {}, brokerUp ? 1 : 0);
    w.family("oddstap_writer_receive_to_committed_seconds", "histogram",
        "Frame received by the collector (its wall clock) to committed by this writer.");
    w.histogram("oddstap_writer_receive_to_committed_seconds", {}, receiveToCommitted);
    w.family("oddstap_writer_database_write_seconds", "histogram", "One transaction's write and commit.");
    w.histogram("oddstap_writer_database_write_seconds", {}, databaseWrite);
    return w.take();
}

} // namespace OddsTap

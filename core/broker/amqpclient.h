// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/result.h>

#include <QByteArray>
#include <QString>

#include <map>
#include <memory>
#include <optional>
#include <set>

namespace OddsTap {

/// Where the broker is: an amqp:// URL (amqp://user@host:port/vhost, the vhost percent-encoded,
/// "%2f" for "/"; user guest by default). The password comes from ODDSTAP_AMQP_PASSWORD (default
/// guest, RabbitMQ's own default): one in the URL is refused, as it would show in `ps` and logs.
struct AmqpTarget
{
    QString host = QStringLiteral("127.0.0.1");
    quint16 port = 5672;
    QString vhost = QStringLiteral("/");
    QString user = QStringLiteral("guest");
    QString password = QStringLiteral("guest");

    static Result<AmqpTarget> parse(const QString &url);
    /// amqp://user@host:port/vhost, for logs and messages.
    QString describe() const;
};

/// One message as it came off a queue.
struct AmqpDelivery
{
    quint64 deliveryTag = 0;
    QByteArray routingKey;
    QByteArray exchange;
    QByteArray body;
    bool redelivered = false;
    std::map<QByteArray, QByteArray> headers; ///< the string-valued headers only
};

/// One AMQP 0-9-1 connection with one channel, over rabbitmq-c. Blocking: every call waits for the
/// broker (up to the timeouts below), so it lives on a thread of its own or in a process that has
/// nothing else to do. A failed call leaves the connection unusable: the owner drops it and
/// connects again (isOpen() says so).
/// Lives in: the thread that created it; not thread-safe.
class AmqpConnection
{
public:
    ~AmqpConnection();
    AmqpConnection(const AmqpConnection &) = delete;
    AmqpConnection &operator=(const AmqpConnection &) = delete;

    /// Connects, logs in and opens channel 1 (heartbeats every 10 s while the owner calls in).
    static Result<std::unique_ptr<AmqpConnection>> open(const AmqpTarget &target, int timeoutMs = 5000);
    /// How long one publish may wait for the broker to read it: past it the connection is cut
    /// and the publish fails (a broker under a memory or disk alarm reads nothing from publishers).
    static constexpr int kPublishStallMs = 10000;
    bool isOpen() const { return m_open; }

    /// Declares what every role shares (idempotent): the events exchange, one durable queue per
    /// partition bound to it with a single active consumer (a second consumer of a partition is a
    /// standby that takes over when the first goes away), and the dead-letter exchange and queue.
    Result<void> declareTopology();
    /// An exclusive, auto-delete queue of this connection bound to the events exchange with "#":
    /// it gets a copy of every message and takes nothing from the partition queues. At most
    /// `maxLength` messages wait in it (the oldest go first), so a slow viewer costs the broker
    /// bounded memory and the writers nothing.
    Result<QByteArray> declareViewerQueue(int maxLength);
    /// Drops every message waiting in `queue` (tests and `dead-letters purge`).
    Result<void> purge(const QString &queue);
    /// Messages waiting in `queue` (a passive declare); an error when it does not exist.
    Result<quint64> queueDepth(const QString &queue);

    /// Publisher confirms from now on: publish() then waitForConfirms().
    Result<void> enableConfirms();
    /// Publishes a persistent message; `mandatory`: the broker returns it when no queue takes it.
    Result<void> publish(const QByteArray &exchange, const QByteArray &routingKey, const QByteArray &body,
        const std::map<QByteArray, QByteArray> &headers = {}, bool mandatory = true);
    /// Waits until the broker confirmed every message published so far. An error when one was
    /// refused (nack) or returned (no queue bound), or the connection failed: the caller publishes
    /// them again (consumers skip what they stored already).
    Result<void> waitForConfirms(int timeoutMs);

    /// Starts consuming `queue` with at most `prefetch` unacknowledged messages.
    Result<void> consume(const QString &queue, int prefetch);
    /// The next delivery, or nullopt when none came within timeoutMs.
    Result<std::optional<AmqpDelivery>> next(int timeoutMs);
    /// One message without consuming (basic.get); nullopt when the queue is empty. Unacknowledged
    /// messages go back to the queue when the connection closes.
    Result<std::optional<AmqpDelivery>> get(const QString &queue);
    /// Acknowledges `tag` (and, with `multiple`, everything before it).
    Result<void> ack(quint64 tag, bool multiple = false);

private:
    AmqpConnection() = default;
    Result<void> check(const char *what);
    Error fail(const QString &what, const QString &why);

    struct State;
    std::unique_ptr<State> m_state;
    QString m_display;
    bool m_open = false;
    void confirm(quint64 tag, bool multiple);

    quint64 m_published = 0; ///< publish sequence numbers handed out (confirms count them)
    std::set<quint64> m_unconfirmed; ///< published, neither acked nor nacked yet
    bool m_refused = false; ///< a nack or a return since the last waitForConfirms()
};

} // namespace OddsTap

// SPDX-License-Identifier: MIT
#include "amqpclient.h"

#include <core/broker/brokertopology.h>
#include <core/common/redact.h>
#include <core/common/timeutil.h>

#include <QUrl>

#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <sys/socket.h>
#include <sys/time.h>
#include <thread>
#include <vector>

namespace OddsTap {
namespace {

constexpr amqp_channel_t kChannel = 1;
constexpr int kHeartbeatSeconds = 10;

timeval toTimeval(int ms)
{
    return timeval { ms / 1000, (ms % 1000) * 1000 };
}

amqp_bytes_t bytes(const QByteArray &b)
{
    return amqp_bytes_t { std::size_t(b.size()), const_cast<char *>(b.constData()) };
}

QByteArray fromBytes(amqp_bytes_t b)
{
    return QByteArray(static_cast<const char *>(b.bytes), qsizetype(b.len));
}

QString serverText(const amqp_rpc_reply_t &reply)
{
    switch (reply.reply.id) {
    case AMQP_CONNECTION_CLOSE_METHOD: {
        const auto *m = static_cast<const amqp_connection_close_t *>(reply.reply.decoded);
        return QStringLiteral("the broker closed the connection: %1 %2")
            .arg(m->reply_code)
            .arg(QString::fromUtf8(fromBytes(m->reply_text)));
    }
    case AMQP_CHANNEL_CLOSE_METHOD: {
        const auto *m = static_cast<const amqp_channel_close_t *>(reply.reply.decoded);
        return QStringLiteral("the broker closed the channel: %1 %2")
            .arg(m->reply_code)
            .arg(QString::fromUtf8(fromBytes(m->reply_text)));
    }
    default:
        return QStringLiteral("unexpected reply 0x%1 from the broker").arg(reply.reply.id, 8, 16, QLatin1Char('0'));
    }
}

std::map<QByteArray, QByteArray> stringHeaders(const amqp_basic_properties_t &props)
{
    std::map<QByteArray, QByteArray> out;
    if (!(props._flags & AMQP_BASIC_HEADERS_FLAG)) {
        return out;
    }
    for (int i = 0; i < props.headers.num_entries; ++i) {
        const amqp_table_entry_t &e = props.headers.entries[i];
        if (e.value.kind == AMQP_FIELD_KIND_UTF8 || e.value.kind == AMQP_FIELD_KIND_BYTES) {
            out[fromBytes(e.key)] = fromBytes(e.value.value.bytes);
        }
    }
    return out;
}

} // namespace

struct AmqpConnection::State
{
    amqp_connection_state_t conn = nullptr;

    // rabbitmq-c waits for ever to send a frame: a broker under a memory or disk alarm stops
    // reading from publishers, and the thread that publishes (the capture's storage thread) would
    // hang past its deadline and any signal. A watchdog cuts the socket when one publish has taken
    // longer than kPublishStallMs, and the publish fails like a lost connection.
    int fd = -1;
    std::atomic<qint64> publishingSinceNs { 0 };
    std::atomic<bool> cutOff { false };
    std::mutex mutex;
    std::condition_variable wake;
    bool stop = false;
    std::thread watchdog;

    void startWatchdog()
    {
        fd = amqp_get_sockfd(conn);
        watchdog = std::thread([this] {
            std::unique_lock lock(mutex);
            while (!wake.wait_for(lock, std::chrono::milliseconds(500), [this] { return stop; })) {
                const qint64 since = publishingSinceNs.load();
                if (since != 0 && monotonicNs() - since > qint64(AmqpConnection::kPublishStallMs) * 1000000) {
                    cutOff = true;
                    publishingSinceNs = 0;
                    ::shutdown(fd, SHUT_RDWR); // the blocked send returns with an error
                }
            }
        });
    }
    void stopWatchdog()
    {
        if (!watchdog.joinable()) {
            return;
        }
        {
            std::lock_guard lock(mutex);
            stop = true;
        }
        wake.notify_all();
        watchdog.join();
    }
};

Result<AmqpTarget> AmqpTarget::parse(const QString &text)
{
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid() || (url.scheme() != QLatin1String("amqp"))) {
        return Error { QStringLiteral("usage"),
            QStringLiteral("not an amqp:// URL: '%1' (amqp://user@host:port/vhost; amqps is not supported)")
                .arg(redactedUrlText(text)) };
    }
    AmqpTarget t;
    if (!url.host().isEmpty()) {
        t.host = url.host();
    }
    if (!url.password().isEmpty() || url.path().contains(QLatin1Char('@'))) {
        // An '@' in the path: a password with an unencoded '/'.
        return Error { QStringLiteral("usage"),
            QStringLiteral("the amqp:// URL carries a password: set ODDSTAP_AMQP_PASSWORD instead (a URL shows in ps "
                           "and in logs)") };
    }
    if (url.hasFragment()) {
        return Error { QStringLiteral("usage"),
            QStringLiteral("the amqp:// URL has a '#' (a password with unencoded characters? It goes in "
                           "ODDSTAP_AMQP_PASSWORD)") };
    }
    const int port = url.port(5672);
    if (port <= 0 || port > 65535) {
        return Error { QStringLiteral("usage"),
            QStringLiteral("the port in '%1' is out of range").arg(redactedUrl(url)) };
    }
    t.port = quint16(port);
    if (!url.userName().isEmpty()) {
        t.user = url.userName();
    }
    if (const QByteArray env = qgetenv("ODDSTAP_AMQP_PASSWORD"); !env.isEmpty()) {
        t.password = QString::fromUtf8(env);
    }
    // The vhost is the path without its leading slash, percent-decoded ("%2f" is "/"); none is "/".
    const QString path = url.path(QUrl::FullyDecoded);
    if (path.size() > 1) {
        t.vhost = path.mid(1);
    }
    return t;
}

QString AmqpTarget::describe() const
{
    return QStringLiteral("amqp://%1@%2:%3/%4")
        .arg(user, host)
        .arg(port)
        .arg(QString::fromLatin1(QUrl::toPercentEncoding(vhost)));
}

AmqpConnection::~AmqpConnection()
{
    if (!m_state || !m_state->conn) {
        return;
    }
    m_state->stopWatchdog();
    if (m_open) {
        amqp_channel_close(m_state->conn, kChannel, AMQP_REPLY_SUCCESS);
        amqp_connection_close(m_state->conn, AMQP_REPLY_SUCCESS);
    }
    amqp_destroy_connection(m_state->conn);
}

Error AmqpConnection::fail(const QString &what, const QString &why)
{
    m_open = false;
    return Error { QStringLiteral("broker_unavailable"), QStringLiteral("%1 (%2): %3").arg(what, m_display, why) };
}

Result<void> AmqpConnection::check(const char *what)
{
    const amqp_rpc_reply_t reply = amqp_get_rpc_reply(m_state->conn);
    switch (reply.reply_type) {
    case AMQP_RESPONSE_NORMAL:
        return {};
    case AMQP_RESPONSE_NONE:
        return fail(QLatin1String(what), QStringLiteral("no reply from the broker"));
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
        return fail(QLatin1String(what), QString::fromUtf8(amqp_error_string2(reply.library_error)));
    case AMQP_RESPONSE_SERVER_EXCEPTION:
        return fail(QLatin1String(what), serverText(reply));
    }
    return fail(QLatin1String(what), QStringLiteral("unknown reply"));
}

Result<std::unique_ptr<AmqpConnection>> AmqpConnection::open(const AmqpTarget &target, int timeoutMs)
{
    std::unique_ptr<AmqpConnection> c(new AmqpConnection);
    c->m_display = target.describe();
    c->m_state = std::make_unique<State>();
    c->m_state->conn = amqp_new_connection();
    amqp_socket_t *socket = amqp_tcp_socket_new(c->m_state->conn);
    if (!socket) {
        return c->fail(QStringLiteral("connecting"), QStringLiteral("cannot create a socket"));
    }
    timeval tv = toTimeval(timeoutMs);
    const QByteArray host = target.host.toUtf8();
    if (const int status = amqp_socket_open_noblock(socket, host.constData(), target.port, &tv);
        status != AMQP_STATUS_OK) {
        // rabbitmq-c says only "a socket error occurred", and its connect is non-blocking, so errno
        // holds EINPROGRESS rather than the refusal: say what it most likely means.
        const QString why = status == AMQP_STATUS_SOCKET_ERROR
            ? QStringLiteral("nothing answered on %1:%2 (connection refused or unreachable: is the broker running?)")
                  .arg(target.host)
                  .arg(target.port)
            : QString::fromUtf8(amqp_error_string2(status));
        return c->fail(QStringLiteral("connecting"), why);
    }
    amqp_set_handshake_timeout(c->m_state->conn, &tv);
    amqp_set_rpc_timeout(c->m_state->conn, &tv);
    const QByteArray vhost = target.vhost.toUtf8();
    const QByteArray user = target.user.toUtf8();
    const QByteArray password = target.password.toUtf8();
    const amqp_rpc_reply_t login = amqp_login(c->m_state->conn, vhost.constData(), 0, 131072, kHeartbeatSeconds,
        AMQP_SASL_METHOD_PLAIN, user.constData(), password.constData());
    if (login.reply_type != AMQP_RESPONSE_NORMAL) {
        if (login.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION) {
            return c->fail(QStringLiteral("logging in"), serverText(login));
        }
        // RabbitMQ closes the socket on a bad password before saying why.
        return c->fail(QStringLiteral("logging in"),
            QStringLiteral("%1 (a wrong user or password, or a vhost that does not exist?)")
                .arg(QString::fromUtf8(amqp_error_string2(login.library_error))));
    }
    c->m_open = true;
    c->m_state->startWatchdog();
    amqp_channel_open(c->m_state->conn, kChannel);
    if (auto r = c->check("opening a channel"); !r) {
        return r.error();
    }
    return c;
}

Result<void> AmqpConnection::declareTopology()
{
    amqp_connection_state_t conn = m_state->conn;
    amqp_exchange_declare(conn, kChannel, amqp_cstring_bytes(Broker::kEventsExchange), amqp_cstring_bytes("topic"), 0,
        1, 0, 0, amqp_empty_table);
    if (auto r = check("declaring the events exchange"); !r) {
        return r;
    }
    amqp_exchange_declare(conn, kChannel, amqp_cstring_bytes(Broker::kDeadExchange), amqp_cstring_bytes("fanout"), 0, 1,
        0, 0, amqp_empty_table);
    if (auto r = check("declaring the dead-letter exchange"); !r) {
        return r;
    }
    amqp_queue_declare(conn, kChannel, amqp_cstring_bytes(Broker::kDeadLetterQueue), 0, 1, 0, 0, amqp_empty_table);
    if (auto r = check("declaring the dead-letter queue"); !r) {
        return r;
    }
    amqp_queue_bind(conn, kChannel, amqp_cstring_bytes(Broker::kDeadLetterQueue),
        amqp_cstring_bytes(Broker::kDeadExchange), amqp_cstring_bytes(""), amqp_empty_table);
    if (auto r = check("binding the dead-letter queue"); !r) {
        return r;
    }
    amqp_table_entry_t sac;
    sac.key = amqp_cstring_bytes("x-single-active-consumer");
    sac.value.kind = AMQP_FIELD_KIND_BOOLEAN;
    sac.value.value.boolean = 1;
    const amqp_table_t args { 1, &sac };
    for (int p = 0; p < Broker::kPartitions; ++p) {
        const QByteArray queue = Broker::queueName(p).toUtf8();
        const QByteArray key = Broker::partitionWord(p) + ".#";
        amqp_queue_declare(conn, kChannel, bytes(queue), 0, 1, 0, 0, args);
        if (auto r = check("declaring a partition queue"); !r) {
            return r;
        }
        amqp_queue_bind(
            conn, kChannel, bytes(queue), amqp_cstring_bytes(Broker::kEventsExchange), bytes(key), amqp_empty_table);
        if (auto r = check("binding a partition queue"); !r) {
            return r;
        }
    }
    return {};
}

Result<QByteArray> AmqpConnection::declareViewerQueue(int maxLength)
{
    amqp_table_entry_t entries[2];
    entries[0].key = amqp_cstring_bytes("x-max-length");
    entries[0].value.kind = AMQP_FIELD_KIND_I32;
    entries[0].value.value.i32 = maxLength;
    entries[1].key = amqp_cstring_bytes("x-overflow");
    entries[1].value.kind = AMQP_FIELD_KIND_UTF8;
    entries[1].value.value.bytes = amqp_cstring_bytes("drop-head");
    const amqp_table_t args { 2, entries };
    const amqp_queue_declare_ok_t *ok = amqp_queue_declare(m_state->conn, kChannel, amqp_empty_bytes, 0, 0, 1, 1, args);
    if (auto r = check("declaring a viewer queue"); !r) {
        return r.error();
    }
    const QByteArray queue = fromBytes(ok->queue);
    amqp_queue_bind(m_state->conn, kChannel, bytes(queue), amqp_cstring_bytes(Broker::kEventsExchange),
        amqp_cstring_bytes("#"), amqp_empty_table);
    if (auto r = check("binding the viewer queue"); !r) {
        return r.error();
    }
    return queue;
}

Result<quint64> AmqpConnection::queueDepth(const QString &queue)
{
    const QByteArray name = queue.toUtf8();
    const amqp_queue_declare_ok_t *ok =
        amqp_queue_declare(m_state->conn, kChannel, bytes(name), 1, 0, 0, 0, amqp_empty_table);
    if (auto r = check("reading a queue's depth"); !r) {
        return r.error();
    }
    return quint64(ok->message_count);
}

Result<void> AmqpConnection::purge(const QString &queue)
{
    const QByteArray name = queue.toUtf8();
    amqp_queue_purge(m_state->conn, kChannel, bytes(name));
    return check("purging a queue");
}

Result<void> AmqpConnection::enableConfirms()
{
    amqp_confirm_select(m_state->conn, kChannel);
    return check("enabling publisher confirms");
}

Result<void> AmqpConnection::publish(const QByteArray &exchange, const QByteArray &routingKey, const QByteArray &body,
    const std::map<QByteArray, QByteArray> &headers, bool mandatory)
{
    std::vector<amqp_table_entry_t> entries;
    entries.reserve(headers.size());
    for (const auto &[key, value] : headers) {
        amqp_table_entry_t e;
        e.key = bytes(key);
        e.value.kind = AMQP_FIELD_KIND_UTF8;
        e.value.value.bytes = bytes(value);
        entries.push_back(e);
    }
    amqp_basic_properties_t props {};
    props._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG;
    props.content_type = amqp_cstring_bytes("application/x-oddstap-batch");
    props.delivery_mode = AMQP_DELIVERY_PERSISTENT;
    if (!entries.empty()) {
        props._flags |= AMQP_BASIC_HEADERS_FLAG;
        props.headers = amqp_table_t { int(entries.size()), entries.data() };
    }
    m_state->publishingSinceNs = monotonicNs();
    const int status = amqp_basic_publish(
        m_state->conn, kChannel, bytes(exchange), bytes(routingKey), mandatory ? 1 : 0, 0, &props, bytes(body));
    m_state->publishingSinceNs = 0;
    if (m_state->cutOff) {
        return fail(QStringLiteral("publishing"),
            QStringLiteral("the broker took nothing for %1 s: a memory or disk alarm blocks publishers (rabbitmqctl "
                           "status names it), or the network is stuck; connecting again")
                .arg(kPublishStallMs / 1000));
    }
    if (status != AMQP_STATUS_OK) {
        return fail(QStringLiteral("publishing"), QString::fromUtf8(amqp_error_string2(status)));
    }
    m_unconfirmed.insert(++m_published);
    return {};
}

void AmqpConnection::confirm(quint64 tag, bool multiple)
{
    if (multiple) {
        m_unconfirmed.erase(m_unconfirmed.begin(), m_unconfirmed.upper_bound(tag));
    } else {
        m_unconfirmed.erase(tag);
    }
}

Result<void> AmqpConnection::waitForConfirms(int timeoutMs)
{
    amqp_connection_state_t conn = m_state->conn;
    while (!m_unconfirmed.empty()) {
        amqp_frame_t frame;
        timeval tv = toTimeval(timeoutMs);
        const int status = amqp_simple_wait_frame_noblock(conn, &frame, &tv);
        if (status == AMQP_STATUS_TIMEOUT) {
            return fail(QStringLiteral("waiting for publisher confirms"),
                QStringLiteral("no confirm within %1 ms").arg(timeoutMs));
        }
        if (status != AMQP_STATUS_OK) {
            return fail(
                QStringLiteral("waiting for publisher confirms"), QString::fromUtf8(amqp_error_string2(status)));
        }
        if (frame.frame_type != AMQP_FRAME_METHOD) {
            continue;
        }
        switch (frame.payload.method.id) {
        case AMQP_BASIC_ACK_METHOD: {
            // The broker may confirm out of order (messages on different queues): each tag counts.
            const auto *ack = static_cast<const amqp_basic_ack_t *>(frame.payload.method.decoded);
            confirm(ack->delivery_tag, ack->multiple != 0);
            break;
        }
        case AMQP_BASIC_NACK_METHOD: {
            const auto *nack = static_cast<const amqp_basic_nack_t *>(frame.payload.method.decoded);
            confirm(nack->delivery_tag, nack->multiple != 0);
            m_refused = true;
            break;
        }
        case AMQP_BASIC_RETURN_METHOD: {
            // The returned message's header and body follow: read them off the wire.
            amqp_message_t message;
            const amqp_rpc_reply_t r = amqp_read_message(conn, frame.channel, &message, 0);
            if (r.reply_type != AMQP_RESPONSE_NORMAL) {
                return fail(QStringLiteral("reading a returned message"), QStringLiteral("connection failed"));
            }
            amqp_destroy_message(&message);
            m_refused = true;
            break;
        }
        case AMQP_CHANNEL_CLOSE_METHOD:
        case AMQP_CONNECTION_CLOSE_METHOD: {
            amqp_rpc_reply_t reply {};
            reply.reply_type = AMQP_RESPONSE_SERVER_EXCEPTION;
            reply.reply = frame.payload.method;
            return fail(QStringLiteral("waiting for publisher confirms"), serverText(reply));
        }
        default:
            break;
        }
    }
    amqp_maybe_release_buffers(conn);
    if (m_refused) {
        m_refused = false;
        return Error { QStringLiteral("broker_refused"),
            QStringLiteral("the broker refused or could not route a message (%1): the topology is missing or a "
                           "queue is full; it is sent again")
                .arg(m_display) };
    }
    return {};
}

Result<void> AmqpConnection::consume(const QString &queue, int prefetch)
{
    amqp_basic_qos(m_state->conn, kChannel, 0, quint16(std::clamp(prefetch, 1, 65535)), 0);
    if (auto r = check("setting the prefetch"); !r) {
        return r;
    }
    const QByteArray name = queue.toUtf8();
    amqp_basic_consume(m_state->conn, kChannel, bytes(name), amqp_empty_bytes, 0, 0, 0, amqp_empty_table);
    return check("starting to consume");
}

Result<std::optional<AmqpDelivery>> AmqpConnection::next(int timeoutMs)
{
    amqp_maybe_release_buffers(m_state->conn);
    amqp_envelope_t envelope;
    timeval tv = toTimeval(timeoutMs);
    const amqp_rpc_reply_t reply = amqp_consume_message(m_state->conn, &envelope, &tv, 0);
    if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && reply.library_error == AMQP_STATUS_TIMEOUT) {
        return std::optional<AmqpDelivery>();
    }
    if (reply.reply_type != AMQP_RESPONSE_NORMAL) {
        if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION
            && reply.library_error == AMQP_STATUS_UNEXPECTED_STATE) {
            // Something other than a delivery: a close from the broker, most likely.
            amqp_frame_t frame;
            if (amqp_simple_wait_frame(m_state->conn, &frame) == AMQP_STATUS_OK && frame.frame_type == AMQP_FRAME_METHOD
                && (frame.payload.method.id == AMQP_CHANNEL_CLOSE_METHOD
                    || frame.payload.method.id == AMQP_CONNECTION_CLOSE_METHOD)) {
                amqp_rpc_reply_t closed {};
                closed.reply_type = AMQP_RESPONSE_SERVER_EXCEPTION;
                closed.reply = frame.payload.method;
                return fail(QStringLiteral("consuming"), serverText(closed));
            }
            return std::optional<AmqpDelivery>();
        }
        if (reply.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION) {
            return fail(QStringLiteral("consuming"), serverText(reply));
        }
        return fail(QStringLiteral("consuming"), QString::fromUtf8(amqp_error_string2(reply.library_error)));
    }
    AmqpDelivery d;
    d.deliveryTag = envelope.delivery_tag;
    d.routingKey = fromBytes(envelope.routing_key);
    d.exchange = fromBytes(envelope.exchange);
    d.body = fromBytes(envelope.message.body);
    d.redelivered = envelope.redelivered != 0;
    d.headers = stringHeaders(envelope.message.properties);
    amqp_destroy_envelope(&envelope);
    return std::optional<AmqpDelivery>(std::move(d));
}

Result<std::optional<AmqpDelivery>> AmqpConnection::get(const QString &queue)
{
    const QByteArray name = queue.toUtf8();
    const amqp_rpc_reply_t reply = amqp_basic_get(m_state->conn, kChannel, bytes(name), 0);
    if (reply.reply_type != AMQP_RESPONSE_NORMAL) {
        return fail(QStringLiteral("reading a queue"),
            reply.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION
                ? serverText(reply)
                : QString::fromUtf8(amqp_error_string2(reply.library_error)));
    }
    if (reply.reply.id == AMQP_BASIC_GET_EMPTY_METHOD) {
        return std::optional<AmqpDelivery>();
    }
    const auto *ok = static_cast<const amqp_basic_get_ok_t *>(reply.reply.decoded);
    AmqpDelivery d;
    d.deliveryTag = ok->delivery_tag;
    d.routingKey = fromBytes(ok->routing_key);
    d.exchange = fromBytes(ok->exchange);
    d.redelivered = ok->redelivered != 0;
    amqp_message_t message;
    const amqp_rpc_reply_t read = amqp_read_message(m_state->conn, kChannel, &message, 0);
    if (read.reply_type != AMQP_RESPONSE_NORMAL) {
        return fail(QStringLiteral("reading a message"), QStringLiteral("connection failed"));
    }
    d.body = fromBytes(message.body);
    d.headers = stringHeaders(message.properties);
    amqp_destroy_message(&message);
    return std::optional<AmqpDelivery>(std::move(d));
}

Result<void> AmqpConnection::ack(quint64 tag, bool multiple)
{
    const int status = amqp_basic_ack(m_state->conn, kChannel, tag, multiple ? 1 : 0);
    if (status != AMQP_STATUS_OK) {
        return fail(QStringLiteral("acknowledging"), QString::fromUtf8(amqp_error_string2(status)));
    }
    return {};
}

} // namespace OddsTap

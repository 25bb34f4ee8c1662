// SPDX-License-Identifier: MIT
// SimServer: accepting connections (the handshake with its token check, the WebSocket upgrade),
// the client's subscribe and resume, and what is kept of a connection once it closes.
#include "simserverimpl.h"

#include <core/common/logging.h>
#include <core/common/redact.h>

#include <QTimer>

#include <cmath>

namespace OddsTap {
namespace {

constexpr qsizetype kMaxHandshakeBytes = 16 * 1024;
constexpr int kHandshakeTimeoutMs = 10000;
constexpr std::size_t kMaxClosedKept = 200;
/// Clients send one subscribe of a few bytes: anything much larger is not a client of ours.
constexpr quint64 kMaxClientMessageBytes = 64 * 1024;
/// The most a subscribe ahead of the stream makes it generate at once (about 10 s of CPU), and
/// what the stream keeps while others are subscribed (beyond it they would be cut off).
constexpr quint64 kMaxFastForward = 10000000;

} // namespace

void SimServer::Impl::onTcpConnection()
{
    while (tcp->hasPendingConnections()) {
        QTcpSocket *socket = tcp->nextPendingConnection();
        QObject::connect(socket, &QTcpSocket::readyRead, q, [this, socket] { checkHandshake(socket); });
        QObject::connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        QTimer::singleShot(kHandshakeTimeoutMs, socket, [socket] {
            if (!socket->property("oddstap_upgraded").toBool()) {
                socket->abort();
            }
        });
        if (socket->bytesAvailable() > 0) {
            checkHandshake(socket);
        }
    }
}

void SimServer::Impl::checkHandshake(QTcpSocket *socket)
{
    // Peek, don't read: QWebSocketServer parses the same bytes after we hand the socket over.
    const QByteArray request = socket->peek(kMaxHandshakeBytes);
    const qsizetype end = request.indexOf("\r\n\r\n");
    if (end < 0) {
        if (request.size() >= kMaxHandshakeBytes) {
            socket->write(
                "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            socket->disconnectFromHost();
        }
        return;
    }
    if (!config.token.isEmpty()) {
        QByteArray presented;
        for (const QByteArray &line : request.left(end).split('\n')) {
            const qsizetype colon = line.indexOf(':');
            if (colon > 0 && line.left(colon).trimmed().toLower() == "authorization") {
                presented = line.mid(colon + 1).trimmed();
            }
        }
        if (!constantTimeEquals(presented, QByteArray("Bearer " + config.token))) {
            ++authRejected;
            // A guesser makes thousands a second: one line a second, with how many it stands for.
            if (const qint64 now = monoMs(); now - lastAuthLogMs >= 1000) {
                qCInfo(lcFeed).noquote()
                    << "simulator: rejected an upgrade from" << socket->peerAddress().toString()
                    << "with a missing or wrong token (HTTP 401)"
                    << (authUnlogged > 0 ? QStringLiteral("(and %1 more since the last such line)").arg(authUnlogged)
                                         : QString());
                lastAuthLogMs = now;
                authUnlogged = 0;
            } else {
                ++authUnlogged;
            }
            QObject::disconnect(socket, &QTcpSocket::readyRead, q, nullptr);
            socket->write("HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm=\"oddstap-sim\"\r\n"
                          "Content-Length: 0\r\nConnection: close\r\n\r\n");
            socket->disconnectFromHost();
            return;
        }
    }
    QObject::disconnect(socket, &QTcpSocket::readyRead, q, nullptr);
    QObject::disconnect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    socket->setProperty("oddstap_upgraded", true);
    ws->handleConnection(socket);
}

void SimServer::Impl::onWebSocket()
{
    while (ws->hasPendingConnections()) {
        QWebSocket *socket = ws->nextPendingConnection();
        socket->setParent(q);
        socket->setMaxAllowedIncomingMessageSize(kMaxClientMessageBytes);
        socket->setMaxAllowedIncomingFrameSize(kMaxClientMessageBytes);
        socket->setReadBufferSize(qint64(kMaxClientMessageBytes) * 2);
        auto conn = std::make_unique<Conn>();
        conn->id = nextConnId++;
        conn->socket = socket;
        conn->peer = socket->peerAddress().toString() + QLatin1Char(':') + QString::number(socket->peerPort());
        conn->connectedAtMs = wallClockMs();
        conn->lastSendMs = monoMs();
        conn->rng = Rng(config.generator.seed * 1000003ULL + conn->id);
        const quint64 id = conn->id;
        QObject::connect(socket, &QWebSocket::textMessageReceived, q, [this, id](const QString &text) {
            auto it = conns.find(id);
            if (it != conns.end()) {
                onControl(*it->second, text);
            }
        });
        QObject::connect(socket, &QWebSocket::disconnected, q, [this, id] { onClosed(id); });
        // Idle upgraded connections held the file descriptors and locked new clients out.
        QTimer::singleShot(config.subscribeTimeoutMs, socket, [this, id] {
            auto it = conns.find(id);
            if (it != conns.end() && !it->second->subscribed && !it->second->closed && it->second->socket) {
                it->second->closedReason = QStringLiteral("no subscribe within %1 ms").arg(config.subscribeTimeoutMs);
                qCInfo(lcFeed).noquote() << "simulator: connection" << id << "from" << it->second->peer
                                         << "closed:" << it->second->closedReason;
                it->second->socket->close(QWebSocketProtocol::CloseCodePolicyViolated, it->second->closedReason);
            }
        });
        conns.emplace(id, std::move(conn));
        qCDebug(lcFeed) << "simulator: connection" << id << "from" << socket->peerAddress().toString();
        emit q->connectionCountChanged(int(conns.size()));
    }
}

void SimServer::Impl::onControl(Conn &c, const QString &text)
{
    const qint64 now = monoMs();
    QJsonParseError error {};
    const QJsonObject msg = QJsonDocument::fromJson(text.toUtf8(), &error).object();
    if (error.error != QJsonParseError::NoError
        || msg.value(QLatin1String("op")).toString() != QLatin1String("subscribe")) {
        sendFrame(c,
            generator.errorEnvelope(
                c.lastSentSeq, "bad_request", QStringLiteral("expected {\"op\":\"subscribe\"[,\"from_seq\":N]}")),
            now);
        return;
    }
    if (c.subscribed) {
        sendFrame(c,
            generator.errorEnvelope(
                c.lastSentSeq, "already_subscribed", QStringLiteral("subscribe is sent once per connection")),
            now);
        return;
    }
    const QJsonValue from = msg.value(QLatin1String("from_seq"));
    if (from.isUndefined() || from.isNull()) {
        subscribe(c, std::nullopt);
        return;
    }
    // A double holds every integer exactly up to 2^53; past it, or with a fraction, the number a
    // client meant is not known: refused, never read as 0.
    constexpr double kMaxExact = 9007199254740992.0;
    const double v = from.toDouble(-1);
    QString problem;
    if (!from.isDouble()) {
        problem = QStringLiteral("from_seq must be a number");
    } else if (v < 0 || v > kMaxExact || v != std::floor(v)) {
        problem = QStringLiteral("from_seq must be a whole number from 0 to 2^53");
    } else if (const quint64 want = quint64(v); want > head() && want - head() > kMaxFastForward) {
        problem = QStringLiteral("from_seq %1 is %2 ahead of the stream (at seq %3); at most %4 ahead is caught up")
                      .arg(want)
                      .arg(want - head())
                      .arg(head())
                      .arg(kMaxFastForward);
    } else if (want > head() && (timed || want - head() > config.retain) && subscribedOthers(c) > 0) {
        problem = QStringLiteral("from_seq %1 is ahead of the stream (at seq %2), and catching up to it would cut "
                                 "the %3 other subscribed clients off (or, in a replay, break their timing)")
                      .arg(want)
                      .arg(head())
                      .arg(subscribedOthers(c));
    }
    if (!problem.isEmpty()) {
        qCInfo(lcFeed).noquote() << "simulator: connection" << c.id << "from" << c.peer << "refused:" << problem;
        sendFrame(c, generator.errorEnvelope(c.lastSentSeq, "bad_request", problem), now);
        return;
    }
    subscribe(c, quint64(v));
}

int SimServer::Impl::subscribedOthers(const Conn &c) const
{
    int n = 0;
    for (const auto &[id, other] : conns) {
        n += other.get() != &c && other->subscribed && !other->closed ? 1 : 0;
    }
    return n;
}

void SimServer::Impl::subscribe(Conn &c, std::optional<quint64> fromSeq)
{
    c.subscribed = true;
    c.fromSeq = fromSeq;
    // A replay starts its recorded clock with the first subscription, and that subscriber gets the
    // recording from its first event even when it subscribes live.
    const bool starting = timed && timedStartNs == 0;
    const quint64 startHead = head();
    if (starting) {
        timedStartNs = monotonicNs();
        releaseDue();
    }
    if (!fromSeq) {
        c.mode = QStringLiteral("live");
        c.cursor = starting ? startHead : head();
    } else if (*fromSeq >= head()) {
        // The client is at or ahead of us (we restarted): the stream is a function of the seed, so
        // catch up to it and continue from there.
        const quint64 before = head();
        generateUpTo(*fromSeq);
        pacingBaseSeq += head() - before;
        c.mode = head() > before ? QStringLiteral("fast_forward") : QStringLiteral("live");
        c.cursor = std::min(*fromSeq, head());
    } else if (*fromSeq + 1 >= ringFront()) {
        c.mode = QStringLiteral("replay");
        c.cursor = *fromSeq;
    } else {
        c.mode = QStringLiteral("snapshot");
        const quint64 s = head();
        c.preface.push_back(generator.controlEnvelope(EventType::SnapshotBegin, s));
        for (const GeneratedEvent &ev : generator.snapshot()) {
            if (ev.seq > *fromSeq) {
                c.preface.push_back(ev.json);
                ++c.snapshotEvents;
            }
        }
        c.preface.push_back(generator.controlEnvelope(EventType::SnapshotEnd, s));
        c.cursor = s;
    }
    c.lastSentSeq = c.cursor;
    qCInfo(lcFeed).noquote() << "simulator: connection" << c.id << "subscribed"
                             << (fromSeq ? QStringLiteral("from_seq=%1").arg(*fromSeq) : QStringLiteral("live")) << "->"
                             << c.mode;
    pump(c, monoMs());
}

void SimServer::Impl::onClosed(quint64 id)
{
    auto it = conns.find(id);
    if (it == conns.end() || it->second->closed) {
        return;
    }
    Conn &c = *it->second;
    c.closed = true;
    endStall(c, monoMs());
    if (c.closedReason.isEmpty()) {
        c.closedReason =
            c.socket && !c.socket->closeReason().isEmpty() ? c.socket->closeReason() : QStringLiteral("closed by peer");
    }
    QJsonObject s = connStats(c);
    s.insert(QStringLiteral("open"), false);
    closed.push_back(s);
    ++closedCount;
    if (closed.size() > kMaxClosedKept) {
        closed.pop_front(); // totals below still include it
    }
    // Keep running totals so that the stats file stays exact however many connections came and went.
    addTotals(closedTotals, c);
    if (c.socket) {
        c.socket->deleteLater();
    }
    // onClosed can run inside pump() (a close is synchronous): erase later, outside any iteration.
    QMetaObject::invokeMethod(
        q,
        [this, id] {
            conns.erase(id);
            emit q->connectionCountChanged(int(conns.size()));
        },
        Qt::QueuedConnection);
}

} // namespace OddsTap

// SPDX-License-Identifier: MIT
// SimServer: accepting connections (the handshake with its token check, the WebSocket upgrade),
// the client's subscribe and resume, and what is kept of a connection once it closes.
#include "simserverimpl.h"

#include <core/common/logging.h>

namespace OddsTap {
namespace {

constexpr qsizetype kMaxHandshakeBytes = 16 * 1024;
constexpr int kHandshakeTimeoutMs = 10000;
constexpr std::size_t kMaxClosedKept = 200;

bool constantTimeEquals(const QByteArray &a, const QByteArray &b)
{
    if (a.size() != b.size()) {
        return false;
    }
    unsigned char diff = 0;
    for (qsizetype i = 0; i < a.size(); ++i) {
        diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    }
    return diff == 0;
}

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
        if (!constantTimeEquals(presented, "Bearer " + config.token)) {
            ++authRejected;
            qCInfo(lcFeed) << "simulator: rejected an upgrade with a missing or wrong token (HTTP 401)";
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
    } else if (from.isDouble() && from.toDouble() >= 0) {
        subscribe(c, quint64(from.toInteger()));
    } else {
        sendFrame(
            c, generator.errorEnvelope(c.lastSentSeq, "bad_request", QStringLiteral("from_seq must be >= 0")), now);
    }
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

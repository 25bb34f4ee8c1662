// SPDX-License-Identifier: MIT
#include "metricshttp.h"

#include <core/common/logging.h>
#include <core/common/timeutil.h>

#include <QHostAddress>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

namespace OddsTap {

namespace {
constexpr char kAnsweredProperty[] = "oddstapAnswered";
constexpr qint64 kNoteEveryMs = 10000;
} // namespace

MetricsHttpServer::MetricsHttpServer(Render render, MetricsHttpLimits limits, QObject *parent)
    : QObject(parent)
    , m_render(std::move(render))
    , m_limits(limits)
    , m_server(new QTcpServer(this))
{
    connect(m_server, &QTcpServer::newConnection, this, &MetricsHttpServer::accept);
}

bool MetricsHttpServer::listen(const QHostAddress &address, quint16 port, QString &error)
{
    if (!m_server->listen(address, port)) {
        error = m_server->errorString();
        return false;
    }
    return true;
}

quint16 MetricsHttpServer::port() const
{
    return m_server->serverPort();
}

void MetricsHttpServer::accept()
{
    while (QTcpSocket *socket = m_server->nextPendingConnection()) {
        std::erase_if(m_open, [](const QPointer<QTcpSocket> &s) { return s.isNull(); });
        while (int(m_open.size()) >= m_limits.maxConnections) {
            // The oldest goes, not the newcomer: idle connections cannot lock a scraper out.
            QPointer<QTcpSocket> oldest = m_open.front();
            m_open.pop_front();
            if (oldest) {
                noteRefusal(QStringLiteral("closed a connection from %1: more than %2 open at once")
                                .arg(oldest->peerAddress().toString())
                                .arg(m_limits.maxConnections));
                oldest->abort();
                oldest->deleteLater();
            }
        }
        m_open.emplace_back(socket);
        // Qt stops reading from the system once this much waits: a request that long without its
        // end is refused, and whatever a client sends beyond it stays in the kernel's buffer.
        socket->setReadBufferSize(m_limits.maxRequestBytes);
        auto *deadline = new QTimer(socket);
        deadline->setSingleShot(true);
        connect(deadline, &QTimer::timeout, socket, [this, socket] {
            if (!socket->property(kAnsweredProperty).toBool()) {
                noteRefusal(QStringLiteral("closed a connection from %1: no whole request in %2 ms")
                                .arg(socket->peerAddress().toString())
                                .arg(m_limits.requestTimeoutMs));
            }
            socket->abort();
            socket->deleteLater();
        });
        deadline->start(m_limits.requestTimeoutMs);
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] { readRequest(socket); });
    }
}

void MetricsHttpServer::readRequest(QTcpSocket *socket)
{
    if (socket->property(kAnsweredProperty).toBool()) {
        // One request per connection: what follows is read only to be dropped, so that closing
        // with it unread does not reset the connection before the answer is taken.
        socket->skip(socket->bytesAvailable());
        return;
    }
    const QByteArray head = socket->peek(m_limits.maxRequestBytes);
    const qsizetype end = head.indexOf("\r\n\r\n");
    if (end < 0) {
        if (head.size() >= m_limits.maxRequestBytes) {
            noteRefusal(QStringLiteral("refused a request from %1: its headers pass %2 bytes")
                            .arg(socket->peerAddress().toString())
                            .arg(m_limits.maxRequestBytes));
            answer(socket, 431, "Request Header Fields Too Large", "request headers too large\n", true);
        }
        return;
    }
    const QList<QByteArray> line = head.left(head.indexOf("\r\n")).split(' ');
    if (line.size() != 3 || !line[1].startsWith('/')) {
        answer(socket, 400, "Bad Request", "bad request line\n", true);
        return;
    }
    if (line[2] != "HTTP/1.1" && line[2] != "HTTP/1.0") {
        answer(socket, 505, "HTTP Version Not Supported", "HTTP/1.0 or HTTP/1.1 only\n", true);
        return;
    }
    const QByteArray path = line[1].left(line[1].indexOf('?') < 0 ? line[1].size() : line[1].indexOf('?'));
    if (path != "/metrics") {
        answer(socket, 404, "Not Found", "only /metrics is served here\n", line[0] != "HEAD");
        return;
    }
    if (line[0] != "GET" && line[0] != "HEAD") {
        answer(socket, 405, "Method Not Allowed", "GET or HEAD only\n", true, "Allow: GET, HEAD\r\n");
        return;
    }
    answer(
        socket, 200, "OK", m_render(), line[0] == "GET", "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n");
}

void MetricsHttpServer::answer(QTcpSocket *socket, int status, const QByteArray &reason, const QByteArray &body,
    bool withBody, const QByteArray &extraHeaders)
{
    socket->setProperty(kAnsweredProperty, true);
    QByteArray out = "HTTP/1.1 " + QByteArray::number(status) + ' ' + reason + "\r\n";
    out += extraHeaders.isEmpty() && status != 200 ? QByteArray("Content-Type: text/plain; charset=utf-8\r\n")
                                                   : extraHeaders;
    out += "Content-Length: " + QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n";
    if (withBody) {
        out += body;
    }
    socket->write(out);
    // What was sent after the request is dropped now and as it comes (readRequest()): closing
    // with input unread would reset the connection, and the client could lose the answer.
    socket->skip(socket->bytesAvailable());
    socket->disconnectFromHost(); // once written; the deadline ends a client that never reads it
}

void MetricsHttpServer::noteRefusal(const QString &what)
{
    const qint64 now = wallClockMs();
    if (now - m_lastNoteMs < kNoteEveryMs) {
        ++m_unnoted;
        return;
    }
    QString text = QStringLiteral("metrics: %1").arg(what);
    if (m_unnoted > 0) {
        text += QStringLiteral(" (and %1 more such since the last note)").arg(m_unnoted);
    }
    qCWarning(lcMetrics).noquote() << text;
    m_lastNoteMs = now;
    m_unnoted = 0;
}

} // namespace OddsTap

// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <QPointer>

#include <deque>
#include <functional>

class QHostAddress;
class QTcpServer;
class QTcpSocket;

namespace OddsTap {

/// What one scraper may cost the process: a hostile client on the metrics port must never take
/// the memory, the file descriptors or the CPU that the capture needs.
struct MetricsHttpLimits
{
    int maxConnections = 32; ///< beyond it the oldest connection is closed for the new one
    int requestTimeoutMs = 10000; ///< to send a request and take the answer, whole
    qsizetype maxRequestBytes = 8192; ///< the request line and headers (431 beyond)
};

/// A deliberately small HTTP/1.1 server for one resource: GET or HEAD of /metrics, answered and
/// the connection closed (Prometheus scrapes that way as well as on a kept-alive one). A request
/// is read only up to maxRequestBytes and a pipelined one after it is never read, so unread
/// answers cannot pile up; every connection ends within requestTimeoutMs.
/// Lives in: the metrics thread (MetricsServer).
class MetricsHttpServer : public QObject
{
    Q_OBJECT
public:
    using Render = std::function<QByteArray()>;
    MetricsHttpServer(Render render, MetricsHttpLimits limits, QObject *parent = nullptr);

    /// False with the system's reason in @p error.
    bool listen(const QHostAddress &address, quint16 port, QString &error);
    quint16 port() const;

private:
    void accept();
    void readRequest(QTcpSocket *socket);
    void answer(QTcpSocket *socket, int status, const QByteArray &reason, const QByteArray &body, bool withBody,
        const QByteArray &extraHeaders = {});
    /// Logs what a hostile or broken client did, at most once every few seconds with a count.
    void noteRefusal(const QString &what);

    Render m_render;
    MetricsHttpLimits m_limits;
    QTcpServer *m_server = nullptr;
    std::deque<QPointer<QTcpSocket>> m_open; ///< oldest first
    qint64 m_lastNoteMs = 0;
    quint64 m_unnoted = 0;
};

} // namespace OddsTap

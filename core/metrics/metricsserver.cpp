// SPDX-License-Identifier: MIT
#include "metricsserver.h"

#include <core/common/threadend.h>

#include <QHostAddress>

namespace OddsTap {

Result<std::unique_ptr<MetricsServer>> MetricsServer::listen(
    const QString &host, quint16 port, MetricsHttpLimits limits)
{
    QHostAddress address;
    if (!address.setAddress(host)) {
        return Error { QStringLiteral("usage"),
            QStringLiteral("metrics: '%1' is not an IP address (use 127.0.0.1, or 0.0.0.0 for every interface)")
                .arg(host) };
    }
    std::unique_ptr<MetricsServer> server(new MetricsServer);
    server->m_host = host;
    server->m_thread.setObjectName(QStringLiteral("metrics"));
    server->m_context = new QObject;
    server->m_context->moveToThread(&server->m_thread);
    deleteWhenFinished(server->m_thread, server->m_context);
    server->m_thread.start();
    QString error;
    MetricsServer *self = server.get();
    // The servers are created on their thread, which owns their sockets from then on.
    QMetaObject::invokeMethod(
        self->m_context,
        [self, address, port, limits, &error] {
            auto *http = new MetricsHttpServer([self] { return self->render(); }, limits, self->m_context);
            if (http->listen(address, port, error)) {
                self->m_port = http->port();
            }
        },
        Qt::BlockingQueuedConnection);
    if (!error.isEmpty()) {
        return Error { QStringLiteral("io_error"),
            QStringLiteral("metrics: cannot listen on %1:%2: %3 (choose another port with --metrics HOST:PORT)")
                .arg(host)
                .arg(port)
                .arg(error) };
    }
    return server;
}

MetricsServer::~MetricsServer()
{
    m_thread.quit(); // the servers go with the context, on their thread (see listen())
    m_thread.wait();
}

QString MetricsServer::url() const
{
    return QStringLiteral("http://%1:%2/metrics").arg(m_host).arg(m_port);
}

void MetricsServer::publish(std::shared_ptr<const MetricsReading> reading)
{
    const QMutexLocker lock(&m_mutex);
    m_reading = std::move(reading);
}

void MetricsServer::publishText(QByteArray text)
{
    const QMutexLocker lock(&m_mutex);
    m_text = std::move(text);
}

QByteArray MetricsServer::render() const
{
    std::shared_ptr<const MetricsReading> reading;
    {
        const QMutexLocker lock(&m_mutex);
        if (!m_text.isEmpty()) {
            return m_text;
        }
        reading = m_reading;
    }
    // Before the first snapshot: the families exist, with nothing counted yet.
    return prometheusText(reading ? *reading : MetricsReading {});
}

Result<std::pair<QString, quint16>> parseMetricsAddress(const QString &text)
{
    const qsizetype colon = text.lastIndexOf(QLatin1Char(':'));
    const QString host = colon > 0 ? text.left(colon) : QStringLiteral("127.0.0.1");
    bool ok = false;
    const uint port = text.mid(colon + 1).toUInt(&ok);
    if (!ok || port > 65535) {
        return Error { QStringLiteral("usage"),
            QStringLiteral("--metrics wants HOST:PORT or PORT (0 picks a free port), got '%1'").arg(text) };
    }
    return std::pair { host, quint16(port) };
}

} // namespace OddsTap

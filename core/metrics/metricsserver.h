// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/result.h>
#include <core/metrics/metricshttp.h>
#include <core/metrics/prometheustext.h>

#include <QMutex>
#include <QThread>

#include <memory>

namespace OddsTap {

/// Serves GET /metrics (Prometheus text format) from the latest reading published to it. Runs its
/// HTTP server on a thread of its own, so that a slow or hostile scraper never holds up the
/// pipeline or the GUI; the text is rendered there, on request, never per event.
class MetricsServer
{
public:
    /// Listens on host:port (port 0 picks a free one); the error names the address and the cause.
    static Result<std::unique_ptr<MetricsServer>> listen(
        const QString &host, quint16 port, MetricsHttpLimits limits = {});
    ~MetricsServer();

    quint16 port() const { return m_port; }
    /// http://host:port/metrics
    QString url() const;
    /// Any thread: the reading the next scrape reports.
    void publish(std::shared_ptr<const MetricsReading> reading);
    /// Any thread: for a role without a capture session (a broker writer), the exposition text
    /// itself, which the next scrape serves as it is.
    void publishText(QByteArray text);

private:
    MetricsServer() = default;
    QByteArray render() const;

    QThread m_thread;
    QObject *m_context = nullptr; ///< lives in m_thread; owns the HTTP server
    QString m_host;
    quint16 m_port = 0;
    mutable QMutex m_mutex;
    std::shared_ptr<const MetricsReading> m_reading;
    QByteArray m_text;
};

/// "HOST:PORT" or ":PORT" or "PORT" (host 127.0.0.1): the --metrics option's value.
Result<std::pair<QString, quint16>> parseMetricsAddress(const QString &text);

} // namespace OddsTap

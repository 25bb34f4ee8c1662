// SPDX-License-Identifier: MIT
#pragma once

#include <core/alerts/alertengine.h>
#include <core/common/result.h>

#include <QJsonArray>
#include <QObject>
#include <QUrl>

class QNetworkAccessManager;

namespace OddsTap {

/// Sends alerts to a chat or a bot: an HTTP POST of JSON (`{"alerts": [...]}`) to one URL, one
/// request at a time, the alerts that fire meanwhile going together in the next. A slow or failing
/// endpoint never holds the pipeline back: at most kMaxPending alerts wait, the oldest beyond that
/// are dropped and counted, and a failure is reported once (with what the server or the network
/// said) until a request succeeds again.
/// Lives in: the thread that creates it (its network replies come there).
class AlertWebhook : public QObject
{
    Q_OBJECT
public:
    static constexpr int kMaxPending = 10000;
    static constexpr int kTimeoutMs = 10000;
    static constexpr qint64 kMaxAnswerBytes = 64 * 1024; ///< more than this from the server: the request fails

    explicit AlertWebhook(QUrl url, QObject *parent = nullptr);

    /// The address from --webhook (a URL, which ps shows) or --webhook-file (a file holding it: the
    /// chat services carry the secret in the path, others in the query): an http:// or https:// URL
    /// with a host, or why not (never quoting the URL).
    static Result<QUrl> urlFrom(const QString &url, const QString &file);

    void post(const std::vector<Alert> &alerts);
    /// Nothing waiting and nothing in flight.
    bool idle() const { return !m_inFlight && m_pending.isEmpty(); }
    /// Waits (running the event loop) until idle or @p timeoutMs passed; true when idle.
    bool waitIdle(int timeoutMs);

    quint64 sent() const { return m_sent; } ///< alerts the server acknowledged (2xx)
    quint64 failed() const { return m_failed; } ///< alerts in requests that failed
    quint64 dropped() const { return m_dropped; } ///< alerts dropped while too many waited
    /// The URL as logs and summaries show it: scheme, host and port (the path and the query are
    /// where the secret travels).
    QString displayUrl() const;

signals:
    /// A request failed: what happened and what to check.
    void problem(const QString &message);

private:
    void sendNext();

    QUrl m_url;
    QNetworkAccessManager *m_network; ///< a child
    QJsonArray m_pending;
    bool m_inFlight = false;
    bool m_failing = false; ///< the last request failed (reported once until one succeeds)
    quint64 m_sent = 0;
    quint64 m_failed = 0;
    quint64 m_dropped = 0;
};

/// An alert as the webhook and other JSON consumers get it.
QJsonObject alertJson(const Alert &alert);

} // namespace OddsTap

// SPDX-License-Identifier: MIT
#include "alertwebhook.h"

#include <core/common/redact.h>
#include <core/common/secretfile.h>
#include <core/common/timeutil.h>

#include <QEventLoop>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>

namespace OddsTap {

QJsonObject alertJson(const Alert &a)
{
    return QJsonObject {
        { QStringLiteral("at"), formatIso8601Utc(a.atMs) },
        { QStringLiteral("rule"), a.rule },
        { QStringLiteral("type"), alertKindName(a.kind) },
        { QStringLiteral("source_id"), a.sourceId },
        { QStringLiteral("fixture_id"), a.fixtureId },
        { QStringLiteral("market_type"), a.marketType },
        { QStringLiteral("selection"), a.selection },
        { QStringLiteral("before"), a.before },
        { QStringLiteral("after"), a.after },
        { QStringLiteral("seq"), qint64(a.seq) },
    };
}

AlertWebhook::AlertWebhook(QUrl url, QObject *parent)
    : QObject(parent)
    , m_url(std::move(url))
    , m_network(new QNetworkAccessManager(this))
{ }

Result<QUrl> AlertWebhook::urlFrom(const QString &url, const QString &file)
{
    if (!url.isEmpty() && !file.isEmpty()) {
        return Error { QStringLiteral("usage"), QStringLiteral("--webhook or --webhook-file, not both") };
    }
    QString text = url;
    if (!file.isEmpty()) {
        // A pipe is welcome here (--webhook-file <(pass show hook)): the read is bounded.
        auto read = readSecretFile(file, QStringLiteral("--webhook-file"));
        if (!read) {
            return read.error();
        }
        text = QString::fromUtf8(*read);
    }
    const QUrl parsed(text, QUrl::StrictMode);
    if (!parsed.isValid() || parsed.host().isEmpty()
        || (parsed.scheme() != QLatin1String("http") && parsed.scheme() != QLatin1String("https"))) {
        return Error { QStringLiteral("usage"),
            QStringLiteral("%1 must be an http:// or https:// URL")
                .arg(file.isEmpty() ? QStringLiteral("--webhook") : QStringLiteral("--webhook-file")) };
    }
    return parsed;
}

QString AlertWebhook::displayUrl() const
{
    return urlOrigin(m_url);
}

void AlertWebhook::post(const std::vector<Alert> &alerts)
{
    for (const Alert &a : alerts) {
        if (m_pending.size() >= kMaxPending) {
            m_pending.removeFirst();
            ++m_dropped;
        }
        m_pending.append(alertJson(a));
    }
    if (!m_inFlight) {
        sendNext();
    }
}

void AlertWebhook::sendNext()
{
    if (m_pending.isEmpty()) {
        return;
    }
    const QJsonArray batch = std::exchange(m_pending, QJsonArray());
    QNetworkRequest request(m_url);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    request.setTransferTimeout(kTimeoutMs);
    m_inFlight = true;
    QNetworkReply *reply = m_network->post(
        request, QJsonDocument(QJsonObject { { QStringLiteral("alerts"), batch } }).toJson(QJsonDocument::Compact));
    // The answer is not read: a server that sends megabytes back is cut off, not buffered.
    reply->setReadBufferSize(kMaxAnswerBytes);
    connect(reply, &QNetworkReply::readyRead, reply, [reply] {
        if (reply->bytesAvailable() >= kMaxAnswerBytes) {
            reply->abort();
        }
    });
    connect(reply, &QNetworkReply::finished, this, [this, reply, count = quint64(batch.size())] {
        reply->deleteLater();
        m_inFlight = false;
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (reply->error() == QNetworkReply::NoError && status >= 200 && status < 300) {
            m_sent += count;
            m_failing = false;
        } else {
            m_failed += count;
            if (std::exchange(m_failing, true)) {
                sendNext();
                return; // said once until it works again
            }
            const QString what = reply->error() == QNetworkReply::OperationCanceledError
                ? QStringLiteral("an answer over %1 bytes").arg(kMaxAnswerBytes)
                : reply->error() == QNetworkReply::NoError || status > 0 ? QStringLiteral("HTTP %1").arg(status)
                                                                         : reply->errorString();
            emit problem(QStringLiteral("webhook %1 refused %2 alerts (%3): check the URL and that the "
                                        "service is up; later alerts are still sent")
                             .arg(displayUrl())
                             .arg(count)
                             .arg(what));
        }
        sendNext();
    });
}

bool AlertWebhook::waitIdle(int timeoutMs)
{
    if (idle()) {
        return true;
    }
    QEventLoop loop;
    QTimer deadline;
    deadline.setSingleShot(true);
    connect(&deadline, &QTimer::timeout, &loop, &QEventLoop::quit);
    QTimer poll;
    connect(&poll, &QTimer::timeout, &loop, [this, &loop] {
        if (idle()) {
            loop.quit();
        }
    });
    deadline.start(timeoutMs);
    poll.start(10);
    loop.exec();
    return idle();
}

} // namespace OddsTap

// SPDX-License-Identifier: MIT
#include "capturesession.h"

#include <core/common/logging.h>

#include <QThread>
#include <QTimer>

namespace OddsTap {

struct CaptureSession::Worker
{
    QThread thread;
    FeedClient *client = nullptr; ///< lives in `thread`; deleted when it finishes
};

CaptureSession::CaptureSession(CaptureConfig config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
{ }

CaptureSession::~CaptureSession()
{
    for (auto &w : m_workers) {
        if (w->thread.isRunning()) {
            QMetaObject::invokeMethod(w->client, &FeedClient::stop, Qt::QueuedConnection);
            w->thread.quit();
            w->thread.wait();
        }
    }
}

void CaptureSession::start()
{
    Q_ASSERT(QThread::currentThread() == thread());
    if (m_running) {
        return;
    }
    m_running = true;
    for (const FeedSourceConfig &source : m_config.sources) {
        m_stats.sources[source.sourceId]; // listed in the summary even if nothing arrives
        auto worker = std::make_unique<Worker>();
        worker->thread.setObjectName(QStringLiteral("feed-") + source.sourceId);
        worker->client = new FeedClient(source);
        worker->client->moveToThread(&worker->thread);
        connect(&worker->thread, &QThread::started, worker->client, &FeedClient::start);
        connect(&worker->thread, &QThread::finished, worker->client, &QObject::deleteLater);
        connect(worker->client, &FeedClient::batchReady, this, &CaptureSession::onBatch);
        connect(worker->client, &FeedClient::stateChanged, this, &CaptureSession::sourceStateChanged);
        worker->thread.start();
        m_workers.push_back(std::move(worker));
    }
    if (m_config.durationMs > 0) {
        QTimer::singleShot(
            std::chrono::milliseconds(m_config.durationMs), this, [this] { stop(QStringLiteral("duration elapsed")); });
    }
}

void CaptureSession::onBatch(const EventBatch &batch)
{
    m_stats.add(batch);
    emit batchReceived(batch);
    if (m_config.count != 0 && !m_stopping && m_stats.streamAdvances() >= m_config.count) {
        stop(QStringLiteral("count reached"));
    }
}

void CaptureSession::stop(const QString &reason)
{
    if (m_stopping || !m_running) {
        return;
    }
    m_stopping = true;
    m_stopReason = reason;
    qCInfo(lcSession).noquote() << "capture stopping:" << reason;
    if (m_workers.empty()) {
        QMetaObject::invokeMethod(this, &CaptureSession::onClientStopped, Qt::QueuedConnection);
        return;
    }
    for (auto &w : m_workers) {
        FeedClient *client = w->client;
        // Runs in the client's thread: its final batch is posted to us before the notification,
        // and queued events between two threads keep their order.
        QMetaObject::invokeMethod(client, [client, this] {
            client->stop();
            QMetaObject::invokeMethod(this, &CaptureSession::onClientStopped, Qt::QueuedConnection);
        });
    }
}

void CaptureSession::onClientStopped()
{
    if (++m_stoppedClients < int(m_workers.size())) {
        return;
    }
    for (auto &w : m_workers) {
        w->thread.quit();
        w->thread.wait();
    }
    m_running = false;
    emit finished(m_stopReason);
}

} // namespace OddsTap

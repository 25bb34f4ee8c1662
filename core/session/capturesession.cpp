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
    if (m_storageThread) {
        m_storageThread->quit();
        m_storageThread->wait();
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
    }
    if (!m_config.storage) {
        startClients({});
        return;
    }
    // Storage first: its committed seqs are where every source resumes.
    m_storageThread = new QThread(this);
    m_storageThread->setObjectName(QStringLiteral("storage"));
    m_writer = new StorageWriter(*m_config.storage, m_config.spool);
    m_writer->moveToThread(m_storageThread);
    connect(m_storageThread, &QThread::started, m_writer, &StorageWriter::start);
    connect(m_storageThread, &QThread::finished, m_writer, &QObject::deleteLater);
    connect(this, &CaptureSession::batchReceived, m_writer, &StorageWriter::write);
    connect(m_writer, &StorageWriter::opened, this, [this](const SeqMap &committed, const QString &description) {
        qCInfo(lcSession).noquote() << "storing into" << description;
        startClients(committed);
    });
    connect(m_writer, &StorageWriter::openFailed, this, [this](const QString &message) {
        m_failed = true;
        m_stopReason = message;
        m_stopping = true;
        QMetaObject::invokeMethod(this, &CaptureSession::onClientStopped, Qt::QueuedConnection);
    });
    connect(m_writer, &StorageWriter::committed, this, [this](const WriteResult &r) {
        m_stats.addCommitted(r);
        for (const auto &[source, seq] : r.committedSeqs) {
            m_committedSeqs[source] = seq;
        }
        if (m_config.count != 0 && !m_stopping && m_stats.persisted.streamAdvances >= m_config.count) {
            stop(QStringLiteral("count reached"));
        }
        checkUntilSeq(m_committedSeqs);
    });
    connect(m_writer, &StorageWriter::storageProblem, this, &CaptureSession::storageProblem);
    connect(m_writer, &StorageWriter::drained, this, &CaptureSession::finish);
    m_storageThread->start();
}

void CaptureSession::checkUntilSeq(const std::map<QString, quint64> &held)
{
    if (m_config.untilSeq == 0 || m_stopping) {
        return;
    }
    for (const FeedSourceConfig &source : m_config.sources) {
        const auto it = held.find(source.sourceId);
        if (it == held.end() || it->second < m_config.untilSeq) {
            return;
        }
    }
    stop(QStringLiteral("seq %1 reached").arg(m_config.untilSeq));
}

void CaptureSession::startClients(const SeqMap &committed)
{
    for (auto it = committed.constBegin(); it != committed.constEnd(); ++it) {
        m_committedSeqs[it.key()] = it.value();
    }
    checkUntilSeq(m_committedSeqs);
    for (FeedSourceConfig source : m_config.sources) {
        if (committed.contains(source.sourceId)) {
            source.resumeFromSeq = committed.value(source.sourceId); // exactly once across restarts
            qCInfo(lcSession).noquote() << source.sourceId << "resumes after committed seq" << *source.resumeFromSeq;
        }
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

void CaptureSession::onBatch(const BatchPtr &batch)
{
    m_stats.add(*batch);
    m_live.apply(*batch);
    emit batchReceived(batch);
    // With storage, "handled" means committed (see the writer's committed signal).
    if (!m_writer && m_config.count != 0 && !m_stopping && m_stats.streamAdvances() >= m_config.count) {
        stop(QStringLiteral("count reached"));
    }
    if (!m_writer) {
        std::map<QString, quint64> held;
        for (const auto &[id, s] : m_stats.sources) {
            held[id] = s.lastSeq;
        }
        checkUntilSeq(held);
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
    if (!m_failed && ++m_stoppedClients < int(m_workers.size())) {
        return;
    }
    for (auto &w : m_workers) {
        w->thread.quit();
        w->thread.wait();
    }
    if (m_writer && !m_failed) {
        // Every client's last batch was forwarded before this point: drain, then finish.
        QMetaObject::invokeMethod(m_writer, &StorageWriter::drain, Qt::QueuedConnection);
        QTimer::singleShot(m_config.drainTimeoutMs, this, [this] {
            if (m_running) {
                qCWarning(lcSession) << "storage did not drain in time: uncommitted events stay uncommitted"
                                     << "and are fetched again on the next start";
                m_stats.drainTimedOut = true;
                finish();
            }
        });
        return;
    }
    finish();
}

void CaptureSession::finish()
{
    if (!m_running) {
        return;
    }
    if (m_storageThread) {
        m_storageThread->quit();
        m_storageThread->wait();
        m_storageThread = nullptr;
        m_writer = nullptr;
    }
    m_running = false;
    emit finished(m_stopReason);
}

} // namespace OddsTap

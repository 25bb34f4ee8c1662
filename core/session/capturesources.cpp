// SPDX-License-Identifier: MIT
// CaptureSession: its sources' lifecycle (start, stop, the user's connect, disconnect, add and
// update), each on its own thread.
#include "capturesession.h"
#include "capturesource.h"

#include <core/broker/brokerviewer.h>
#include <core/common/logging.h>
#include <core/common/redact.h>
#include <core/common/threadend.h>
#include <core/common/timeutil.h>
#include <core/providers/betfair/betfairstreamclient.h>
#include <core/replay/recordreader.h>

#include <QThread>
#include <QTimer>

namespace OddsTap {

namespace {
/// A live source's batch arrived: no longer waiting for the pipeline.
void taken(StorageBacklog *backlog, const EventBatch &batch)
{
    if (backlog) {
        backlog->taken(batch.events.size());
    }
}
} // namespace

void CaptureSession::startSource(SourceRun &worker)
{
    Q_ASSERT(!worker.running);
    // What waits in memory: a live source counts each batch it hands over, and the batch is taken
    // off the same count here when it arrives (the writer, and its count, may change later).
    const std::shared_ptr<StorageBacklog> backlog = m_writer ? m_writer->backlog() : nullptr;
    if (worker.replay) {
        worker.thread.setObjectName(QStringLiteral("replay"));
        SeqMap resume = m_committedSeqs;
        auto *source = new ReplaySource(*m_config.replay, resume, m_replayInFlight);
        worker.client = source;
        connect(source, &BatchSource::batchReady, this, [this](const BatchPtr &batch) {
            m_replayInFlight->fetch_sub(1);
            onBatch(batch);
        });
        connect(source, &ReplaySource::positionChanged, this,
            [this](const ReplayPosition &position) { m_replayPosition = position; });
        connect(source, &ReplaySource::finished, this, [this](const ReplayPosition &position) {
            m_replayPosition = position;
            if (!position.error.isEmpty()) {
                addLog(LogEntry::note(LogKind::Replay, LogSeverity::Error, position.error));
            } else {
                addLog(LogEntry::note(LogKind::Replay, LogSeverity::Info,
                    QStringLiteral("end of the capture: %1 frames replayed").arg(position.frames)));
            }
            emit replayFinished(position);
            if (m_config.stopAtReplayEnd) {
                if (!position.error.isEmpty()) {
                    m_failed = true;
                    m_stopReason = position.error;
                }
                stop(position.error.isEmpty() ? QStringLiteral("end of the capture") : position.error);
            }
        });
    } else if (Betfair::StreamClient::handles(worker.config.url)) {
        worker.thread.setObjectName(QStringLiteral("betfair-") + worker.config.sourceId);
        worker.client = new Betfair::StreamClient(worker.config);
        connect(worker.client, &BatchSource::batchReady, this, [this, backlog](const BatchPtr &batch) {
            taken(backlog.get(), *batch);
            onBatch(batch);
        });
    } else if (worker.config.url.scheme() == QLatin1String("amqp")) {
        worker.thread.setObjectName(QStringLiteral("viewer-") + worker.config.sourceId);
        worker.client = new BrokerViewer(worker.config.sourceId, worker.config.url);
        connect(
            worker.client, &BatchSource::batchReady, this, [this](const BatchPtr &batch) { onBatch(batch, false); });
    } else {
        worker.thread.setObjectName(QStringLiteral("feed-") + worker.config.sourceId);
        worker.client = new FeedClient(worker.config);
        connect(worker.client, &BatchSource::batchReady, this, [this, backlog](const BatchPtr &batch) {
            taken(backlog.get(), *batch);
            onBatch(batch);
        });
    }
    worker.client->setKeepRaw(m_keepRaw); // not started yet: safe to call from here
    worker.client->setStorageBacklog(backlog);
    worker.client->moveToThread(&worker.thread);
    connect(&worker.thread, &QThread::started, worker.client, &BatchSource::start);
    deleteWhenFinished(worker.thread, worker.client);
    connect(worker.client, &BatchSource::stateChanged, this, &CaptureSession::sourceStateChanged);
    worker.running = true;
    worker.stopping = false;
    ++m_runningClients;
    worker.thread.start();
}

CaptureSession::SourceRun *CaptureSession::findSource(const QString &sourceId)
{
    for (auto &w : m_sources) {
        if (!w->replay && w->config.sourceId == sourceId) {
            return w.get();
        }
    }
    return nullptr;
}

void CaptureSession::stopSource(SourceRun &worker, bool forSessionStop)
{
    if (!worker.running || worker.stopping) {
        return;
    }
    worker.stopping = true;
    BatchSource *client = worker.client;
    SourceRun *w = &worker;
    // Runs in the client's thread: its final batch is posted to us before the notification, and
    // queued events between two threads keep their order.
    // The session's reason (count reached, a signal, the window closed) or the user's choice.
    const QString why = forSessionStop ? m_stopReason : QStringLiteral("disconnected by the user");
    QMetaObject::invokeMethod(client, [client, w, forSessionStop, why, this] {
        client->stop(why);
        QMetaObject::invokeMethod(
            this,
            [w, forSessionStop, this] {
                w->thread.quit();
                w->thread.wait();
                w->client = nullptr;
                w->running = false;
                --m_runningClients;
                if (forSessionStop || m_stopping) {
                    onClientStopped();
                }
            },
            Qt::QueuedConnection);
    });
}

void CaptureSession::disconnectSource(const QString &sourceId)
{
    if (const auto pending = m_claiming.find(sourceId); pending != m_claiming.end()) {
        pending->second.enabled = false; // joins disconnected once storage has answered
        return;
    }
    SourceRun *w = findSource(sourceId);
    if (!w || !w->enabled || m_config.replay) {
        return;
    }
    w->enabled = false;
    addLog({ .atMs = wallClockMs(),
        .severity = LogSeverity::Info,
        .kind = LogKind::Connection,
        .sourceId = sourceId,
        .message = QStringLiteral("disconnected by the user") });
    stopSource(*w, false);
}

void CaptureSession::connectSource(const QString &sourceId)
{
    if (const auto pending = m_claiming.find(sourceId); pending != m_claiming.end()) {
        pending->second.enabled = true;
        return;
    }
    SourceRun *w = findSource(sourceId);
    if (!w || w->enabled || m_stopping || m_config.replay) {
        return;
    }
    w->enabled = true;
    if (w->running) {
        // Still stopping: start again once it has stopped.
        QTimer::singleShot(50, this, [this, sourceId] {
            if (SourceRun *again = findSource(sourceId)) {
                again->enabled = false;
                connectSource(sourceId);
            }
        });
        return;
    }
    // Resume after everything this session holds (all of it was handed to storage).
    const auto it = m_stats.sources.find(sourceId);
    quint64 held = it == m_stats.sources.end() ? 0 : it->second.lastSeq;
    if (const auto c = m_committedSeqs.find(sourceId); c != m_committedSeqs.end()) {
        held = std::max(held, c->second);
    }
    if (held > 0 || w->config.resumeFromSeq) {
        w->config.resumeFromSeq = std::max(held, w->config.resumeFromSeq.value_or(0));
    }
    addLog({ .atMs = wallClockMs(),
        .severity = LogSeverity::Info,
        .kind = LogKind::Connection,
        .sourceId = sourceId,
        .message =
            QStringLiteral("connecting again, resuming after seq %1").arg(w->config.resumeFromSeq.value_or(0)) });
    if (m_clientsStarted) {
        startSource(*w);
    }
}

void CaptureSession::addSource(const FeedSourceConfig &source)
{
    if (m_config.replay) {
        addLog({ .atMs = wallClockMs(),
            .severity = LogSeverity::Error,
            .kind = LogKind::Connection,
            .sourceId = source.sourceId,
            .message = QStringLiteral("sources cannot be added to a replay") });
        return;
    }
    if (findSource(source.sourceId) || m_claiming.count(source.sourceId) != 0 || m_stopping) {
        addLog({ .atMs = wallClockMs(),
            .severity = LogSeverity::Error,
            .kind = LogKind::Connection,
            .sourceId = source.sourceId,
            .message = QStringLiteral("a source with id '%1' exists already").arg(source.sourceId) });
        return;
    }
    stopRecordingFor(source);
    if (m_writer) {
        // One writer per source and database: claimed on the storage thread, which owns the
        // connection (a refusal is logged through storageProblem()). Asked, not waited for: the
        // claim waits behind the batches storage has yet to write, and PostgreSQL waits up to 5 s
        // for a lock a killed writer left; the session goes on meanwhile (its other sources, its
        // snapshots) and adds the source when the answer comes.
        m_claiming.emplace(source.sourceId, PendingSource { source });
        QMetaObject::invokeMethod(
            m_writer,
            [this, writer = m_writer, id = source.sourceId] {
                const bool claimed = writer->claimSource(id);
                // The session outlives its storage thread: its destructor waits for that to end.
                QMetaObject::invokeMethod(
                    this, [this, id, claimed] { claimAnswered(id, claimed); }, Qt::QueuedConnection);
            },
            Qt::QueuedConnection);
        return;
    }
    emit sourceClaimed(source.sourceId, true);
    addClaimedSource(source, true);
}

void CaptureSession::claimAnswered(const QString &sourceId, bool claimed)
{
    const auto it = m_claiming.find(sourceId);
    if (it == m_claiming.end()) {
        return;
    }
    const PendingSource pending = std::move(it->second);
    m_claiming.erase(it);
    emit sourceClaimed(sourceId, claimed);
    if (claimed && !m_stopping) {
        stopRecordingFor(pending.config); // it may have been edited into a profile a recording refuses
        addClaimedSource(pending.config, pending.enabled);
    }
}

void CaptureSession::addClaimedSource(const FeedSourceConfig &source, bool enabled)
{
    m_config.sources.push_back(source);
    m_stats.sources[source.sourceId];
    auto worker = std::make_unique<SourceRun>();
    worker->config = source;
    if (const auto c = m_committedSeqs.find(source.sourceId); c != m_committedSeqs.end()) {
        worker->config.resumeFromSeq = c->second;
    }
    worker->enabled = enabled;
    SourceRun &w = *worker;
    m_sources.push_back(std::move(worker));
    if (enabled && m_running && m_clientsStarted) {
        startSource(w);
    }
}

void CaptureSession::updateSource(const FeedSourceConfig &source)
{
    SourceRun *w = findSource(source.sourceId);
    if (const auto claiming = m_claiming.find(source.sourceId); !w && claiming != m_claiming.end()) {
        claiming->second.config = source; // added with these settings once storage has answered
        return;
    }
    if (!w || m_config.replay) {
        addSource(source);
        return;
    }
    const bool moved = w->config.url != source.url;
    w->config.url = source.url;
    w->config.token = source.token;
    w->config.appKey = source.appKey;
    w->config.caFile = source.caFile;
    w->config.profile = source.profile; // the reconnect below starts a client with it
    stopRecordingFor(source);
    for (FeedSourceConfig &listed : m_config.sources) {
        if (listed.sourceId == source.sourceId) {
            listed.url = source.url; // what the summary and the snapshots name
        }
    }
    if (moved) {
        addLog({ .atMs = wallClockMs(),
            .severity = LogSeverity::Info,
            .kind = LogKind::Connection,
            .sourceId = source.sourceId,
            .message = QStringLiteral("changed by the user: now %1").arg(redactedUrl(source.url)) });
    }
    if (w->enabled) {
        disconnectSource(source.sourceId);
        connectSource(source.sourceId);
    }
}

} // namespace OddsTap

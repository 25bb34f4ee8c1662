// SPDX-License-Identifier: MIT
#include "capturesession.h"

#include "capturesource.h"

#include <core/common/logging.h>
#include <core/common/threadend.h>
#include <core/common/threadpriority.h>
#include <core/common/timeutil.h>
#include <core/replay/recordreader.h>

#include <QCoreApplication>
#include <QThread>
#include <QTimer>

namespace OddsTap {

CaptureSession::CaptureSession(CaptureConfig config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
{
    qRegisterMetaType<SnapshotPtr>();
    qRegisterMetaType<FeedSourceConfig>();
    qRegisterMetaType<std::vector<Alert>>();
    setAlertRules(m_config.alertRules);
}

void CaptureSession::setAlertRules(std::vector<AlertRule> rules)
{
    m_config.alertRules = std::move(rules);
    m_alerts.reset();
    m_alertFixturesForgottenLogged = 0; // a new engine counts from zero
    m_alertPricesLeftOutLogged = 0;
    if (!m_config.alertRules.empty()) {
        m_alerts = std::make_unique<AlertEngine>(m_config.alertRules, m_config.fixtureMap);
        m_alerts->setWatchList(m_config.watchList);
        // Rules loaded while the session runs: what the fixtures' events said before (names for
        // the arbitrage rules, status for in-play) would otherwise wait for their next ones.
        for (const FixtureState &f : m_live.fixtures()) {
            m_alerts->knowFixture(f.sourceId, f.fixture);
        }
    }
}

void CaptureSession::setWatchList(QSet<QString> fixtureKeys)
{
    m_config.watchList = std::move(fixtureKeys);
    if (m_alerts) {
        m_alerts->setWatchList(m_config.watchList);
    }
}

CaptureSession::~CaptureSession()
{
    for (auto &w : m_sources) {
        if (w->thread.isRunning()) {
            QMetaObject::invokeMethod(
                w->client, [client = w->client] { client->stop(QStringLiteral("session ended")); },
                Qt::QueuedConnection);
            w->thread.quit();
            w->thread.wait();
        }
    }
    if (m_recorderThread) {
        QMetaObject::invokeMethod(m_recorder, &CaptureRecorder::stopRecording, Qt::BlockingQueuedConnection);
        m_recorderThread->quit();
        m_recorderThread->wait();
    }
    stopCache();
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
    m_finishing = false;
    // What stops the start before any source runs: an unreadable capture, a metrics port taken.
    QString startError;
    LogKind startErrorKind = LogKind::Replay;
    if (m_config.replay && m_config.sources.empty()) {
        // The sources of a replay are those of the capture.
        if (auto reader = openRecords(m_config.replay->paths())) {
            for (const CaptureSource &cs : reader.value()->info().header.sources) {
                FeedSourceConfig source;
                source.sourceId = cs.sourceId;
                source.url = QUrl(cs.url);
                m_config.sources.push_back(source);
            }
        } else {
            startError = reader.error().message;
        }
    }
    for (const FeedSourceConfig &source : m_config.sources) {
        m_stats.sources[source.sourceId]; // listed in the summary even if nothing arrives
        auto worker = std::make_unique<SourceRun>();
        worker->config = source;
        m_sources.push_back(std::move(worker));
    }
    if (m_config.replay) {
        auto worker = std::make_unique<SourceRun>();
        worker->config.sourceId = QStringLiteral("replay");
        worker->replay = true;
        m_sources.push_back(std::move(worker));
    }
    if (!m_config.recordPath.isEmpty() || m_config.ringKeepMs > 0) {
        ensureRecorder();
        if (m_config.ringKeepMs > 0) {
            setRing(m_config.ringKeepMs);
        }
        if (!m_config.recordPath.isEmpty()) {
            startRecording(m_config.recordPath, m_config.recordNotes);
        }
    }
    if (m_config.metrics && startError.isEmpty()) {
        auto server = MetricsServer::listen(m_config.metrics->first, m_config.metrics->second);
        if (server) {
            m_metrics = std::move(*server);
            qCInfo(lcSession).noquote() << "metrics on" << m_metrics->url();
            addLog(LogEntry::note(
                LogKind::App, LogSeverity::Info, QStringLiteral("serving metrics on %1").arg(m_metrics->url())));
        } else {
            startError = server.error().message;
            startErrorKind = LogKind::App;
        }
    }
    m_lastSnapshotNs = monotonicNs();
    if (m_config.snapshotIntervalMs > 0) {
        m_snapshotTimer = new QTimer(this);
        m_snapshotTimer->setTimerType(Qt::CoarseTimer);
        m_owedSnapshotTimer = new QTimer(this);
        m_owedSnapshotTimer->setInterval(10);
        connect(m_owedSnapshotTimer, &QTimer::timeout, this, [this] {
            if (!viewsBehind()) {
                emitSnapshot();
            }
        });
        connect(m_snapshotTimer, &QTimer::timeout, this, [this] {
            if (!viewsBehind()) {
                emitSnapshot();
                return;
            }
            m_ticksCovered = std::min(m_ticksCovered + 1, kMaxTicksPerSnapshot);
            m_owedSnapshotTimer->start();
            publishMetrics(); // a scraper sees the pipeline, whatever the GUI does
        });
        m_snapshotTimer->start(m_config.snapshotIntervalMs);
    }
    if (!startError.isEmpty()) {
        m_failed = true;
        m_stopReason = startError;
        m_stopping = true;
        addLog(LogEntry::note(startErrorKind, LogSeverity::Error, startError));
        QMetaObject::invokeMethod(this, &CaptureSession::onClientStopped, Qt::QueuedConnection);
        return;
    }
    if (m_config.redis) {
        startCache();
    }
    if (!m_config.storage) {
        startClients({});
        return;
    }
    // Storage first: its committed seqs are where every source resumes.
    m_storageThread = new QThread(this);
    m_storageThread->setObjectName(QStringLiteral("storage"));
    runsInBackground(*m_storageThread);
    m_writer = new StorageWriter(*m_config.storage, m_config.spool);
    m_storageBacklog = m_writer->backlog();
    QStringList sourceIds;
    for (const FeedSourceConfig &source : m_config.sources) {
        sourceIds << source.sourceId;
    }
    m_writer->setSources(sourceIds);
    m_writer->setWalAlertBytes(m_config.walAlertBytes);
    m_writer->moveToThread(m_storageThread);
    connect(m_storageThread, &QThread::started, m_writer, &StorageWriter::start);
    deleteWhenFinished(*m_storageThread, m_writer);
    // Direct: submit() hands the batch to the storage queue's intake, on a thread that never
    // waits for the database (see StorageWriter::submit()).
    connect(this, &CaptureSession::batchReceived, this, [this](const BatchPtr &batch) {
        if (m_writer) { // null once storage has stopped
            m_writer->submit(batch);
        }
    });
    connect(m_writer, &StorageWriter::opened, this, [this](const SeqMap &committed, const QString &description) {
        qCInfo(lcSession).noquote() << "storing into" << description;
        addLog(LogEntry::note(LogKind::Storage, LogSeverity::Info, QStringLiteral("storing into %1").arg(description)));
        startClients(committed);
    });
    connect(m_writer, &StorageWriter::openFailed, this, [this](const QString &message) {
        m_failed = true;
        m_stopReason = message;
        m_stopping = true;
        addLog(LogEntry::note(LogKind::Storage, LogSeverity::Error, message));
        QMetaObject::invokeMethod(this, &CaptureSession::onClientStopped, Qt::QueuedConnection);
    });
    connect(m_writer, &StorageWriter::committed, this, [this](const WriteResult &r) {
        m_stats.addCommitted(r);
        m_windowCommitted.merge(r.receiveToCommit);
        m_windowWrite.add(r.writeNs);
        m_lastWrite = r;
        for (const auto &[source, seq] : r.committedSeqs) {
            m_committedSeqs[source] = seq;
        }
        if (m_config.count != 0 && !m_stopping && m_stats.persisted.streamAdvances >= m_config.count) {
            stop(QStringLiteral("count reached"));
        }
        checkUntilSeq(m_committedSeqs);
    });
    connect(m_writer, &StorageWriter::notice, this, [this](const StorageNotice &notice) {
        const bool failing = notice.change == StorageNotice::Change::Failing;
        if (notice.subject == StorageNotice::Subject::Database && notice.change != StorageNotice::Change::Note) {
            m_storageDown = failing;
        }
        addLog(LogEntry::note(notice.subject == StorageNotice::Subject::Spool ? LogKind::Spool : LogKind::Storage,
            failing ? LogSeverity::Error : LogSeverity::Warning, notice.message));
        emit storageNotice(notice);
    });
    connect(m_writer, &StorageWriter::drained, this, &CaptureSession::finish);
    connect(m_writer, &StorageWriter::fatal, this, [this](const QString &message) {
        m_stats.storageFatal = message;
        addLog(LogEntry::note(LogKind::Storage, LogSeverity::Error, message));
        emit storageNotice({ StorageNotice::Subject::Database, StorageNotice::Change::Failing, message });
        stop(QStringLiteral("storage cannot go on (damaged, or the file is gone)"));
    });
    connect(m_writer, &StorageWriter::eventsLost, this, [this](const QString &message, quint64 events) {
        m_stats.lostEvents += events;
        ++m_stats.lostBatches;
        addLog(LogEntry::note(LogKind::Spool, LogSeverity::Error, message));
    });
    m_storageThread->start();
}

void CaptureSession::checkUntilSeq(const SeqMap &held)
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
    m_reachedUntilSeq = true;
    stop(QStringLiteral("seq %1 reached").arg(m_config.untilSeq));
}

void CaptureSession::startClients(const SeqMap &committed)
{
    for (const auto &[source, seq] : committed) {
        m_committedSeqs[source] = seq;
    }
    m_clientsStarted = true;
    checkUntilSeq(m_committedSeqs);
    for (auto &worker : m_sources) {
        if (const auto it = committed.find(worker->config.sourceId); it != committed.end()) {
            worker->config.resumeFromSeq = it->second; // exactly once across restarts
            qCInfo(lcSession).noquote() << worker->config.sourceId << "resumes after committed seq"
                                        << *worker->config.resumeFromSeq;
        }
        if (worker->enabled && !m_stopping && worker->replay == m_config.replay.has_value()) {
            startSource(*worker);
        }
    }
    if (m_config.durationMs > 0) {
        QTimer::singleShot(
            std::chrono::milliseconds(m_config.durationMs), this, [this] { stop(QStringLiteral("duration elapsed")); });
    }
}

void CaptureSession::watchFixture(const QString &sourceId, const QString &fixtureId)
{
    m_watchSource = sourceId;
    m_watchFixture = fixtureId;
    m_watchReset = true;
    m_points.clear();
    m_watchedBets.clear();
    m_watchedBetsDropped = 0;
}

void CaptureSession::startCache()
{
    m_cacheThread = new QThread(this);
    m_cacheThread->setObjectName(QStringLiteral("redis"));
    m_cache = new RedisCache(*m_config.redis);
    m_cache->moveToThread(m_cacheThread);
    connect(m_cacheThread, &QThread::started, m_cache, &RedisCache::start);
    deleteWhenFinished(*m_cacheThread, m_cache);
    connect(m_cache, &RedisCache::problem, this, [this](const QString &message, bool recovered) {
        if (recovered) {
            qCInfo(lcSession).noquote() << message;
        } else {
            qCWarning(lcSession).noquote() << message;
        }
        addLog(LogEntry::note(LogKind::Cache, recovered ? LogSeverity::Info : LogSeverity::Warning, message));
    });
    m_cacheThread->start();
}

void CaptureSession::stopCache()
{
    if (!m_cacheThread) {
        return;
    }
    // The changes since the last snapshot are still in the live state (the final snapshot takes
    // them later): give the cache the whole state once, and wait for that last write.
    auto last = std::make_shared<LiveChanges>();
    last->fixtures = m_live.fixtures();
    last->prices = m_live.allPrices();
    QMetaObject::invokeMethod(
        m_cache, [cache = m_cache, last = LiveChangesPtr(last)] { cache->apply(last); }, Qt::BlockingQueuedConnection);
    m_cacheThread->quit();
    m_cacheThread->wait();
    m_cacheThread = nullptr;
    m_cache = nullptr;
}

void CaptureSession::addLog(LogEntry entry)
{
    if (m_log.size() >= snapshotCap(m_config.maxLogPerSnapshot)) {
        ++m_logDropped;
        return;
    }
    m_log.push_back(std::move(entry));
}

void CaptureSession::onBatch(const BatchPtr &batch, bool store)
{
    m_stats.add(*batch);
    m_live.apply(*batch);
    m_ladders.apply(batch->ladders);
    if (m_alerts) {
        std::vector<Alert> fired;
        m_alerts->onEvents(batch->events, fired);
        if (!fired.empty()) {
            m_stats.alerts += fired.size();
            if (m_config.snapshotIntervalMs > 0) {
                // The views get them with the next snapshot; a storm is capped, and counted.
                for (const Alert &a : fired) {
                    if (m_snapshotAlerts.size() < snapshotCap(kMaxAlertsPerSnapshot)) {
                        m_snapshotAlerts.push_back(a);
                    } else {
                        ++m_snapshotAlertsDropped;
                    }
                }
            }
            if (store && m_writer && m_config.storage->kind != StorageTarget::Kind::Broker) {
                // Before the batch: they reach the writer first, so they commit with it or before it.
                m_stats.alertsToStore += fired.size();
                m_writer->submitAlerts(fired);
            }
            emit alertsRaised(fired);
        }
    }
    if (m_config.snapshotIntervalMs > 0) {
        collectForSnapshot(*batch);
    }
    if (store) {
        emit batchReceived(batch);
        if (m_recorder) {
            recordFrames(*batch);
        }
    }
    // With storage, "handled" means committed (see the writer's committed signal).
    if (!m_writer && m_config.count != 0 && !m_stopping && m_stats.streamAdvances() >= m_config.count) {
        stop(QStringLiteral("count reached"));
    }
    if (!m_writer) {
        SeqMap held;
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
    bool any = false;
    for (auto &w : m_sources) {
        if (w->running) {
            any = true;
            stopSource(*w, true);
        }
    }
    if (!any) {
        QMetaObject::invokeMethod(this, &CaptureSession::onClientStopped, Qt::QueuedConnection);
    }
}

void CaptureSession::onClientStopped()
{
    if (!m_running || (!m_failed && m_runningClients > 0)) {
        return;
    }
    if (m_writer && !m_failed) {
        // Every client's last batch was forwarded before this point: drain, then finish.
        m_writer->requestDrain();
        armDrainTimeout(m_stats.commits);
        return;
    }
    finish();
}

void CaptureSession::armDrainTimeout(quint64 commitsBefore)
{
    QTimer::singleShot(
        m_config.drainTimeoutMs, this, [this, commitsBefore] {
            if (!m_running) {
                return;
            }
            if (!m_storageDown && m_stats.commits > commitsBefore) {
                // Behind but committing (a long import): waiting is not in vain. The timeout is for a
                // database that stopped taking anything.
                armDrainTimeout(m_stats.commits);
                return;
            }
            m_stats.drainTimedOut = true;
            m_stats.storageDownAtEnd = m_storageDown;
            qCWarning(lcSession).noquote()
                << (m_storageDown ? "the database stayed unavailable" : "storage did not catch up in time")
                << "- uncommitted events stay uncommitted and are fetched again on the next start";
            finish();
        });
}

void CaptureSession::finish()
{
    if (!m_running || m_finishing) {
        return;
    }
    m_finishing = true;
    if (m_storageThread) {
        m_storageThread->quit();
        m_storageThread->wait();
        m_storageThread = nullptr;
        m_writer = nullptr;
        // The writer's last commits (a transaction that ended while the drain timed out, say) are
        // queued to this thread: count them before the summary, so that it says what is stored.
        QCoreApplication::sendPostedEvents(this, QEvent::MetaCall);
        const quint64 alertsStored = m_stats.persisted.alerts + m_stats.persisted.duplicateAlerts;
        if (m_stats.alertsToStore > alertsStored) {
            m_stats.alertsNotStored = m_stats.alertsToStore - alertsStored;
            const QString message = QStringLiteral(
                "%1 alerts were not stored: the database was unavailable. The Alerts panel and the alerts file "
                "have them, and a back-test of the recording lists them all")
                                        .arg(m_stats.alertsNotStored);
            qCWarning(lcSession).noquote() << message;
            addLog(LogEntry::note(LogKind::Storage, LogSeverity::Error, message));
        }
        if (m_stats.drainTimedOut) {
            const CaptureStats::Source t = m_stats.total();
            const quint64 stored = m_stats.persisted.storedStream() + m_stats.persisted.duplicateSeqs
                + m_stats.persisted.duplicateBets + m_stats.lostEvents;
            m_stats.queuedAtEnd = t.acceptedStreamTotal() > stored ? t.acceptedStreamTotal() - stored : 0;
        }
    }
    stopCache();
    if (m_recorderThread) {
        // Every batch was handed to the recorder before this point; queued calls keep their order.
        // Blocking: quit() ends the thread's loop after the event in hand, so a queued stop
        // behind a backlog of batches would never run and the file would stay unfinished.
        QMetaObject::invokeMethod(m_recorder, &CaptureRecorder::stopRecording, Qt::BlockingQueuedConnection);
        m_recorderThread->quit();
        m_recorderThread->wait();
        m_recorderThread = nullptr;
        m_recorder = nullptr;
        // The recorder's last signals (recordingFinished, status) are queued to us already; deliver
        // them before announcing the end.
        m_running = false;
        QMetaObject::invokeMethod(this, &CaptureSession::announceFinished, Qt::QueuedConnection);
        return;
    }
    m_running = false;
    announceFinished();
}

void CaptureSession::announceFinished()
{
    if (m_snapshotTimer) {
        m_snapshotTimer->stop();
        emitSnapshot(); // the last, whether or not the view is behind
    }
    emit finished(m_stopReason);
}

bool CaptureSession::viewsBehind() const
{
    return m_config.snapshotsUnapplied && m_config.snapshotsUnapplied->load(std::memory_order_relaxed) > 0;
}

void CaptureSession::emitSnapshot()
{
    if (m_owedSnapshotTimer) {
        m_owedSnapshotTimer->stop();
    }
    if (m_config.snapshotsUnapplied) {
        m_config.snapshotsUnapplied->fetch_add(1, std::memory_order_relaxed);
    }
    emit snapshotReady(takeSnapshot());
}

} // namespace OddsTap

// SPDX-License-Identifier: MIT
#include "appcontroller.h"

#include <core/alerts/alertwebhook.h>
#include <core/alerts/backtest.h>
#include <core/common/logging.h>
#include <core/common/threadend.h>
#include <core/common/timeutil.h>
#include <core/models/pricehistory.h>
#include <core/storage/sqlitestorage.h>

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QPointer>
#include <QScopeGuard>
#include <QStandardPaths>
#include <QThreadPool>

#include <algorithm>
#include <atomic>
#include <utility>

namespace OddsTap {
namespace {
std::atomic<int> g_readerCounter { 0 };
/// The newest points of one market read for the chart (PriceHistory::loadPast()).
constexpr qint64 kHistoryLimit = qint64(PriceHistory::kPastPoints) + 1;
} // namespace

QString AppConfig::defaultDatabasePath()
{
    return StorageTarget::defaultSqlitePath(); // the same file as oddstap-cli's default
}

QString AppConfig::defaultDemoDatabasePath()
{
    return QDir(StorageTarget::dataDirectory()).filePath(QStringLiteral("demo.db"));
}

std::vector<CaptureReport::Marker> AppController::alertMarkers(const QStringList &paths,
    const std::vector<AlertRule> &rules, const FixtureMap &map, const std::atomic<bool> *cancel)
{
    std::vector<CaptureReport::Marker> markers;
    const auto found = backtestRecording(paths, rules, map, cancel, [&markers](const Alert &a) {
        if (markers.size() < kMaxAlertMarkers) {
            markers.push_back({ CaptureReport::Marker::Kind::Alert, a.receivedAtMs * 1000000, a.sourceId, 1,
                QStringLiteral("%1: %2 %3 %4").arg(a.rule, a.fixtureId, a.marketType, a.after).simplified() });
        }
    });
    if (!found) {
        qCWarning(lcSession).noquote() << "back-test of the replay for the time line:" << found.error().message;
    }
    return markers;
}

AppController::AppController(AppConfig config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
{
    qRegisterMetaType<std::vector<PriceRow>>();
    m_replaySpeed = m_config.replaySpeed; // the replay bar shows it before the replay starts
    m_simThread.setObjectName(QStringLiteral("sim"));
    m_pipelineThread.setObjectName(QStringLiteral("pipeline"));
    if (isDemo() && m_config.demoDatabase) {
        // Known from the start, so that the window names the file the demo really stores into.
        if (const auto target = StorageTarget::parse(*m_config.demoDatabase)) {
            m_config.storage = *target;
        }
    }
}

AppController::~AppController()
{
    if (m_session) {
        QMetaObject::invokeMethod(m_session, &QObject::deleteLater);
        m_session = nullptr;
    }
    m_pipelineThread.quit();
    m_pipelineThread.wait();
    if (m_sim) {
        SimServer *sim = m_sim;
        QMetaObject::invokeMethod(sim, [sim] { delete sim; });
        m_sim = nullptr;
    }
    for (SimServer *sim : std::exchange(m_bookSims, {})) {
        QMetaObject::invokeMethod(sim, [sim] { delete sim; });
    }
    m_simThread.quit();
    m_simThread.wait();
    m_cancelBacktests->store(true); // a long back-test of a big capture must not hold the window
    QThreadPool::globalInstance()->waitForDone();
}

QString AppController::storageDescription() const
{
    if (isReplay()) {
        return tr("a temporary database (nothing is kept)");
    }
    return m_config.storage ? m_config.storage->display() : tr("nowhere (not stored)");
}

void AppController::start()
{
    Q_ASSERT(QThread::currentThread() == thread());
    if (isReplay()) {
        m_replayDir = std::make_unique<QTemporaryDir>(QDir::tempPath() + QStringLiteral("/oddstap-replay-XXXXXX"));
        if (!m_replayDir->isValid()) {
            emit problem(tr("cannot create a temporary directory for the replay: %1").arg(m_replayDir->errorString()));
            return;
        }
        // The report (times, markers for the timeline) is read off the GUI thread.
        QPointer<AppController> self(this);
        const QStringList paths = QStringList { m_config.replayPath } + m_config.replayCompanions;
        QThreadPool::globalInstance()->start([self, paths, rules = m_config.alertRules, map = m_config.fixtureMap,
                                                 generation = m_markGeneration, cancel = m_cancelBacktests] {
            auto report = analyseCapture(paths);
            if (report && !rules.empty()) {
                std::vector<CaptureReport::Marker> alerts = alertMarkers(paths, rules, map, cancel.get());
                report->markers.insert(report->markers.end(), alerts.begin(), alerts.end());
            }
            QMetaObject::invokeMethod(self.get(), [self, generation, report = std::move(report)]() mutable {
                if (!self) {
                    return;
                }
                if (!report) {
                    emit self->replayLoaded(report.error().message);
                    return;
                }
                self->m_replayReport = std::move(*report);
                if (generation != self->m_markGeneration) {
                    self->markReplayAlerts(); // rules were loaded meanwhile: mark theirs
                }
                emit self->replayLoaded({});
            });
        });
        m_replaySpeed = m_config.replaySpeed;
        startReplaySession(m_config.replayFromWallNs);
        return;
    }
    if (!runsDemo()) {
        startSession(m_config.sources);
        return;
    }
    // The session starts at once with the sources, and takes the demo's when its simulator listens.
    if (!isDemo() || !m_config.demoDatabase) {
        startDemo([this](const FeedSourceConfig &demo) { addSource(demo); }, false);
        startSession(m_config.sources);
        return;
    }
    // Alone, the demo stores into a file of its own, emptied first, before the session opens it.
    // But another OddsTap may run its demo into that file right now: then this one shares the
    // file under an id of its own instead of deleting it from under the other. Both are file
    // work, done off the GUI thread.
    QPointer<AppController> self(this);
    const QString path = *m_config.demoDatabase;
    QThreadPool::globalInstance()->start([self, path] {
        QDir().mkpath(QFileInfo(path).absolutePath());
        auto startLock = std::make_shared<QLockFile>(path + QStringLiteral(".starting"));
        // Another OddsTap starting its demo into this file holds it until its storage has claimed
        // the demo source: wait for that (bounded; a crashed one's lock is stale at once).
        startLock->setStaleLockTime(0);
        if (!startLock->tryLock(15000)) {
            startLock.reset();
        }
        const bool inUse = SqliteStorage::sourceHeldElsewhere(path, QStringLiteral("demo"));
        if (!inUse) {
            for (const QString &file :
                QStringList { path, path + QStringLiteral("-wal"), path + QStringLiteral("-shm") }) {
                QFile::remove(file);
            }
            for (const QString &dir :
                QStringList { path + QStringLiteral(".spool"), path + QStringLiteral(".writers") }) {
                QDir(dir).removeRecursively();
            }
        }
        QMetaObject::invokeMethod(self.get(), [self, inUse, startLock] {
            if (!self || self->m_stopping) {
                return; // stopped before it started: stop() said so already
            }
            self->m_demoStartLock = startLock;
            self->startDemo([self](const FeedSourceConfig &demo) { self->addSource(demo); }, !inUse);
            self->startSession(self->m_config.sources);
        });
    });
}

void AppController::startDemo(std::function<void(const FeedSourceConfig &demo)> then, bool inEmptiedOwnFile)
{
    Q_ASSERT(!m_sim);
    // The built-in simulator on a free loopback port, in process. A new simulator starts at seq
    // 1: in its own emptied file the demo is simply "demo"; in a database that outlives the run,
    // a fresh id per run keeps resume honest.
    m_demoSourceId =
        inEmptiedOwnFile ? QStringLiteral("demo") : QStringLiteral("demo-%1").arg(QDateTime::currentMSecsSinceEpoch());
    SimServerConfig sc;
    sc.rate = m_config.demoRate;
    sc.generator.fixtures = m_config.demoFixtures;
    sc.generator.seed = quint64(QDateTime::currentMSecsSinceEpoch());
    // What a reconnect can resume from: a second of the feed at most (beyond it the simulator
    // answers with a snapshot). At the bench's 50,000 events/s, 200,000 retained events held a
    // quarter of the GUI's memory, for a simulator a real feed does not bring along.
    sc.retain = std::clamp<quint64>(quint64(m_config.demoRate), 20000, 50000);
    sc.faults = m_config.demoFaults;
    if (m_config.demoBooks > 1) {
        sc.generator.book = 1;
        if (m_bookSims.empty()) { // a demo started again after its simulator failed keeps its books
            startDemoBooks(sc, then);
        }
    }
    m_sim = new SimServer(sc);
    m_sim->moveToThread(&m_simThread);
    m_simThread.start();
    QPointer<AppController> self(this);
    SimServer *sim = m_sim;
    QMetaObject::invokeMethod(sim, [sim, self, then = std::move(then)] {
        const Result<quint16> port = sim->start();
        QMetaObject::invokeMethod(self.get(), [self, port, then] {
            if (!self || self->m_stopping) {
                return;
            }
            if (!port) {
                emit self->problem(tr("the demo simulator could not start: %1").arg(port.error().message));
                SimServer *failed = std::exchange(self->m_sim, nullptr);
                QMetaObject::invokeMethod(failed, [failed] { delete failed; });
                self->m_demoSourceId.clear();
                emit self->demoChanged();
                return;
            }
            FeedSourceConfig demo;
            demo.sourceId = self->m_demoSourceId;
            demo.url = QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(*port));
            demo.resumeFromSeq = 0;
            then(demo);
            emit self->demoChanged();
        });
    });
}

void AppController::startDemoBooks(const SimServerConfig &first, std::function<void(const FeedSourceConfig &)> then)
{
    // The same seed: the same matches, each book quoting them its own way.
    for (int book = 2; book <= m_config.demoBooks; ++book) {
        SimServerConfig sc = first;
        sc.generator.book = book;
        sc.generator.stream = "book-" + QByteArray::number(book);
        auto *sim = new SimServer(sc);
        sim->moveToThread(&m_simThread);
        m_bookSims.push_back(sim);
        const QString sourceId = QStringLiteral("%1-book%2").arg(m_demoSourceId).arg(book);
        m_bookSourceIds << sourceId;
        QPointer<AppController> self(this);
        QMetaObject::invokeMethod(sim, [sim, self, sourceId, then] {
            const Result<quint16> port = sim->start();
            QMetaObject::invokeMethod(self.get(), [self, port, sourceId, then] {
                if (!self || self->m_stopping) {
                    return;
                }
                if (!port) {
                    emit self->problem(
                        tr("the demo's book %1 could not start: %2").arg(sourceId, port.error().message));
                    return;
                }
                FeedSourceConfig source;
                source.sourceId = sourceId;
                source.url = QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(*port));
                source.resumeFromSeq = 0;
                then(source);
            });
        });
    }
}

void AppController::setDemoEnabled(bool enabled)
{
    if (isReplay() || m_stopping) {
        return;
    }
    if (!enabled) {
        disconnectSource(m_demoSourceId);
        for (const QString &book : std::as_const(m_bookSourceIds)) {
            disconnectSource(book);
        }
    } else if (m_sim) {
        connectSource(m_demoSourceId);
        for (const QString &book : std::as_const(m_bookSourceIds)) {
            connectSource(book);
        }
    } else {
        startDemo([this](const FeedSourceConfig &demo) { addSource(demo); }, false);
    }
}

void AppController::updateSource(const FeedSourceConfig &source)
{
    inSession([source](CaptureSession &s) { s.updateSource(source); });
}

CaptureConfig AppController::sessionConfig(std::optional<StorageTarget> storage) const
{
    CaptureConfig cc;
    cc.storage = std::move(storage);
    cc.snapshotIntervalMs = m_config.snapshotIntervalMs;
    cc.ringKeepMs = m_ringKeepMs;
    cc.alertRules = m_config.alertRules;
    cc.fixtureMap = m_config.fixtureMap;
    cc.watchList = m_config.watchList;
    cc.latencyAlertMs = m_config.latencyAlertMs;
    if (cc.storage) {
        cc.spool.directory = cc.storage->defaultSpoolDirectory();
        // What waits for storage beyond 0.2 s at 50,000 events/s goes to the spool's file: the
        // heap a backlog grows stays with the process after it drains (docs/benchmarks.md).
        cc.spool.memoryBudgetEvents = kDesktopStorageMemoryEvents;
        if (cc.storage->kind == StorageTarget::Kind::Sqlite) {
            QDir().mkpath(QFileInfo(cc.storage->path).absolutePath());
        }
    }
    return cc;
}

void AppController::inSession(std::function<void(CaptureSession &)> call)
{
    if (CaptureSession *session = m_session) {
        QMetaObject::invokeMethod(session, [session, call = std::move(call)] { call(*session); });
    }
}

CaptureSession *AppController::createSession(CaptureConfig config, std::function<void(const SnapshotPtr &)> deliver)
{
    const auto unapplied = std::make_shared<std::atomic<int>>(0);
    config.snapshotsUnapplied = unapplied;
    auto *session = new CaptureSession(std::move(config));
    session->moveToThread(&m_pipelineThread);
    connect(session, &CaptureSession::snapshotReady, this,
        [deliver = std::move(deliver), unapplied](const SnapshotPtr &snapshot) {
            const auto applied = qScopeGuard([&unapplied] { unapplied->fetch_sub(1, std::memory_order_relaxed); });
            deliver(snapshot); // the views apply it before this returns
        });
    connect(session, &CaptureSession::recordingFinished, this, &AppController::recordingFinished);
    connect(session, &CaptureSession::ringSaved, this, &AppController::ringSaved);
    deleteWhenFinished(m_pipelineThread, session);
    m_pipelineThread.start(); // no-op when it runs already (a replay that starts over)
    return session;
}

void AppController::startSession(std::vector<FeedSourceConfig> sources)
{
    CaptureConfig cc = sessionConfig(m_config.storage);
    // The live session only: a replay starts a new session at every backward seek, each of which
    // would have to take the port again.
    cc.metrics = m_config.metrics;
    cc.sources = std::move(sources);
    m_session = createSession(cc, [this](const SnapshotPtr &snapshot) { emit snapshotReady(snapshot); });
    if (m_config.webhook.isValid() && !m_config.webhook.isEmpty()) {
        // Beside the session on the pipeline thread: the GUI thread does no network I/O. Live
        // alerts only; a replay's are history.
        auto *webhook = new AlertWebhook(m_config.webhook);
        webhook->moveToThread(&m_pipelineThread);
        connect(m_session, &CaptureSession::alertsRaised, webhook, &AlertWebhook::post);
        connect(m_session, &QObject::destroyed, webhook, &QObject::deleteLater);
        connect(webhook, &AlertWebhook::problem, this, &AppController::problem);
    }
    connect(m_session, &CaptureSession::sourceClaimed, this, [this](const QString &sourceId) {
        if (sourceId == m_demoSourceId) {
            m_demoStartLock.reset(); // claimed: the next OddsTap to look finds the demo held
        }
    });
    connect(m_session, &CaptureSession::finished, this, [this](const QString &reason) {
        m_demoStartLock.reset();
        if (!m_stopping) {
            emit problem(tr("the capture stopped: %1").arg(reason));
        }
        emit stopped(reason);
    });
    QMetaObject::invokeMethod(m_session, &CaptureSession::start);
    QStringList names;
    for (const FeedSourceConfig &s : cc.sources) {
        names << s.sourceId;
    }
    if (!m_demoSourceId.isEmpty()) {
        names << m_demoSourceId; // added once its simulator listens
    }
    emit started(tr("%1 into %2").arg(names.join(QStringLiteral(", ")), storageDescription()));
}

void AppController::startReplaySession(qint64 seekToWallNs)
{
    // A fresh database per run: a backward seek replays from the start into an empty one.
    const QString db = m_replayDir->filePath(QStringLiteral("replay-%1.db").arg(++m_replayRun));
    const auto target = StorageTarget::parse(db);
    m_replayStorage = target ? std::optional<StorageTarget>(*target) : std::nullopt;
    if (m_replayRun > 1) {
        QFile::remove(m_replayDir->filePath(QStringLiteral("replay-%1.db").arg(m_replayRun - 1)));
    }
    CaptureConfig cc = sessionConfig(m_replayStorage);
    ReplayConfig rc;
    rc.path = m_config.replayPath;
    rc.companions = m_config.replayCompanions;
    rc.speed = m_replaySpeed;
    rc.startPaused = m_replayPaused;
    rc.fastForwardToWallNs = seekToWallNs; // part of the run's config: a later call could come before it starts
    cc.replay = rc;
    cc.stopAtReplayEnd = false; // the views stay as they are at the end
    m_replayPositionNs = 0;
    m_session = createSession(std::move(cc), [this](const SnapshotPtr &snapshot) {
        if (m_restartAtNs) {
            return; // the run being replaced drains: the views wait for the new one
        }
        if (snapshot->replay) {
            m_replayPositionNs = snapshot->replay->positionWallNs;
        }
        emit snapshotReady(snapshot);
    });
    CaptureSession *session = m_session;
    connect(m_session, &CaptureSession::finished, this, [this, session](const QString &reason) {
        if (m_restartAtNs && !m_stopping) {
            // The old run is drained: start over and replay up to the seek target.
            const qint64 seekTo = *std::exchange(m_restartAtNs, std::nullopt);
            QMetaObject::invokeMethod(session, &QObject::deleteLater);
            if (m_session == session) {
                m_session = nullptr;
            }
            startReplaySession(seekTo);
            emit viewsReset();
            return;
        }
        if (!m_stopping) {
            emit problem(tr("the replay stopped: %1").arg(reason));
        }
        emit stopped(reason);
    });
    QMetaObject::invokeMethod(m_session, &CaptureSession::start);
    emit started(tr("replay of %1").arg(QFileInfo(m_config.replayPath).fileName()));
}

void AppController::setReplayPaused(bool paused)
{
    m_replayPaused = paused;
    inSession([paused](CaptureSession &session) { session.setReplayPaused(paused); });
}

void AppController::setReplaySpeed(double speed)
{
    m_replaySpeed = speed;
    inSession([speed](CaptureSession &session) { session.setReplaySpeed(speed); });
}

void AppController::replayStep()
{
    m_replayPaused = true;
    inSession([](CaptureSession &session) { session.replayStep(); });
}

void AppController::seekReplay(qint64 wallNs)
{
    if (!m_session || !isReplay() || m_restartAtNs) {
        return;
    }
    if (wallNs > m_replayPositionNs) {
        inSession([wallNs](CaptureSession &session) { session.replaySeekForward(wallNs); });
        return;
    }
    m_restartAtNs = wallNs; // finished() of this run starts the next one
    inSession([](CaptureSession &session) { session.stop(QStringLiteral("seek")); });
}

void AppController::startRecording(const QString &path, const QString &notes)
{
    inSession([path, notes](CaptureSession &session) { session.startRecording(path, notes); });
}

void AppController::stopRecording()
{
    inSession([](CaptureSession &session) { session.stopRecording(); });
}

void AppController::setRing(qint64 keepMs)
{
    m_ringKeepMs = keepMs; // a replay that starts over keeps it
    inSession([keepMs](CaptureSession &session) { session.setRing(keepMs); });
}

void AppController::saveRing(const QString &path, const QString &notes)
{
    inSession([path, notes](CaptureSession &session) { session.saveRing(path, notes); });
}

void AppController::stop()
{
    m_stopping = true;
    if (!m_session) {
        emit stopped(tr("not running"));
        return;
    }
    CaptureSession *session = m_session;
    QMetaObject::invokeMethod(session, [session] { session->stop(QStringLiteral("closed by the user")); });
}

void AppController::watchFixture(const QString &sourceId, const QString &fixtureId)
{
    inSession([sourceId, fixtureId](CaptureSession &session) { session.watchFixture(sourceId, fixtureId); });
}

void AppController::setAlertRules(std::vector<AlertRule> rules, const QString &path)
{
    m_config.alertRules = rules;
    m_config.alertRulesPath = path;
    if (isReplay()) {
        ++m_markGeneration; // a back-test of older rules still running is not shown
        if (m_replayReport) {
            markReplayAlerts();
        }
    }
    inSession([rules = std::move(rules)](CaptureSession &session) mutable { session.setAlertRules(std::move(rules)); });
}

void AppController::markReplayAlerts()
{
    // The time line marks where the rules fire in the whole capture, off the GUI thread.
    std::erase_if(m_replayReport->markers,
        [](const CaptureReport::Marker &m) { return m.kind == CaptureReport::Marker::Kind::Alert; });
    if (m_config.alertRules.empty()) {
        emit replayLoaded({});
        return;
    }
    QPointer<AppController> self(this);
    const QStringList paths = QStringList { m_config.replayPath } + m_config.replayCompanions;
    QThreadPool::globalInstance()->start([self, paths, rules = m_config.alertRules, map = m_config.fixtureMap,
                                             generation = m_markGeneration, cancel = m_cancelBacktests] {
        std::vector<CaptureReport::Marker> alerts = alertMarkers(paths, rules, map, cancel.get());
        QMetaObject::invokeMethod(self.get(), [self, generation, alerts = std::move(alerts)] {
            if (!self || !self->m_replayReport || generation != self->m_markGeneration) {
                return; // newer rules were loaded meanwhile
            }
            std::vector<CaptureReport::Marker> &markers = self->m_replayReport->markers;
            markers.insert(markers.end(), alerts.begin(), alerts.end());
            emit self->replayLoaded({});
        });
    });
}

void AppController::setWatchList(QSet<QString> fixtureKeys)
{
    m_config.watchList = fixtureKeys;
    inSession(
        [keys = std::move(fixtureKeys)](CaptureSession &session) mutable { session.setWatchList(std::move(keys)); });
}

void AppController::disconnectSource(const QString &sourceId)
{
    inSession([sourceId](CaptureSession &session) { session.disconnectSource(sourceId); });
}

void AppController::connectSource(const QString &sourceId)
{
    inSession([sourceId](CaptureSession &session) { session.connectSource(sourceId); });
}

void AppController::addSource(const FeedSourceConfig &source)
{
    inSession([source](CaptureSession &session) { session.addSource(source); });
}

void AppController::loadPriceHistory(const QString &sourceId, const QString &fixtureId, const QString &marketType)
{
    const quint64 generation = ++*m_historyGeneration;
    const std::optional<StorageTarget> &where = isReplay() ? m_replayStorage : m_config.storage;
    if (!where) {
        emit historyLoaded(generation, fixtureId, marketType, {}, {});
        return;
    }
    const StorageTarget target = *where;
    QPointer<AppController> self(this);
    QThreadPool::globalInstance()->start([self, target, sourceId, fixtureId, marketType, generation,
                                             latest = m_historyGeneration] {
        if (latest->load() != generation) {
            return; // the user (or the bench) moved on before this read started
        }
        std::vector<PriceRow> rows;
        QString error;
        {
            // Read-only, with SQLite's default cache: the writer's tuning (a 16 MiB cache, temp
            // tables in memory) would cost each read that much memory again.
            auto storage = Storage::openForReading(target, QStringLiteral("oddstap-reader-%1").arg(++g_readerCounter));
            if (!storage) {
                error = storage.error().message;
            } else if (auto r = (*storage)->priceHistory(sourceId, fixtureId, marketType, kHistoryLimit); r) {
                rows = std::move(*r);
            } else {
                error = r.error().message;
            }
        }
        QMetaObject::invokeMethod(self.get(), [self, generation, fixtureId, marketType, rows = std::move(rows), error] {
            // Stale answers (the user moved on) are dropped by the receiver using the generation.
            if (self) {
                emit self->historyLoaded(generation, fixtureId, marketType, rows, error);
            }
        });
    });
}

} // namespace OddsTap

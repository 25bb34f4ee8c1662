// SPDX-License-Identifier: MIT
// The processing stage as the GUI uses it: the session on its own thread, coalesced snapshots,
// a watched fixture, and a source disconnected and reconnected by the user, all against a real
// simulator and a real SQLite file.
#include <core/common/threadpriority.h>
#include <core/common/timeutil.h>
#include <core/replay/capturefile.h>
#include <core/storage/storage.h>
#include <tests/testutils/feedharness.h>

#include <QDir>
#include <QFile>
#include <QScopeGuard>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QThread>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <set>

using namespace OddsTap;
using namespace OddsTap::Testing;

namespace {

QJsonObject tableCounts(const QString &path)
{
    auto storage = Storage::open(*StorageTarget::parse(path), QStringLiteral("counts"));
    if (!storage) {
        return {};
    }
    auto counts = (*storage)->tableCounts();
    return counts ? *counts : QJsonObject {};
}

/// A session living on its own thread; snapshots are collected on the test's thread.
struct ThreadedSession
{
    QThread thread;
    CaptureSession *session = nullptr;
    std::vector<SnapshotPtr> snapshots;
    bool finished = false;
    QObject receiver;

    explicit ThreadedSession(CaptureConfig config, bool countDown = true)
    {
        thread.setObjectName(QStringLiteral("pipeline"));
        session = new CaptureSession(config);
        session->moveToThread(&thread);
        // Like the GUI, each snapshot is counted down once taken, if the session counts them.
        QObject::connect(session, &CaptureSession::snapshotReady, &receiver,
            [this, unapplied = config.snapshotsUnapplied, countDown](const SnapshotPtr &s) {
                snapshots.push_back(s);
                if (unapplied && countDown) {
                    unapplied->fetch_sub(1);
                }
            });
        QObject::connect(session, &CaptureSession::finished, &receiver, [this] { finished = true; });
        thread.start();
        QMetaObject::invokeMethod(session, &CaptureSession::start);
    }
    ~ThreadedSession()
    {
        QMetaObject::invokeMethod(session, &QObject::deleteLater);
        thread.quit();
        thread.wait();
    }
    /// Whether any snapshot's error log has a line containing @p text.
    bool logged(const QString &text) const
    {
        for (const SnapshotPtr &s : snapshots) {
            for (const LogEntry &e : s->log) {
                if (e.message.contains(text)) {
                    return true;
                }
            }
        }
        return false;
    }
    const SourceStatus *latestSource(const QString &id) const
    {
        if (snapshots.empty()) {
            return nullptr;
        }
        for (const SourceStatus &s : snapshots.back()->metrics.sources) {
            if (s.sourceId == id) {
                return &s;
            }
        }
        return nullptr;
    }
};

/// The nice value of each of this process's threads named @p name (Linux).
std::vector<int> threadNices(const QString &name)
{
    std::vector<int> nices;
    const QDir tasks(QStringLiteral("/proc/self/task"));
    for (const QString &tid : tasks.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        QFile comm(tasks.filePath(tid + QStringLiteral("/comm")));
        QFile stat(tasks.filePath(tid + QStringLiteral("/stat")));
        if (!comm.open(QIODevice::ReadOnly) || !stat.open(QIODevice::ReadOnly)
            || QString::fromUtf8(comm.readAll().trimmed()) != name) {
            continue;
        }
        // After the name in parentheses come the fields from the third (state); nice is the 19th.
        const QByteArray text = stat.readAll();
        const QList<QByteArray> fields = text.mid(text.lastIndexOf(')') + 2).split(' ');
        if (fields.size() > 16) {
            nices.push_back(fields[16].toInt());
        }
    }
    return nices;
}

/// A simulator at 4,000 events/s with 1 % malformed frames, and a capture of its first 6,000
/// envelopes.
struct MalformedFeed
{
    SimServer sim;
    Result<quint16> port;

    explicit MalformedFeed(quint64 seed)
        : sim([seed] {
            SimServerConfig c = simConfig(6000, seed);
            c.rate = 4000;
            c.count = 0;
            c.faults = *FaultPlan::parse(QStringLiteral("malformed=0.01"));
            return c;
        }())
        , port(sim.start())
    { }
    CaptureConfig capture(std::optional<StorageTarget> storage) const
    {
        return captureConfig({ sourceConfig(QStringLiteral("s"), *port) }, 6000, 0, std::move(storage));
    }
};

/// An endless simulator with few fixtures (many prices and bets each).
SimServerConfig fewFixtures(quint64 seed, double rate, int fixtures)
{
    SimServerConfig c = simConfig(0, seed);
    c.rate = rate;
    c.generator.fixtures = fixtures;
    return c;
}

/// What a run's snapshots added up to.
struct SnapshotSums
{
    std::set<QString> fixtures;
    quint64 rejectLines = 0;
    double ratedEvents = 0; ///< sum of rate x interval: must give back the event count
    quint64 processedSamples = 0;
    quint64 committedSamples = 0;

    explicit SnapshotSums(const std::vector<SnapshotPtr> &snapshots)
    {
        for (const SnapshotPtr &s : snapshots) {
            for (const FixtureState &f : s->fixtures) {
                fixtures.insert(f.fixture.fixtureId);
            }
            for (const LogEntry &e : s->log) {
                rejectLines += e.kind == LogKind::Reject ? 1 : 0;
            }
            ratedEvents += s->metrics.eventsPerSec * s->metrics.intervalSeconds;
            processedSamples += s->metrics.receiveToProcessed.count;
            committedSamples += s->metrics.receiveToCommitted.count;
        }
    }
};

} // namespace

class TestSession : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { registerMetaTypes(); }
    void snapshotsCarryMetricsLiveChangesAndTheLog();
    void aViewThatFallsBehindIsSentNoMoreSnapshotsAndLosesNoChange();
    void aViewThatKeepsUpGetsASnapshotEveryTick();
    void theTapeKeepsTheNewestBetsAndTheExposureGetsEveryWatchedBet();
    void watchedFixtureGetsItsPricesAndEveryPoint();
    void userDisconnectAndReconnectLoseNothing();
    void aStalledPipelineHoldsTheFeedOffAndLosesNothing();
    void aStalledRecorderStopsTheRecordingAndNotTheCapture();
    void storageThreadsGiveWayWhenTheDesktopAsks();

private:
    QTemporaryDir m_dir;
};

void TestSession::snapshotsCarryMetricsLiveChangesAndTheLog()
{
    MalformedFeed feed(21);
    QVERIFY(feed.port);
    const QString db = m_dir.filePath(QStringLiteral("snap.db"));
    CaptureConfig config = feed.capture(*StorageTarget::parse(db));
    config.snapshotIntervalMs = 50;
    ThreadedSession ts(config);
    QTRY_VERIFY_WITH_TIMEOUT(ts.finished, 30000);

    QVERIFY(ts.snapshots.size() >= 10); // about 1.5 s of capture at 20 Hz
    for (const SnapshotPtr &s : ts.snapshots) {
        for (const FixtureState &f : s->fixtures) {
            QCOMPARE(f.sourceId, QStringLiteral("s"));
            QVERIFY(!f.fixture.fixtureId.isEmpty());
        }
        for (const LogEntry &e : s->log) {
            if (e.kind == LogKind::Reject) {
                QVERIFY(!e.code.isEmpty());
                QVERIFY(!e.message.isEmpty());
                QVERIFY(!e.raw.isEmpty()); // the raw text reaches the error log
            }
        }
    }
    const SnapshotSums sums(ts.snapshots);
    const SessionSnapshot &last = *ts.snapshots.back();
    // Every fixture the live state holds was announced in some snapshot.
    QCOMPARE(qsizetype(sums.fixtures.size()), ts.session->liveState().fixtureCount());
    QVERIFY(sums.fixtures.size() >= 10);
    // The log carried every reject (well under the per-snapshot cap here).
    const CaptureStats::Source total = ts.session->stats().total();
    QVERIFY(total.rejectedTotal() > 10);
    QCOMPARE(sums.rejectLines, total.rejectedTotal());
    // Metrics: the last snapshot's totals match the session's counts; the rate was plausible.
    QCOMPARE(last.metrics.received, total.envelopesReceived());
    QCOMPARE(last.metrics.rejected, total.rejectedTotal());
    QVERIFY(last.metrics.storing);
    QCOMPARE(last.metrics.persisted, total.acceptedStreamTotal());
    QVERIFY2(qAbs(sums.ratedEvents - double(total.acceptedStreamTotal())) < 1.0,
        qPrintable(QString::number(sums.ratedEvents)));
    // Per-stage latency windows cover every event once.
    QCOMPARE(sums.processedSamples, total.acceptedTotal());
    QCOMPARE(sums.committedSamples, total.acceptedTotal());
    QCOMPARE(last.metrics.sources.size(), std::size_t(1));
    QCOMPARE(last.metrics.sources.front().lastSeq, ts.session->stats().sources.at(QStringLiteral("s")).lastSeq);
    const QJsonObject rows = tableCounts(db);
    QCOMPARE(storedStreamRows(rows), qint64(total.acceptedStreamTotal()));
}

void TestSession::aViewThatFallsBehindIsSentNoMoreSnapshotsAndLosesNoChange()
{
    MalformedFeed feed(22);
    QVERIFY(feed.port);
    CaptureConfig config = feed.capture(std::nullopt);
    config.snapshotIntervalMs = 20;
    config.maxBetsPerSnapshot = 5;
    // The view never applies the first snapshot: the session must not queue more behind it.
    const auto unapplied = std::make_shared<std::atomic<int>>(0);
    config.snapshotsUnapplied = unapplied;
    ThreadedSession ts(config, false);
    QTRY_VERIFY_WITH_TIMEOUT(ts.finished, 30000);

    // About 75 ticks passed; only the first and the final snapshot (always sent) were emitted.
    QCOMPARE(ts.snapshots.size(), std::size_t(2));
    QCOMPARE(unapplied->load(), 2);
    // The final one carries everything since the first: every fixture, every reject, every event.
    const SnapshotSums sums(ts.snapshots);
    const CaptureStats::Source total = ts.session->stats().total();
    QCOMPARE(qsizetype(sums.fixtures.size()), ts.session->liveState().fixtureCount());
    QVERIFY(total.rejectedTotal() > 10);
    QCOMPARE(sums.rejectLines, total.rejectedTotal());
    QVERIFY2(qAbs(sums.ratedEvents - double(total.acceptedStreamTotal())) < 1.0,
        qPrintable(QString::number(sums.ratedEvents)));
    QCOMPARE(sums.processedSamples, total.acceptedTotal());
    QCOMPARE(ts.snapshots.back()->metrics.received, total.envelopesReceived());
    // Capped items: the last snapshot has room for the ten ticks it covers at most (a second at
    // 10 Hz), and what is beyond is counted; listed and counted make every bet.
    const quint64 bets = total.accepted[std::size_t(EventType::Bet)];
    QVERIFY2(bets > 100, qPrintable(QString::number(bets)));
    QCOMPARE(ts.snapshots.back()->bets.size(), std::size_t(5 * 10));
    // The cap grew while the ring was full: the bets stay in arrival order.
    const std::vector<Event> &listed = ts.snapshots.back()->bets;
    for (std::size_t i = 1; i < listed.size(); ++i) {
        QVERIFY(listed[i - 1].seq < listed[i].seq);
    }
    quint64 betsSeen = 0;
    for (const SnapshotPtr &s : ts.snapshots) {
        betsSeen += s->bets.size() + s->betsDropped;
    }
    QCOMPARE(betsSeen, bets);
}

void TestSession::aViewThatKeepsUpGetsASnapshotEveryTick()
{
    MalformedFeed feed(23);
    QVERIFY(feed.port);
    CaptureConfig config = feed.capture(std::nullopt);
    config.snapshotIntervalMs = 20;
    const auto unapplied = std::make_shared<std::atomic<int>>(0);
    config.snapshotsUnapplied = unapplied;
    ThreadedSession ts(config); // counts each snapshot down as it comes
    QTRY_VERIFY_WITH_TIMEOUT(ts.finished, 30000);

    // About 1.5 s at 20 ms: the snapshots keep coming (most ticks, whatever this machine's load).
    QVERIFY2(ts.snapshots.size() >= 25, qPrintable(QString::number(ts.snapshots.size())));
    QCOMPARE(unapplied->load(), 0);
    const SnapshotSums sums(ts.snapshots);
    QCOMPARE(qsizetype(sums.fixtures.size()), ts.session->liveState().fixtureCount());
    QCOMPARE(sums.processedSamples, ts.session->stats().total().acceptedTotal());
}

void TestSession::theTapeKeepsTheNewestBetsAndTheExposureGetsEveryWatchedBet()
{
    SimServer sim(fewFixtures(24, 4000, 3));
    const auto port = sim.start();
    QVERIFY(port);
    const QString db = m_dir.filePath(QStringLiteral("bets.db"));
    CaptureConfig config =
        captureConfig({ sourceConfig(QStringLiteral("b"), *port) }, 6000, 0, *StorageTarget::parse(db));
    config.snapshotIntervalMs = 50;
    config.maxBetsPerSnapshot = 2; // far fewer than arrive: the tape is capped every tick
    ThreadedSession ts(config);
    const QString fixture = QStringLiteral("fx-1"); // the simulator's first fixture
    QMetaObject::invokeMethod(ts.session, [&ts, fixture] { ts.session->watchFixture(QStringLiteral("b"), fixture); });
    QTRY_VERIFY_WITH_TIMEOUT(ts.finished, 30000);

    quint64 listed = 0;
    quint64 dropped = 0;
    quint64 newestListed = 0;
    std::vector<Event> watched;
    for (const SnapshotPtr &s : ts.snapshots) {
        QVERIFY(s->bets.size() <= 2 * 10);
        listed += s->bets.size();
        newestListed = s->bets.empty() ? newestListed : std::max(newestListed, s->bets.back().seq);
        dropped += s->betsDropped;
        // The tape's bets are the newest of their interval, in arrival order.
        for (std::size_t i = 1; i < s->bets.size(); ++i) {
            QVERIFY(s->bets[i - 1].seq < s->bets[i].seq);
        }
        QCOMPARE(s->watchedBetsDropped, quint64(0));
        for (const Event &e : s->watchedBets) {
            QCOMPARE(e.bet()->fixtureId, fixture);
            watched.push_back(e);
        }
    }
    const quint64 bets = ts.session->stats().total().accepted[std::size_t(EventType::Bet)];
    QVERIFY2(dropped > listed, qPrintable(QStringLiteral("%1 listed, %2 dropped").arg(listed).arg(dropped)));
    QCOMPARE(listed + dropped, bets);
    // Every bet of the watched fixture from the first one the watch saw, as stored, reached the
    // exposure, although the tape left most bets out.
    QVERIFY2(watched.size() > 20, qPrintable(QString::number(watched.size())));
    {
        QSqlDatabase conn = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("bets"));
        conn.setDatabaseName(db);
        QVERIFY(conn.open());
        QSqlQuery q(conn);
        // The last bet of all is on the tape (it keeps the newest of each interval).
        QVERIFY(q.exec(QStringLiteral("SELECT max(seq) FROM bets")));
        QVERIFY(q.next());
        QCOMPARE(q.value(0).toULongLong(), newestListed);
        QVERIFY(q.prepare(QStringLiteral("SELECT seq FROM bets WHERE fixture_id = ? AND seq >= ? ORDER BY seq")));
        q.addBindValue(fixture);
        q.addBindValue(qint64(watched.front().seq));
        QVERIFY(q.exec());
        std::size_t i = 0;
        while (q.next()) {
            QVERIFY(i < watched.size());
            QCOMPARE(q.value(0).toULongLong(), watched[i].seq);
            ++i;
        }
        QCOMPARE(i, watched.size());
    }
    QSqlDatabase::removeDatabase(QStringLiteral("bets"));
}

void TestSession::watchedFixtureGetsItsPricesAndEveryPoint()
{
    SimServer sim(fewFixtures(33, 5000, 5));
    const auto port = sim.start();
    QVERIFY(port);
    CaptureConfig config = captureConfig({ sourceConfig(QStringLiteral("w"), *port) }, 0, 0);
    config.snapshotIntervalMs = 50;
    ThreadedSession ts(config);
    // Watch a fixture that is in play now (fixtures come and go quickly with only five).
    QString fixture;
    const auto condition1 = [&] {
        if (ts.snapshots.empty()) {
            return false;
        }
        for (const FixtureState &f : ts.snapshots.back()->fixtures) {
            if (f.fixture.status == FixtureStatus::Live) {
                fixture = f.fixture.fixtureId;
                return true;
            }
        }
        return false;
    };
    QTRY_VERIFY_WITH_TIMEOUT(condition1(), 10000);
    QMetaObject::invokeMethod(ts.session, [&ts, fixture] { ts.session->watchFixture(QStringLiteral("w"), fixture); });
    const std::size_t from = ts.snapshots.size();
    const auto condition2 = [&] {
        quint64 points = 0;
        for (std::size_t i = from; i < ts.snapshots.size(); ++i) {
            points += ts.snapshots[i]->points.size();
        }
        return points >= 100;
    };
    QTRY_VERIFY_WITH_TIMEOUT(condition2(), 20000);
    QMetaObject::invokeMethod(ts.session, [&ts] { ts.session->stop(QStringLiteral("test done")); });
    QTRY_VERIFY_WITH_TIMEOUT(ts.finished, 10000);

    bool sawReset = false;
    std::map<std::pair<QString, QString>, PricePoint> lastPoint;
    for (std::size_t i = from; i < ts.snapshots.size(); ++i) {
        const SessionSnapshot &s = *ts.snapshots[i];
        if (s.watchedFixtureId != fixture) {
            continue;
        }
        if (s.watchedReset) {
            sawReset = true;
            QVERIFY(!s.prices.empty()); // the whole fixture, at once
        }
        for (const PriceState &p : s.prices) {
            QCOMPARE(p.fixtureId, fixture);
        }
        for (const PricePoint &p : s.points) {
            QVERIFY(p.price > 1.0);
            lastPoint[{ p.marketType, p.selection }] = p;
        }
    }
    QVERIFY(sawReset);
    // The last point of every selection is the live state's price for it.
    QVERIFY(!lastPoint.empty());
    for (const auto &[key, point] : lastPoint) {
        const PriceState *held = ts.session->liveState().price(QStringLiteral("w"), fixture, key.first, key.second);
        QVERIFY(held);
        QCOMPARE(held->price, point.price);
    }
}

void TestSession::userDisconnectAndReconnectLoseNothing()
{
    SimServerConfig c = simConfig(0, 44);
    c.rate = 3000;
    c.retain = 100000;
    SimServer sim(c);
    const auto port = sim.start();
    QVERIFY(port);
    const QString db = m_dir.filePath(QStringLiteral("reconnect.db"));
    CaptureConfig config = captureConfig({ sourceConfig(QStringLiteral("r"), *port) }, 0, 0, *StorageTarget::parse(db));
    config.untilSeq = 6000;
    config.snapshotIntervalMs = 50;
    ThreadedSession ts(config);
    const auto condition3 = [&] {
        const SourceStatus *s = ts.latestSource(QStringLiteral("r"));
        return s && s->lastSeq > 1000;
    };
    QTRY_VERIFY_WITH_TIMEOUT(condition3(), 15000);
    QMetaObject::invokeMethod(ts.session, [&ts] { ts.session->disconnectSource(QStringLiteral("r")); });
    const auto condition4 = [&] {
        const SourceStatus *s = ts.latestSource(QStringLiteral("r"));
        return s && !s->enabled && s->state == SourceState::Stopped;
    };
    QTRY_VERIFY_WITH_TIMEOUT(condition4(), 10000);
    const quint64 heldAtDisconnect = ts.latestSource(QStringLiteral("r"))->lastSeq;
    const std::size_t snapshotsAtDisconnect = ts.snapshots.size();
    QTRY_VERIFY_WITH_TIMEOUT(ts.snapshots.size() >= snapshotsAtDisconnect + 5, 10000); // the feed goes on without us
    QCOMPARE(ts.latestSource(QStringLiteral("r"))->lastSeq, heldAtDisconnect);
    QMetaObject::invokeMethod(ts.session, [&ts] { ts.session->connectSource(QStringLiteral("r")); });
    QTRY_VERIFY_WITH_TIMEOUT(ts.finished, 30000);

    // Resumed after what it held: every seq up to the stop point is stored exactly once.
    const QJsonObject rows = tableCounts(db);
    const quint64 lastSeq = ts.session->stats().sources.at(QStringLiteral("r")).lastSeq;
    QVERIFY(lastSeq >= 6000);
    QCOMPARE(storedStreamRows(rows), qint64(lastSeq));
    QCOMPARE(ts.session->stats().total().gaps, quint64(0));
    QVERIFY(ts.logged(QStringLiteral("disconnected by the user")));
    QVERIFY(ts.logged(QStringLiteral("resuming after seq")));
}

/// The pipeline's thread does not run for a while (a machine busy with something else): what the
/// feed sends meanwhile must not pile up in memory without bound. Once the pipeline has taken
/// nothing for StorageBacklog::kPipelineStallNs with kUnprocessedFloor events waiting, the live
/// source holds off, resumes from its last seq once the pipeline caught up, and every event is
/// stored once.
void TestSession::aStalledPipelineHoldsTheFeedOffAndLosesNothing()
{
    SimServerConfig c = simConfig(0, 45);
    c.rate = 40000;
    c.retain = 400000;
    SimServer sim(c);
    const auto port = sim.start();
    QVERIFY(port);
    int connections = 0;
    int closes = 0;
    QObject::connect(&sim, &SimServer::connectionCountChanged, this, [&](int n) {
        closes += n < connections ? 1 : 0;
        connections = n;
    });
    const QString db = m_dir.filePath(QStringLiteral("stalled.db"));
    FeedSourceConfig source = sourceConfig(QStringLiteral("p"), *port);
    source.heartbeatMs = 2000; // a loaded machine's scheduling must not look like a dead server here
    CaptureConfig config = captureConfig({ source }, 0, 0, *StorageTarget::parse(db));
    config.untilSeq = 150000;
    config.spool.directory = m_dir.filePath(QStringLiteral("stalled.spool")); // what gives the session its backlog
    ThreadedSession ts(config);
    const auto flowing = [&] {
        const SourceStatus *s = ts.latestSource(QStringLiteral("p"));
        return s && s->lastSeq > 2000;
    };
    QTRY_VERIFY_WITH_TIMEOUT(flowing(), 15000);
    QCOMPARE(closes, 0); // a pipeline that keeps up never holds the feed off

    // The pipeline's thread stops until the source has closed its connection (or the test gave
    // up: the guard lets the thread go on before the session is torn down).
    const auto release = std::make_shared<std::atomic<bool>>(false);
    const auto releaseOnExit = qScopeGuard([release] { release->store(true); });
    QMetaObject::invokeMethod(ts.session, [release] {
        while (!release->load()) {
            QThread::msleep(2);
        }
    });
    QTRY_VERIFY_WITH_TIMEOUT(closes >= 1, 30000);
    release->store(true);
    QTRY_VERIFY_WITH_TIMEOUT(ts.finished, 120000);

    const CaptureStats stats = ts.session->stats();
    const quint64 lastSeq = stats.sources.at(QStringLiteral("p")).lastSeq;
    QVERIFY(lastSeq >= 150000);
    QCOMPARE(storedStreamRows(tableCounts(db)), qint64(lastSeq));
    QCOMPARE(stats.total().gaps, quint64(0));
    // What waited at once: about a second of the feed before the stall was noticed, what the
    // socket held then, and what storage held; far below the cap that bounds a slow pipeline.
    QVERIFY2(stats.peakEventsInMemory < StorageBacklog::kUnprocessedCap / 2,
        qPrintable(QString::number(stats.peakEventsInMemory)));
    QVERIFY(ts.logged(QStringLiteral("wait in memory for the pipeline")));
    QVERIFY(ts.logged(QStringLiteral("waiting for the pipeline: resuming from seq")));
    // One hold-off and the close at the end: the burst of the resume (the server sends what it
    // kept as fast as the client reads) is a healthy queue, not another stall.
    QVERIFY2(closes <= 2, qPrintable(QString::number(closes)));
}

void TestSession::aStalledRecorderStopsTheRecordingAndNotTheCapture()
{
    SimServerConfig c = simConfig(0, 46);
    c.rate = 20000;
    SimServer sim(c);
    const auto port = sim.start();
    QVERIFY(port);
    const QString db = m_dir.filePath(QStringLiteral("recorder-stall.db"));
    const QString capture = m_dir.filePath(QStringLiteral("recorder-stall.capture"));
    CaptureConfig config = captureConfig({ sourceConfig(QStringLiteral("r"), *port) }, 0, 0, *StorageTarget::parse(db));
    config.untilSeq = 120000;
    config.recordPath = capture;
    config.maxRecorderBacklogBytes = 2 * 1024 * 1024;
    ThreadedSession ts(config);
    const auto lastSeq = [&] {
        const SourceStatus *s = ts.latestSource(QStringLiteral("r"));
        return s ? s->lastSeq : 0;
    };
    QTRY_VERIFY_WITH_TIMEOUT(lastSeq() > 5000, 15000);

    // The recorder's thread stops, as it would in a write to a stalled disk, until the recording
    // has stopped (or the test gave up: the guard lets the thread go on before teardown).
    auto *recorderThread = ts.session->findChild<QThread *>(QStringLiteral("recorder"));
    QVERIFY(recorderThread);
    QObject stall;
    stall.moveToThread(recorderThread);
    const auto release = std::make_shared<std::atomic<bool>>(false);
    const auto releaseOnExit = qScopeGuard([release] { release->store(true); });
    QMetaObject::invokeMethod(&stall, [release] {
        while (!release->load()) {
            QThread::msleep(2);
        }
    });
    QTRY_VERIFY_WITH_TIMEOUT(lastSeq() > 50000, 30000); // the capture goes on meanwhile
    const quint64 seqWhenReleased = lastSeq();
    const qint64 releasedAtNs = wallClockMs() * 1000000;
    release->store(true);
    QTRY_VERIFY_WITH_TIMEOUT(ts.logged(QStringLiteral("waited to be written into the capture")), 30000);
    QVERIFY(ts.logged(QStringLiteral("the recording stopped")));
    QTRY_VERIFY_WITH_TIMEOUT(ts.finished, 120000);

    // Every event stored, none lost to the recorder's stall.
    const CaptureStats stats = ts.session->stats();
    QVERIFY(stats.sources.at(QStringLiteral("r")).lastSeq >= 120000);
    QCOMPARE(storedStreamRows(tableCounts(db)), qint64(stats.sources.at(QStringLiteral("r")).lastSeq));
    QCOMPARE(stats.total().gaps, quint64(0));
    // The capture is whole up to where it stopped: it reads to its end, and ends before the feed did.
    auto reader = CaptureReader::open(capture);
    QVERIFY2(reader, qPrintable(reader ? QString() : reader.error().message));
    QVERIFY((*reader)->info().endedAtMs > 0);
    CaptureRecord record;
    quint64 frames = 0;
    qint64 lastFrameNs = 0;
    while ((*reader)->next(record)) {
        if (record.kind == CaptureRecord::Kind::Frame) {
            ++frames;
            lastFrameNs = record.frame.wallNs;
        }
    }
    // It stopped while the recorder stood still: nothing received after the release is in it.
    QVERIFY(lastFrameNs < releasedAtNs);
    QVERIFY2((*reader)->error().isEmpty(), qPrintable((*reader)->error()));
    QCOMPARE(frames, (*reader)->info().frames);
    QVERIFY(frames > 0);
    qDebug("capture of %llu frames; the feed reached seq %llu while the recorder stood still",
        static_cast<unsigned long long>(frames), static_cast<unsigned long long>(seqWhenReleased));
}

void TestSession::storageThreadsGiveWayWhenTheDesktopAsks()
{
    // What the desktop's main() sets: storage, its checkpoints and its spool run 7 lower than the
    // session's own threads (and so the views').
    setBackgroundNice(7);
    const auto restore = qScopeGuard([] { setBackgroundNice(0); });
    SimServerConfig c = simConfig(0, 45);
    c.rate = 2000;
    SimServer sim(c);
    const auto port = sim.start();
    QVERIFY(port);
    const QString db = m_dir.filePath(QStringLiteral("nice.db"));
    CaptureConfig config = captureConfig({ sourceConfig(QStringLiteral("n"), *port) }, 0, 0, *StorageTarget::parse(db));
    config.spool.directory = m_dir.filePath(QStringLiteral("nice.spool"));
    ThreadedSession ts(config);
    QTRY_VERIFY_WITH_TIMEOUT(!ts.snapshots.empty() && ts.snapshots.back()->metrics.persisted > 1000, 15000);
    // Relative to the test's own (a `nice ctest` starts higher).
    const int base = currentThreadNice();
    for (const QString &name : { QStringLiteral("storage"), QStringLiteral("checkpoint"), QStringLiteral("spool") }) {
        QCOMPARE(threadNices(name), std::vector<int> { std::min(19, base + 7) });
    }
    QCOMPARE(threadNices(QStringLiteral("pipeline")), std::vector<int> { base });
}

QTEST_GUILESS_MAIN(TestSession)
#include "tst_session.moc"

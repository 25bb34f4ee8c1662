// SPDX-License-Identifier: MIT
#pragma once

#include <core/alerts/alertengine.h>
#include <core/cache/rediscache.h>
#include <core/common/storagebacklog.h>
#include <core/feed/feedclient.h>
#include <core/metrics/metricsserver.h>
#include <core/pipeline/ladderbook.h>
#include <core/pipeline/livestate.h>
#include <core/replay/recorder.h>
#include <core/replay/replaysource.h>
#include <core/session/capturestats.h>
#include <core/session/sessionsnapshot.h>
#include <core/storage/storagewriter.h>

#include <QObject>

class QTimer;

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <vector>

namespace OddsTap {

struct CaptureConfig
{
    std::vector<FeedSourceConfig> sources;
    quint64 count = 0; ///< stop after this many stream envelopes (accepted or rejected); 0 = no limit
    qint64 durationMs = 0; ///< stop after this long; 0 = no limit
    quint64 untilSeq = 0; ///< stop once every source holds (or has committed) this seq; 0 = no limit
    std::optional<StorageTarget> storage; ///< none: count only
    int drainTimeoutMs = 30000; ///< at stop, how long to wait for a database that commits nothing
    SpoolConfig spool; ///< bounded memory for the storage queue (directory empty: no spool)
    qint64 walAlertBytes = StorageWriter::kWalAlertBytes; ///< SQLite: warn when the WAL grows past this
    int snapshotIntervalMs = 100; ///< snapshotReady() cadence (10 Hz); 0 = no snapshots
    /// Shared with a view that applies snapshots on another thread and counts each one down once
    /// applied (AppController). While one waits, ticks are skipped, so a view thread that falls
    /// behind never has snapshots piling up in its queue (each holds every fixture that changed).
    /// The next snapshot goes as soon as the view caught up and carries every change since the
    /// last; the per-snapshot caps below grow with the ticks it covers (up to a second's worth),
    /// so a short lag drops nothing. Metrics readings are still taken every tick. Null: every
    /// tick emits (the CLI, whose Redis cache takes its changes at each snapshot).
    std::shared_ptr<std::atomic<int>> snapshotsUnapplied;
    /// Evaluated on every event as it arrives (alertsRaised()); none: no alerts.
    std::vector<AlertRule> alertRules;
    /// The watch list (fixtureKey()s) that rules scoped to it look at.
    QSet<QString> watchList;
    /// Which sources' fixtures are one match (the comparison and arbitrage rules); empty: equal ids.
    FixtureMap fixtureMap;
    /// The comparison leaves out prices received longer ago than this (they may be gone).
    qint64 compareMaxAgeMs = 5000;
    /// A source whose feed latency p99 passes this over an interval is an alert (0: never).
    qint64 latencyAlertMs = 2000;
    std::size_t maxLogPerSnapshot = 200; ///< log lines per snapshot beyond which they are counted only
    std::size_t maxBetsPerSnapshot = 200; ///< bets per snapshot likewise
    /// The watched fixture's bets per snapshot: only a flood reaches it (what is over is counted).
    std::size_t maxWatchedBetsPerSnapshot = 20000;
    std::size_t maxPointsPerSnapshot = 20000; ///< watched-fixture price points likewise
    qint64 keepFinishedMs = 5 * 60 * 1000; ///< how long ended and cancelled fixtures stay in the live state
    /// and how many of them at most (the most recently finished): a flood of fixtures ending, as the
    /// demo at 50,000 events/s makes, would otherwise hold thousands for the whole keep time
    std::size_t maxFinishedFixtures = 100;
    /// Fixtures held in the live state at most (with their prices): past it, those that heard
    /// nothing for longest go (LiveState::pruneOldest), and the error log says so.
    std::size_t maxLiveFixtures = 50000;
    std::size_t maxLivePrices = 1000000; ///< and prices (selections of every market held), likewise

    /// Replay a capture file instead of connecting to `sources` (they are read from the file).
    std::optional<ReplayConfig> replay;
    bool stopAtReplayEnd = true; ///< the CLI stops at the end of the capture; the GUI keeps its views
    QString recordPath; ///< record every raw frame into this new capture file from the start
    QString recordNotes;
    qint64 ringKeepMs = 0; ///< keep the last N ms of frames in memory, to save on demand (0: off)
    qint64 ringMaxBytes = 512LL * 1024 * 1024; ///< and at most this much payload
    /// Frames waiting for the recorder's thread at most (bytes of memory). A disk that stalls or
    /// cannot keep up would otherwise grow them until the program runs out of memory, capture and
    /// all: past this, the recording stops (its file complete up to there) and says why.
    qint64 maxRecorderBacklogBytes = 256LL * 1024 * 1024;
    /// Serve Prometheus metrics (GET /metrics) on this host and port (0 picks a free port); none: off.
    /// Readings are taken at each snapshot, so it needs snapshotIntervalMs > 0.
    std::optional<std::pair<QString, quint16>> metrics;
    /// Keep the live state in this Redis too (RedisCache); none: off.
    std::optional<RedisTarget> redis;
};

/// The processing stage: runs one FeedClient per source, each on its own thread, takes their
/// batches (counts, live state, metrics) and hands them to the storage writer on its thread.
/// Views never see the raw stream: they get one coalesced SessionSnapshot per interval.
/// Lives in: a thread that is not the GUI's (the GUI moves it to a "pipeline" thread and talks to
/// it with queued calls; the CLI, which has nothing else to do, runs it on its main thread).
class CaptureSession : public QObject
{
    Q_OBJECT
public:
    explicit CaptureSession(CaptureConfig config, QObject *parent = nullptr);
    ~CaptureSession() override;

    void start();
    /// Stops every source, delivers their last batches, then emits finished(reason).
    void stop(const QString &reason);

    const CaptureStats &stats() const { return m_stats; }
    const CaptureConfig &config() const { return m_config; }
    /// Current fixtures and prices; the GUI takes coalesced changes from it at its own pace.
    const LiveState &liveState() const { return m_live; }
    LiveState &liveState() { return m_live; }
    bool isRunning() const { return m_running; }
    QString stopReason() const { return m_stopReason; }
    /// True when the session could not start (storage failed to open): stopReason() says why.
    bool failed() const { return m_failed; }
    /// Every source held CaptureConfig::untilSeq: the capture stopped because it was done (at
    /// start, when the database held it already).
    bool reachedUntilSeq() const { return m_reachedUntilSeq; }
    /// Builds a snapshot now (also what the timer emits); takes the coalesced live changes.
    SnapshotPtr takeSnapshot();
    /// Where the metrics are served (http://host:port/metrics) once started; empty when off.
    QString metricsUrl() const;

public slots:
    // Run on the session's thread: the GUI reaches these with queued calls (AppController).
    /// The fixture whose prices and price points the snapshots carry (empty: none).
    void watchFixture(const QString &sourceId, const QString &fixtureId);
    /// New alert rules from the next event on (what the old ones held, their cooldowns and
    /// windows, starts over); none: no alerts.
    void setAlertRules(std::vector<AlertRule> rules);
    void setWatchList(QSet<QString> fixtureKeys);
    /// Stops one source's client (its last batch is still stored); the others go on.
    void disconnectSource(const QString &sourceId);
    /// Starts a stopped source again, resuming after the last seq held.
    void connectSource(const QString &sourceId);
    /// Adds a source while running (its id must be new).
    void addSource(const OddsTap::FeedSourceConfig &source);
    /// Sources ▸ Edit: a source's new URL and token. A connected source reconnects at once to the
    /// new address and resumes after the last seq held (the id, and so the stream, stays the same).
    void updateSource(const OddsTap::FeedSourceConfig &source);

    /// Records every raw frame from now on into a new capture file. Refused (recordingFinished
    /// with the reason, and the error log) while recordingRefusal() says why.
    void startRecording(const QString &path, const QString &notes);
    /// Why this session's frames cannot be recorded, or empty: a capture file does not say yet
    /// which profile its frames need, so a Betfair stream or a mapped feed would replay as
    /// feed-protocol v1 frames and be rejected whole.
    static QString recordingRefusal(const std::vector<FeedSourceConfig> &sources, const QStringList &replayPaths);
    QString recordingRefusal() const;
    /// A source that cannot be recorded joins (or changes): a recording or ring in progress stops.
    void stopRecordingFor(const FeedSourceConfig &source);
    void stopRecording();
    /// Ring mode: keep the last keepMs of frames in memory (0: off); saveRing writes them out.
    void setRing(qint64 keepMs);
    void saveRing(const QString &path, const QString &notes);

    /// Transport of a replay session (no-ops otherwise).
    void setReplayPaused(bool paused);
    void setReplaySpeed(double speed);
    void replayStep();
    void replaySeekForward(qint64 wallNs);

signals:
    void batchReceived(const OddsTap::BatchPtr &batch);
    /// What the recorder keeps of a batch (only once a recording or the ring was started).
    void framesReceived(const OddsTap::ReceivedFramesPtr &received);
    /// What the alert rules fired on a batch's events, in stream order.
    void alertsRaised(const std::vector<OddsTap::Alert> &alerts);
    /// Every snapshotIntervalMs while running, and once more when finished.
    void snapshotReady(const OddsTap::SnapshotPtr &snapshot);
    void sourceStateChanged(const OddsTap::ConnectionEvent &event);
    /// addSource() is done with `sourceId`: its storage claimed it (or there is no storage), or not.
    void sourceClaimed(const QString &sourceId, bool claimed);
    /// Storage problems for the error log (once per outage, and on recovery).
    void storageNotice(const OddsTap::StorageNotice &notice);
    void finished(const QString &reason);
    void recordingFinished(const QString &path, quint64 frames, const QString &error);
    void ringSaved(const QString &path, quint64 frames, const QString &error);
    void replayFinished(const OddsTap::ReplayPosition &position);

private:
    /// One source as the session runs it: its configuration, thread and client (capturesource.h).
    struct SourceRun;
    /// `store` false: for the views only (a broker viewer's batches: the writers store them).
    void onBatch(const BatchPtr &batch, bool store = true);
    void onClientStopped();
    /// At stop: finishes once storage has taken nothing for drainTimeoutMs (behind but committing
    /// is waited for), with what is uncommitted recorded.
    void armDrainTimeout(quint64 commitsBefore);
    void startClients(const SeqMap &committed);
    void startSource(SourceRun &source);
    void stopSource(SourceRun &source, bool forSessionStop);
    SourceRun *findSource(const QString &sourceId);
    /// Storage's answer to addSource()'s claim: the source joins, or its refusal is logged.
    void claimAnswered(const QString &sourceId, bool claimed);
    void addClaimedSource(const FeedSourceConfig &source, bool enabled);
    void addLog(LogEntry entry);
    void collectForSnapshot(const EventBatch &batch);
    /// The watched fixture in every source that carries it (the comparison panel's rows).
    std::optional<FixtureComparison> compareWatched(qint64 nowMs) const;
    void checkUntilSeq(const SeqMap &held);
    void finish();
    void announceFinished();
    /// Emits takeSnapshot() and counts it as unapplied (CaptureConfig::snapshotsUnapplied).
    void emitSnapshot();
    bool viewsBehind() const;
    /// What one snapshot may carry of something capped at @p perTick a tick.
    std::size_t snapshotCap(std::size_t perTick) const { return perTick * m_ticksCovered; }
    void keepBet(const Event &bet);
    /// The kept bets in arrival order, for the snapshot.
    std::vector<Event> takeBets();
    void publishMetrics();
    void ensureRecorder();
    void startCache();
    void stopCache();
    void setKeepRaw(bool keep);
    /// Hands what a recorder keeps of @p batch to it.
    void recordFrames(const EventBatch &batch);
    /// Sends frames to the recorder, or stops the recording when it fell behind (maxRecorderBacklogBytes).
    void sendToRecorder(ReceivedFramesPtr frames);
    CaptureHeader captureHeader(const QString &notes) const;
    void forEachReplay(const std::function<void(ReplaySource *)> &call);

    CaptureConfig m_config;
    CaptureStats m_stats;
    LiveState m_live;
    std::map<QString, FeedLatency> m_feedLatency; ///< by source
    LadderBook m_ladders; ///< exchange order books, for the watched fixture's ladder
    std::unique_ptr<AlertEngine> m_alerts; ///< with alert rules only
    std::vector<std::unique_ptr<SourceRun>> m_sources;
    /// Sources added while running whose claim storage has not answered yet (claimAnswered()),
    /// with what the user did to them meanwhile.
    struct PendingSource
    {
        FeedSourceConfig config;
        bool enabled = true;
    };
    std::map<QString, PendingSource> m_claiming;
    QThread *m_storageThread = nullptr;
    StorageWriter *m_writer = nullptr; ///< lives in m_storageThread
    bool m_failed = false;
    bool m_reachedUntilSeq = false;
    SeqMap m_committedSeqs; ///< per source, as the writer reports commits
    bool m_running = false;
    bool m_stopping = false;
    bool m_finishing = false; ///< finish() runs once, though it delivers queued calls itself
    int m_runningClients = 0;
    QString m_stopReason;
    bool m_clientsStarted = false;

    std::unique_ptr<MetricsServer> m_metrics;
    QThread *m_cacheThread = nullptr;
    RedisCache *m_cache = nullptr; ///< lives in m_cacheThread

    // Recording and replay.
    QThread *m_recorderThread = nullptr;
    CaptureRecorder *m_recorder = nullptr; ///< lives in m_recorderThread
    /// Bytes of frames sent to the recorder and not yet taken by it (memoryOf()): added here,
    /// taken off on the recorder's thread.
    std::shared_ptr<std::atomic<qint64>> m_recorderBacklog = std::make_shared<std::atomic<qint64>>(0);
    /// The recorder fell behind by maxRecorderBacklogBytes: no frames go to it until half of
    /// that is taken.
    bool m_recorderBehind = false;
    quint64 m_pricesLeftOutLogged = 0; ///< LiveState::pricesLeftOut() when last logged
    quint64 m_alertFixturesForgottenLogged = 0; ///< AlertEngine::idleFixturesForgotten() when last logged
    quint64 m_alertPricesLeftOutLogged = 0; ///< AlertEngine::pricesLeftOut() likewise
    bool m_keepRaw = false;
    std::optional<RecorderStatus> m_recorderStatus;
    std::optional<ReplayPosition> m_replayPosition;
    std::shared_ptr<std::atomic<int>> m_replayInFlight = std::make_shared<std::atomic<int>>(0);

    // Snapshot state: what happened since the last snapshot.
    QTimer *m_snapshotTimer = nullptr;
    /// Runs while a snapshot is owed to views that were behind at a tick: it goes once they caught up.
    QTimer *m_owedSnapshotTimer = nullptr;
    static constexpr std::size_t kMaxTicksPerSnapshot = 10;
    /// Ticks the next snapshot covers (the skipped ones too): the per-snapshot caps scale with it.
    std::size_t m_ticksCovered = 1;
    qint64 m_lastSnapshotNs = 0;
    qint64 m_lastPruneMs = 0;
    CaptureStats m_statsAtLastSnapshot;
    LatencyHistogram m_windowProcessed;
    LatencyHistogram m_windowCommitted;
    LatencyHistogram m_windowWrite;
    WriteResult m_lastWrite; ///< the writer's queue as of the latest commit
    /// The writer's live gauges (with a spool): what waits, also while nothing commits.
    std::shared_ptr<const StorageBacklog> m_storageBacklog;
    /// Events in the writer's queue and the spool's size now: live when there is a spool, else as
    /// of the latest commit. Also keeps the summary's spool peak.
    WriteResult storageGauges();
    bool m_storageDown = false;
    QString m_watchSource;
    QString m_watchFixture;
    bool m_watchReset = false;
    std::vector<PricePoint> m_points;
    std::vector<Event> m_bets; ///< a ring once full: the newest bets, the oldest at m_betsOldest
    std::size_t m_betsOldest = 0;
    quint64 m_betsDropped = 0;
    std::vector<Event> m_watchedBets;
    quint64 m_watchedBetsDropped = 0;
    static constexpr std::size_t kMaxAlertsPerSnapshot = 500;
    std::vector<Alert> m_snapshotAlerts; ///< for the next snapshot
    quint64 m_snapshotAlertsDropped = 0;
    std::vector<LogEntry> m_log;
    quint64 m_logDropped = 0;
};

} // namespace OddsTap

// SPDX-License-Identifier: MIT
#pragma once

#include <core/alerts/alertengine.h>
#include <core/common/event.h>
#include <core/common/latencyhistogram.h>
#include <core/compare/pricecomparison.h>
#include <core/pipeline/livestate.h>
#include <core/replay/recorder.h>
#include <core/replay/replaysource.h>
#include <core/session/feedlatency.h>

#include <QMetaType>
#include <QString>

#include <array>
#include <memory>
#include <optional>
#include <vector>

namespace OddsTap {

/// Percentiles of one pipeline stage over a window.
struct StageLatency
{
    quint64 count = 0;
    qint64 p50Ns = 0;
    qint64 p95Ns = 0;
    qint64 p99Ns = 0;
    qint64 maxNs = 0;

    static StageLatency of(const LatencyHistogram &h)
    {
        return { h.count(), h.percentileNs(50), h.percentileNs(95), h.percentileNs(99), h.maxNs() };
    }
};

/// One source as the Sources view and the status line show it.
struct SourceStatus
{
    QString sourceId;
    QString url; ///< without user info, query or fragment (they may hold secrets)
    bool enabled = true; ///< false after disconnectSource() until connectSource()
    SourceState state = SourceState::Idle;
    QString reason; ///< of the latest transition that had one
    QString problem; ///< why it last went down (refused, not a WebSocket, 401, TLS...); empty once live
    qint64 retryAtMs = 0; ///< wall clock of the next attempt while backing off or after auth failure
    double eventsPerSec = 0; ///< accepted stream events over the last interval
    quint64 lastSeq = 0;
    quint64 received = 0; ///< envelopes
    quint64 rejected = 0;
    quint64 duplicates = 0;
    quint64 gaps = 0;
    quint64 reconnects = 0;
    FeedLatencyReading latency; ///< server time -> receipt over the last interval
};

/// Pipeline metrics, built by the session once per snapshot interval (never per event).
struct MetricsSnapshot
{
    qint64 atMs = 0; ///< wall clock; in a replay, the recorded time the replay stands at
    double intervalSeconds = 0; ///< since the previous snapshot
    double eventsPerSec = 0; ///< accepted stream events (fixture, odds, bet)
    std::array<double, kEventTypeCount> eventsPerSecByType {};
    std::array<quint64, kRejectCodeCount> rejectsByCode {}; ///< totals
    quint64 received = 0; ///< envelopes, all sources
    quint64 rejected = 0;
    quint64 duplicates = 0;
    quint64 gaps = 0;
    quint64 reconnects = 0;
    bool storing = false;
    quint64 persisted = 0; ///< stream rows committed (fixture updates, odds, bets)
    quint64 queuedEvents = 0; ///< waiting in the storage writer's memory
    /// The most events that waited in memory at once so far: handed over by the sources and not
    /// yet taken by the pipeline, held by the writer, or refused by the spool's disk.
    quint64 peakEventsInMemory = 0;
    qint64 spoolBytes = 0; ///< waiting on disk
    quint64 spoolBatches = 0;
    bool storageDown = false; ///< an outage is in progress
    qint64 latencyAlertMs = 0; ///< a source's feed latency p99 over this is an alert (0: never)
    // Over the last interval only (the live charts); totals are in CaptureStats.
    StageLatency receiveToProcessed; ///< frame received -> applied by the session
    StageLatency receiveToCommitted; ///< frame received -> its transaction committed
    StageLatency databaseWrite; ///< one transaction
    std::vector<SourceStatus> sources;
};

enum class LogSeverity : std::uint8_t
{
    Info,
    Warning,
    Error,
};

/// What an error-log line is about.
enum class LogKind : std::uint8_t
{
    Reject,
    FeedError, ///< an error envelope the feed sent
    Connection,
    Gap,
    Storage,
    Spool,
    Alert,
    Recording,
    Replay,
    Cache, ///< the Redis live cache
    Log, ///< about the log itself (lines left out)
    App,
};

/// How the log shows a kind, and how its CSV export spells it: "reject", "feed error", ...
QString logKindText(LogKind kind);

/// One line of the error log.
struct LogEntry
{
    qint64 atMs = 0;
    LogSeverity severity = LogSeverity::Info;
    LogKind kind = LogKind::App;
    QString sourceId {};
    std::optional<quint64> seq {};
    QString code {}; ///< reject code or connection state, on the wire's spelling
    QString message {};
    QByteArray raw {}; ///< a reject's raw text (in the error log: its start, see ErrorLogModel)
    qsizetype rawBytes = 0; ///< the raw text's whole size, when raw holds only its start

    /// A line about the application rather than one source (storage, recording, an alert), now.
    static LogEntry note(LogKind kind, LogSeverity severity, const QString &message);
};

/// One price of the watched fixture, as it happened (the chart's live points).
struct PricePoint
{
    QString marketType;
    QString selection;
    qint64 timestampMs = 0;
    double price = 0;
    PriceStatus status = PriceStatus::Open;
};

/// The watched fixture in every source that carries it, assessed at the snapshot's time.
struct FixtureComparison
{
    QString key; ///< the fixture map's key of the match
    std::vector<QString> sources; ///< that carry it, the watched one first
    std::vector<ComparedMarket> markets;
    qint64 atMs = 0; ///< when the ages were taken (the snapshot's time)
    qint64 maxAgeMs = 0; ///< prices older than this are left out of the best
};

/// What a view needs from one snapshot interval, coalesced: changed fixtures, the watched
/// fixture's prices and price points, the newest bets, new log lines, and the metrics.
struct SessionSnapshot
{
    MetricsSnapshot metrics;
    std::vector<FixtureState> fixtures; ///< changed since the previous snapshot
    /// Finished fixtures the live state forgot (ended or cancelled for a while): (source, fixture).
    std::vector<std::pair<QString, QString>> removedFixtures;
    QString watchedSourceId;
    QString watchedFixtureId;
    bool watchedReset = false; ///< the watch changed: `prices` holds every price of the fixture
    std::vector<PriceState> prices; ///< the watched fixture's prices that changed
    std::vector<PricePoint> points; ///< every price event of the watched fixture, in order
    /// The watched fixture's order books that changed (every one of them on watchedReset).
    std::vector<PriceLadder> ladders;
    /// The watched fixture across sources, whole at every snapshot (a few dozen prices).
    std::optional<FixtureComparison> comparison;
    /// The newest bets of the interval, in arrival order: at most a cap, for the tape.
    std::vector<Event> bets;
    quint64 betsDropped = 0; ///< older bets of this interval left out of `bets` (over the cap)
    /// Every bet on the watched fixture in this interval, whatever `bets` left out: the exposure
    /// adds them up. Capped only against a flood (maxWatchedBetsPerSnapshot), and what that leaves
    /// out is counted.
    std::vector<Event> watchedBets;
    quint64 watchedBetsDropped = 0;
    std::vector<Alert> alerts; ///< what the alert rules fired in this interval, in stream order, at most a cap
    quint64 alertsDropped = 0; ///< alerts of this interval not included (over the cap)
    std::vector<LogEntry> log;
    quint64 logDropped = 0; ///< log lines of this interval not included (over the cap)
    std::optional<RecorderStatus> recorder; ///< once recording or ring mode was used
    std::optional<ReplayPosition> replay; ///< in a replay session
};

using SnapshotPtr = std::shared_ptr<const SessionSnapshot>;

} // namespace OddsTap

Q_DECLARE_METATYPE(OddsTap::SnapshotPtr)

// SPDX-License-Identifier: MIT
// CaptureSession: what the views get, gathered from the batches and coalesced into a snapshot
// about ten times a second.
#include "capturesession.h"
#include "capturesource.h"

#include <core/common/redact.h>
#include <core/common/timeutil.h>
#include <core/models/roles.h>

#include <algorithm>
#include <set>

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace OddsTap {

void CaptureSession::collectForSnapshot(const EventBatch &batch)
{
    const qint64 now = monotonicNs();
    // Matched per event: a broker viewer's batch carries the events of the sources behind it.
    const bool watching = !m_watchFixture.isEmpty();
    LatencyHistogram &serverToReceive = m_stats.sources[batch.sourceId].serverToReceive;
    FeedLatency &feedLatency = m_feedLatency[batch.sourceId];
    for (const Event &e : batch.events) {
        m_windowProcessed.add(now - e.receivedMonoNs);
        if (e.advancesStream()) {
            serverToReceive.add(std::max<qint64>(0, e.receivedAtMs - e.serverTsMs) * 1000000);
            feedLatency.add(e.receivedAtMs - e.serverTsMs);
        }
        if (e.type == EventType::Odds) {
            if (watching && e.odds()->fixtureId == m_watchFixture && e.sourceId == m_watchSource) {
                if (m_points.size() < snapshotCap(m_config.maxPointsPerSnapshot)) {
                    const OddsData &o = *e.odds();
                    m_points.push_back({ o.marketType, o.selection, o.timestampMs, o.oddValue, o.status });
                }
            }
        } else if (e.type == EventType::Bet) {
            keepBet(e);
        } else if (e.type == EventType::Error) {
            addLog({ .atMs = e.receivedAtMs,
                .severity = LogSeverity::Warning,
                .kind = LogKind::FeedError,
                .sourceId = e.sourceId,
                .seq = e.seq,
                .code = e.feedError()->code,
                .message = e.feedError()->message });
        }
    }
    for (const Reject &r : batch.rejects) {
        addLog({ .atMs = r.receivedAtMs,
            .severity = LogSeverity::Error,
            .kind = LogKind::Reject,
            .sourceId = r.sourceId,
            .seq = r.seq,
            .code = QString::fromLatin1(toWire(r.code)),
            .message = r.message,
            .raw = r.raw });
    }
    for (const GapRecord &g : batch.gaps) {
        addLog({ .atMs = g.atMs,
            .severity = g.compacted ? LogSeverity::Info : LogSeverity::Warning,
            .kind = LogKind::Gap,
            .sourceId = g.sourceId,
            .seq = g.expectedSeq,
            .message = g.compacted ? QStringLiteral("snapshot skipped %1 superseded seqs").arg(g.missing())
                                   : QStringLiteral("gap: expected seq %1, got %2 (%3 missing, resuming)")
                                         .arg(g.expectedSeq)
                                         .arg(g.receivedSeq)
                                         .arg(g.missing()) });
    }
    for (const ConnectionEvent &c : batch.connectionEvents) {
        const bool bad = c.state == SourceState::AuthFailed || c.state == SourceState::Stalled
            || c.state == SourceState::Disconnected || c.state == SourceState::BackingOff;
        QString message = QString::fromLatin1(toWire(c.state));
        if (!c.reason.isEmpty()) {
            message += QStringLiteral(": ") + c.reason;
        }
        if (c.delayMs > 0) {
            message += QStringLiteral(" (next attempt in %1 s)").arg(double(c.delayMs) / 1000.0, 0, 'f', 1);
        }
        addLog({ .atMs = c.atMs,
            .severity = c.state == SourceState::AuthFailed ? LogSeverity::Error
                : bad                                      ? LogSeverity::Warning
                                                           : LogSeverity::Info,
            .kind = LogKind::Connection,
            .sourceId = c.sourceId,
            .seq = c.lastSeq,
            .code = QString::fromLatin1(toWire(c.state)),
            .message = message });
    }
}

void CaptureSession::keepBet(const Event &bet)
{
    const BetData *b = bet.bet();
    if (b && !m_watchFixture.isEmpty() && bet.sourceId == m_watchSource && b->fixtureId == m_watchFixture) {
        if (m_watchedBets.size() < snapshotCap(m_config.maxWatchedBetsPerSnapshot)) {
            m_watchedBets.push_back(bet);
        } else {
            ++m_watchedBetsDropped;
        }
    }
    const std::size_t cap = snapshotCap(m_config.maxBetsPerSnapshot);
    if (m_bets.size() < cap) {
        if (m_betsOldest != 0) { // the cap grew (a skipped tick) after the ring went round
            std::rotate(m_bets.begin(), m_bets.begin() + std::ptrdiff_t(m_betsOldest), m_bets.end());
            m_betsOldest = 0;
        }
        m_bets.push_back(bet);
        return;
    }
    ++m_betsDropped;
    if (m_bets.empty()) {
        return; // a cap of 0
    }
    // Full: the tape shows the newest bets, so this one takes the oldest one's place.
    m_bets[m_betsOldest] = bet;
    m_betsOldest = (m_betsOldest + 1) % m_bets.size();
}

std::vector<Event> CaptureSession::takeBets()
{
    std::rotate(m_bets.begin(), m_bets.begin() + std::ptrdiff_t(m_betsOldest), m_bets.end());
    m_betsOldest = 0;
    return std::exchange(m_bets, {});
}

std::optional<FixtureComparison> CaptureSession::compareWatched(qint64 nowMs) const
{
    const FixtureMap &map = m_config.fixtureMap;
    FixtureComparison c;
    c.key = map.key(m_watchSource, m_watchFixture);
    c.atMs = nowMs;
    c.maxAgeMs = m_config.compareMaxAgeMs;
    const FixtureState *watched = m_live.fixture(m_watchSource, m_watchFixture);
    // Two sources' equal ids are one match only once both have named it, alike: independent feeds
    // number their fixtures alike ("fx-1") without meaning the same game. As the arbitrage rule
    // judges (AlertEngine), so the panel never shows an arbitrage the rule refuses.
    const auto sameTeams = [](const FixtureState *a, const FixtureState *b) {
        const auto named = [](const FixtureState *f) {
            return f && !(f->fixture.home.isEmpty() && f->fixture.away.isEmpty());
        };
        return named(a) && named(b) && a->fixture.home.compare(b->fixture.home, Qt::CaseInsensitive) == 0
            && a->fixture.away.compare(b->fixture.away, Qt::CaseInsensitive) == 0;
    };
    std::vector<QString> sourceIds { m_watchSource };
    for (const auto &[id, stats] : m_stats.sources) {
        if (id != m_watchSource) {
            sourceIds.push_back(id);
        }
    }
    for (const QString &sourceId : sourceIds) {
        const QString fixtureId = sourceId == m_watchSource ? m_watchFixture : map.fixtureIdIn(c.key, sourceId);
        if (sourceId != m_watchSource
            && (map.key(sourceId, fixtureId) != c.key
                || (!map.names(sourceId, fixtureId) && !sameTeams(watched, m_live.fixture(sourceId, fixtureId))))) {
            continue; // mapped to another match, or equal ids of another game
        }
        const std::vector<PriceState> prices = m_live.prices(sourceId, fixtureId);
        if (prices.empty()) {
            continue;
        }
        c.sources.push_back(sourceId);
        for (const PriceState &p : prices) {
            auto market = std::find_if(c.markets.begin(), c.markets.end(),
                [&](const ComparedMarket &m) { return m.marketType == p.marketType; });
            if (market == c.markets.end()) {
                c.markets.emplace_back().marketType = p.marketType;
                market = c.markets.end() - 1;
            }
            market->update(p.selection, { sourceId, p.price, p.status, p.updatedAtMs });
        }
    }
    if (c.sources.empty()) {
        return std::nullopt;
    }
    for (ComparedMarket &market : c.markets) {
        assessMarket(market, nowMs, c.maxAgeMs);
    }
    return c;
}

QString CaptureSession::metricsUrl() const
{
    return m_metrics ? m_metrics->url() : QString();
}

WriteResult CaptureSession::storageGauges()
{
    WriteResult g;
    g.queuedEvents = m_lastWrite.queuedEvents;
    g.peakEventsInMemory = m_lastWrite.peakEventsInMemory;
    g.spoolBytes = m_lastWrite.spoolBytes;
    g.spoolBatches = m_lastWrite.spoolBatches;
    if (m_storageBacklog) {
        g.queuedEvents = m_storageBacklog->held.load(std::memory_order_relaxed);
        g.peakEventsInMemory = m_storageBacklog->peak.load(std::memory_order_relaxed);
        g.spoolBytes = m_storageBacklog->spoolBytes.load(std::memory_order_relaxed);
        g.spoolBatches = m_storageBacklog->spoolBatches.load(std::memory_order_relaxed);
        m_stats.maxSpoolBytes = std::max(m_stats.maxSpoolBytes, g.spoolBytes);
        m_stats.peakEventsInMemory = std::max(m_stats.peakEventsInMemory, quint64(g.peakEventsInMemory));
    }
    return g;
}

void CaptureSession::publishMetrics()
{
    if (!m_metrics) {
        return;
    }
    auto reading = std::make_shared<MetricsReading>();
    reading->atMs = wallClockMs();
    reading->stats = m_stats;
    reading->committedSeqs = m_committedSeqs;
    const WriteResult gauges = storageGauges();
    reading->queuedEvents = gauges.queuedEvents;
    reading->spoolBytes = gauges.spoolBytes;
    reading->storageDown = m_storageDown;
    m_metrics->publish(std::move(reading));
}

SnapshotPtr CaptureSession::takeSnapshot()
{
    auto snap = std::make_shared<SessionSnapshot>();
    const qint64 nowNs = monotonicNs();
    const double seconds = std::max(1e-3, double(nowNs - m_lastSnapshotNs) / 1e9);
    m_lastSnapshotNs = nowNs;
    MetricsSnapshot &m = snap->metrics;
    // A replay's views live in the recorded time: ages and pruning follow the replay clock.
    m.atMs = m_replayPosition && m_replayPosition->positionWallNs > 0 ? m_replayPosition->positionWallNs / 1000000
                                                                      : wallClockMs();
    m.intervalSeconds = seconds;
    const CaptureStats::Source total = m_stats.total();
    const CaptureStats::Source before = m_statsAtLastSnapshot.total();
    for (std::size_t t = 0; t < std::size_t(kEventTypeCount); ++t) {
        m.eventsPerSecByType[t] = double(total.accepted[t] - before.accepted[t]) / seconds;
    }
    m.eventsPerSec = double(total.acceptedStreamTotal() - before.acceptedStreamTotal()) / seconds;
    m.rejectsByCode = total.rejected;
    m.received = total.envelopesReceived();
    m.rejected = total.rejectedTotal();
    m.duplicates = total.duplicates;
    m.gaps = total.gaps;
    m.reconnects = total.reconnects;
    m.storing = m_config.storage.has_value() && !m_failed;
    m.persisted = m_stats.persisted.storedStream();
    const WriteResult gauges = storageGauges();
    m.queuedEvents = gauges.queuedEvents;
    m.peakEventsInMemory = gauges.peakEventsInMemory;
    m.spoolBytes = gauges.spoolBytes;
    m.spoolBatches = gauges.spoolBatches;
    m.storageDown = m_storageDown;
    m.latencyAlertMs = m_config.latencyAlertMs;
    m.receiveToProcessed = StageLatency::of(m_windowProcessed);
    m.receiveToCommitted = StageLatency::of(m_windowCommitted);
    m.databaseWrite = StageLatency::of(m_windowWrite);
    m_stats.receiveToProcessed.merge(m_windowProcessed);
    m_stats.databaseWrite.merge(m_windowWrite);
    publishMetrics();
    m_windowProcessed = {};
    m_windowCommitted = {};
    m_windowWrite = {};
    // A configured source's row, and (behind a broker viewer) a row for each source whose events
    // the viewer brings: they have no client here, so they take the viewer's state and URL.
    const SourceRun *viewer = nullptr;
    std::set<QString> listed;
    const auto addRow = [&](const QString &id, const SourceRun &run, const SourceRun *through) {
        SourceStatus st;
        st.sourceId = id;
        st.url = through ? QStringLiteral("through %1").arg(through->config.sourceId) : redactedUrl(run.config.url);
        st.enabled = run.enabled;
        if (through) {
            if (const auto v = m_stats.sources.find(through->config.sourceId); v != m_stats.sources.end()) {
                st.state = v->second.state;
            }
        }
        const auto it = m_stats.sources.find(id);
        if (it != m_stats.sources.end()) {
            const CaptureStats::Source &s = it->second;
            const auto old = m_statsAtLastSnapshot.sources.find(id);
            const quint64 previous = old == m_statsAtLastSnapshot.sources.end() ? 0 : old->second.acceptedStreamTotal();
            if (!through) {
                st.state = s.state;
                st.reason = s.lastReason;
                st.problem = s.lastProblem;
                st.retryAtMs = s.retryAtMs;
            }
            st.eventsPerSec = double(s.acceptedStreamTotal() - previous) / seconds;
            st.lastSeq = s.lastSeq;
            st.received = s.envelopesReceived();
            st.rejected = s.rejectedTotal();
            st.duplicates = s.duplicates;
            st.gaps = s.gaps;
            st.reconnects = s.reconnects;
        }
        if (const auto latency = m_feedLatency.find(id); latency != m_feedLatency.end()) {
            st.latency = latency->second.take(m.atMs);
        }
        m.sources.push_back(std::move(st));
    };
    for (const auto &w : m_sources) {
        if (w->replay) {
            continue;
        }
        listed.insert(w->config.sourceId);
        if (w->config.url.scheme() == QLatin1String("amqp")) {
            viewer = w.get();
        }
        addRow(w->config.sourceId, *w, nullptr);
    }
    if (viewer) {
        for (const auto &[id, s] : m_stats.sources) {
            if (!listed.count(id) && s.acceptedStreamTotal() > 0) {
                addRow(id, *viewer, viewer);
            }
        }
    }
    m_statsAtLastSnapshot = m_stats;

    LiveState::Changes changes = m_live.takeChanges();
    std::shared_ptr<LiveChanges> forCache;
    if (m_cache) {
        forCache = std::make_shared<LiveChanges>();
        forCache->fixtures = changes.fixtures;
        forCache->prices = changes.prices;
    }
    snap->fixtures = std::move(changes.fixtures);
    if (m.atMs - m_lastPruneMs >= 10000) {
        snap->removedFixtures = m_live.pruneFinished(m.atMs, m_config.keepFinishedMs, m_config.maxFinishedFixtures);
        const auto oldest = m_live.pruneOldest(m_config.maxLiveFixtures, m_config.maxLivePrices,
            [this, pinned = watchedFixtures(m_config.watchList)](const QString &sourceId, const QString &fixtureId) {
                return (sourceId == m_watchSource && fixtureId == m_watchFixture)
                    || pinned.contains(fixtureKey(sourceId, fixtureId));
            });
        if (const quint64 leftOut = m_live.pricesLeftOut(); leftOut > m_pricesLeftOutLogged) {
            addLog({ .atMs = m.atMs,
                .severity = LogSeverity::Warning,
                .kind = LogKind::App,
                .message = QStringLiteral("%1 price updates left out of the live views so far: their fixtures held %2 "
                                          "prices already (markets times selections; the updates are stored)")
                               .arg(leftOut)
                               .arg(LiveState::kMaxPricesPerFixture) });
            m_pricesLeftOutLogged = leftOut;
        }
        if (m_alerts
            && (m_alerts->idleFixturesForgotten() > m_alertFixturesForgottenLogged
                || m_alerts->pricesLeftOut() > m_alertPricesLeftOutLogged)) {
            addLog({ .atMs = m.atMs,
                .severity = LogSeverity::Warning,
                .kind = LogKind::App,
                .message =
                    QStringLiteral("alert rules: %1 fixtures silent longest forgotten so far (a source held more "
                                   "than %2; each starts afresh when it speaks again), %3 prices not evaluated "
                                   "(their fixtures held %4 selections already)")
                        .arg(m_alerts->idleFixturesForgotten())
                        .arg(AlertEngine::kMaxFixtures)
                        .arg(m_alerts->pricesLeftOut())
                        .arg(AlertEngine::kMaxSelectionsPerFixture) });
            m_alertFixturesForgottenLogged = m_alerts->idleFixturesForgotten();
            m_alertPricesLeftOutLogged = m_alerts->pricesLeftOut();
        }
        if (!oldest.empty()) {
            addLog({ .atMs = m.atMs,
                .severity = LogSeverity::Warning,
                .kind = LogKind::App,
                .message = QStringLiteral("more than %1 fixtures or %2 prices held: the %3 fixtures idle longest left "
                                          "the live views (the database keeps their events; a fixture shows again "
                                          "with its next update)")
                               .arg(m_config.maxLiveFixtures)
                               .arg(m_config.maxLivePrices)
                               .arg(oldest.size()) });
            snap->removedFixtures.insert(snap->removedFixtures.end(), oldest.begin(), oldest.end());
        }
        for (const auto &[sourceId, fixtureId] : snap->removedFixtures) {
            m_ladders.forget(sourceId, fixtureId);
        }
        m_lastPruneMs = m.atMs;
#ifdef __GLIBC__
        // Batches are allocated on the feed threads and freed on others; give freed pages back.
        malloc_trim(0);
#endif
    }
    if (forCache) {
        forCache->removed = snap->removedFixtures;
        QMetaObject::invokeMethod(m_cache, [cache = m_cache, c = LiveChangesPtr(forCache)] { cache->apply(c); });
    }
    snap->watchedSourceId = m_watchSource;
    snap->watchedFixtureId = m_watchFixture;
    snap->watchedReset = std::exchange(m_watchReset, false);
    if (!m_watchFixture.isEmpty()) {
        snap->ladders = m_ladders.takeChanged(m_watchSource, m_watchFixture);
        if (snap->watchedReset) {
            snap->prices = m_live.prices(m_watchSource, m_watchFixture);
            snap->ladders = m_ladders.ladders(m_watchSource, m_watchFixture);
        } else {
            for (PriceState &p : changes.prices) {
                if (p.fixtureId == m_watchFixture && p.sourceId == m_watchSource) {
                    snap->prices.push_back(std::move(p));
                }
            }
        }
    }
    if (!m_watchFixture.isEmpty()) {
        snap->comparison = compareWatched(m.atMs);
    }
    snap->points = std::exchange(m_points, {});
    snap->bets = takeBets();
    snap->betsDropped = std::exchange(m_betsDropped, 0);
    snap->watchedBets = std::exchange(m_watchedBets, {});
    snap->watchedBetsDropped = std::exchange(m_watchedBetsDropped, 0);
    m_ticksCovered = 1;
    snap->alerts = std::exchange(m_snapshotAlerts, {});
    snap->alertsDropped = std::exchange(m_snapshotAlertsDropped, 0);
    snap->log = std::exchange(m_log, {});
    snap->logDropped = std::exchange(m_logDropped, 0);
    snap->recorder = m_recorderStatus;
    snap->replay = m_replayPosition;
    return snap;
}

} // namespace OddsTap

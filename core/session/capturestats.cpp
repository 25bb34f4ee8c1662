// SPDX-License-Identifier: MIT
#include "capturestats.h"

#include <numeric>

namespace OddsTap {
namespace {

QString wire(std::string_view s)
{
    return QString::fromLatin1(s.data(), qsizetype(s.size()));
}

QJsonObject sourceJson(const CaptureStats::Source &s)
{
    QJsonObject accepted;
    for (int t = 0; t < kEventTypeCount; ++t) {
        if (EventType(t) != EventType::Heartbeat) {
            accepted.insert(displayName(EventType(t)), qint64(s.accepted[std::size_t(t)]));
        }
    }
    QJsonObject byCode;
    for (int c = 0; c < kRejectCodeCount; ++c) {
        if (s.rejected[std::size_t(c)] != 0) {
            byCode.insert(wire(toWire(RejectCode(c))), qint64(s.rejected[std::size_t(c)]));
        }
    }
    const quint64 received = s.envelopesReceived();
    const quint64 accounted = s.acceptedTotal() + s.rejectedTotal() + s.duplicates + s.discarded + s.heartbeats;
    return QJsonObject {
        { QStringLiteral("frames"), qint64(s.frames) },
        { QStringLiteral("bytes"), qint64(s.bytes) },
        { QStringLiteral("envelopes_received"), qint64(received) },
        { QStringLiteral("accepted"), accepted },
        { QStringLiteral("accepted_total"), qint64(s.acceptedTotal()) },
        { QStringLiteral("rejected"),
            QJsonObject {
                { QStringLiteral("total"), qint64(s.rejectedTotal()) }, { QStringLiteral("by_code"), byCode } } },
        { QStringLiteral("duplicates"), qint64(s.duplicates) },
        { QStringLiteral("discarded_after_gap"), qint64(s.discarded) },
        { QStringLiteral("heartbeats"), qint64(s.heartbeats) },
        { QStringLiteral("gaps"), qint64(s.gaps) },
        { QStringLiteral("gap_seqs_missing"), qint64(s.gapSeqsMissing) },
        { QStringLiteral("compacted_seqs"), qint64(s.compactedSeqs) },
        { QStringLiteral("seqs_never_received"), qint64(s.seqsGivenUp) },
        { QStringLiteral("stream_envelopes"), qint64(s.streamAdvances) },
        { QStringLiteral("connections"), qint64(s.connections) },
        { QStringLiteral("reconnects"), qint64(s.reconnects) },
        { QStringLiteral("auth_failures"), qint64(s.authFailures) },
        { QStringLiteral("stalls"), qint64(s.stalls) },
        { QStringLiteral("last_seq"), qint64(s.lastSeq) },
        { QStringLiteral("state"), wire(toWire(s.state)) },
        { QStringLiteral("last_reason"), s.lastReason },
        { QStringLiteral("last_problem"), s.lastProblem },
        { QStringLiteral("reconciliation"),
            QJsonObject { { QStringLiteral("received"), qint64(received) },
                { QStringLiteral("accounted"), qint64(accounted) },
                { QStringLiteral("formula"),
                    QStringLiteral("received = accepted + rejected + duplicates + discarded_after_gap + "
                                   "heartbeats") },
                { QStringLiteral("ok"), received == accounted } } },
    };
}

} // namespace

quint64 CaptureStats::Source::acceptedTotal() const
{
    return std::accumulate(accepted.begin(), accepted.end(), quint64(0));
}

quint64 CaptureStats::Source::acceptedStreamTotal() const
{
    return accepted[std::size_t(EventType::Fixture)] + accepted[std::size_t(EventType::Odds)]
        + accepted[std::size_t(EventType::Bet)] + accepted[std::size_t(EventType::Book)];
}

quint64 CaptureStats::Source::rejectedTotal() const
{
    return std::accumulate(rejected.begin(), rejected.end(), quint64(0));
}

quint64 CaptureStats::Source::envelopesReceived() const
{
    return envelopes;
}

void CaptureStats::add(const EventBatch &batch)
{
    auto sourceOf = [this](const QString &id) -> Source & { return sources[id]; };
    // A FeedClient's batches hold one source: look it up once, not once per event.
    Source *own = &sourceOf(batch.sourceId);
    for (const Event &ev : batch.events) {
        Source &s = ev.sourceId == batch.sourceId ? *own : sourceOf(ev.sourceId);
        ++s.accepted[std::size_t(ev.type)];
    }
    for (const Reject &r : batch.rejects) {
        ++sourceOf(r.sourceId).rejected[std::size_t(r.code)];
    }
    for (const GapRecord &g : batch.gaps) {
        Source &s = sourceOf(g.sourceId);
        if (g.givenUp) {
            s.seqsGivenUp += g.missing(); // the gap was counted when first met
            if (s.givenUpRanges.size() < Source::kMaxGivenUpRanges) {
                s.givenUpRanges.emplace_back(g.expectedSeq, g.receivedSeq);
            }
        } else if (g.compacted) {
            s.compactedSeqs += g.missing();
        } else {
            ++s.gaps;
            s.gapSeqsMissing += g.missing();
        }
    }
    for (const ConnectionEvent &c : batch.connectionEvents) {
        Source &s = sourceOf(c.sourceId);
        s.state = c.state;
        s.retryAtMs = c.delayMs > 0 ? c.atMs + c.delayMs : 0;
        s.lastSeq = std::max(s.lastSeq, c.lastSeq);
        if (!c.reason.isEmpty()) {
            s.lastReason = c.reason;
        }
        if (c.state == SourceState::Subscribed) {
            s.lastProblem.clear();
        } else if ((c.state == SourceState::Disconnected || c.state == SourceState::Stalled
                       || c.state == SourceState::AuthFailed)
            && !c.reason.isEmpty()) {
            s.lastProblem = c.reason;
        }
        if (c.state == SourceState::Connecting) {
            ++s.connections;
            if (c.connection > 1) {
                ++s.reconnects;
            }
        } else if (c.state == SourceState::AuthFailed) {
            ++s.authFailures;
        } else if (c.state == SourceState::Stalled) {
            ++s.stalls;
        }
    }
    // Frame-level counters: a FeedClient's batches hold one source each.
    Source &s = sourceOf(batch.sourceId);
    s.frames += batch.frames;
    s.bytes += batch.bytes;
    s.envelopes += batch.envelopes;
    s.duplicates += batch.duplicates;
    s.discarded += batch.discarded;
    s.heartbeats += batch.heartbeats;
    s.streamAdvances += batch.streamAdvances;
    // Each event's own source: a broker viewer's batch carries the events of the sources behind it.
    Source *last = &s;
    const QString *lastId = &batch.sourceId;
    for (const Event &ev : batch.events) {
        if (ev.advancesStream()) {
            if (ev.sourceId != *lastId) {
                last = &sourceOf(ev.sourceId);
                lastId = &ev.sourceId;
            }
            last->lastSeq = std::max(last->lastSeq, ev.seq);
        }
    }
}

void CaptureStats::addCommitted(const WriteResult &r)
{
    storing = true;
    persisted.addCounts(r);
    maxWriteNs = std::max(maxWriteNs, r.writeNs);
    receiveToCommit.merge(r.receiveToCommit);
    maxSpoolBytes = std::max(maxSpoolBytes, r.spoolBytes);
    spilledBatches = std::max(spilledBatches, r.spilledBatches);
    peakEventsInMemory = std::max(peakEventsInMemory, r.peakEventsInMemory);
    maxQueuedEvents = std::max(maxQueuedEvents, r.queuedEvents);
    ++commits;
}

CaptureStats::Source CaptureStats::total() const
{
    Source t;
    for (const auto &[id, s] : sources) {
        t.frames += s.frames;
        t.bytes += s.bytes;
        t.envelopes += s.envelopes;
        for (std::size_t i = 0; i < t.accepted.size(); ++i) {
            t.accepted[i] += s.accepted[i];
        }
        for (std::size_t i = 0; i < t.rejected.size(); ++i) {
            t.rejected[i] += s.rejected[i];
        }
        t.duplicates += s.duplicates;
        t.discarded += s.discarded;
        t.heartbeats += s.heartbeats;
        t.streamAdvances += s.streamAdvances;
        t.gaps += s.gaps;
        t.gapSeqsMissing += s.gapSeqsMissing;
        t.compactedSeqs += s.compactedSeqs;
        t.seqsGivenUp += s.seqsGivenUp;
        t.connections += s.connections;
        t.reconnects += s.reconnects;
        t.authFailures += s.authFailures;
        t.stalls += s.stalls;
    }
    return t;
}

quint64 CaptureStats::streamAdvances() const
{
    quint64 n = 0;
    for (const auto &[id, s] : sources) {
        n += s.streamAdvances;
    }
    return n;
}

QJsonObject CaptureStats::toJson() const
{
    QJsonObject perSource;
    for (const auto &[id, s] : sources) {
        perSource.insert(id, sourceJson(s));
    }
    QJsonObject out = sourceJson(total());
    out.remove(QStringLiteral("state"));
    out.remove(QStringLiteral("last_reason"));
    out.remove(QStringLiteral("last_seq"));
    out.insert(QStringLiteral("sources"), perSource);
    out.insert(QStringLiteral("alerts"), qint64(alerts));
    if (storing) {
        const Source t = total();
        const quint64 acceptedStream = t.acceptedStreamTotal();
        const quint64 storedStream = persisted.storedStream();
        out.insert(QStringLiteral("persisted"),
            QJsonObject {
                { QStringLiteral("fixture_updates"), qint64(persisted.fixtureUpdates) },
                { QStringLiteral("odds"), qint64(persisted.odds) },
                { QStringLiteral("bets"), qint64(persisted.bets) },
                { QStringLiteral("books"), qint64(persisted.books) },
                { QStringLiteral("rejects"), qint64(persisted.rejects) },
                { QStringLiteral("gaps"), qint64(persisted.gaps) },
                { QStringLiteral("connection_events"), qint64(persisted.connectionEvents) },
                { QStringLiteral("feed_errors"), qint64(persisted.feedErrors) },
                { QStringLiteral("alerts"), qint64(persisted.alerts) },
                { QStringLiteral("already_stored_alerts"), qint64(persisted.duplicateAlerts) },
                { QStringLiteral("alerts_not_stored"), qint64(alertsNotStored) },
                { QStringLiteral("already_stored_seqs"), qint64(persisted.duplicateSeqs) },
                { QStringLiteral("already_stored_bet_ids"), qint64(persisted.duplicateBets) },
                { QStringLiteral("commits"), qint64(commits) },
                { QStringLiteral("write_ms_avg"), commits ? double(persisted.writeNs) / double(commits) / 1e6 : 0.0 },
                { QStringLiteral("write_ms_max"), double(maxWriteNs) / 1e6 },
                { QStringLiteral("drain_timed_out"), drainTimedOut },
                { QStringLiteral("drain_outcome"),
                    !drainTimedOut         ? QStringLiteral("complete")
                        : storageDownAtEnd ? QStringLiteral("database_unavailable")
                                           : QStringLiteral("database_behind") },
                { QStringLiteral("uncommitted_at_exit"), qint64(queuedAtEnd) },
                { QStringLiteral("lost_in_storage"), qint64(lostEvents) },
                { QStringLiteral("spilled_batches"), qint64(spilledBatches) },
                { QStringLiteral("peak_events_in_memory"), qint64(peakEventsInMemory) },
                { QStringLiteral("spool_bytes_max"), maxSpoolBytes },
                { QStringLiteral("queued_events_max"), qint64(maxQueuedEvents) },
                { QStringLiteral("receive_to_commit_ms"),
                    QJsonObject { { QStringLiteral("p50"), double(receiveToCommit.percentileNs(50)) / 1e6 },
                        { QStringLiteral("p95"), double(receiveToCommit.percentileNs(95)) / 1e6 },
                        { QStringLiteral("p99"), double(receiveToCommit.percentileNs(99)) / 1e6 },
                        { QStringLiteral("max"), double(receiveToCommit.maxNs()) / 1e6 } } },
            });
        const quint64 storedAll = storedStream + persisted.duplicateSeqs + persisted.duplicateBets;
        out.insert(QStringLiteral("storage_reconciliation"),
            QJsonObject {
                { QStringLiteral("formula"),
                    QStringLiteral("accepted fixture+odds+bet+book = stored fixture_updates+odds+bets+books + "
                                   "already_stored_seqs + already_stored_bet_ids; rejected = stored rejects") },
                { QStringLiteral("accepted"), qint64(acceptedStream) },
                { QStringLiteral("stored_or_already_stored"), qint64(storedAll) },
                { QStringLiteral("lost_in_storage"), qint64(lostEvents) },
                { QStringLiteral("ok"),
                    acceptedStream == storedAll && t.rejectedTotal() == persisted.rejects && lostEvents == 0 },
            });
    }
    return out;
}

} // namespace OddsTap

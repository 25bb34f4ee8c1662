// SPDX-License-Identifier: MIT
#include "streamtracker.h"

#include <core/common/logging.h>

#include <algorithm>

namespace OddsTap {

StreamTracker::StreamTracker(
    QString sourceId, DecoderLimits limits, std::optional<quint64> resumeFromSeq, const FeedProfile &profile)
    : m_sourceId(std::move(sourceId))
    , m_decoder(makeFeedDecoder(profile, limits))
    , m_lastSeq(resumeFromSeq)
    , m_takenSeq(resumeFromSeq)
{
    if (resumeFromSeq) {
        m_decoder->resumeAfter(*resumeFromSeq);
    }
}

void StreamTracker::beginConnection(quint32 connection)
{
    if (m_inSnapshot && m_lastSeq && *m_lastSeq > m_snapshotBase + m_snapshotAccepted) {
        // The connection ended inside a snapshot: its envelopes come in seq order, so the seqs it
        // skipped below the last one received are state it superseded (compacted), and the resume
        // from there brings the rest. Recorded now, since its snapshot_end never comes.
        const quint64 skipped = *m_lastSeq - m_snapshotBase - m_snapshotAccepted;
        qCInfo(lcFeed).noquote() << QStringLiteral("[%1] a snapshot ended before its snapshot_end: the %2 seqs it "
                                                   "skipped up to seq %3 are recorded as compacted")
                                        .arg(m_sourceId)
                                        .arg(skipped)
                                        .arg(*m_lastSeq);
        m_pending.gaps.push_back(GapRecord {
            m_sourceId, m_snapshotBase + 1, m_snapshotBase + 1 + skipped, true, m_connection, m_frameAtMs });
    }
    m_connection = connection;
    m_seenSeq.reset();
    m_resyncing = false;
    m_inSnapshot = false;
    m_gapReason.clear();
}

ReceivedFrames &StreamTracker::received()
{
    if (!m_received) {
        m_received = std::make_shared<ReceivedFrames>();
        m_received->sourceId = m_sourceId;
        if (m_keepRaw) {
            // Room for a batch a quarter larger than the last: growing a buffer of megabytes
            // copies it whole.
            m_received->payloads.reserve(m_receivedBytes + m_receivedBytes / 4);
            m_received->frames.reserve(m_receivedFrames + m_receivedFrames / 4);
        }
    }
    return *m_received;
}

void StreamTracker::noteRawFrame(QByteArrayView bytes, qint64 wallNs, qint64 monoNs, bool binary)
{
    received().append(bytes, wallNs, monoNs, m_connection, binary);
}

void StreamTracker::addConnectionEvent(const ConnectionEvent &event)
{
    m_pending.connectionEvents.push_back(event);
    // Kept whether or not frames are: a recording that begins or ends within this batch has its
    // connection events, in their place among the frames it has.
    received().appendConnectionEvent(event);
}

bool StreamTracker::onFrame(const QByteArray &bytes, qint64 receivedAtMs, qint64 receivedMonoNs)
{
    const bool wasResyncing = m_resyncing;
    m_frameAtMs = receivedAtMs;
    const FrameContext ctx { m_sourceId, receivedAtMs, receivedMonoNs };
    const std::size_t envelopes = m_decoder->decode(bytes, ctx, m_scratch);
    m_pending.frames += m_scratch.frames;
    m_pending.bytes += m_scratch.bytes;
    // Walk events and rejects in frame order: every envelope is exactly one of them.
    std::size_t ei = 0;
    std::size_t ri = 0;
    for (std::size_t i = 0; i < envelopes; ++i) {
        const bool isReject = ri < m_scratch.rejects.size()
            && (m_scratch.rejects[ri].batchIndex == int(i) || m_scratch.rejects[ri].batchIndex < 0);
        if (isReject) {
            handleReject(std::move(m_scratch.rejects[ri++]));
        } else if (ei < m_scratch.events.size()) {
            handleEvent(std::move(m_scratch.events[ei++]));
        }
    }
    m_pending.envelopes += envelopes;
    while (ri < m_scratch.rejects.size()) {
        ++m_pending.envelopes;
        handleReject(std::move(m_scratch.rejects[ri++])); // a rejected frame
    }
    m_scratch.events.clear();
    m_scratch.rejects.clear();
    m_scratch.frames = 0;
    m_scratch.bytes = 0;
    return m_resyncing && !wasResyncing;
}

void StreamTracker::handleEvent(Event &&ev)
{
    switch (ev.type) {
    case EventType::Heartbeat:
        ++m_pending.heartbeats;
        return;
    case EventType::SnapshotBegin:
        if (m_seenSeq) {
            // v1 sends a snapshot only as the answer to a resume, before anything else: one in
            // the middle of a live stream would let its seqs skip without a gap being recorded.
            qCWarning(lcFeed).noquote() << QStringLiteral("[%1] snapshot_begin in the middle of the live stream (after "
                                                          "seq %2) ignored: gaps are still detected")
                                               .arg(m_sourceId)
                                               .arg(*m_seenSeq);
            m_pending.events.push_back(std::move(ev));
            return;
        }
        m_inSnapshot = true;
        m_snapshotBase = m_lastSeq.value_or(0);
        m_snapshotAccepted = 0;
        m_pending.events.push_back(std::move(ev));
        return;
    case EventType::SnapshotEnd:
        if (m_inSnapshot) {
            m_inSnapshot = false;
            const quint64 s = ev.seq;
            if (s > m_snapshotBase + m_snapshotAccepted) {
                // The skipped seqs are spread over (base, S]; the record carries their number.
                const quint64 compacted = s - m_snapshotBase - m_snapshotAccepted;
                GapRecord gap { m_sourceId, m_snapshotBase + 1, m_snapshotBase + 1 + compacted, true, m_connection,
                    m_frameAtMs };
                qCInfo(lcFeed) << "snapshot compacted" << compacted << "seqs up to" << s;
                m_pending.gaps.push_back(gap);
            }
            if (!m_lastSeq || s > *m_lastSeq) {
                m_lastSeq = s;
            }
            m_seenSeq = m_lastSeq; // the stream goes on after the snapshot's seq
        }
        m_pending.events.push_back(std::move(ev));
        return;
    case EventType::Error: {
        const FeedErrorData *e = ev.feedError();
        qCWarning(lcFeed).noquote() << QStringLiteral("[%1] server error %2: %3")
                                           .arg(m_sourceId, e ? e->code : QString(), e ? e->message : QString());
        m_pending.events.push_back(std::move(ev));
        return;
    }
    case EventType::Fixture:
    case EventType::Odds:
    case EventType::Bet:
    case EventType::Book:
        break;
    }
    const bool afterUnreadable = m_unreadableAt && m_lastSeq && *m_unreadableAt == *m_lastSeq;
    m_unreadableAt.reset();
    m_seenSeq = ev.seq;
    if (m_resyncing) {
        ++m_pending.discarded;
        return;
    }
    if (m_lastSeq && ev.seq <= *m_lastSeq) {
        ++m_pending.duplicates;
        return;
    }
    if (m_inSnapshot || !m_lastSeq || ev.seq == *m_lastSeq + 1) {
        if (!m_gapsAfterUnreadable.empty() && m_gapsAfterUnreadable.begin()->first <= ev.seq) {
            m_gapsAfterUnreadable.erase(m_gapsAfterUnreadable.begin()); // the resume filled it
        }
        if (m_inSnapshot) {
            ++m_snapshotAccepted;
        }
        if (m_openGapAt && ev.seq >= *m_openGapAt) {
            m_openGapAt.reset(); // the resume brought what was missing
            m_openGapHits = 0;
        }
        m_lastSeq = ev.seq;
        ++m_pending.streamAdvances;
        m_pending.events.push_back(std::move(ev));
        return;
    }
    if (afterUnreadable && ev.seq == *m_lastSeq + 2) {
        // One seq missing, and in its place a frame whose seq cannot be read. The first time this
        // is taken for loss in transit and resumed; when the resume brings the same again, the
        // unreadable frame is that seq (rejected once, its raw text kept): it takes its place in
        // the stream, as any rejected envelope does, instead of a reconnect for ever.
        const quint64 poisoned = *m_lastSeq + 1;
        if (++m_gapsAfterUnreadable[poisoned] >= 2) {
            qCWarning(lcFeed).noquote() << QStringLiteral("[%1] seq %2 cannot be read: the server sends an unreadable "
                                                          "frame in its place on every resume; it was rejected once "
                                                          "(its raw text is in rejects) and takes seq %2's place")
                                               .arg(m_sourceId)
                                               .arg(poisoned);
            m_gapsAfterUnreadable.erase(poisoned);
            m_lastSeq = poisoned;
            ++m_pending.streamAdvances;
            m_lastSeq = ev.seq;
            ++m_pending.streamAdvances;
            m_pending.events.push_back(std::move(ev));
            return;
        }
    }
    if (m_openGapAt == *m_lastSeq + 1) {
        // The same seqs missing again after a resume from before them: recorded already.
        ++m_openGapHits;
        const qint64 sinceMs = m_frameAtMs - m_openGapSinceMs;
        if (m_openGapHits >= m_gapPolicy.resumesBeforeGivingUp && sinceMs >= m_gapPolicy.giveUpAfterMs) {
            // Every seq skipped now, which may be more than at first (a server whose retention
            // moves on): the record of what was given up.
            GapRecord lost { m_sourceId, *m_lastSeq + 1, ev.seq, false, m_connection, m_frameAtMs };
            lost.givenUp = true;
            qCWarning(lcFeed).noquote() << QStringLiteral(
                "[%1] seqs %2 to %3 never came: the gap was met %4 times over %5 s of resumes "
                "from seq %6, so the server no longer has them; they are given up as lost "
                "(recorded in gaps) and the stream goes on from seq %7")
                                               .arg(m_sourceId)
                                               .arg(lost.expectedSeq)
                                               .arg(ev.seq - 1)
                                               .arg(m_openGapHits)
                                               .arg(sinceMs / 1000)
                                               .arg(*m_lastSeq)
                                               .arg(ev.seq);
            m_pending.gaps.push_back(lost);
            m_openGapAt.reset();
            m_openGapHits = 0;
            m_lastSeq = ev.seq;
            ++m_pending.streamAdvances;
            m_pending.events.push_back(std::move(ev));
            return;
        }
        m_resyncing = true;
        m_gapReason = QStringLiteral("gap at seq %1 again (met %2 times in %3 s; given up after %4 times and %5 s)")
                          .arg(*m_lastSeq + 1)
                          .arg(m_openGapHits)
                          .arg(sinceMs / 1000)
                          .arg(m_gapPolicy.resumesBeforeGivingUp)
                          .arg(m_gapPolicy.giveUpAfterMs / 1000);
        ++m_pending.discarded;
        return;
    }
    // Loss in transit: record it, drop the rest of this connection, resume from what we hold.
    GapRecord gap { m_sourceId, *m_lastSeq + 1, ev.seq, false, m_connection, m_frameAtMs };
    m_openGapAt = gap.expectedSeq;
    m_openGapHits = 1;
    m_openGapSinceMs = m_frameAtMs;
    qCWarning(lcFeed).noquote() << QStringLiteral("[%1] gap: expected seq %2, got %3 (%4 missing); resuming")
                                       .arg(m_sourceId)
                                       .arg(gap.expectedSeq)
                                       .arg(gap.receivedSeq)
                                       .arg(gap.missing());
    m_pending.gaps.push_back(gap);
    m_resyncing = true;
    m_gapReason = QStringLiteral("gap at seq %1").arg(gap.expectedSeq);
    ++m_pending.discarded;
}

bool StreamTracker::seenUnreadable(const Reject &r)
{
    m_unreadableAt = m_lastSeq.value_or(0);
    // Where it stands in what the server sends: after the last event received, held or not (a
    // resend of held events, the rest of a connection after a gap), so that the same frame sent
    // again in the same place is known however far the held seq has moved since.
    const quint64 after = m_seenSeq.value_or(m_lastSeq.value_or(0));
    const std::size_t hash = qHash(r.raw, std::size_t(r.code));
    for (const Unreadable &u : m_unreadable) {
        if (u.after == after && u.hash == hash) {
            return u.connection != m_connection;
        }
    }
    constexpr std::size_t kRemembered = 64;
    if (m_unreadable.size() == kRemembered) {
        m_unreadable.pop_front();
    }
    m_unreadable.push_back({ after, hash, m_connection });
    return false;
}

void StreamTracker::onRefusedMessage(
    RejectCode code, const QString &message, qint64 receivedAtMs, qint64 receivedMonoNs)
{
    Reject r;
    r.code = code;
    r.message = message;
    r.sourceId = m_sourceId;
    r.receivedAtMs = receivedAtMs;
    r.receivedMonoNs = receivedMonoNs;
    ++m_pending.frames;
    ++m_pending.envelopes;
    handleReject(std::move(r));
}

void StreamTracker::handleReject(Reject &&r)
{
    const bool advancingType = !r.type || *r.type == EventType::Fixture || *r.type == EventType::Odds
        || *r.type == EventType::Bet || *r.type == EventType::Book;
    // A rejected envelope at the seq after the last event received stands at its own place in the
    // stream. Below the seq held (a file imported again, a server that ignores from_seq), that seq
    // is held: a duplicate, as an event there would be. (At a connection's start, one at the seq
    // held is a corrupted copy of the last event, not a resend from the start.) A rejected
    // envelope anywhere else (a seq passed already) is a reject of its own.
    const bool inPlace = r.seq && advancingType && !m_inSnapshot && *r.seq == m_seenSeq.value_or(0) + 1
        && (m_seenSeq || !m_lastSeq || *r.seq != *m_lastSeq);
    if (inPlace) {
        m_seenSeq = r.seq; // where what follows it stands, on this connection and when sent again
        if (m_lastSeq && *r.seq <= *m_lastSeq) {
            ++m_pending.duplicates;
            return;
        }
    }
    if (!r.seq && !m_inSnapshot) {
        if (seenUnreadable(r)) {
            ++m_pending.duplicates; // the same unreadable frame, resent on resume: rejected once
            return;
        }
    } else {
        m_unreadableAt.reset();
    }
    // A rejected envelope at the next seq was still received: it takes its place in the stream.
    if (!m_resyncing && !m_inSnapshot && m_lastSeq && r.seq && *r.seq == *m_lastSeq + 1 && advancingType) {
        m_lastSeq = *r.seq;
        m_seenSeq = r.seq;
        ++m_pending.streamAdvances;
        const std::size_t hash = qHash(r.raw, std::size_t(r.code));
        if (std::erase(m_storedAhead, std::pair { *r.seq, hash }) > 0) {
            // Stored when it came ahead of its turn, after a gap; the resume brought it to its
            // place, which it takes, and it is not stored again.
            ++m_pending.duplicates;
            return;
        }
        r.tookSeq = true;
    } else if (r.seq && advancingType && !m_inSnapshot && m_lastSeq && *r.seq > *m_lastSeq + 1) {
        // Ahead of its turn (after a gap): stored now, since a resume by snapshot would never bring
        // it again, and known when an ordinary resume does, or brings it ahead again.
        const std::pair ahead { *r.seq, qHash(r.raw, std::size_t(r.code)) };
        if (std::find(m_storedAhead.begin(), m_storedAhead.end(), ahead) != m_storedAhead.end()) {
            ++m_pending.duplicates;
            return;
        }
        constexpr std::size_t kRemembered = 64;
        if (m_storedAhead.size() == kRemembered) {
            m_storedAhead.pop_front();
        }
        m_storedAhead.emplace_back(*r.seq, qHash(r.raw, std::size_t(r.code)));
    }
    qCDebug(lcFeed) << "reject" << toWire(r.code).data() << r.message;
    m_pending.rejects.push_back(std::move(r));
}

BatchPtr StreamTracker::take()
{
    m_decoder->flush(m_pending);
    if (m_pending.empty() && !m_received) { // heartbeats, duplicates and discards come with frames
        return {};
    }
    if (m_received) {
        if (m_keepRaw) {
            m_receivedBytes = m_received->payloads.size();
            m_receivedFrames = m_received->frames.size();
        }
        m_pending.received = std::move(m_received);
    }
    m_pending.sourceId = m_sourceId;
    m_pending.lastSeq = m_lastSeq;
    m_pending.prevSeq = std::exchange(m_takenSeq, m_lastSeq);
    return std::make_shared<const EventBatch>(std::exchange(m_pending, {}));
}

} // namespace OddsTap

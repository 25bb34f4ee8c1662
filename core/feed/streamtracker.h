// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/event.h>
#include <core/feed/framedecoder.h>

#include <deque>
#include <map>
#include <optional>

namespace OddsTap {

/// When a gap that resumes keep meeting again is given up as lost (the server no longer has those
/// seqs). Both must hold: a link that loses events now and then can lose the same first event of
/// a resume twice, but not for half a minute of resumes.
struct GapPolicy
{
    int resumesBeforeGivingUp = 5; ///< times the same gap was met, its first detection included
    qint64 giveUpAfterMs = 30000; ///< since the gap was first met
};

/// The stream logic of one source, with no socket: decodes frames, keeps the seq stream (resume
/// point, duplicates, gaps, snapshots) and collects the results into the pending batch. The live
/// FeedClient drives it from its socket, the replay source from a capture file, so that a replay
/// goes through exactly the same decisions as the live session did.
/// Lives in: the thread of its owner; not thread-safe.
class StreamTracker
{
public:
    StreamTracker(
        QString sourceId, DecoderLimits limits, std::optional<quint64> resumeFromSeq, const FeedProfile &profile = {});

    const QString &sourceId() const { return m_sourceId; }
    void setGapPolicy(const GapPolicy &policy) { m_gapPolicy = policy; }
    /// A new connection begins: no snapshot in progress, no resync pending.
    void beginConnection(quint32 connection);
    /// Decodes one frame as received. Returns true when it revealed a gap: the owner must cut the
    /// connection (the rest of it is discarded) and reconnect from lastSeq().
    bool onFrame(const QByteArray &utf8, qint64 receivedAtMs, qint64 receivedMonoNs);
    /// Records a state transition in the pending batch (after the frames so far).
    void addConnectionEvent(const ConnectionEvent &event);
    /// When on, every frame's bytes go into the pending batch's ReceivedFrames (for a recorder),
    /// where its connection events always are.
    void setKeepRaw(bool keep) { m_keepRaw = keep; }
    bool keepsRaw() const { return m_keepRaw; }
    void noteRawFrame(QByteArrayView bytes, qint64 wallNs, qint64 monoNs, bool binary);

    std::optional<quint64> lastSeq() const { return m_lastSeq; }
    /// The source's decoder (a live Betfair stream reads its clocks from it to resume).
    FeedDecoder &decoder() { return *m_decoder; }
    quint32 connection() const { return m_connection; }
    bool resyncing() const { return m_resyncing; }
    /// Set by the frame that revealed the gap; why the connection is cut.
    const QString &gapReason() const { return m_gapReason; }
    /// Items (events + rejects) waiting in the pending batch.
    std::size_t pendingSize() const { return m_pending.size(); }
    /// Hands the pending batch over; null when there is nothing to hand over.
    BatchPtr take();
    /// A message the WebSocket layer refused before its bytes reached us (invalid UTF-8 in a text
    /// frame, a message over the socket's limit): rejected like an unreadable frame, without raw text.
    void onRefusedMessage(RejectCode code, const QString &message, qint64 receivedAtMs, qint64 receivedMonoNs);

private:
    /// The pending batch's ReceivedFrames, started on first use.
    ReceivedFrames &received();
    void handleEvent(Event &&ev);
    void handleReject(Reject &&r);
    /// True when an unreadable frame at this point of the stream was rejected on an earlier
    /// connection already (a server resending it on every resume): it is then not stored again.
    bool seenUnreadable(const Reject &r);

    QString m_sourceId;
    std::unique_ptr<FeedDecoder> m_decoder; ///< the source's profile
    EventBatch m_pending;
    std::shared_ptr<ReceivedFrames> m_received; ///< the pending batch's frames, while keeping them
    qsizetype m_receivedBytes = 0; ///< the last batch's, to size the next one's buffer at once
    std::size_t m_receivedFrames = 0; ///< the same, for its frames
    EventBatch m_scratch;
    std::optional<quint64> m_lastSeq;
    std::optional<quint64> m_takenSeq; ///< m_lastSeq when the last batch was taken
    /// Where this connection's stream stands: the seq of the last event (or rejected envelope at
    /// its own place) received, held already or not, or a snapshot's end. Below m_lastSeq while
    /// the server sends again what is held; above it for the rest of a connection after a gap.
    std::optional<quint64> m_seenSeq;
    quint32 m_connection = 0;
    bool m_inSnapshot = false;
    quint64 m_snapshotBase = 0;
    quint64 m_snapshotAccepted = 0;
    bool m_resyncing = false; ///< a gap was seen on this connection: drop the rest, resume
    bool m_keepRaw = false;
    qint64 m_frameAtMs = 0; ///< receive time of the frame being decoded
    QString m_gapReason;

    // Unreadable frames (no seq could be read), so that one a server resends on every resume is
    // rejected once, and, when it stands where a seq is missing, takes that seq's place.
    struct Unreadable
    {
        quint64 after = 0; ///< where the stream stood when it arrived (m_seenSeq)
        std::size_t hash = 0;
        quint32 connection = 0;
    };
    std::deque<Unreadable> m_unreadable; ///< the most recent ones, bounded
    std::optional<quint64> m_unreadableAt; ///< m_lastSeq when the last stream item was unreadable
    std::map<quint64, int> m_gapsAfterUnreadable; ///< per missing seq: gaps that followed an unreadable frame
    /// Rejected envelopes stored ahead of their seq's turn (after a gap), by (seq, hash of the
    /// raw text): the resume brings them to their place, where they are not stored again.
    std::deque<std::pair<quint64, std::size_t>> m_storedAhead;

    /// The gap recorded last and not filled since (its first missing seq), how many times it was
    /// met (a resume from before it meeting it again) and when first. A server that does not have
    /// those seqs any more sends a jump there on every resume: the gap is recorded once, and past
    /// m_gapPolicy its seqs are given up (a GapRecord with givenUp) and the stream goes on.
    std::optional<quint64> m_openGapAt;
    int m_openGapHits = 0;
    qint64 m_openGapSinceMs = 0;
    GapPolicy m_gapPolicy;
};

} // namespace OddsTap

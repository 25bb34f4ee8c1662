// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/event.h>
#include <core/storage/storage.h>

#include <QJsonObject>

#include <array>
#include <map>
#include <utility>
#include <vector>

namespace OddsTap {

/// Counts of one capture, per source and in total, built from EventBatches. Plain value type.
/// Reconciliation: envelopes received = accepted + rejected + duplicates + discarded + heartbeats.
struct CaptureStats
{
    struct Source
    {
        quint64 frames = 0;
        quint64 bytes = 0;
        quint64 envelopes = 0; ///< counted as received, independently of the verdicts below
        std::array<quint64, kEventTypeCount> accepted {};
        std::array<quint64, kRejectCodeCount> rejected {};
        quint64 duplicates = 0;
        quint64 discarded = 0;
        quint64 heartbeats = 0;
        quint64 streamAdvances = 0;
        quint64 gaps = 0;
        quint64 gapSeqsMissing = 0;
        quint64 compactedSeqs = 0;
        /// Seqs given up as lost (GapRecord::givenUp): resumes kept meeting their gap, the stream
        /// went on after them. Each range given up, [first, end), the first kMaxGivenUpRanges.
        quint64 seqsGivenUp = 0;
        std::vector<std::pair<quint64, quint64>> givenUpRanges;
        static constexpr std::size_t kMaxGivenUpRanges = 16;
        quint64 connections = 0; ///< connection attempts
        quint64 reconnects = 0; ///< attempts after the first
        quint64 authFailures = 0;
        quint64 stalls = 0;
        quint64 lastSeq = 0;
        SourceState state = SourceState::Idle;
        QString lastReason;
        /// Why the source last went down (disconnected, stalled, auth failed); cleared once live.
        QString lastProblem;
        qint64 retryAtMs = 0; ///< wall clock of the next attempt while waiting to reconnect
        /// Envelope `ts` -> received, per stream event (what the feed's own latency looks like,
        /// clock skew included: a value below zero counts as zero). Filled while snapshots run.
        LatencyHistogram serverToReceive;

        quint64 acceptedTotal() const;
        /// Accepted fixture + odds + bet envelopes: what storage must hold.
        quint64 acceptedStreamTotal() const;
        quint64 rejectedTotal() const;
        quint64 envelopesReceived() const;
    };

    void add(const EventBatch &batch);
    void addCommitted(const WriteResult &result);
    Source total() const;
    quint64 streamAdvances() const;

    /// The summary document of `oddstap-cli capture --summary-json`.
    QJsonObject toJson() const;

    std::map<QString, Source> sources;
    bool storing = false;
    WriteResult persisted; ///< sums over committed batches
    quint64 commits = 0;
    quint64 alerts = 0; ///< fired by the alert rules
    quint64 alertsToStore = 0; ///< of those, handed to the storage writer
    /// Of those, not stored when the capture ended (the database was down too long; the writer
    /// holds at most StorageWriter::kMaxPendingAlerts, and what it holds at exit is gone).
    quint64 alertsNotStored = 0;
    qint64 maxWriteNs = 0;
    LatencyHistogram receiveToCommit;
    // Filled while snapshots run (the GUI, and the CLI's status line and metrics).
    LatencyHistogram receiveToProcessed; ///< per event: frame received -> applied by the session
    LatencyHistogram databaseWrite; ///< per transaction
    qint64 maxSpoolBytes = 0;
    quint64 spilledBatches = 0;
    quint64 peakEventsInMemory = 0; ///< waiting for storage at once, at the last commit
    quint64 maxQueuedEvents = 0;
    bool drainTimedOut = false;
    bool storageDownAtEnd = false; ///< with drainTimedOut: the database was unavailable, not just behind
    quint64 queuedAtEnd = 0; ///< with drainTimedOut: events held by the writer, not committed
    quint64 lostEvents = 0; ///< spooled events that could not be read back (recorded as gaps)
    quint64 lostBatches = 0;
    QString storageFatal; ///< the database turned out damaged while capturing: the writer stopped
};

} // namespace OddsTap

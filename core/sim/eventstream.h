// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/event.h>

#include <QByteArray>

#include <optional>
#include <vector>

namespace OddsTap {

/// One envelope of a served stream, serialised once and shared by every connection.
struct GeneratedEvent
{
    quint64 seq = 0;
    EventType type = EventType::Odds;
    QByteArray json;
    /// Frames sent just before this event the first time it goes out (a replayed capture's
    /// malformed frames, at the place they were received).
    std::vector<QByteArray> preface;
};

/// What a feed server serves: a seq stream that grows by next(), with snapshots of current state
/// and control envelopes. The simulator generates one; a replay reads one from a capture.
/// Lives in: the server's thread; not thread-safe.
class EventStream
{
public:
    virtual ~EventStream() = default;

    /// The event with seq lastSeq() + 1. Not called when exhausted().
    virtual GeneratedEvent next() = 0;
    virtual quint64 lastSeq() const = 0;
    /// The latest fixture envelope of every fixture and the latest odds envelope of every selection
    /// as of lastSeq(), each with its own seq, by seq.
    virtual std::vector<GeneratedEvent> snapshot() const = 0;
    /// Control envelopes (heartbeat, snapshot_begin/end) with the given seq.
    virtual QByteArray controlEnvelope(EventType type, quint64 seq) const = 0;
    virtual QByteArray errorEnvelope(quint64 seq, const char *code, const QString &message) const = 0;
    /// The `ts` to put on an envelope sent now that repeats @p seq.
    virtual qint64 nowMs(quint64 seq) const = 0;
    /// The envelope `source`.
    virtual QByteArray streamName() const = 0;
    /// Streams with their own timing (a replay): when the next event is due, in ns since the stream
    /// started at speed 1. nullopt: paced by the server's rate.
    virtual std::optional<qint64> nextDueNs() const { return std::nullopt; }
    /// A finite stream that has nothing more.
    virtual bool exhausted() const { return false; }
    /// Frames sent once after the last event of a finite stream (a replayed capture's malformed
    /// frames that came after its last accepted event).
    virtual std::vector<QByteArray> trailer() const { return {}; }
};

} // namespace OddsTap

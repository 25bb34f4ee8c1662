// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/result.h>
#include <core/sim/eventstream.h>

#include <QString>

#include <memory>
#include <unordered_map>
#include <vector>

namespace OddsTap {

/// One recorded source of a capture as a servable seq stream (`replay --serve`): the seqs the live
/// session took, in order, each as received (the envelope's own text), due at its recorded receive
/// time; a rejected envelope that carried the next seq is served at that seq, and the malformed
/// frames without one received before an event go out just before it. Heartbeats
/// are the server's own. With loop, the stream starts over with seqs shifted past the end, so a
/// client sees one ever-growing stream. Lives in: the server's thread.
class ReplayStream : public EventStream
{
public:
    /// Loads the stream of @p sourceId (empty: the capture's first source) into memory.
    static Result<std::shared_ptr<ReplayStream>> load(const QString &path, const QString &sourceId, bool loop);

    const QString &sourceId() const { return m_sourceId; }
    /// Events of one pass, and the seq range they cover.
    std::size_t size() const { return m_entries.size(); }
    quint64 firstSeq() const { return m_firstSeq; }
    qint64 durationNs() const { return m_entries.empty() ? 0 : m_entries.back().dueNs; }
    quint64 prefaceFrames() const { return m_prefaceFrames; }

    GeneratedEvent next() override;
    quint64 lastSeq() const override { return m_lastSeq; }
    std::vector<GeneratedEvent> snapshot() const override;
    QByteArray controlEnvelope(EventType type, quint64 seq) const override;
    QByteArray errorEnvelope(quint64 seq, const char *code, const QString &message) const override;
    qint64 nowMs(quint64 seq) const override;
    QByteArray streamName() const override { return m_stream; }
    std::optional<qint64> nextDueNs() const override;
    bool exhausted() const override;
    std::vector<QByteArray> trailer() const override { return m_trailer; }

private:
    struct Entry
    {
        quint64 seq = 0;
        EventType type = EventType::Odds;
        QByteArray json;
        std::vector<QByteArray> preface;
        qint64 dueNs = 0; ///< after the first frame, as recorded
        QByteArray stateKey; ///< what a snapshot keeps the latest of (fixture, selection); empty for bets
    };
    GeneratedEvent materialise(std::size_t index, quint64 pass) const;

    QString m_sourceId;
    QByteArray m_stream;
    std::vector<Entry> m_entries;
    bool m_loop = false;
    std::size_t m_index = 0;
    quint64 m_pass = 0;
    quint64 m_firstSeq = 1;
    quint64 m_lastSeq = 0;
    quint64 m_prefaceFrames = 0;
    std::vector<QByteArray> m_trailer; ///< malformed frames after the last event (not when looping)
    std::unordered_map<QByteArray, std::pair<std::size_t, quint64>> m_latest; ///< state key -> (entry, pass)
};

} // namespace OddsTap

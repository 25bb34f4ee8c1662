// SPDX-License-Identifier: MIT
#include "replaystream.h"

#include <core/common/timeutil.h>
#include <core/feed/streamtracker.h>
#include <core/replay/capturefile.h>

#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <map>

namespace OddsTap {
namespace {

constexpr qint64 kLoopPauseNs = 1000000000; ///< between the end of a pass and the next

/// Rewrites the first `"seq": N` of an envelope.
QByteArray withSeq(const QByteArray &json, quint64 seq)
{
    const qsizetype key = json.indexOf("\"seq\"");
    if (key < 0) {
        return json;
    }
    qsizetype i = json.indexOf(':', key + 5);
    if (i < 0) {
        return json;
    }
    ++i;
    while (i < json.size() && (json[i] == ' ' || json[i] == '\t')) {
        ++i;
    }
    qsizetype end = i;
    while (end < json.size() && json[end] >= '0' && json[end] <= '9') {
        ++end;
    }
    QByteArray out = json;
    out.replace(i, end - i, QByteArray::number(seq));
    return out;
}

/// The envelopes of a frame as separate texts, byte for byte as received: the frame itself, or the
/// elements of a batch array (split at top-level commas, outside strings).
std::vector<QByteArray> envelopeTexts(const QByteArray &frame)
{
    const QByteArray trimmed = frame.trimmed();
    if (!trimmed.startsWith('[') || !trimmed.endsWith(']')) {
        return { frame };
    }
    std::vector<QByteArray> texts;
    int depth = 0;
    bool inString = false;
    qsizetype start = 1;
    for (qsizetype i = 1; i < trimmed.size() - 1; ++i) {
        const char c = trimmed[i];
        if (inString) {
            if (c == '\\') {
                ++i; // the escaped character cannot end the string
            } else if (c == '"') {
                inString = false;
            }
        } else if (c == '"') {
            inString = true;
        } else if (c == '{' || c == '[') {
            ++depth;
        } else if (c == '}' || c == ']') {
            --depth;
        } else if (c == ',' && depth == 0) {
            texts.push_back(trimmed.mid(start, i - start).trimmed());
            start = i + 1;
        }
    }
    texts.push_back(trimmed.mid(start, trimmed.size() - 1 - start).trimmed());
    return texts;
}

} // namespace

Result<std::shared_ptr<ReplayStream>> ReplayStream::load(const QString &path, const QString &sourceId, bool loop)
{
    auto opened = CaptureReader::open(path);
    if (!opened) {
        return opened.error();
    }
    CaptureReader &reader = *opened.value();
    const CaptureInfo &info = reader.info();
    QString chosen = sourceId;
    if (chosen.isEmpty()) {
        if (info.header.sources.empty()) {
            return Error { QStringLiteral("empty"), QStringLiteral("capture '%1' has no source").arg(path) };
        }
        chosen = info.header.sources.front().sourceId;
    } else if (std::none_of(info.header.sources.begin(), info.header.sources.end(),
                   [&](const CaptureSource &s) { return s.sourceId == chosen; })) {
        QStringList known;
        for (const CaptureSource &s : info.header.sources) {
            known << s.sourceId;
        }
        return Error { QStringLiteral("usage"),
            QStringLiteral("capture '%1' has no source '%2' (it has: %3)")
                .arg(path, chosen, known.join(QStringLiteral(", "))) };
    }
    auto stream = std::shared_ptr<ReplayStream>(new ReplayStream);
    stream->m_sourceId = chosen;
    stream->m_loop = loop;
    // The same decisions as the live session: what it took into the stream becomes the served stream.
    StreamTracker tracker(chosen, DecoderLimits {}, std::nullopt);
    FrameDecoder single;
    EventBatch scratch;
    std::vector<QByteArray> preface;
    qint64 firstMono = -1;
    CaptureRecord r;
    while (reader.next(r)) {
        if (r.sourceId != chosen) {
            continue;
        }
        if (r.kind == CaptureRecord::Kind::Connection) {
            if (r.connection.state == SourceState::Connecting) {
                tracker.beginConnection(r.connection.connection);
            }
            continue;
        }
        if (firstMono < 0) {
            firstMono = r.frame.monoNs;
        }
        if (tracker.connection() != r.frame.connection) {
            tracker.beginConnection(r.frame.connection);
        }
        tracker.onFrame(r.frame.bytes, r.frame.wallNs / 1000000, r.frame.monoNs);
        const BatchPtr batch = tracker.take();
        if (!batch) {
            continue;
        }
        // What the live session took into the stream, in seq order: accepted events, and rejected
        // envelopes that carried the next seq (served where they were, so the client rejects them too).
        struct Taken
        {
            quint64 seq;
            EventType type;
            QByteArray json;
            QByteArray stateKey;
        };
        std::vector<Taken> taken;
        const bool batchFrame = r.frame.bytes.trimmed().startsWith('[');
        for (const Reject &rej : batch->rejects) {
            if (rej.tookSeq && rej.seq) {
                // A whole frame is served as recorded; a batch element as the decoder kept it (its
                // whole text, minified: only frame_too_large truncates, and only whole frames).
                const bool whole = rej.batchIndex < 0;
                taken.push_back({ *rej.seq, rej.type.value_or(EventType::Odds), whole ? r.frame.bytes : rej.raw, {} });
            } else if (rej.batchIndex < 0) {
                preface.push_back(r.frame.bytes);
            } else {
                preface.push_back(rej.raw);
            }
        }
        std::map<quint64, QByteArray> bySeq;
        for (const Event &e : batch->events) {
            if (!e.advancesStream()) {
                continue;
            }
            if (stream->m_stream.isEmpty()) {
                stream->m_stream = e.stream.isEmpty() ? chosen.toUtf8() : e.stream.toUtf8();
            }
            QByteArray json = r.frame.bytes;
            if (batchFrame) {
                if (bySeq.empty()) {
                    for (const QByteArray &text : envelopeTexts(r.frame.bytes)) {
                        scratch = {};
                        single.decode(text, FrameContext {}, scratch);
                        if (scratch.events.size() == 1) {
                            bySeq[scratch.events.front().seq] = text;
                        }
                    }
                }
                json = bySeq[e.seq];
            }
            QByteArray stateKey;
            if (const FixtureData *f = e.fixture()) {
                stateKey = "f|" + f->fixtureId.toUtf8();
            } else if (const OddsData *o = e.odds()) {
                stateKey = "o|" + o->fixtureId.toUtf8() + '|' + o->marketType.toUtf8() + '|' + o->selection.toUtf8();
            }
            taken.push_back({ e.seq, e.type, std::move(json), std::move(stateKey) });
        }
        std::stable_sort(taken.begin(), taken.end(), [](const Taken &a, const Taken &b) { return a.seq < b.seq; });
        for (Taken &t : taken) {
            Entry entry;
            entry.seq = t.seq;
            entry.type = t.type;
            entry.json = std::move(t.json);
            entry.stateKey = std::move(t.stateKey);
            entry.preface = std::exchange(preface, {});
            stream->m_prefaceFrames += entry.preface.size();
            entry.dueNs = r.frame.monoNs - firstMono;
            stream->m_entries.push_back(std::move(entry));
        }
    }
    if (!reader.error().isEmpty()) {
        return Error { QStringLiteral("io_error"), reader.error() };
    }
    if (stream->m_entries.empty()) {
        return Error { QStringLiteral("empty"),
            QStringLiteral("capture '%1' holds no event of source '%2' to serve").arg(path, chosen) };
    }
    // The served stream must advance by exactly 1 (a client treats any jump as loss).
    for (std::size_t i = 1; i < stream->m_entries.size(); ++i) {
        const quint64 expected = stream->m_entries[i - 1].seq + 1;
        if (stream->m_entries[i].seq != expected) {
            return Error { QStringLiteral("incomplete"),
                QStringLiteral("the recorded stream of '%1' skips from seq %2 to %3 (a snapshot or a loss the "
                               "session never repaired); --serve needs a complete stream")
                    .arg(chosen)
                    .arg(expected - 1)
                    .arg(stream->m_entries[i].seq) };
        }
    }
    if (!loop) {
        stream->m_prefaceFrames += preface.size();
        stream->m_trailer = std::move(preface);
    }
    stream->m_firstSeq = stream->m_entries.front().seq;
    stream->m_lastSeq = stream->m_firstSeq - 1;
    return stream;
}

GeneratedEvent ReplayStream::materialise(std::size_t index, quint64 pass) const
{
    const Entry &e = m_entries[index];
    GeneratedEvent ev;
    ev.seq = e.seq + pass * quint64(m_entries.size());
    ev.type = e.type;
    ev.json = pass == 0 ? e.json : withSeq(e.json, ev.seq);
    return ev;
}

GeneratedEvent ReplayStream::next()
{
    GeneratedEvent ev = materialise(m_index, m_pass);
    ev.preface = m_entries[m_index].preface;
    if (!m_entries[m_index].stateKey.isEmpty()) {
        m_latest[m_entries[m_index].stateKey] = { m_index, m_pass };
    }
    m_lastSeq = ev.seq;
    if (++m_index == m_entries.size() && m_loop) {
        m_index = 0;
        ++m_pass;
    }
    return ev;
}

std::vector<GeneratedEvent> ReplayStream::snapshot() const
{
    std::vector<GeneratedEvent> out;
    out.reserve(m_latest.size());
    for (const auto &[key, where] : m_latest) {
        out.push_back(materialise(where.first, where.second));
    }
    std::sort(out.begin(), out.end(), [](const GeneratedEvent &a, const GeneratedEvent &b) { return a.seq < b.seq; });
    return out;
}

QByteArray ReplayStream::controlEnvelope(EventType type, quint64 seq) const
{
    const auto name = toWire(type);
    return "{\"type\":\"" + QByteArray(name.data(), qsizetype(name.size())) + "\",\"seq\":" + QByteArray::number(seq)
        + ",\"ts\":" + QByteArray::number(wallClockMs()) + ",\"source\":\"" + m_stream + "\"}";
}

QByteArray ReplayStream::errorEnvelope(quint64 seq, const char *code, const QString &message) const
{
    const QJsonObject o { { QStringLiteral("type"), QStringLiteral("error") }, { QStringLiteral("seq"), qint64(seq) },
        { QStringLiteral("ts"), wallClockMs() }, { QStringLiteral("source"), QString::fromUtf8(m_stream) },
        { QStringLiteral("data"),
            QJsonObject {
                { QStringLiteral("code"), QString::fromLatin1(code) }, { QStringLiteral("message"), message } } } };
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

qint64 ReplayStream::nowMs(quint64) const
{
    return wallClockMs();
}

std::optional<qint64> ReplayStream::nextDueNs() const
{
    if (exhausted()) {
        return qint64(0);
    }
    const qint64 passNs = durationNs() + kLoopPauseNs;
    return m_entries[m_index].dueNs + qint64(m_pass) * passNs;
}

bool ReplayStream::exhausted() const
{
    return !m_loop && m_index >= m_entries.size();
}

} // namespace OddsTap

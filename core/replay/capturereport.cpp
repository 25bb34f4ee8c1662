// SPDX-License-Identifier: MIT
#include "capturereport.h"

#include <core/common/timeutil.h>
#include <core/feed/streamtracker.h>
#include <core/replay/recordreader.h>

#include <QJsonArray>

#include <algorithm>

namespace OddsTap {
namespace {

QString wire(std::string_view text)
{
    return QString::fromLatin1(text.data(), qsizetype(text.size()));
}

QString seconds(qint64 ns)
{
    return QString::number(double(ns) / 1e9, 'f', 3) + QStringLiteral(" s");
}

void absorb(CaptureReport::Source &s, const EventBatch &b)
{
    for (const Event &e : b.events) {
        ++s.events[std::size_t(e.type)];
        if (e.advancesStream()) {
            if (s.firstSeq == 0) {
                s.firstSeq = e.seq;
            }
            s.lastSeq = std::max(s.lastSeq, e.seq);
        }
    }
    for (const Reject &r : b.rejects) {
        ++s.rejects[std::size_t(r.code)];
    }
    s.duplicates += b.duplicates;
    s.discarded += b.discarded;
    s.heartbeats += b.heartbeats;
    for (const GapRecord &g : b.gaps) {
        if (g.compacted) {
            s.compacted += g.missing();
        } else {
            ++s.gaps;
            s.gapMissing += g.missing();
        }
    }
}

} // namespace

Result<CaptureReport> analyseCapture(const QStringList &paths)
{
    auto opened = openRecords(paths);
    if (!opened) {
        return opened.error();
    }
    RecordReader &reader = *opened.value();
    CaptureReport report;
    report.info = reader.info();
    for (const CaptureSource &cs : report.info.header.sources) {
        report.sources[cs.sourceId].url = cs.url;
    }
    std::array<std::size_t, 3> markersOfKind {};
    const auto addMarker = [&report, &markersOfKind](CaptureReport::Marker m) {
        if (markersOfKind[std::size_t(m.kind)]++ < CaptureReport::kMaxMarkers) {
            report.markers.push_back(std::move(m));
        }
    };
    qint64 second = -1;
    quint64 rejectsThisSecond = 0;
    QString rejectSecondSource;
    const auto flushRejects = [&] {
        if (rejectsThisSecond > 0) {
            addMarker({ CaptureReport::Marker::Kind::Rejects, second * 1000000000, rejectSecondSource,
                rejectsThisSecond, {} });
            rejectsThisSecond = 0;
        }
    };
    std::map<QString, std::unique_ptr<StreamTracker>> trackers;
    std::map<QString, qint64> lastMono;
    quint64 framesThisSecond = 0;
    quint64 eventsThisSecond = 0;
    // The end of a wall-clock second: its rejects become a marker, its counts may be the peak.
    const auto closeSecond = [&] {
        flushRejects();
        if (framesThisSecond > report.peakFramesPerSec) {
            report.peakFramesPerSec = framesThisSecond;
            report.peakFramesAtMs = second * 1000;
        }
        if (eventsThisSecond > report.peakEventsPerSec) {
            report.peakEventsPerSec = eventsThisSecond;
            report.peakEventsAtMs = second * 1000;
        }
    };
    CaptureRecord r;
    while (reader.next(r)) {
        CaptureReport::Source &s = report.sources[r.sourceId];
        s.sourceId = r.sourceId;
        auto &t = trackers[r.sourceId];
        if (!t) {
            t = std::make_unique<StreamTracker>(r.sourceId, DecoderLimits {}, std::nullopt, reader.profile());
        }
        if (r.kind == CaptureRecord::Kind::Connection) {
            switch (r.connection.state) {
            case SourceState::Connecting:
                t->beginConnection(r.connection.connection);
                break;
            case SourceState::Subscribed:
                ++s.connections;
                if (s.connections > 1) {
                    ++s.reconnects;
                }
                break;
            case SourceState::Disconnected:
                ++s.disconnects;
                addMarker({ CaptureReport::Marker::Kind::Disconnect, r.wallNs(), r.sourceId, 1, r.connection.reason });
                break;
            case SourceState::Stalled:
                ++s.stalls;
                break;
            default:
                break;
            }
            continue;
        }
        const qint64 sec = r.frame.wallNs / 1000000000;
        if (sec != second) {
            closeSecond();
            second = sec;
            framesThisSecond = 0;
            eventsThisSecond = 0;
        }
        ++framesThisSecond;
        if (t->connection() != r.frame.connection) {
            t->beginConnection(r.frame.connection);
        }
        t->onFrame(r.frame.bytes, r.frame.wallNs / 1000000, r.frame.monoNs);
        ++s.frames;
        s.bytes += quint64(r.frame.bytes.size());
        if (const auto it = lastMono.find(r.sourceId); it != lastMono.end()) {
            const qint64 silence = r.frame.monoNs - it->second;
            if (silence > s.longestSilenceNs) {
                s.longestSilenceNs = silence;
                s.longestSilenceAtNs = r.frame.wallNs;
            }
        }
        lastMono[r.sourceId] = r.frame.monoNs;
        if (BatchPtr b = t->take()) {
            if (!b->rejects.empty()) {
                ++s.malformedFrames;
                rejectsThisSecond += b->rejects.size();
                rejectSecondSource = r.sourceId;
            }
            for (const GapRecord &g : b->gaps) {
                if (!g.compacted) {
                    addMarker({ CaptureReport::Marker::Kind::Gap, r.frame.wallNs, r.sourceId, g.missing(), {} });
                }
            }
            eventsThisSecond += b->streamAdvances;
            absorb(s, *b);
        }
    }
    if (!reader.error().isEmpty()) {
        return Error { QStringLiteral("io_error"), reader.error() };
    }
    closeSecond();
    std::stable_sort(report.markers.begin(), report.markers.end(),
        [](const CaptureReport::Marker &a, const CaptureReport::Marker &b) { return a.wallNs < b.wallNs; });
    report.durationNs = report.info.lastWallNs - report.info.firstWallNs;
    report.meanFramesPerSec = report.durationNs > 0 ? double(report.info.frames) * 1e9 / double(report.durationNs)
                                                    : double(report.info.frames);
    return report;
}

QJsonObject CaptureReport::toJson() const
{
    QJsonObject o;
    o.insert(QStringLiteral("file"), info.path);
    o.insert(QStringLiteral("format_version"), info.formatVersion);
    o.insert(QStringLiteral("oddstap_version"), info.header.oddstapVersion);
    o.insert(QStringLiteral("mode"), info.header.mode);
    o.insert(QStringLiteral("notes"), info.header.notes);
    o.insert(QStringLiteral("started_at"), formatIso8601Utc(info.header.startedAtMs));
    o.insert(
        QStringLiteral("ended_at"), info.endedAtMs > 0 ? QJsonValue(formatIso8601Utc(info.endedAtMs)) : QJsonValue());
    o.insert(QStringLiteral("complete"), info.endedAtMs > 0);
    o.insert(QStringLiteral("first_frame_at"), info.frames ? formatIso8601Utc(info.firstWallNs / 1000000) : QString());
    o.insert(QStringLiteral("last_frame_at"), info.frames ? formatIso8601Utc(info.lastWallNs / 1000000) : QString());
    o.insert(QStringLiteral("duration_s"), double(durationNs) / 1e9);
    o.insert(QStringLiteral("frames"), qint64(info.frames));
    o.insert(QStringLiteral("bytes"), qint64(info.payloadBytes));
    o.insert(QStringLiteral("connection_events"), qint64(info.connectionEvents));
    o.insert(QStringLiteral("mean_frames_per_s"), meanFramesPerSec);
    o.insert(QStringLiteral("peak_frames_per_s"),
        QJsonObject { { QStringLiteral("value"), qint64(peakFramesPerSec) },
            { QStringLiteral("at"), peakFramesPerSec ? formatIso8601Utc(peakFramesAtMs) : QString() } });
    o.insert(QStringLiteral("peak_events_per_s"),
        QJsonObject { { QStringLiteral("value"), qint64(peakEventsPerSec) },
            { QStringLiteral("at"), peakEventsPerSec ? formatIso8601Utc(peakEventsAtMs) : QString() } });
    QJsonArray list;
    for (const auto &[id, s] : sources) {
        QJsonObject so;
        so.insert(QStringLiteral("source_id"), id);
        so.insert(QStringLiteral("url"), s.url);
        so.insert(QStringLiteral("frames"), qint64(s.frames));
        so.insert(QStringLiteral("bytes"), qint64(s.bytes));
        QJsonObject events;
        for (int t = 0; t < kEventTypeCount; ++t) {
            events.insert(wire(toWire(EventType(t))), qint64(s.events[std::size_t(t)]));
        }
        events.insert(wire(toWire(EventType::Heartbeat)), qint64(s.heartbeats));
        so.insert(QStringLiteral("events"), events);
        QJsonObject rejects;
        for (int c = 0; c < kRejectCodeCount; ++c) {
            if (s.rejects[std::size_t(c)] > 0) {
                rejects.insert(wire(toWire(RejectCode(c))), qint64(s.rejects[std::size_t(c)]));
            }
        }
        so.insert(QStringLiteral("rejected"), qint64(s.rejected()));
        so.insert(QStringLiteral("rejected_by_code"), rejects);
        so.insert(QStringLiteral("malformed_frames"), qint64(s.malformedFrames));
        so.insert(QStringLiteral("duplicates"), qint64(s.duplicates));
        so.insert(QStringLiteral("discarded_after_gap"), qint64(s.discarded));
        so.insert(QStringLiteral("gaps"), qint64(s.gaps));
        so.insert(QStringLiteral("gap_missing_seqs"), qint64(s.gapMissing));
        so.insert(QStringLiteral("snapshot_compacted_seqs"), qint64(s.compacted));
        so.insert(QStringLiteral("connections"), qint64(s.connections));
        so.insert(QStringLiteral("reconnects"), qint64(s.reconnects));
        so.insert(QStringLiteral("disconnects"), qint64(s.disconnects));
        so.insert(QStringLiteral("stalls"), qint64(s.stalls));
        so.insert(QStringLiteral("first_seq"), qint64(s.firstSeq));
        so.insert(QStringLiteral("last_seq"), qint64(s.lastSeq));
        so.insert(QStringLiteral("longest_silence_s"), double(s.longestSilenceNs) / 1e9);
        so.insert(QStringLiteral("longest_silence_ended_at"),
            s.longestSilenceNs > 0 ? formatIso8601Utc(s.longestSilenceAtNs / 1000000) : QString());
        list.append(so);
    }
    o.insert(QStringLiteral("sources"), list);
    return o;
}

QString CaptureReport::toText() const
{
    QString t;
    const auto line = [&t](const QString &label, const QString &value) {
        t += label.leftJustified(24) + value + QLatin1Char('\n');
    };
    line(QStringLiteral("Capture"), info.path);
    line(QStringLiteral("Recorded by"),
        QStringLiteral("OddsTap %1 (%2 mode, format %3)")
            .arg(info.header.oddstapVersion, info.header.mode)
            .arg(info.formatVersion));
    line(QStringLiteral("Started"), formatIso8601Utc(info.header.startedAtMs));
    line(QStringLiteral("Ended"),
        info.endedAtMs > 0 ? formatIso8601Utc(info.endedAtMs)
                           : QStringLiteral("not recorded: the recording was interrupted"));
    if (!info.header.notes.isEmpty()) {
        line(QStringLiteral("Notes"), info.header.notes);
    }
    line(QStringLiteral("Duration"), seconds(durationNs));
    line(QStringLiteral("Frames"),
        QStringLiteral("%1 (%2 bytes), %3 connection events")
            .arg(info.frames)
            .arg(info.payloadBytes)
            .arg(info.connectionEvents));
    line(QStringLiteral("Rate"),
        QStringLiteral("mean %1 frames/s; peak %2 frames/s at %3; peak %4 events/s at %5")
            .arg(meanFramesPerSec, 0, 'f', 1)
            .arg(peakFramesPerSec)
            .arg(peakFramesPerSec ? formatIso8601Utc(peakFramesAtMs) : QStringLiteral("-"))
            .arg(peakEventsPerSec)
            .arg(peakEventsPerSec ? formatIso8601Utc(peakEventsAtMs) : QStringLiteral("-")));
    for (const auto &[id, s] : sources) {
        t += QLatin1Char('\n');
        line(QStringLiteral("Source"), s.url.isEmpty() ? id : QStringLiteral("%1 (%2)").arg(id, s.url));
        line(QStringLiteral("  frames"), QStringLiteral("%1, seq %2..%3").arg(s.frames).arg(s.firstSeq).arg(s.lastSeq));
        line(QStringLiteral("  events"),
            QStringLiteral("fixture %1, odds %2, bet %3, heartbeat %4, error %5")
                .arg(s.events[std::size_t(EventType::Fixture)])
                .arg(s.events[std::size_t(EventType::Odds)])
                .arg(s.events[std::size_t(EventType::Bet)])
                .arg(s.heartbeats)
                .arg(s.events[std::size_t(EventType::Error)]));
        QStringList codes;
        for (int c = 0; c < kRejectCodeCount; ++c) {
            if (s.rejects[std::size_t(c)] > 0) {
                codes << QStringLiteral("%1 %2").arg(wire(toWire(RejectCode(c)))).arg(s.rejects[std::size_t(c)]);
            }
        }
        line(QStringLiteral("  malformed"),
            QStringLiteral("%1 frames, %2 rejects%3")
                .arg(s.malformedFrames)
                .arg(s.rejected())
                .arg(codes.isEmpty() ? QString()
                                     : QStringLiteral(" (") + codes.join(QStringLiteral(", ")) + QLatin1Char(')')));
        line(QStringLiteral("  gaps"),
            QStringLiteral("%1 (%2 seqs missing); snapshot-compacted %3 seqs")
                .arg(s.gaps)
                .arg(s.gapMissing)
                .arg(s.compacted));
        line(QStringLiteral("  duplicates"),
            QStringLiteral("%1; discarded after a gap %2").arg(s.duplicates).arg(s.discarded));
        line(QStringLiteral("  connections"),
            QStringLiteral("%1 (%2 reconnects, %3 disconnects, %4 stalls)")
                .arg(s.connections)
                .arg(s.reconnects)
                .arg(s.disconnects)
                .arg(s.stalls));
        line(QStringLiteral("  longest silence"),
            s.longestSilenceNs > 0
                ? QStringLiteral("%1, ended at %2")
                      .arg(seconds(s.longestSilenceNs), formatIso8601Utc(s.longestSilenceAtNs / 1000000))
                : QStringLiteral("-"));
    }
    return t;
}

} // namespace OddsTap

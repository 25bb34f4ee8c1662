// SPDX-License-Identifier: MIT
#include "prometheustext.h"

#include <string_view>

namespace OddsTap {

namespace {

/// A label value as the format wants it: backslash, double quote and line feed escaped.
QByteArray escaped(const QString &value)
{
    QByteArray out;
    const QByteArray utf8 = value.toUtf8();
    out.reserve(utf8.size());
    for (const char c : utf8) {
        if (c == '\\' || c == '"') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

QByteArray wire(std::string_view text)
{
    return QByteArray(text.data(), qsizetype(text.size()));
}

QByteArray sourceLabel(const QString &sourceId)
{
    return "source=\"" + escaped(sourceId) + '"';
}

using Source = CaptureStats::Source;

/// One counter family with a sample per source.
void perSource(
    PrometheusWriter &w, const MetricsReading &r, const char *name, const char *help, quint64 (*value)(const Source &))
{
    w.family(name, "counter", help);
    for (const auto &[id, s] : r.stats.sources) {
        w.sample(name, sourceLabel(id), double(value(s)));
    }
}

} // namespace

QByteArray prometheusText(const MetricsReading &r)
{
    PrometheusWriter w;
    const auto &sources = r.stats.sources;

    perSource(
        w, r, "oddstap_frames_received_total", "WebSocket frames received.", [](const Source &s) { return s.frames; });
    perSource(
        w, r, "oddstap_received_bytes_total", "Bytes of the frames received.", [](const Source &s) { return s.bytes; });
    perSource(w, r, "oddstap_envelopes_received_total",
        "Envelopes received, whatever the verdict: accepted + rejected + duplicates + discarded.",
        [](const Source &s) { return s.envelopesReceived(); });
    w.family("oddstap_events_accepted_total", "counter", "Envelopes accepted, by type.");
    for (const auto &[id, s] : sources) {
        for (int t = 0; t < kEventTypeCount; ++t) {
            w.sample("oddstap_events_accepted_total", sourceLabel(id) + ",type=\"" + wire(toWire(EventType(t))) + '"',
                double(s.accepted[std::size_t(t)]));
        }
    }
    w.family("oddstap_rejects_total", "counter", "Frames and envelopes rejected, by reject code.");
    for (const auto &[id, s] : sources) {
        for (int c = 0; c < kRejectCodeCount; ++c) {
            w.sample("oddstap_rejects_total", sourceLabel(id) + ",code=\"" + wire(toWire(RejectCode(c))) + '"',
                double(s.rejected[std::size_t(c)]));
        }
    }
    perSource(w, r, "oddstap_duplicates_total", "Envelopes at or below the seq already held.",
        [](const Source &s) { return s.duplicates; });
    perSource(w, r, "oddstap_discarded_total", "Envelopes discarded while resynchronising after a gap.",
        [](const Source &s) { return s.discarded; });
    perSource(w, r, "oddstap_gaps_total", "Gaps in the seq stream.", [](const Source &s) { return s.gaps; });
    perSource(w, r, "oddstap_gap_missing_seqs_total", "Seqs missing in those gaps.",
        [](const Source &s) { return s.gapSeqsMissing; });
    perSource(w, r, "oddstap_reconnects_total", "Connection attempts after the first.",
        [](const Source &s) { return s.reconnects; });
    perSource(w, r, "oddstap_stalls_total", "Connections dropped for silence (no frame within the heartbeat timeout).",
        [](const Source &s) { return s.stalls; });

    w.family("oddstap_source_up", "gauge", "1 while the source is subscribed and receiving, else 0.");
    for (const auto &[id, s] : sources) {
        w.sample("oddstap_source_up", sourceLabel(id), s.state == SourceState::Subscribed ? 1 : 0);
    }
    w.family("oddstap_source_last_seq", "gauge", "The highest seq received from the source.");
    for (const auto &[id, s] : sources) {
        w.sample("oddstap_source_last_seq", sourceLabel(id), double(s.lastSeq));
    }

    w.family("oddstap_source_committed_seq", "gauge",
        "The seq up to which the source's events are committed to the database (where a restart resumes).");
    for (const auto &[id, seq] : r.committedSeqs) {
        w.sample("oddstap_source_committed_seq", sourceLabel(id), double(seq));
    }

    w.family("oddstap_rows_committed_total", "counter", "Rows committed to the database, by table.");
    for (const auto &[table, rows] : r.stats.persisted.rowsByTable()) {
        w.sample("oddstap_rows_committed_total", QByteArray("table=\"") + table + '"', double(rows));
    }
    w.family("oddstap_commits_total", "counter", "Database transactions committed.");
    w.sample("oddstap_commits_total", {}, double(r.stats.commits));
    w.family("oddstap_storage_queue_events", "gauge", "Events waiting in the storage writer's memory.");
    w.sample("oddstap_storage_queue_events", {}, double(r.queuedEvents));
    w.family(
        "oddstap_spool_bytes", "gauge", "Bytes waiting in the on-disk spool while the database is behind or down.");
    w.sample("oddstap_spool_bytes", {}, double(r.spoolBytes));
    w.family("oddstap_storage_up", "gauge", "0 while the database is unavailable (an outage is in progress), else 1.");
    w.sample("oddstap_storage_up", {}, r.storageDown ? 0 : 1);

    w.family("oddstap_receive_to_processed_seconds", "histogram", "Frame received -> event applied by the session.");
    w.histogram("oddstap_receive_to_processed_seconds", {}, r.stats.receiveToProcessed);
    w.family(
        "oddstap_receive_to_committed_seconds", "histogram", "Frame received -> its database transaction committed.");
    w.histogram("oddstap_receive_to_committed_seconds", {}, r.stats.receiveToCommit);
    w.family("oddstap_database_write_seconds", "histogram", "One database transaction.");
    w.histogram("oddstap_database_write_seconds", {}, r.stats.databaseWrite);
    w.family("oddstap_server_to_receive_seconds", "histogram",
        "Envelope ts (the feed's clock) -> received (this machine's clock), clock skew included.");
    for (const auto &[id, s] : sources) {
        w.histogram("oddstap_server_to_receive_seconds", sourceLabel(id), s.serverToReceive);
    }
    w.family("oddstap_snapshot_timestamp_seconds", "gauge", "When the session took this reading (Unix time).");
    w.sample("oddstap_snapshot_timestamp_seconds", {}, double(r.atMs) / 1000.0);
    return w.take();
}

} // namespace OddsTap

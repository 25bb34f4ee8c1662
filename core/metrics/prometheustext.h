// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/latencyhistogram.h>
#include <core/session/capturestats.h>

#include <QByteArray>

namespace OddsTap {

/// What one scrape of /metrics reports: the session's totals and its storage queue as they stood
/// at the latest snapshot. Built on the session's thread, read on the metrics server's.
struct MetricsReading
{
    qint64 atMs = 0; ///< when the session built it (wall clock)
    CaptureStats stats;
    SeqMap committedSeqs; ///< per source, the last seq whose events are in the database
    quint64 queuedEvents = 0; ///< waiting in the storage writer's memory
    qint64 spoolBytes = 0; ///< waiting on disk
    bool storageDown = false;
};

/// Bucket bounds of every latency histogram, in seconds: from a millisecond (the pipeline's own
/// stages) to a minute (a feed far behind, a database stalled).
inline constexpr double kBucketSeconds[] = { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
    60 };

/// Builds a text exposition: families, samples and histograms (latencies in seconds).
class PrometheusWriter
{
public:
    void family(const char *name, const char *type, const char *help)
    {
        m_out += "# HELP ";
        m_out += name;
        m_out += ' ';
        m_out += help;
        m_out += "\n# TYPE ";
        m_out += name;
        m_out += ' ';
        m_out += type;
        m_out += '\n';
    }

    /// One sample; `labels` is already in the format (`source="a",type="odds"`) or empty.
    void sample(const char *name, const QByteArray &labels, double value)
    {
        m_out += name;
        if (!labels.isEmpty()) {
            m_out += '{';
            m_out += labels;
            m_out += '}';
        }
        m_out += ' ';
        m_out += QByteArray::number(value, 'g', 17);
        m_out += '\n';
    }

    void histogram(const char *name, const QByteArray &labels, const LatencyHistogram &h)
    {
        const QByteArray prefix = labels.isEmpty() ? QByteArray() : labels + ',';
        const QByteArray bucket = QByteArray(name) + "_bucket";
        for (const double le : kBucketSeconds) {
            sample(bucket.constData(), prefix + "le=\"" + QByteArray::number(le, 'g', 6) + '"',
                double(h.countAtMostNs(qint64(le * 1e9))));
        }
        sample(bucket.constData(), prefix + "le=\"+Inf\"", double(h.count()));
        const QByteArray sum = QByteArray(name) + "_sum";
        const QByteArray count = QByteArray(name) + "_count";
        sample(sum.constData(), labels, h.sumNs() / 1e9);
        sample(count.constData(), labels, double(h.count()));
    }

    QByteArray take() { return std::move(m_out); }

private:
    QByteArray m_out;
};

/// The reading in Prometheus' text exposition format (version 0.0.4): counters per source, type,
/// reject code and table, gauges for the queue and each source's state, and histograms (seconds) of
/// each pipeline stage. Names and labels are listed in docs/metrics.md.
QByteArray prometheusText(const MetricsReading &reading);

} // namespace OddsTap

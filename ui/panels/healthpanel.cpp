// SPDX-License-Identifier: MIT
#include "healthpanel.h"

#include <ui/charts/trendchart.h>

#include <QGridLayout>

#include <cmath>
#include <limits>

namespace OddsTap {
namespace {

constexpr qint64 kRedrawEveryMs = 500;

constexpr double kNothing = std::numeric_limits<double>::quiet_NaN();

/// A latency of this interval, or nothing when no event (or write) was measured in it: a 0 would
/// pull the chart's means down.
double ms(const StageLatency &l, qint64 StageLatency::*field)
{
    return l.count == 0 ? kNothing : double(l.*field) / 1e6;
}

} // namespace

HealthPanel::HealthPanel(QWidget *parent)
    : Panel(parent)
{
    auto *layout = new QGridLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    m_trends = {
        new TrendChart(tr("Events/s"), { tr("events/s") }, QString(), this),
        new TrendChart(tr("Recv → processed"), { tr("p50"), tr("p99") }, tr("ms"), this),
        new TrendChart(tr("Recv → committed"), { tr("p50"), tr("p99") }, tr("ms"), this),
        new TrendChart(tr("Backlog k ev / MiB"), { tr("queue"), tr("spool") }, QString(), this),
        new TrendChart(tr("DB write"), { tr("p50"), tr("max") }, tr("ms"), this),
        new TrendChart(tr("Feed latency, slowest source"), { tr("p50"), tr("p99 peak") }, tr("ms"), this),
    };
    // Maxima and percentiles keep each bucket's peak: the mean of twenty p99s is no p99, and
    // would hide a spike. The p50s and the rate are averaged.
    for (TrendChart *t : { m_trends[1], m_trends[2], m_trends[4], m_trends[5] }) {
        t->keepPeakOf(1);
    }
    m_trends[3]->keepPeakOf(0);
    m_trends[3]->keepPeakOf(1);
    for (std::size_t i = 0; i < m_trends.size(); ++i) {
        layout->addWidget(m_trends[i], int(i / 3), int(i % 3));
    }
}

void HealthPanel::applySnapshot(const SessionSnapshot &snapshot)
{
    const MetricsSnapshot &m = snapshot.metrics;
    if (m.atMs == m_lastSampleMs) {
        return; // a paused replay: nothing happened since
    }
    m_lastSampleMs = m.atMs;
    // Feed latency: of the source that is slowest now, the one whose prices are the stalest.
    double latencyP50 = kNothing;
    double latencyP99 = kNothing;
    for (const SourceStatus &s : m.sources) {
        if (s.latency.samples > 0 && (std::isnan(latencyP99) || s.latency.p99Ms >= latencyP99)) {
            latencyP50 = s.latency.p50Ms;
            latencyP99 = s.latency.p99Ms;
        }
    }
    const std::vector<std::vector<double>> samples {
        { m.eventsPerSec },
        { ms(m.receiveToProcessed, &StageLatency::p50Ns), ms(m.receiveToProcessed, &StageLatency::p99Ns) },
        { ms(m.receiveToCommitted, &StageLatency::p50Ns), ms(m.receiveToCommitted, &StageLatency::p99Ns) },
        { double(m.queuedEvents) / 1000.0, double(m.spoolBytes) / 1048576.0 },
        { ms(m.databaseWrite, &StageLatency::p50Ns), ms(m.databaseWrite, &StageLatency::maxNs) },
        { latencyP50, latencyP99 },
    };
    // Every snapshot counts in its bucket; the charts are redrawn twice a second at most.
    const bool redraw = m.atMs - m_lastRedrawMs >= kRedrawEveryMs || m.atMs < m_lastRedrawMs;
    for (std::size_t i = 0; i < m_trends.size(); ++i) {
        m_trends[i]->addSample(m.atMs, samples[i]);
        if (redraw) {
            m_trends[i]->redraw();
        }
    }
    if (redraw) {
        m_lastRedrawMs = m.atMs;
    }
}

void HealthPanel::reset()
{
    for (TrendChart *t : m_trends) {
        t->clear();
    }
    m_lastRedrawMs = 0;
    m_lastSampleMs = 0;
}

} // namespace OddsTap

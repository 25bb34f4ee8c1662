// SPDX-License-Identifier: MIT
#include "healthpanel.h"

#include <ui/charts/trendchart.h>

#include <QGridLayout>

namespace OddsTap {
namespace {

constexpr qint64 kRedrawEveryMs = 500;

double ms(qint64 ns)
{
    return double(ns) / 1e6;
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
        new TrendChart(tr("Feed latency"), { tr("p50"), tr("p99") }, tr("ms"), this),
    };
    m_trends[4]->keepPeakOf(1); // the slowest write of each bucket, not their mean
    for (std::size_t i = 0; i < m_trends.size(); ++i) {
        layout->addWidget(m_trends[i], int(i / 3), int(i % 3));
    }
}

void HealthPanel::applySnapshot(const SessionSnapshot &snapshot)
{
    const MetricsSnapshot &m = snapshot.metrics;
    // Feed latency: of the source that is slowest now, the one whose prices are the stalest.
    double latencyP50 = 0;
    double latencyP99 = 0;
    for (const SourceStatus &s : m.sources) {
        if (s.latency.samples > 0 && s.latency.p99Ms >= latencyP99) {
            latencyP50 = s.latency.p50Ms;
            latencyP99 = s.latency.p99Ms;
        }
    }
    const std::vector<std::vector<double>> samples {
        { m.eventsPerSec },
        { ms(m.receiveToProcessed.p50Ns), ms(m.receiveToProcessed.p99Ns) },
        { ms(m.receiveToCommitted.p50Ns), ms(m.receiveToCommitted.p99Ns) },
        { double(m.queuedEvents) / 1000.0, double(m.spoolBytes) / 1048576.0 },
        { ms(m.databaseWrite.p50Ns), ms(m.databaseWrite.maxNs) },
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

} // namespace OddsTap

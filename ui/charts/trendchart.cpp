// SPDX-License-Identifier: MIT
#include "trendchart.h"

#include <ui/charts/chartpalette.h>

#include <QDateTime>
#include <QDateTimeAxis>
#include <QLineSeries>
#include <QValueAxis>

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace OddsTap {
namespace {
constexpr qint64 kSpanMs = 5 * 60 * 1000;
constexpr qint64 kBucketMs = 2000;
} // namespace

TrendChart::TrendChart(const QString &title, const QStringList &seriesNames, const QString &unit, QWidget *parent)
    : QChartView(new QChart, parent)
    , m_title(title)
    , m_unit(unit)
{
    setMinimumHeight(110);
    setRenderHint(QPainter::Antialiasing, true);
    QChart *c = chart();
    c->setAnimationOptions(QChart::NoAnimation);
    c->setMargins(QMargins(2, 2, 2, 2));
    c->setTitle(title);
    QFont f = c->titleFont();
    f.setPointSizeF(f.pointSizeF() * 0.9);
    c->setTitleFont(f);
    // Small charts: smaller text, a narrow legend beside the plot, and two time labels (the
    // window's ends) that never repeat and leave the plot its width.
    QFont small = c->font();
    small.setPointSizeF(small.pointSizeF() * 0.8);
    c->legend()->setVisible(seriesNames.size() > 1);
    c->legend()->setAlignment(Qt::AlignRight);
    c->legend()->setFont(small);
    m_x = new QDateTimeAxis;
    m_x->setFormat(QStringLiteral("HH:mm"));
    m_x->setTickCount(2);
    m_x->setLabelsFont(small);
    m_y = new QValueAxis;
    m_y->setLabelFormat(QStringLiteral("%.0f"));
    m_y->setTickCount(3);
    m_y->setLabelsFont(small);
    c->addAxis(m_x, Qt::AlignBottom);
    c->addAxis(m_y, Qt::AlignLeft);
    for (const QString &name : seriesNames) {
        auto *s = new QLineSeries;
        s->setName(name);
        c->addSeries(s);
        s->attachAxis(m_x);
        s->attachAxis(m_y);
        m_series.push_back(s);
    }
    m_peak.assign(m_series.size(), false);
    applyChartPalette(c, palette());
}

void TrendChart::keepPeakOf(int series)
{
    if (series >= 0 && std::size_t(series) < m_peak.size()) {
        m_peak[std::size_t(series)] = true;
    }
}

void TrendChart::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::PaletteChange) {
        applyChartPalette(chart(), palette());
    }
    QChartView::changeEvent(event);
}

void TrendChart::addSample(qint64 atMs, const std::vector<double> &values)
{
    const std::size_t n = m_series.size();
    m_latest.resize(n, 0.0);
    const qint64 start = atMs - atMs % kBucketMs;
    if (!m_buckets.empty() && start < m_buckets.back().atMs) {
        if (m_buckets.back().atMs - atMs > kBucketMs) {
            clear(); // far back: a replay that starts over
        } else {
            atMs = m_buckets.back().atMs; // a wall clock stepped back a little: the same bucket
        }
    }
    const qint64 bucketStart = m_buckets.empty() ? start : std::max(start, m_buckets.back().atMs);
    if (m_buckets.empty() || m_buckets.back().atMs != bucketStart) {
        m_buckets.push_back({ bucketStart, std::vector<double>(n, 0.0), std::vector<int>(n, 0) });
    }
    Bucket &b = m_buckets.back();
    for (std::size_t i = 0; i < n && i < values.size(); ++i) {
        const double v = values[i];
        if (std::isnan(v)) {
            continue;
        }
        m_latest[i] = v;
        b.values[i] = !m_peak[i] ? b.values[i] + v : b.samples[i] == 0 ? v : std::max(b.values[i], v);
        ++b.samples[i];
    }
    while (atMs - m_buckets.front().atMs > kSpanMs) {
        m_buckets.pop_front();
    }
}

void TrendChart::clear()
{
    m_buckets.clear();
    m_latest.clear();
    for (QLineSeries *s : m_series) {
        s->clear();
    }
    chart()->setTitle(m_title);
}

double TrendChart::valueOf(const Bucket &b, std::size_t series) const
{
    if (b.samples[series] == 0) {
        return std::numeric_limits<double>::quiet_NaN();
    }
    return m_peak[series] ? b.values[series] : b.values[series] / double(b.samples[series]);
}

double TrendChart::latest(int series) const
{
    if (series < 0 || std::size_t(series) >= m_latest.size()) {
        return 0.0;
    }
    const double newest = m_buckets.empty() ? std::nan("") : valueOf(m_buckets.back(), std::size_t(series));
    return std::isnan(newest) ? m_latest[std::size_t(series)] : newest;
}

void TrendChart::showEvent(QShowEvent *event)
{
    QChartView::showEvent(event);
    if (std::exchange(m_stale, false)) {
        redraw();
    }
}

void TrendChart::redraw()
{
    if (m_buckets.empty()) {
        return;
    }
    if (!isVisible()) {
        // A hidden tab (Health sits behind Bets): rebuilding its series and their paths every
        // tick costs the GUI thread time and keeps QtCharts' path memory for nothing.
        m_stale = true;
        return;
    }
    double high = 1;
    for (std::size_t i = 0; i < m_series.size(); ++i) {
        QList<QPointF> points;
        points.reserve(qsizetype(m_buckets.size()));
        for (const Bucket &b : m_buckets) {
            const double v = valueOf(b, i);
            if (std::isnan(v)) {
                continue; // nothing measured then: the line joins its neighbours
            }
            points.append(QPointF(double(b.atMs), v));
            high = std::max(high, v);
        }
        m_series[i]->replace(points);
    }
    m_y->setRange(0, high * 1.15);
    m_y->setLabelFormat(high < 10 ? QStringLiteral("%.1f") : QStringLiteral("%.0f"));
    const qint64 to = m_buckets.back().atMs;
    m_x->setRange(QDateTime::fromMSecsSinceEpoch(std::min(m_buckets.front().atMs, to - 60000)),
        QDateTime::fromMSecsSinceEpoch(to));
    QStringList now;
    for (std::size_t i = 0; i < m_series.size(); ++i) {
        now << QString::number(latest(int(i)), 'f', latest(int(i)) < 10 ? 1 : 0);
    }
    // The unit once, after the values: the title must fit a small chart.
    chart()->setTitle(
        QStringLiteral("%1: %2%3")
            .arg(m_title, now.join(QStringLiteral(" / ")), m_unit.isEmpty() ? QString() : QLatin1Char(' ') + m_unit));
}

} // namespace OddsTap

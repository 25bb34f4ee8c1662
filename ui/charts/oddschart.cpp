// SPDX-License-Identifier: MIT
#include "oddschart.h"

#include <core/common/timeutil.h>
#include <ui/charts/chartpalette.h>

#include <QAreaSeries>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QGraphicsLineItem>
#include <QLegendMarker>
#include <QLineSeries>
#include <QToolTip>
#include <QValueAxis>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace OddsTap {
namespace {

/// The highest price the price axis reaches; higher prices are drawn above the plot.
constexpr double kAxisMaxPrice = 1e9;
/// The widest view zooming out reaches.
constexpr qint64 kMaxViewSpanMs = 10LL * 366 * 24 * 3600 * 1000;

qint64 windowMs(OddsChartView::Window w)
{
    switch (w) {
    case OddsChartView::Window::FiveMinutes:
        return 5 * 60 * 1000;
    case OddsChartView::Window::OneHour:
        return 60 * 60 * 1000;
    case OddsChartView::Window::All:
        return 0;
    }
    return 0;
}

/// The smallest of 1, 2 or 5 times a power of ten that is at least @p raw: a round tick step.
double niceStep(double raw)
{
    const double magnitude = std::pow(10.0, std::floor(std::log10(std::max(raw, 1e-6))));
    for (const double m : { 1.0, 2.0, 5.0 }) {
        if (m * magnitude >= raw) {
            return m * magnitude;
        }
    }
    return 10.0 * magnitude;
}

/// Step form: each change first holds the previous price up to its time.
QList<QPointF> steps(const std::vector<SeriesPoint> &points, qint64 until)
{
    QList<QPointF> out;
    out.reserve(qsizetype(points.size()) * 2 + 1);
    for (std::size_t i = 0; i < points.size(); ++i) {
        if (i > 0) {
            out.append(QPointF(double(points[i].t), points[i - 1].price));
        }
        out.append(QPointF(double(points[i].t), points[i].price));
    }
    if (!points.empty() && until > points.back().t) {
        out.append(QPointF(double(until), points.back().price)); // the current price holds until now
    }
    return out;
}

} // namespace

OddsChartView::OddsChartView(QWidget *parent)
    : QChartView(new QChart, parent)
{
    setRenderHint(QPainter::Antialiasing, false); // crisp steps, cheaper redraws
    setRubberBand(QChartView::HorizontalRubberBand);
    setFocusPolicy(Qt::StrongFocus);
    setMouseTracking(true);
    setToolTip(tr("Wheel: zoom. Drag: zoom to a range. Left/Right: pan. Home: back to live. "
                  "Click a legend entry to hide or show a selection."));
    QChart *c = chart();
    c->setAnimationOptions(QChart::NoAnimation);
    c->legend()->setAlignment(Qt::AlignBottom);
    c->setMargins(QMargins(4, 4, 4, 4));
    m_x = new QDateTimeAxis;
    m_x->setFormat(QStringLiteral("HH:mm:ss"));
    m_x->setTickCount(6);
    m_y = new QValueAxis;
    m_y->setLabelFormat(QStringLiteral("%.2f"));
    c->addAxis(m_x, Qt::AlignBottom);
    c->addAxis(m_y, Qt::AlignLeft);
    m_suspendedUpper = new QLineSeries(this);
    m_suspendedLower = new QLineSeries(this);
    m_suspended = new QAreaSeries(m_suspendedUpper, m_suspendedLower);
    m_suspended->setName(tr("suspended"));
    QColor shade = palette().color(QPalette::Text);
    shade.setAlpha(40);
    m_suspended->setBrush(shade);
    m_suspended->setPen(Qt::NoPen);
    c->addSeries(m_suspended);
    m_suspended->attachAxis(m_x);
    m_suspended->attachAxis(m_y);
    m_volumeAxis = new QValueAxis;
    m_volumeAxis->setLabelFormat(QStringLiteral("%.0f"));
    m_volumeAxis->setTitleText(tr("matched"));
    m_volumeAxis->setGridLineVisible(false);
    m_volumeAxis->setVisible(false);
    c->addAxis(m_volumeAxis, Qt::AlignRight);
    m_volumeUpper = new QLineSeries(this);
    m_volume = new QAreaSeries(m_volumeUpper);
    m_volume->setName(tr("matched"));
    QColor volumeColour = palette().color(QPalette::Highlight);
    volumeColour.setAlpha(70);
    m_volume->setBrush(volumeColour);
    m_volume->setPen(Qt::NoPen);
    c->addSeries(m_volume);
    m_volume->attachAxis(m_x);
    m_volume->attachAxis(m_volumeAxis);
    m_volume->setVisible(false);
    for (QLegendMarker *marker : c->legend()->markers(m_volume)) {
        marker->setVisible(false);
    }
    m_crosshair = new QGraphicsLineItem(c);
    QPen pen(palette().color(QPalette::Mid));
    pen.setStyle(Qt::DashLine);
    m_crosshair->setPen(pen);
    m_crosshair->setZValue(100);
    m_crosshair->hide();
    applyChartPalette(c, palette());
}

void OddsChartView::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::PaletteChange) {
        applyChartPalette(chart(), palette());
    }
    QChartView::changeEvent(event);
}

void OddsChartView::render(const PriceHistory &history)
{
    const qint64 started = monotonicNs();
    const QString key = history.sourceId() + QChar(0x1f) + history.fixtureId() + QChar(0x1f) + history.marketType();
    QChart *c = chart();
    if (key != m_marketKey) {
        for (auto &[name, series] : m_series) {
            c->removeSeries(series);
            delete series;
        }
        m_series.clear();
        m_hidden.clear();
        m_cache.clear();
        m_marketKey = key;
        m_follow = true;
        c->setTitle(history.marketType().isEmpty() ? tr("Select a fixture and a market")
                                                   : tr("%1 — %2").arg(history.fixtureId(), history.marketType()));
    }
    for (const QString &selection : history.selections()) {
        if (m_series.count(selection) != 0) {
            continue;
        }
        auto *s = new QLineSeries;
        s->setName(selection);
        s->setUseOpenGL(false);
        c->addSeries(s);
        s->attachAxis(m_x);
        s->attachAxis(m_y);
        m_series[selection] = s;
        for (QLegendMarker *marker : c->legend()->markers(s)) {
            connect(marker, &QLegendMarker::clicked, this, [this, selection, marker] {
                const bool hide = !m_hidden[selection];
                m_hidden[selection] = hide;
                m_series[selection]->setVisible(!hide);
                marker->setVisible(true);
                QFont f = marker->font();
                f.setStrikeOut(hide);
                marker->setFont(f);
                redraw();
            });
        }
    }
    m_suspensions = history.suspensions();
    for (QLegendMarker *marker : c->legend()->markers(m_suspended)) {
        marker->setVisible(!m_suspensions.empty());
    }
    m_first = history.firstTime();
    m_last = history.lastTime();
    m_history = &history;
    redraw();
    m_history = nullptr;
    m_lastRenderNs = monotonicNs() - started;
}

void OddsChartView::redraw()
{
    if (!m_history) {
        // A view change between renders (zoom, pan, legend): draw what was cached.
        if (m_cache.empty()) {
            return;
        }
    }
    const qint64 span = windowMs(m_window);
    if (m_follow || m_viewTo <= m_viewFrom) {
        m_viewTo = std::max(m_last, m_first + 1000);
        // Never more empty time before the data than a tenth of the window.
        m_viewFrom = span > 0 ? std::max(m_viewTo - span, m_first - span / 50) : m_first;
    }
    const int columns = std::max(100, int(chart()->plotArea().width()));
    double low = std::numeric_limits<double>::max();
    double high = std::numeric_limits<double>::lowest();
    m_drawnPoints = 0;
    for (auto &[selection, series] : m_series) {
        std::vector<SeriesPoint> thinned;
        if (m_history) {
            const std::vector<SeriesPoint> &all = m_history->series(selection);
            thinned = thinSteps(all, m_viewFrom, m_viewTo, columns);
            m_cache[selection] = thinned;
        } else {
            thinned = m_cache[selection];
        }
        if (!m_hidden[selection]) {
            for (const SeriesPoint &p : thinned) {
                low = std::min(low, p.price);
                high = std::max(high, p.price);
            }
        }
        const QList<QPointF> pts = steps(thinned, m_viewTo);
        m_drawnPoints += pts.size();
        series->replace(pts); // one replace per series per tick, never append per point
    }
    // Nothing to show: no invented time axis and price scale, only the title saying what to do.
    const bool empty = low > high;
    m_x->setVisible(!empty);
    m_y->setVisible(!empty);
    if (empty) {
        low = 1.0;
        high = 2.0;
    }
    // A feed may send any finite price over 1.0 (exchanges stop at 1,000), and the history may
    // hold less. The axis is computed from prices within [1, kAxisMaxPrice], so that its range and
    // step stay finite and far above the spacing of doubles there: QtCharts steps from tick to
    // tick with `value += interval`, which never ends once the interval is below that spacing.
    low = std::clamp(low, 1.0, kAxisMaxPrice);
    high = std::clamp(high, low, kAxisMaxPrice);
    // Round ticks chosen here: applyNiceNumbers() may stretch the range down to 0, which
    // flattens a price move into a line.
    const double pad = std::max(0.005, (high - low) * 0.08);
    // About four intervals, fewer in a short plot (a tick label needs about 28 px), so that labels
    // are never elided to "...". Labels show two decimals, so no step is finer than 0.01.
    const int intervals = std::clamp(int(chart()->plotArea().height() / 28), 1, 4);
    const double step = std::max(0.01, niceStep((high - low + 2 * pad) / intervals));
    const double yMin = std::max(1.0, std::floor((low - pad) / step) * step);
    const double yMax = std::ceil((high + pad) / step) * step;
    // Range and interval change together: with dynamic ticks, setting one while the other is still
    // the previous render's lays out (range / interval) ticks in between, and QtCharts keeps the
    // items it made (a price that moves from 1.02 to 1000 would make 200,000). Unchanged, nothing
    // is set: each change lays the axis out again.
    const double top = std::max(yMax, yMin + step);
    if (m_y->min() != yMin || m_y->max() != top || m_y->tickInterval() != step
        || m_y->tickType() != QValueAxis::TicksDynamic) {
        m_y->setTickType(QValueAxis::TicksFixed);
        m_y->setRange(yMin, top);
        m_y->setTickAnchor(std::floor(yMin / step) * step);
        m_y->setTickInterval(step);
        m_y->setTickType(QValueAxis::TicksDynamic);
    }
    m_x->setRange(QDateTime::fromMSecsSinceEpoch(m_viewFrom), QDateTime::fromMSecsSinceEpoch(m_viewTo));
    QList<QPointF> upper;
    QList<QPointF> lower { QPointF(double(m_viewFrom), m_y->min()), QPointF(double(m_viewTo), m_y->min()) };
    for (const auto &[from, to] : m_suspensions) {
        if (to < m_viewFrom || from > m_viewTo) {
            continue;
        }
        upper << QPointF(double(from), m_y->min()) << QPointF(double(from), m_y->max())
              << QPointF(double(to), m_y->max()) << QPointF(double(to), m_y->min());
    }
    if (upper.isEmpty()) {
        upper << QPointF(double(m_viewFrom), m_y->min()) << QPointF(double(m_viewTo), m_y->min());
    }
    m_suspendedUpper->replace(upper);
    m_suspendedLower->replace(lower);

    // Matched per slice as bars under the prices, scaled to the lowest quarter of the plot.
    const int slices = std::clamp(columns / 6, 20, 120);
    if (m_history) {
        m_volumeBars = m_history->volumeBars(m_viewFrom, m_viewTo, slices);
    }
    const double most = m_volumeBars.empty() ? 0.0 : *std::max_element(m_volumeBars.begin(), m_volumeBars.end());
    const bool haveVolume = most > 0 && !empty;
    m_volume->setVisible(haveVolume);
    m_volumeAxis->setVisible(haveVolume);
    if (haveVolume) {
        m_volumeAxis->setRange(0, most * 4);
        m_volumeAxis->setTickCount(2);
        QList<QPointF> bars;
        const double width = double(m_viewTo - m_viewFrom) / double(m_volumeBars.size());
        for (std::size_t i = 0; i < m_volumeBars.size(); ++i) {
            const double x0 = double(m_viewFrom) + width * double(i);
            bars << QPointF(x0, 0) << QPointF(x0, m_volumeBars[i]) << QPointF(x0 + width, m_volumeBars[i])
                 << QPointF(x0 + width, 0);
        }
        m_volumeUpper->replace(bars);
    }
}

void OddsChartView::resizeEvent(QResizeEvent *event)
{
    QChartView::resizeEvent(event);
    redraw();
}

void OddsChartView::setWindow(Window window)
{
    m_window = window;
    setFollowLive(true);
    redraw();
}

void OddsChartView::setFollowLive(bool follow)
{
    if (m_follow != follow) {
        m_follow = follow;
        emit followLiveChanged(follow);
    }
}

QStringList OddsChartView::visibleSelections() const
{
    QStringList out;
    for (const auto &[selection, series] : m_series) {
        if (series->isVisible()) {
            out << selection;
        }
    }
    return out;
}

void OddsChartView::zoomBy(double factor, qint64 centre)
{
    const qint64 from = centre - qint64(double(centre - m_viewFrom) * factor);
    const qint64 to = centre + qint64(double(m_viewTo - centre) * factor);
    // One second is as close as it gets, and ten years as far (further, the times in ms overflow
    // after a few hundred steps); a view beyond a limit can still move back towards it.
    if ((factor < 1 && to - from < 1000) || (factor > 1 && to - from > kMaxViewSpanMs)) {
        return;
    }
    m_viewFrom = from;
    m_viewTo = to;
    setFollowLive(false);
    redraw();
}

void OddsChartView::panBy(double fraction)
{
    const auto delta = qint64(double(m_viewTo - m_viewFrom) * fraction);
    m_viewFrom += delta;
    m_viewTo += delta;
    setFollowLive(false);
    redraw();
}

void OddsChartView::wheelEvent(QWheelEvent *event)
{
    const QPointF value = chart()->mapToValue(event->position());
    zoomBy(event->angleDelta().y() > 0 ? 0.8 : 1.25, qint64(value.x()));
    event->accept();
}

void OddsChartView::keyPressEvent(QKeyEvent *event)
{
    switch (event->key()) {
    case Qt::Key_Left:
        panBy(-0.1);
        return;
    case Qt::Key_Right:
        panBy(0.1);
        return;
    case Qt::Key_Plus:
    case Qt::Key_Equal:
        zoomBy(0.8, (m_viewFrom + m_viewTo) / 2);
        return;
    case Qt::Key_Minus:
        zoomBy(1.25, (m_viewFrom + m_viewTo) / 2);
        return;
    case Qt::Key_Home:
        setFollowLive(true);
        redraw();
        return;
    default:
        QChartView::keyPressEvent(event);
    }
}

void OddsChartView::mouseReleaseEvent(QMouseEvent *event)
{
    QChartView::mouseReleaseEvent(event);
    // The rubber band zoomed the axes: take the range over (or undo on right click).
    if (event->button() == Qt::RightButton) {
        setFollowLive(true);
        redraw();
        return;
    }
    const qint64 from = m_x->min().toMSecsSinceEpoch();
    const qint64 to = m_x->max().toMSecsSinceEpoch();
    if (from != m_viewFrom || to != m_viewTo) {
        m_viewFrom = from;
        m_viewTo = to;
        setFollowLive(false);
        redraw();
    }
}

void OddsChartView::mouseMoveEvent(QMouseEvent *event)
{
    QChartView::mouseMoveEvent(event);
    const QRectF plot = chart()->plotArea();
    if (!plot.contains(event->position())) {
        m_crosshair->hide();
        return;
    }
    m_crosshair->setLine(event->position().x(), plot.top(), event->position().x(), plot.bottom());
    m_crosshair->show();
    const auto t = qint64(chart()->mapToValue(event->position()).x());
    QStringList lines { QDateTime::fromMSecsSinceEpoch(t).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz")) };
    for (const auto &[selection, points] : m_cache) {
        if (m_hidden[selection]) {
            continue;
        }
        const auto it =
            std::upper_bound(points.begin(), points.end(), t, [](qint64 x, const SeriesPoint &p) { return x < p.t; });
        if (it != points.begin()) {
            const SeriesPoint &p = *(it - 1);
            lines << QStringLiteral("%1: %2%3")
                         .arg(
                             selection, QString::number(p.price, 'f', 2), p.suspended ? tr(" (suspended)") : QString());
        }
    }
    QToolTip::showText(event->globalPosition().toPoint(), lines.join(QLatin1Char('\n')), this);
}

void OddsChartView::leaveEvent(QEvent *event)
{
    m_crosshair->hide();
    QChartView::leaveEvent(event);
}

} // namespace OddsTap

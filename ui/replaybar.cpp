// SPDX-License-Identifier: MIT
#include "replaybar.h"

#include <core/common/timeutil.h>
#include <ui/delegates/livedelegate.h>

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHelpEvent>
#include <QLabel>
#include <QLocale>
#include <QMouseEvent>
#include <QPainter>
#include <QSignalBlocker>
#include <QStyle>
#include <QToolButton>
#include <QToolTip>

#include <algorithm>
#include <cmath>

namespace OddsTap {
namespace {

constexpr int kMargin = 6;

/// "1:02:03.4" or "02:03.4" from a duration in ns.
QString clock(qint64 ns)
{
    const qint64 tenths = std::max<qint64>(0, ns) / 100000000;
    const qint64 s = tenths / 10;
    const QString frac = QStringLiteral(".%1").arg(tenths % 10);
    if (s >= 3600) {
        return QStringLiteral("%1:%2:%3")
                   .arg(s / 3600)
                   .arg((s / 60) % 60, 2, 10, QLatin1Char('0'))
                   .arg(s % 60, 2, 10, QLatin1Char('0'))
            + frac;
    }
    return QStringLiteral("%1:%2").arg(s / 60, 2, 10, QLatin1Char('0')).arg(s % 60, 2, 10, QLatin1Char('0')) + frac;
}

QColor markerColour(CaptureReport::Marker::Kind kind, const QPalette &palette)
{
    switch (kind) {
    case CaptureReport::Marker::Kind::Disconnect:
        return LiveColours::forPalette(palette).bad;
    case CaptureReport::Marker::Kind::Gap:
        return LiveColours::forPalette(palette).warn;
    case CaptureReport::Marker::Kind::Rejects:
        return QColor(0x8e, 0x24, 0xaa);
    case CaptureReport::Marker::Kind::Alert:
        return LiveColours::forPalette(palette).good;
    }
    return {};
}

QString describe(const CaptureReport::Marker &m)
{
    switch (m.kind) {
    case CaptureReport::Marker::Kind::Disconnect:
        return ReplayTimeline::tr("%1 disconnected: %2")
            .arg(m.sourceId, m.text.isEmpty() ? QStringLiteral("?") : m.text);
    case CaptureReport::Marker::Kind::Gap:
        return ReplayTimeline::tr("%1 gap: %n seq(s) missing", nullptr, int(m.count)).arg(m.sourceId);
    case CaptureReport::Marker::Kind::Rejects:
        return ReplayTimeline::tr("%1: %n reject(s) in this second", nullptr, int(m.count)).arg(m.sourceId);
    case CaptureReport::Marker::Kind::Alert:
        return ReplayTimeline::tr("alert %1 (%2)").arg(m.text, m.sourceId);
    }
    return {};
}

} // namespace

ReplayTimeline::ReplayTimeline(QWidget *parent)
    : QWidget(parent)
{
    setObjectName(QStringLiteral("replayTimeline"));
    setMouseTracking(true);
    setCursor(Qt::PointingHandCursor);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    setToolTip(tr("Click or drag to seek. Red: disconnects, orange: gaps, purple: rejects"));
}

QSize ReplayTimeline::sizeHint() const
{
    return { 600, fontMetrics().height() * 2 };
}

QSize ReplayTimeline::minimumSizeHint() const
{
    return { 160, fontMetrics().height() * 2 };
}

void ReplayTimeline::setRange(qint64 startNs, qint64 endNs)
{
    m_startNs = startNs;
    m_endNs = std::max(endNs, startNs + 1);
    update();
}

void ReplayTimeline::setMarkers(std::vector<CaptureReport::Marker> markers)
{
    m_markers = std::move(markers);
    update();
}

void ReplayTimeline::setPosition(qint64 wallNs)
{
    if (wallNs != m_positionNs) {
        m_positionNs = wallNs;
        update();
    }
}

QRect ReplayTimeline::track() const
{
    return rect().adjusted(kMargin, kMargin, -kMargin, -kMargin);
}

qint64 ReplayTimeline::timeAt(int x) const
{
    const QRect t = track();
    const double f = std::clamp(double(x - t.left()) / std::max(1, t.width()), 0.0, 1.0);
    return m_startNs + qint64(f * double(m_endNs - m_startNs));
}

int ReplayTimeline::xOf(qint64 wallNs) const
{
    const QRect t = track();
    const double f = std::clamp(double(wallNs - m_startNs) / double(m_endNs - m_startNs), 0.0, 1.0);
    return t.left() + int(std::lround(f * t.width()));
}

void ReplayTimeline::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    const QRect t = track();
    const QPalette &pal = palette();
    p.fillRect(t, pal.color(QPalette::Base));
    p.setPen(pal.color(QPalette::Mid));
    p.drawRect(t.adjusted(0, 0, -1, -1));
    if (m_endNs <= m_startNs + 1) {
        return;
    }
    // Replayed so far.
    const int px = xOf(m_positionNs);
    QColor played = pal.color(QPalette::Highlight);
    played.setAlpha(70);
    p.fillRect(QRect(QPoint(t.left() + 1, t.top() + 1), QPoint(px, t.bottom() - 1)), played);
    // Markers: rejects first (underneath), then alerts (the top third), gaps, disconnects on top.
    for (const auto kind : { CaptureReport::Marker::Kind::Rejects, CaptureReport::Marker::Kind::Alert,
             CaptureReport::Marker::Kind::Gap, CaptureReport::Marker::Kind::Disconnect }) {
        p.setPen(QPen(markerColour(kind, pal), kind == CaptureReport::Marker::Kind::Disconnect ? 2 : 1));
        for (const CaptureReport::Marker &m : m_markers) {
            if (m.kind != kind) {
                continue;
            }
            const int x = xOf(m.wallNs);
            int top = t.top() + 1;
            int bottom = t.bottom() - 1;
            if (kind == CaptureReport::Marker::Kind::Alert) {
                bottom = t.top() + t.height() / 3;
            } else if (kind == CaptureReport::Marker::Kind::Gap) {
                top = t.top() + t.height() / 3;
            } else if (kind == CaptureReport::Marker::Kind::Rejects) {
                // Taller for bigger bursts: 1 reject a third of the height, 100 or more all of it.
                const double f = std::min(1.0, (1.0 + std::log10(double(m.count))) / 3.0);
                top = t.bottom() - int(f * (t.height() - 2));
            }
            p.drawLine(x, top, x, bottom);
        }
    }
    // Where the replay stands (or where the drag would seek to).
    const int hx = m_dragNs ? xOf(*m_dragNs) : px;
    p.setPen(QPen(pal.color(QPalette::Text), 2));
    p.drawLine(hx, rect().top() + 1, hx, rect().bottom() - 1);
}

void ReplayTimeline::mousePressEvent(QMouseEvent *event)
{
    if (event->button() == Qt::LeftButton) {
        m_dragNs = timeAt(event->position().toPoint().x());
        update();
    }
}

void ReplayTimeline::mouseMoveEvent(QMouseEvent *event)
{
    if (m_dragNs) {
        m_dragNs = timeAt(event->position().toPoint().x());
        update();
    }
}

void ReplayTimeline::mouseReleaseEvent(QMouseEvent *event)
{
    if (event->button() == Qt::LeftButton && m_dragNs) {
        const qint64 target = *std::exchange(m_dragNs, std::nullopt);
        update();
        emit seekRequested(target);
    }
}

bool ReplayTimeline::event(QEvent *e)
{
    if (e->type() == QEvent::ToolTip) {
        const auto *help = static_cast<QHelpEvent *>(e);
        const qint64 at = timeAt(help->pos().x());
        QString text = tr("%1 (%2 UTC)").arg(clock(at - m_startNs), formatIso8601Utc(at / 1000000));
        // The nearest marker within 4 pixels.
        const CaptureReport::Marker *nearest = nullptr;
        int best = 5;
        for (const CaptureReport::Marker &m : m_markers) {
            const int d = std::abs(xOf(m.wallNs) - help->pos().x());
            if (d < best) {
                best = d;
                nearest = &m;
            }
        }
        if (nearest) {
            text += QLatin1Char('\n') + describe(*nearest);
        }
        QToolTip::showText(help->globalPos(), text, this);
        return true;
    }
    return QWidget::event(e);
}

const std::vector<double> &ReplayBar::speeds()
{
    static const std::vector<double> s { 0.1, 0.25, 0.5, 1, 2, 5, 10, 25, 50, 100, 0 };
    return s;
}

void ReplayBar::showSpeed(double speed)
{
    const QSignalBlocker quiet(m_speed);
    int at = m_speed->findData(speed);
    if (at < 0) {
        // Offered speeds ascend, with Max (0) last.
        at = 0;
        while (
            at < m_speed->count() && m_speed->itemData(at).toDouble() > 0 && m_speed->itemData(at).toDouble() < speed) {
            ++at;
        }
        m_speed->insertItem(at, QStringLiteral("%1x").arg(speed), speed);
    }
    m_speed->setCurrentIndex(at);
}

ReplayBar::ReplayBar(QWidget *parent)
    : QWidget(parent)
{
    setObjectName(QStringLiteral("replayBar"));
    auto *row = new QHBoxLayout(this);
    row->setContentsMargins(6, 2, 6, 2);
    const auto button = [this](const QString &name, QStyle::StandardPixmap icon, const QString &tip) {
        auto *b = new QToolButton(this);
        b->setObjectName(name);
        b->setIcon(style()->standardIcon(icon));
        b->setToolTip(tip);
        b->setAutoRaise(true);
        return b;
    };
    m_restart = button(QStringLiteral("replayRestart"), QStyle::SP_MediaSkipBackward, tr("From the start"));
    m_play = button(QStringLiteral("replayPlay"), QStyle::SP_MediaPause, tr("Pause (Space)"));
    m_step = button(QStringLiteral("replayStep"), QStyle::SP_MediaSeekForward, tr("Next frame, then pause"));
    m_speed = new QComboBox(this);
    m_speed->setObjectName(QStringLiteral("replaySpeed"));
    for (const double s : speeds()) {
        m_speed->addItem(s > 0 ? QStringLiteral("%1x").arg(s) : tr("Max"), s);
    }
    m_speed->setCurrentIndex(m_speed->findData(1.0));
    m_speed->setToolTip(tr("Replay speed: the recorded timing scaled, or as fast as possible (Max)"));
    m_loop = new QCheckBox(tr("Loop"), this);
    m_loop->setObjectName(QStringLiteral("replayLoop"));
    m_loop->setToolTip(tr("Start over at the end"));
    m_timeline = new ReplayTimeline(this);
    m_time = new QLabel(this);
    m_time->setObjectName(QStringLiteral("replayTime"));
    m_time->setTextFormat(Qt::PlainText);
    m_frames = new QLabel(this);
    m_frames->setObjectName(QStringLiteral("replayFrames"));
    m_frames->setForegroundRole(QPalette::PlaceholderText);
    row->addWidget(m_restart);
    row->addWidget(m_play);
    row->addWidget(m_step);
    row->addWidget(m_speed);
    row->addWidget(m_loop);
    row->addWidget(m_timeline, 1);
    row->addWidget(m_time);
    row->addWidget(m_frames);

    connect(m_play, &QToolButton::clicked, this, &ReplayBar::togglePlay);
    connect(m_step, &QToolButton::clicked, this, [this] {
        m_paused = true; // a step leaves the replay paused
        updatePlayButton();
        emit stepRequested();
    });
    connect(m_restart, &QToolButton::clicked, this, [this] { emit seekRequested(m_startNs); });
    connect(m_speed, &QComboBox::currentIndexChanged, this,
        [this] { emit speedChosen(m_speed->currentData().toDouble()); });
    connect(m_timeline, &ReplayTimeline::seekRequested, this, &ReplayBar::seekRequested);
    m_time->setText(tr("loading…"));
}

void ReplayBar::togglePlay()
{
    m_paused = !m_paused;
    updatePlayButton();
    if (!m_paused && m_finished) {
        m_finished = false;
        emit pausedChanged(false);
        emit seekRequested(m_startNs); // play at the end: from the start
        return;
    }
    emit pausedChanged(m_paused);
}

void ReplayBar::updatePlayButton()
{
    m_play->setIcon(style()->standardIcon(m_paused ? QStyle::SP_MediaPlay : QStyle::SP_MediaPause));
    m_play->setToolTip(m_paused ? tr("Play (Space)") : tr("Pause (Space)"));
}

void ReplayBar::setReport(const CaptureReport &report)
{
    m_startNs = report.info.firstRecordWallNs;
    m_endNs = report.info.lastRecordWallNs;
    m_timeline->setRange(m_startNs, m_endNs);
    m_timeline->setMarkers(report.markers);
    std::size_t disconnects = 0;
    std::size_t gaps = 0;
    std::size_t rejectSeconds = 0;
    std::size_t alerts = 0;
    for (const CaptureReport::Marker &m : report.markers) {
        (m.kind == CaptureReport::Marker::Kind::Disconnect     ? disconnects
                : m.kind == CaptureReport::Marker::Kind::Gap   ? gaps
                : m.kind == CaptureReport::Marker::Kind::Alert ? alerts
                                                               : rejectSeconds)++;
    }
    m_timeline->setToolTip(tr("Click or drag to seek.\nRed: %1 disconnects; orange: %2 gaps; purple: rejects in %3 "
                              "seconds; green (top): %4 alerts of the window's rules")
                               .arg(disconnects)
                               .arg(gaps)
                               .arg(rejectSeconds)
                               .arg(alerts));
}

void ReplayBar::setLoadError(const QString &message)
{
    m_time->setText(tr("cannot read the capture: %1").arg(message));
}

QString ReplayBar::positionText() const
{
    return m_time->text();
}

void ReplayBar::setPosition(const ReplayPosition &position)
{
    const qint64 start = m_startNs > 0 ? m_startNs : position.startWallNs;
    const qint64 end = m_endNs > 0 ? m_endNs : position.endWallNs;
    if (m_startNs == 0 && position.startWallNs > 0) {
        m_timeline->setRange(start, end);
    }
    m_timeline->setPosition(position.positionWallNs);
    m_time->setText(QStringLiteral("%1 / %2").arg(clock(position.positionWallNs - start), clock(end - start)));
    const QLocale locale;
    m_frames->setText(
        tr("%1 / %2 frames")
            .arg(locale.toString(qulonglong(position.frames)), locale.toString(qulonglong(position.totalFrames))));
    if (position.seekingToWallNs > 0) {
        m_time->setText(tr("seeking to %1…").arg(clock(position.seekingToWallNs - start)));
    }
    if (!position.error.isEmpty()) {
        m_time->setText(tr("replay error: %1").arg(position.error));
    }
    if (position.finished && !m_finished) {
        m_finished = true;
        if (m_loop->isChecked() && !m_loopPending) {
            m_loopPending = true;
            emit seekRequested(start);
            return;
        }
        // Stopped at the end, as if paused: a seek from here lands paused, as the button shows.
        m_paused = true;
        updatePlayButton();
        emit pausedChanged(true);
    } else if (!position.finished) {
        if (m_finished && m_loopPending) {
            m_loopPending = false;
        }
        m_finished = false;
    }
}

} // namespace OddsTap

// SPDX-License-Identifier: MIT
#pragma once

#include <core/replay/capturereport.h>
#include <core/replay/replaysource.h>

#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QToolButton;

namespace OddsTap {

/// The capture's time line: what has been replayed, where the replay stands, and markers for
/// disconnects (red), gaps (orange) and reject bursts (purple, taller for more). Click or drag to
/// seek; the tooltip names the time and the nearest marker. Lives in: the GUI thread.
class ReplayTimeline : public QWidget
{
    Q_OBJECT
public:
    explicit ReplayTimeline(QWidget *parent = nullptr);

    void setRange(qint64 startNs, qint64 endNs);
    void setMarkers(std::vector<CaptureReport::Marker> markers);
    void setPosition(qint64 wallNs);
    qint64 position() const { return m_positionNs; }
    /// The wall time at a horizontal pixel position (for tests and the tooltip).
    qint64 timeAt(int x) const;
    int xOf(qint64 wallNs) const;
    std::size_t markerCount() const { return m_markers.size(); }
    const std::vector<CaptureReport::Marker> &markers() const { return m_markers; }

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

signals:
    void seekRequested(qint64 wallNs);

protected:
    void paintEvent(QPaintEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    bool event(QEvent *event) override;

private:
    QRect track() const;

    qint64 m_startNs = 0;
    qint64 m_endNs = 0;
    qint64 m_positionNs = 0;
    std::optional<qint64> m_dragNs; ///< while the mouse is down
    std::vector<CaptureReport::Marker> m_markers;
};

/// The transport bar of a replay: play/pause, step, start over, speed (0.1x to 100x, or as fast
/// as possible), loop, the time line, and where the replay stands. Emits requests; the
/// controller carries them out on the pipeline thread. Lives in: the GUI thread.
class ReplayBar : public QWidget
{
    Q_OBJECT
public:
    explicit ReplayBar(QWidget *parent = nullptr);

    void setReport(const CaptureReport &report);
    void setPosition(const ReplayPosition &position);
    void setLoadError(const QString &message);

    ReplayTimeline *timeline() const { return m_timeline; }
    QToolButton *playButton() const { return m_play; }
    QToolButton *stepButton() const { return m_step; }
    QComboBox *speedCombo() const { return m_speed; }
    QCheckBox *loopBox() const { return m_loop; }
    QString positionText() const;
    bool isPaused() const { return m_paused; }

    /// Speeds offered, in order; 0 = as fast as possible.
    static const std::vector<double> &speeds();
    /// Shows @p speed as the chosen one (a replay started at --speed 3 says 3x, not 1x); one not
    /// offered is added in order. Emits nothing: the replay runs at it already.
    void showSpeed(double speed);

public slots:
    void togglePlay();

signals:
    void pausedChanged(bool paused);
    void stepRequested();
    void speedChosen(double speed);
    void seekRequested(qint64 wallNs);

private:
    void updatePlayButton();

    ReplayTimeline *m_timeline = nullptr;
    QToolButton *m_play = nullptr;
    QToolButton *m_step = nullptr;
    QToolButton *m_restart = nullptr;
    QComboBox *m_speed = nullptr;
    QCheckBox *m_loop = nullptr;
    QLabel *m_time = nullptr;
    QLabel *m_frames = nullptr;
    qint64 m_startNs = 0;
    qint64 m_endNs = 0;
    bool m_paused = false;
    bool m_finished = false;
    bool m_loopPending = false; ///< the loop restart was asked for; wait for the new run
};

} // namespace OddsTap

// SPDX-License-Identifier: MIT
#pragma once

#include <core/models/pricehistory.h>

#include <QChartView>
#include <QPointer>

class QAreaSeries;
class QComboBox;
class QDateTimeAxis;
class QGraphicsLineItem;
class QLabel;
class QLineSeries;
class QValueAxis;
class QCheckBox;

namespace OddsTap {

/// Price history of one market as step lines, one per selection. Long histories are thinned per
/// pixel column before drawing, so a million points redraw in milliseconds. Time windows (5 min,
/// 1 h, all), wheel zoom, rubber-band zoom, arrow-key pan, legend toggling, shaded suspensions, a
/// crosshair with time and prices. Lives in: the GUI thread. Charts stay in ui/charts/ so a move
/// to Qt Graphs (Qt 6.10+) stays local.
class OddsChartView : public QChartView
{
    Q_OBJECT
public:
    enum class Window
    {
        FiveMinutes,
        OneHour,
        All,
    };
    explicit OddsChartView(QWidget *parent = nullptr);

    /// Redraws from `history` (kept by the caller, read only during this call).
    void render(const PriceHistory &history);
    void setWindow(Window window);
    Window window() const { return m_window; }
    /// While following, the view keeps the window's end at the newest point.
    void setFollowLive(bool follow);
    bool followsLive() const { return m_follow; }
    /// Points drawn in the last render (after thinning), for tests and the status line.
    qsizetype drawnPoints() const { return m_drawnPoints; }
    qint64 lastRenderNs() const { return m_lastRenderNs; }
    QStringList visibleSelections() const;

signals:
    void followLiveChanged(bool follow);

protected:
    void wheelEvent(QWheelEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    void leaveEvent(QEvent *event) override;
    void changeEvent(QEvent *event) override;
    /// The price axis takes as many ticks as the height holds.
    void resizeEvent(QResizeEvent *event) override;

private:
    void redraw();
    void zoomBy(double factor, qint64 centre);
    void panBy(double fraction);

    const PriceHistory *m_history = nullptr; ///< valid during render() only
    std::map<QString, std::vector<SeriesPoint>> m_cache; ///< the series drawn (for the crosshair)
    QDateTimeAxis *m_x = nullptr;
    QValueAxis *m_y = nullptr;
    std::map<QString, QLineSeries *> m_series;
    std::map<QString, bool> m_hidden;
    QAreaSeries *m_suspended = nullptr;
    /// Matched per time slice, under the prices, on an axis of its own (exchange feeds only).
    QAreaSeries *m_volume = nullptr;
    QLineSeries *m_volumeUpper = nullptr;
    QValueAxis *m_volumeAxis = nullptr;
    std::vector<double> m_volumeBars; ///< as last computed, for redraws between renders
    QLineSeries *m_suspendedUpper = nullptr;
    QLineSeries *m_suspendedLower = nullptr;
    QGraphicsLineItem *m_crosshair = nullptr;
    Window m_window = Window::FiveMinutes;
    bool m_follow = true;
    qint64 m_viewFrom = 0;
    qint64 m_viewTo = 0;
    qint64 m_first = 0;
    qint64 m_last = 0;
    std::vector<std::pair<qint64, qint64>> m_suspensions;
    qsizetype m_drawnPoints = 0;
    qint64 m_lastRenderNs = 0;
    QString m_marketKey;
};

} // namespace OddsTap

// SPDX-License-Identifier: MIT
#pragma once

#include <QChartView>

#include <deque>
#include <vector>

class QLineSeries;
class QValueAxis;
class QDateTimeAxis;

namespace OddsTap {

/// A small live chart of a few metrics over the last five minutes (the Health panel). Samples
/// go into two-second buckets (their mean, or their peak for a series that is a maximum or a
/// percentile), so the chart holds and draws at most 150 points a series however often samples
/// come. A NaN value means "nothing measured" and counts in no bucket.
class TrendChart : public QChartView
{
    Q_OBJECT
public:
    TrendChart(const QString &title, const QStringList &seriesNames, const QString &unit, QWidget *parent = nullptr);

    /// Within a bucket, this series keeps its highest sample instead of the mean. Called before
    /// the first sample.
    void keepPeakOf(int series);
    void addSample(qint64 atMs, const std::vector<double> &values);
    void redraw();
    /// Forgets every sample (a replay that starts over).
    void clear();
    /// What the newest point says (its bucket so far), or the last value measured when that
    /// bucket has none: the title agrees with the line's end.
    double latest(int series) const;
    /// The points each series holds.
    std::size_t pointCount() const { return m_buckets.size(); }

protected:
    void changeEvent(QEvent *event) override;
    void showEvent(QShowEvent *event) override;

private:
    struct Bucket
    {
        qint64 atMs; ///< the bucket's start
        std::vector<double> values; ///< per series, the sum, or the peak (m_peak)
        std::vector<int> samples; ///< per series, the values measured
    };
    double valueOf(const Bucket &b, std::size_t series) const;
    std::deque<Bucket> m_buckets;
    std::vector<double> m_latest;
    std::vector<bool> m_peak;
    std::vector<QLineSeries *> m_series;
    QDateTimeAxis *m_x = nullptr;
    QValueAxis *m_y = nullptr;
    QString m_title;
    QString m_unit;
    bool m_stale = false; ///< samples came while hidden: drawn when shown
};

} // namespace OddsTap

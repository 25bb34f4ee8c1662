// SPDX-License-Identifier: MIT
#pragma once

#include <QChartView>

#include <deque>
#include <vector>

class QLineSeries;
class QValueAxis;
class QDateTimeAxis;

namespace OddsTap {

/// A small live chart of a few metrics over the last minutes (the Health panel). Samples are
/// appended once per snapshot; the series are replaced in one call per tick.
class TrendChart : public QChartView
{
    Q_OBJECT
public:
    TrendChart(const QString &title, const QStringList &seriesNames, const QString &unit, QWidget *parent = nullptr);

    void addSample(qint64 atMs, const std::vector<double> &values);
    void redraw();
    double latest(int series) const;
    std::size_t sampleCount() const { return m_samples.size(); }

protected:
    void changeEvent(QEvent *event) override;
    void showEvent(QShowEvent *event) override;

private:
    struct Sample
    {
        qint64 atMs;
        std::vector<double> values;
    };
    std::deque<Sample> m_samples;
    std::vector<QLineSeries *> m_series;
    QDateTimeAxis *m_x = nullptr;
    QValueAxis *m_y = nullptr;
    QString m_title;
    QString m_unit;
    bool m_stale = false; ///< samples came while hidden: drawn when shown
};

} // namespace OddsTap

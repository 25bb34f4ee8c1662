// SPDX-License-Identifier: MIT
#pragma once

#include <ui/panels/panel.h>

#include <vector>

namespace OddsTap {

class TrendChart;

/// Small live charts of the pipeline: event rate, latencies, storage backlog, write time.
class HealthPanel : public Panel
{
    Q_OBJECT
public:
    explicit HealthPanel(QWidget *parent = nullptr);

    void applySnapshot(const SessionSnapshot &snapshot) override;
    void reset() override;

private:
    std::vector<TrendChart *> m_trends;
    qint64 m_lastRedrawMs = 0;
    qint64 m_lastSampleMs = 0; ///< a paused replay repeats it: not sampled again
};

} // namespace OddsTap

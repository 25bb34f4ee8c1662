// SPDX-License-Identifier: MIT
#include "feedlatency.h"

#include <algorithm>

namespace OddsTap {

FeedLatencyReading FeedLatency::take(qint64 nowMs)
{
    FeedLatencyReading r;
    if (!m_window.empty()) {
        m_minima.emplace_back(nowMs, m_windowMin);
    }
    while (!m_minima.empty() && m_minima.front().first < nowMs - kOffsetWindowMs) {
        m_minima.pop_front();
    }
    if (m_window.empty()) {
        return r;
    }
    qint64 least = std::numeric_limits<qint64>::max();
    for (const auto &[at, min] : m_minima) {
        least = std::min(least, min);
    }
    qint64 base = 0;
    if (least < 0 || least > kPlausibleDelayMs) {
        r.clockOffsetMs = least;
        base = least;
    }
    const auto percentile = [this](double p) {
        const auto k = std::size_t(p * double(m_window.size() - 1));
        std::nth_element(m_window.begin(), m_window.begin() + qsizetype(k), m_window.end());
        return m_window[k];
    };
    r.samples = m_samples;
    r.p50Ms = double(std::max<qint64>(0, percentile(0.50) - base));
    r.p99Ms = double(std::max<qint64>(0, percentile(0.99) - base));
    r.maxMs = double(std::max<qint64>(0, *std::max_element(m_window.begin(), m_window.end()) - base));
    m_window.clear();
    m_windowMin = std::numeric_limits<qint64>::max();
    m_samples = 0;
    return r;
}

} // namespace OddsTap

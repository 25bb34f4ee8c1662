// SPDX-License-Identifier: MIT
#pragma once

#include <QtGlobal>

#include <deque>
#include <limits>
#include <optional>
#include <vector>

namespace OddsTap {

/// What one source's feed latency was over one interval.
struct FeedLatencyReading
{
    quint64 samples = 0;
    double p50Ms = 0;
    double p99Ms = 0;
    double maxMs = 0;
    /// The source's clock against ours, estimated as the least delay of the last minute: positive,
    /// its clock is behind; negative, ahead. Only set once it cannot be a network delay (ahead, or
    /// behind by more than a second); the latencies are then measured from that least delay.
    std::optional<qint64> clockOffsetMs;
};

/// Server timestamp -> receipt, per event, of one source. Two clocks are compared, and a source's
/// clock may be off by more than the network takes: a negative delay is impossible, a delay of
/// minutes is not a network. Where the least delay of the last minute says the clocks disagree,
/// latencies are measured from it (the fastest delivery counts as 0). Lives in: the session's
/// thread; fed per event, read once per snapshot.
class FeedLatency
{
public:
    /// @p delayMs: receipt time minus the event's server time, on the two clocks as they are.
    void add(qint64 delayMs)
    {
        if (m_window.size() < kMaxSamples) {
            m_window.push_back(delayMs);
        }
        m_windowMin = std::min(m_windowMin, delayMs);
        ++m_samples;
    }
    /// The interval since the last call; @p nowMs (wall clock) ages the minimum out after a minute.
    FeedLatencyReading take(qint64 nowMs);

    static constexpr qint64 kOffsetWindowMs = 60000;
    /// Beyond this, a least delay is a clock's offset rather than a network's.
    static constexpr qint64 kPlausibleDelayMs = 1000;

private:
    static constexpr std::size_t kMaxSamples = 100000; ///< per interval; beyond, the first ones stand for all
    std::vector<qint64> m_window;
    qint64 m_windowMin = std::numeric_limits<qint64>::max();
    quint64 m_samples = 0;
    std::deque<std::pair<qint64, qint64>> m_minima; ///< (when, least delay of an interval), a minute of them
};

} // namespace OddsTap

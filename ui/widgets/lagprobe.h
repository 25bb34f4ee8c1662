// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/latencyhistogram.h>

#include <QObject>

class QTimer;

namespace OddsTap {

/// The event-loop lag of the thread it lives in: how late a 50 ms timer fires (the GUI bench
/// prints it; a GUI thread doing I/O or per-event work shows here first).
class LagProbe : public QObject
{
    Q_OBJECT
public:
    explicit LagProbe(QObject *parent);

    const LatencyHistogram &lag() const { return m_lag; }

    /// Where the thread's time went in the intervals that ended late (kLateNs or more): running
    /// (its own work: applying, painting), waiting runnable for a CPU (other threads and processes
    /// had the cores), or neither (blocked on a lock, or in a system call). The bench turns this
    /// on; it reads /proc at every tick.
    struct LateIntervals
    {
        quint64 count = 0;
        qint64 wallNs = 0;
        qint64 ranNs = 0;
        qint64 waitedForCpuNs = 0;
    };
    static constexpr qint64 kLateNs = 20'000'000;
    void trackLateIntervals() { m_trackLate = true; }
    const LateIntervals &lateIntervals() const { return m_late; }

private:
    void tick();

    QTimer *m_timer;
    qint64 m_expectedNs = 0;
    LatencyHistogram m_lag;
    bool m_trackLate = false;
    LateIntervals m_late;
    qint64 m_lastTickNs = 0;
    qint64 m_lastRanNs = -1;
    qint64 m_lastWaitedNs = 0;
};

} // namespace OddsTap

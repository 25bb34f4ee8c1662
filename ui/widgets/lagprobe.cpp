// SPDX-License-Identifier: MIT
#include "lagprobe.h"

#include <core/common/processinfo.h>
#include <core/common/timeutil.h>

#include <QTimer>

namespace OddsTap {

LagProbe::LagProbe(QObject *parent)
    : QObject(parent)
    , m_timer(new QTimer(this))
{
    m_timer->setTimerType(Qt::PreciseTimer);
    m_timer->setInterval(50);
    connect(m_timer, &QTimer::timeout, this, &LagProbe::tick);
    m_timer->start();
}

void LagProbe::tick()
{
    const qint64 now = monotonicNs();
    const qint64 lateNs = m_expectedNs > 0 ? std::max<qint64>(0, now - m_expectedNs) : 0;
    if (m_expectedNs > 0) {
        m_lag.add(lateNs);
    }
    m_expectedNs = now + 50'000'000;
    if (!m_trackLate) {
        return;
    }
    const std::optional<ThreadTimes> times = currentThreadTimes();
    if (!times) {
        return;
    }
    if (m_lastRanNs >= 0 && lateNs >= kLateNs) {
        ++m_late.count;
        m_late.wallNs += now - m_lastTickNs;
        m_late.ranNs += times->ranNs - m_lastRanNs;
        m_late.waitedForCpuNs += times->waitedForCpuNs - m_lastWaitedNs;
    }
    m_lastTickNs = now;
    m_lastRanNs = times->ranNs;
    m_lastWaitedNs = times->waitedForCpuNs;
}

} // namespace OddsTap

// SPDX-License-Identifier: MIT
#include "lagprobe.h"

#include <core/common/timeutil.h>

#include <QTimer>

namespace OddsTap {

LagProbe::LagProbe(QObject *parent)
    : QObject(parent)
    , m_timer(new QTimer(this))
{
    m_timer->setTimerType(Qt::PreciseTimer);
    m_timer->setInterval(50);
    connect(m_timer, &QTimer::timeout, this, [this] {
        const qint64 now = monotonicNs();
        if (m_expectedNs > 0) {
            m_lag.add(std::max<qint64>(0, now - m_expectedNs));
        }
        m_expectedNs = now + 50'000'000;
    });
    m_timer->start();
}

} // namespace OddsTap

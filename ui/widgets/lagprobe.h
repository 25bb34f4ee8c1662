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

private:
    QTimer *m_timer;
    qint64 m_expectedNs = 0;
    LatencyHistogram m_lag;
};

} // namespace OddsTap

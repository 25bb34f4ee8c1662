// SPDX-License-Identifier: MIT
#pragma once

#include <core/session/sessionsnapshot.h>

#include <QCoreApplication>
#include <QStringList>

#include <vector>

namespace OddsTap {

/// The conditions a desk must notice at once (a source down or stalled, the database unavailable,
/// a storage backlog that keeps growing), from each snapshot's metrics. Each alert is raised once
/// when it starts and stays active until its condition goes away.
class HealthAlerts
{
    Q_DECLARE_TR_FUNCTIONS(HealthAlerts)
public:
    /// Takes one snapshot's metrics; returns the log lines of the alerts that started with it.
    std::vector<LogEntry> update(const MetricsSnapshot &metrics);
    /// Every alert now active, in a stable order.
    const QStringList &active() const { return m_active; }

private:
    QStringList m_active;
    qint64 m_backlogGrowingSinceMs = 0;
    quint64 m_lastBacklog = 0;
};

} // namespace OddsTap

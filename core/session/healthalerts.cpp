// SPDX-License-Identifier: MIT
#include "healthalerts.h"

namespace OddsTap {
namespace {

constexpr quint64 kBacklogAlertEvents = 50000;
constexpr qint64 kBacklogGrowingMs = 5000;
/// Spooled bytes per event, roughly: a spooled backlog counts with the one in memory.
constexpr qint64 kSpoolBytesPerEvent = 200;

} // namespace

std::vector<LogEntry> HealthAlerts::update(const MetricsSnapshot &m)
{
    QStringList alerts;
    for (const SourceStatus &s : m.sources) {
        if (!s.enabled) {
            continue;
        }
        if (s.state == SourceState::Stalled) {
            alerts << tr("%1 is stalled").arg(s.sourceId);
        } else if (s.state == SourceState::AuthFailed) {
            alerts << tr("%1: authentication failed").arg(s.sourceId);
        } else if (s.state == SourceState::BackingOff || s.state == SourceState::Disconnected) {
            alerts << tr("%1 is down").arg(s.sourceId);
        }
        // A few late events in an interval are not a slow feed.
        if (m.latencyAlertMs > 0 && s.latency.samples >= 10 && s.latency.p99Ms > double(m.latencyAlertMs)) {
            alerts << tr("%1: feed latency p99 over %2 ms").arg(s.sourceId).arg(m.latencyAlertMs);
        }
    }
    if (m.storageDown) {
        alerts << tr("database unavailable: events wait in the spool");
    }
    const quint64 backlog = m.queuedEvents + quint64(m.spoolBytes / kSpoolBytesPerEvent);
    if (backlog > m_lastBacklog && backlog > kBacklogAlertEvents) {
        if (m_backlogGrowingSinceMs == 0) {
            m_backlogGrowingSinceMs = m.atMs;
        }
        if (m.atMs - m_backlogGrowingSinceMs > kBacklogGrowingMs) {
            alerts << tr("storage backlog growing");
        }
    } else if (backlog <= m_lastBacklog) {
        m_backlogGrowingSinceMs = 0;
    }
    m_lastBacklog = backlog;
    std::vector<LogEntry> raised;
    for (const QString &a : std::as_const(alerts)) {
        if (!m_active.contains(a)) {
            raised.push_back({ .atMs = m.atMs, .severity = LogSeverity::Error, .kind = LogKind::Alert, .message = a });
        }
    }
    m_active = alerts;
    return raised;
}

} // namespace OddsTap

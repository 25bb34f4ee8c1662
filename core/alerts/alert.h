// SPDX-License-Identifier: MIT
#pragma once

#include <core/alerts/alertrules.h>

#include <QMetaType>
#include <QString>

#include <vector>

namespace OddsTap {

/// A rule that fired: when (on the stream's clock), where, and what changed.
struct Alert
{
    int ruleIndex = 0; ///< in the rules given to the engine
    QString rule; ///< its name
    AlertKind kind = AlertKind::PriceMove;
    QString sourceId;
    QString fixtureId;
    QString marketType; ///< empty for fixture-wide alerts
    QString selection; ///< empty for market- and fixture-wide alerts
    qint64 atMs = 0; ///< the event's server time; for stale and score alerts, when the time ran out
    quint64 seq = 0; ///< the event that raised it (for stale and score alerts: the first after the time ran out)
    QString before; ///< "2.5", "live", "103.2 %": the value the rule compared with
    QString after;
    qint64 receivedMonoNs = 0; ///< when the event that raised it arrived (monotonic; for latency only)
    qint64 receivedAtMs = 0; ///< the same, on the wall clock (recorded in captures: replay markers)
    friend bool operator==(const Alert &, const Alert &) = default;
};

} // namespace OddsTap

Q_DECLARE_METATYPE(std::vector<OddsTap::Alert>)

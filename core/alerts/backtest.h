// SPDX-License-Identifier: MIT
#pragma once

#include <core/alerts/alertengine.h>
#include <core/common/result.h>

#include <QStringList>

#include <atomic>
#include <functional>

namespace OddsTap {

/// What a back-test found.
struct BacktestSummary
{
    quint64 events = 0; ///< decoded events the rules saw
    quint64 alerts = 0;
    quint64 suppressed = 0; ///< held back by cooldowns
};

/// Runs @p rules over a recorded stream (a capture file, or Betfair stream files merged on their
/// publish times) as the live session ran them: the frames decoded per source in the recorded
/// order, with their recorded receipt times. Hands each alert to @p onAlert as it fires. An input
/// that cannot be read, or that breaks off, is an error (what fired before it was handed on).
/// @p cancel, when given and set, stops it between records (an error "cancelled").
Result<BacktestSummary> backtestRecording(const QStringList &inputs, std::vector<AlertRule> rules,
    FixtureMap fixtureMap, const std::atomic<bool> *cancel, const std::function<void(const Alert &)> &onAlert);

} // namespace OddsTap

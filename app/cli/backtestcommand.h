// SPDX-License-Identifier: MIT
#pragma once

#include <QStringList>

namespace OddsTap::Cli {

/// `oddstap-cli backtest --rules FILE CAPTURE|BETFAIR_FILE...`: when each alert rule would have
/// fired over a recorded stream, as CSV.
int runBacktest(const QStringList &arguments);

} // namespace OddsTap::Cli

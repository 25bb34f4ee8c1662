// SPDX-License-Identifier: MIT
#pragma once

#include <QStringList>

namespace OddsTap::Cli {

/// `oddstap-cli simulate`: the built-in sportsbook feed server.
int runSimulate(const QStringList &arguments);

} // namespace OddsTap::Cli

// SPDX-License-Identifier: MIT
#pragma once

#include <QStringList>

namespace OddsTap::Cli {

/// `oddstap-cli stats --db X`: row counts per table and the committed seq per source, as JSON.
int runStats(const QStringList &arguments);

} // namespace OddsTap::Cli

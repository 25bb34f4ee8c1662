// SPDX-License-Identifier: MIT
#pragma once

#include <QStringList>

namespace OddsTap::Cli {

/// `oddstap-cli export`: one table as CSV, streamed, with filters.
int runExport(const QStringList &arguments);

} // namespace OddsTap::Cli

// SPDX-License-Identifier: MIT
#pragma once

#include <QStringList>

namespace OddsTap::Cli {

/// `oddstap-cli capture`: connect to feed sources, validate, count (and later store).
int runCapture(const QStringList &arguments);

} // namespace OddsTap::Cli

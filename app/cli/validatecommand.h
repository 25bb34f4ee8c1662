// SPDX-License-Identifier: MIT
#pragma once

#include <QStringList>

namespace OddsTap::Cli {

/// `oddstap-cli validate FILE|-`: exit 0 when every frame is valid, 1 when any is rejected, 2 on
/// usage or I/O errors.
int runValidate(const QStringList &arguments);

} // namespace OddsTap::Cli

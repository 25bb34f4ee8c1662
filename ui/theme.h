// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

namespace OddsTap {

/// View ▸ Theme: "light" and "dark" are the Fusion style with a palette of their own; "system" is
/// what the desktop gave the application at start. The live views' colours follow the palette.
namespace Theme {

void apply(const QString &theme);

} // namespace Theme

} // namespace OddsTap

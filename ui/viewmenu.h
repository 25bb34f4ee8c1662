// SPDX-License-Identifier: MIT
#pragma once

class QMenu;

namespace OddsTap {

class MainWindow;

/// View: a toggle per dock, a reset of the layout, the theme (system, light, dark) and workspaces.
namespace ViewMenu {

void build(MainWindow *window, QMenu *menu);

} // namespace ViewMenu

} // namespace OddsTap

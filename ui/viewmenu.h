// SPDX-License-Identifier: MIT
#pragma once

class QMainWindow;
class QMenu;

namespace OddsTap {

/// View: a toggle per dock, and a reset of the layout.
namespace ViewMenu {

void build(QMainWindow *window, QMenu *menu);

} // namespace ViewMenu

} // namespace OddsTap

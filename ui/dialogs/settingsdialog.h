// SPDX-License-Identifier: MIT
#pragma once

class QWidget;

namespace OddsTap {

/// File ▸ Settings…: the storage target used from the next start.
namespace SettingsDialog {

void ask(QWidget *parent);

} // namespace SettingsDialog

} // namespace OddsTap

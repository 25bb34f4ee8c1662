// SPDX-License-Identifier: MIT
#pragma once

#include <QDialog>

namespace OddsTap {

/// Help ▸ Keyboard shortcuts: every shortcut the window has, read from its actions and shortcuts
/// when opened, so the list cannot drift from what the keys really do.
class ShortcutsDialog : public QDialog
{
    Q_OBJECT
public:
    explicit ShortcutsDialog(QWidget *window);
};

} // namespace OddsTap

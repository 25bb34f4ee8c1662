// SPDX-License-Identifier: MIT
#pragma once

#include <ui/settings.h>

class QMenu;

namespace OddsTap {

class MainWindow;

/// View ▸ Workspaces: the dock layout, the fixtures filters, the watch list, the chart's time
/// window and the alert rules, saved under a name and switched together, in live and replay
/// windows alike.
namespace Workspaces {

/// What @p window holds now, named @p name.
Settings::Workspace capture(MainWindow *window, const QString &name);
/// Puts @p workspace into @p window (and its rules into the session); false, with the reason in
/// the status bar and the error log, when its rules file cannot be read (the rest applies).
bool apply(MainWindow *window, const Settings::Workspace &workspace);
/// Fills @p menu (save as, one entry per workspace, delete), again each time it opens.
void build(MainWindow *window, QMenu *menu);
/// Reads @p path's rules into the session and the Alerts panel; false with the reason shown.
bool loadRules(MainWindow *window, const QString &path);

} // namespace Workspaces

} // namespace OddsTap

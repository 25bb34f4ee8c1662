// SPDX-License-Identifier: MIT
#pragma once

#include <core/alerts/alertrules.h>
#include <ui/settings.h>

#include <functional>
#include <vector>

class QMenu;

namespace OddsTap {

class MainWindow;

/// View ▸ Workspaces: the dock layout, the fixtures filters, the watch list, the chart's time
/// window and the alert rules, saved under a name and switched together, in live and replay
/// windows alike.
namespace Workspaces {

/// What @p window holds now, named @p name.
Settings::Workspace capture(MainWindow *window, const QString &name);
/// Puts @p workspace into @p window, and its rules into the session once its rules file is read
/// (off the GUI thread); @p done then says whether they were: when not, the reason is in the status
/// bar and the error log, and the rest of the workspace applies.
void apply(MainWindow *window, const Settings::Workspace &workspace, std::function<void(bool loaded)> done = {});
/// Fills @p menu (save as, one entry per workspace, delete), again each time it opens.
void build(MainWindow *window, QMenu *menu);
/// Reads @p path's rules off the GUI thread, then runs them in the session and shows them in the
/// Alerts panel (empty path: no rules); @p done says whether they were loaded (when not, the reason
/// is shown and the rules in use stay; or it was overtaken by a later load or runRules(), which
/// wins).
void loadRules(MainWindow *window, const QString &path, std::function<void(bool loaded)> done = {});
/// Runs @p rules (read from, or just saved to, @p path) in the session and the Alerts panel.
void runRules(MainWindow *window, std::vector<AlertRule> rules, const QString &path);

} // namespace Workspaces

} // namespace OddsTap

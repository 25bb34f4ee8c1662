// SPDX-License-Identifier: MIT
#pragma once

#include <QStringList>

class QMenu;

namespace OddsTap {

class MainWindow;

/// File: export CSV, open a capture in a replay window, settings, quit.
namespace FileMenu {

void build(MainWindow *window, QMenu *menu);
/// Opens a capture (or Betfair files) in a new replay window: a separate process, so the live
/// capture goes on. False, with the reason in the status bar, when it cannot.
bool openCaptureWindow(MainWindow *window, const QStringList &paths);

} // namespace FileMenu

} // namespace OddsTap

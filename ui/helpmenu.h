// SPDX-License-Identifier: MIT
#pragma once

#include <QUrl>

class QMainWindow;

namespace OddsTap {

/// Help: keyboard shortcuts (read from the window's own actions), the documentation, About.
namespace HelpMenu {

void build(QMainWindow *window);
/// The README this build or installation has; empty if none is found.
QUrl documentationUrl();

} // namespace HelpMenu

} // namespace OddsTap

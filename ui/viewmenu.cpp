// SPDX-License-Identifier: MIT
#include "viewmenu.h"

#include <ui/settings.h>

#include <QDockWidget>
#include <QMainWindow>
#include <QMenu>

namespace OddsTap::ViewMenu {

void build(QMainWindow *window, QMenu *menu)
{
    for (QDockWidget *d : window->findChildren<QDockWidget *>()) {
        menu->addAction(d->toggleViewAction());
    }
    menu->addSeparator();
    menu->addAction(QMainWindow::tr("&Reset layout"), window, [window] {
        for (QDockWidget *d : window->findChildren<QDockWidget *>()) {
            d->setFloating(false);
            d->show();
        }
        Settings::forgetWindowState();
    });
}

} // namespace OddsTap::ViewMenu

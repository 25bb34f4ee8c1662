// SPDX-License-Identifier: MIT
#include "viewmenu.h"

#include <ui/alertnotifier.h>
#include <ui/mainwindow.h>
#include <ui/settings.h>
#include <ui/theme.h>
#include <ui/workspaces.h>

#include <QActionGroup>
#include <QDockWidget>
#include <QMenu>

namespace OddsTap::ViewMenu {

void build(MainWindow *window, QMenu *menu)
{
    for (QDockWidget *d : window->findChildren<QDockWidget *>()) {
        menu->addAction(d->toggleViewAction());
    }
    menu->addSeparator();
    menu->addAction(MainWindow::tr("&Reset layout"), window, [window] {
        for (QDockWidget *d : window->findChildren<QDockWidget *>()) {
            d->setFloating(false);
            d->show();
        }
        Settings::forgetWindowState();
    });
    Workspaces::build(window, menu->addMenu(MainWindow::tr("&Workspaces")));
    if (auto *notifier = window->findChild<AlertNotifier *>()) {
        QMenu *alerts = menu->addMenu(MainWindow::tr("&Alerts"));
        const auto toggle = [alerts, notifier](const QString &text, const char *name, bool on, auto apply) {
            QAction *a = alerts->addAction(text);
            a->setObjectName(QLatin1String(name));
            a->setCheckable(true);
            a->setChecked(on);
            QObject::connect(a, &QAction::toggled, notifier, apply);
        };
        toggle(MainWindow::tr("Desktop &notifications"), "alert-notifications", notifier->notifications(),
            [notifier](bool on) {
                notifier->setNotifications(on);
                Settings::setAlertNotifications(on);
            });
        toggle(MainWindow::tr("&Sound"), "alert-sound", notifier->sound(), [notifier](bool on) {
            notifier->setSound(on);
            Settings::setAlertSound(on);
        });
    }
    QMenu *theme = menu->addMenu(MainWindow::tr("&Theme"));
    auto *group = new QActionGroup(theme);
    const QString current = Settings::theme();
    for (const auto &[name, label] : { std::pair { "system", QT_TRANSLATE_NOOP("OddsTap::MainWindow", "&System") },
             std::pair { "light", QT_TRANSLATE_NOOP("OddsTap::MainWindow", "&Light") },
             std::pair { "dark", QT_TRANSLATE_NOOP("OddsTap::MainWindow", "&Dark") } }) {
        QAction *a = theme->addAction(MainWindow::tr(label));
        a->setCheckable(true);
        a->setChecked(current == QLatin1String(name));
        a->setObjectName(QStringLiteral("theme-") + QLatin1String(name));
        group->addAction(a);
        QObject::connect(a, &QAction::triggered, window, [theme = QString::fromLatin1(name)] {
            Settings::setTheme(theme);
            Theme::apply(theme);
        });
    }
}

} // namespace OddsTap::ViewMenu

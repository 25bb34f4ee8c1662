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
        QAction *notify = alerts->addAction(MainWindow::tr("Desktop &notifications"));
        notify->setObjectName(QStringLiteral("alert-notifications"));
        notify->setCheckable(true);
        notify->setChecked(notifier->notifications());
        QObject::connect(notify, &QAction::toggled, notifier, [notifier](bool on) {
            notifier->setNotifications(on);
            Settings::setAlertNotifications(on);
        });
        QAction *sound = alerts->addAction(MainWindow::tr("&Sound"));
        sound->setObjectName(QStringLiteral("alert-sound"));
        sound->setCheckable(true);
        sound->setChecked(notifier->sound());
        QObject::connect(sound, &QAction::toggled, notifier, [notifier](bool on) {
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

// SPDX-License-Identifier: MIT
#include "workspaces.h"

#include <core/alerts/alertrules.h>
#include <core/session/appcontroller.h>
#include <ui/mainwindow.h>
#include <ui/panels/alertspanel.h>
#include <ui/panels/chartpanel.h>
#include <ui/panels/errorlogpanel.h>
#include <ui/panels/fixturespanel.h>

#include <QInputDialog>
#include <QMenu>
#include <QStatusBar>

namespace OddsTap::Workspaces {

Settings::Workspace capture(MainWindow *window, const QString &name)
{
    Settings::Workspace w;
    w.name = name;
    w.layout = window->saveState();
    const FixturesPanel::Filters f = window->findChild<FixturesPanel *>()->filters();
    w.filterText = f.text;
    w.sport = f.sport;
    w.status = f.status;
    w.watchedOnly = f.watchedOnly;
    w.watchList = window->findChild<FixturesPanel *>()->watchList();
    w.chartWindow = window->findChild<ChartPanel *>()->timeWindow();
    w.rulesPath = window->controller() ? window->controller()->config().alertRulesPath : QString();
    return w;
}

bool loadRules(MainWindow *window, const QString &path)
{
    AppController *controller = window->controller();
    auto *alerts = window->findChild<AlertsPanel *>();
    if (path.isEmpty()) {
        if (controller) {
            controller->setAlertRules({}, {});
        }
        alerts->setRules({}, 0);
        return true;
    }
    auto rules = readAlertRules(path);
    if (!rules) {
        const QString message = MainWindow::tr("Alert rules not loaded: %1. Fix the file (docs/alerts.md) and load it "
                                               "again; the rules in use stay.")
                                    .arg(rules.error().message);
        window->findChild<ErrorLogPanel *>()->append({ LogEntry::note(LogKind::Alert, LogSeverity::Error, message) });
        window->statusBar()->showMessage(message, 10000);
        return false;
    }
    alerts->setRules(path, rules->size());
    if (controller) {
        controller->setAlertRules(std::move(*rules), path);
    }
    window->statusBar()->showMessage(MainWindow::tr("Alert rules from %1 run from now on").arg(path), 5000);
    return true;
}

bool apply(MainWindow *window, const Settings::Workspace &w)
{
    window->restoreState(w.layout);
    auto *fixtures = window->findChild<FixturesPanel *>();
    fixtures->setFilters({ w.filterText, w.sport, w.status, w.watchedOnly });
    fixtures->setWatchList(w.watchList);
    window->findChild<ChartPanel *>()->setTimeWindow(w.chartWindow);
    window->setProperty("workspace", w.name);
    const bool rulesLoaded = loadRules(window, w.rulesPath);
    if (rulesLoaded) {
        window->statusBar()->showMessage(MainWindow::tr("Workspace %1").arg(w.name), 5000);
    }
    return rulesLoaded;
}

void build(MainWindow *window, QMenu *menu)
{
    const auto fill = [window, menu] {
        menu->clear();
        menu->addAction(MainWindow::tr("&Save workspace as..."), window, [window] {
            bool ok = false;
            const QString current = window->property("workspace").toString();
            const QString name = QInputDialog::getText(window, MainWindow::tr("Save workspace"),
                MainWindow::tr("Name (the layout, filters, watch list, chart window and alert rules):"),
                QLineEdit::Normal, current, &ok)
                                     .trimmed();
            if (ok && !name.isEmpty()) {
                Settings::saveWorkspace(capture(window, name));
                window->setProperty("workspace", name);
                window->statusBar()->showMessage(MainWindow::tr("Workspace %1 saved").arg(name), 5000);
            }
        });
        const std::vector<Settings::Workspace> all = Settings::workspaces();
        if (all.empty()) {
            return;
        }
        menu->addSeparator();
        const QString current = window->property("workspace").toString();
        for (const Settings::Workspace &w : all) {
            QAction *a = menu->addAction(w.name, window, [window, w] { apply(window, w); });
            a->setCheckable(true);
            a->setChecked(w.name == current);
        }
        menu->addSeparator();
        QMenu *remove = menu->addMenu(MainWindow::tr("&Delete workspace"));
        for (const Settings::Workspace &w : all) {
            remove->addAction(w.name, window, [name = w.name] { Settings::removeWorkspace(name); });
        }
    };
    QObject::connect(menu, &QMenu::aboutToShow, window, fill);
    fill();
}

} // namespace OddsTap::Workspaces

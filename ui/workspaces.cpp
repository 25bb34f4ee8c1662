// SPDX-License-Identifier: MIT
#include "workspaces.h"

#include <core/alerts/alertrules.h>
#include <core/common/background.h>
#include <core/session/appcontroller.h>
#include <ui/mainwindow.h>
#include <ui/panels/alertspanel.h>
#include <ui/panels/chartpanel.h>
#include <ui/panels/errorlogpanel.h>
#include <ui/panels/fixturespanel.h>

#include <QInputDialog>
#include <QMenu>
#include <QMessageBox>
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

void runRules(MainWindow *window, std::vector<AlertRule> rules, const QString &path)
{
    // These rules win over a load still reading (rules saved in the editor meanwhile, say).
    window->setProperty("rulesLoad", window->property("rulesLoad").toInt() + 1);
    window->findChild<AlertsPanel *>()->setRules(path, rules.size());
    if (AppController *controller = window->controller()) {
        controller->setAlertRules(std::move(rules), path);
    }
    if (!path.isEmpty()) {
        window->statusBar()->showMessage(MainWindow::tr("Alert rules from %1 run from now on").arg(path), 5000);
    }
}

void loadRules(MainWindow *window, const QString &path, std::function<void(bool loaded)> done)
{
    // A later load (another workspace picked meanwhile) wins over one still reading.
    const int generation = window->property("rulesLoad").toInt() + 1;
    window->setProperty("rulesLoad", generation);
    if (path.isEmpty()) {
        runRules(window, {}, {});
        if (done) {
            done(true);
        }
        return;
    }
    runInBackground(
        window, [path] { return readAlertRules(path); },
        [window, path, generation, done = std::move(done)](Result<std::vector<AlertRule>> rules) {
            if (window->property("rulesLoad").toInt() != generation) {
                if (done) {
                    done(false);
                }
                return;
            }
            if (!rules) {
                const QString message = MainWindow::tr("Alert rules not loaded: %1. Fix the file (docs/alerts.md) "
                                                       "and load it again; the rules in use stay.")
                                            .arg(rules.error().message);
                window->findChild<ErrorLogPanel *>()->append(
                    { LogEntry::note(LogKind::Alert, LogSeverity::Error, message) });
                window->statusBar()->showMessage(message, 10000);
            } else {
                runRules(window, std::move(*rules), path);
            }
            if (done) {
                done(bool(rules));
            }
        });
}

void apply(MainWindow *window, const Settings::Workspace &w, std::function<void(bool loaded)> done)
{
    window->restoreState(w.layout);
    auto *fixtures = window->findChild<FixturesPanel *>();
    fixtures->setFilters({ w.filterText, w.sport, w.status, w.watchedOnly });
    fixtures->setWatchList(w.watchList);
    window->findChild<ChartPanel *>()->setTimeWindow(w.chartWindow);
    window->setProperty("workspace", w.name);
    window->statusBar()->showMessage(MainWindow::tr("Workspace %1").arg(w.name), 5000);
    loadRules(window, w.rulesPath, std::move(done));
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
                if (!Settings::saveWorkspace(capture(window, name))) {
                    QMessageBox::warning(window, MainWindow::tr("Save workspace"),
                        MainWindow::tr("There are already %1 workspaces, the most OddsTap keeps: remove one "
                                       "(Workspaces ▸ Remove) or save over an existing one.")
                            .arg(Settings::kMaxWorkspaces));
                    return;
                }
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

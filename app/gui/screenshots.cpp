// SPDX-License-Identifier: MIT
#include "modes.h"

#include <core/common/timeutil.h>
#include <core/session/appcontroller.h>
#include <ui/dialogs/exportdialog.h>
#include <ui/dialogs/rulesdialog.h>
#include <ui/mainwindow.h>
#include <ui/panels/fixturespanel.h>
#include <ui/replaybar.h>
#include <ui/settings.h>
#include <ui/theme.h>

#include <QApplication>
#include <QDir>
#include <QDockWidget>
#include <QListWidget>
#include <QTableView>
#include <QTimer>

#include <cstdio>
#include <memory>

namespace OddsTap {
namespace {

/// A trader's workspace: the dark theme, the watch list alone in the fixtures, the Compare tab.
void saveWorkspaceShot(MainWindow &window, const QString &dir)
{
    auto *fixtures = window.findChild<FixturesPanel *>();
    const QSet<QString> before = fixtures->watchList();
    const FixturesPanel::Filters filters = fixtures->filters();
    QSet<QString> watched;
    for (int row = 0; row < fixtures->view()->model()->rowCount() && watched.size() < 5; ++row) {
        watched.insert(fixtures->view()->model()->index(row, 0).data(KeyRole).toString());
    }
    fixtures->setWatchList(watched);
    fixtures->setFilters({ QString(), QString(), QString(), true });
    Theme::apply(QStringLiteral("dark"));
    if (QDockWidget *compare = window.findChild<QDockWidget *>(QStringLiteral("compareDock"))) {
        compare->raise();
    }
    QApplication::processEvents();
    window.grab().save(dir + QStringLiteral("/workspace.png"));
    Theme::apply(Settings::theme());
    fixtures->setFilters(filters);
    fixtures->setWatchList(before);
}

void saveScreenshots(MainWindow &window, const QString &dir)
{
    QDir().mkpath(dir);
    if (window.replayBar()) {
        window.grab().save(dir + QStringLiteral("/replay-window.png"));
        window.replayBar()->grab().save(dir + QStringLiteral("/replay-bar.png"));
        if (auto *ladder = window.findChild<QDockWidget *>(QStringLiteral("ladderDock"));
            ladder && ladder->isVisible()) {
            ladder->grab().save(dir + QStringLiteral("/ladder.png"));
        }
        std::printf("oddstap: screenshots of the replay saved in %s\n", qPrintable(dir));
        return;
    }
    window.grab().save(dir + QStringLiteral("/main-window.png"));
    for (QDockWidget *d : window.findChildren<QDockWidget *>()) {
        d->raise();
    }
    QApplication::processEvents();
    for (QDockWidget *d : window.findChildren<QDockWidget *>()) {
        d->raise();
        QApplication::processEvents();
        d->grab().save(
            dir + QLatin1Char('/') + d->objectName().remove(QStringLiteral("Dock")) + QStringLiteral(".png"));
    }
    window.centralWidget()->grab().save(dir + QStringLiteral("/chart.png"));
    if (std::unique_ptr<ExportDialog> dialog { window.makeExportDialog() }) {
        dialog->setDestination(QStringLiteral("odds.csv"));
        dialog->show();
        QApplication::processEvents();
        dialog->grab().save(dir + QStringLiteral("/export-dialog.png"));
    }
    if (AppController *controller = window.controller()) {
        // The rules editor on the rules the session runs (the second selected: any type's fields).
        RulesDialog rules(controller->config().alertRules, controller->config().alertRulesPath, &window);
        rules.show();
        if (auto *list = rules.findChild<QListWidget *>(QStringLiteral("rulesList")); list && list->count() > 1) {
            list->setCurrentRow(1);
        }
        QApplication::processEvents();
        rules.grab().save(dir + QStringLiteral("/rules-editor.png"));
    }
    saveWorkspaceShot(window, dir);
    std::printf("oddstap: screenshots saved in %s\n", qPrintable(dir));
}

} // namespace

void startScreenshots(MainWindow &window, const QString &dir, double seconds, std::function<void(int)> done)
{
    auto *poll = new QTimer(&window);
    poll->setInterval(1000);
    const qint64 startedMs = wallClockMs();
    QObject::connect(poll, &QTimer::timeout, &window, [=, &window] {
        keepALiveFixtureSelected(window);
        if (double(wallClockMs() - startedMs) / 1000.0 < seconds) {
            return;
        }
        poll->stop();
        saveScreenshots(window, dir);
        std::fflush(stdout);
        done(0);
    });
    poll->start();
}

} // namespace OddsTap

// SPDX-License-Identifier: MIT
#include "filemenu.h"

#include <core/session/appcontroller.h>
#include <ui/dialogs/exportdialog.h>
#include <ui/dialogs/rulesdialog.h>
#include <ui/dialogs/settingsdialog.h>
#include <ui/mainwindow.h>
#include <ui/recordingcontrols.h>
#include <ui/workspaces.h>

#include <QCoreApplication>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QProcess>
#include <QStatusBar>

namespace OddsTap::FileMenu {

void build(MainWindow *window, QMenu *menu)
{
    QAction *exportCsv = menu->addAction(MainWindow::tr("&Export CSV..."), window, [window] {
        ExportDialog *dialog = window->makeExportDialog();
        if (!dialog) {
            window->statusBar()->showMessage(MainWindow::tr("Nothing is stored, so there is nothing to export"), 5000);
            return;
        }
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->show();
    });
    exportCsv->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    exportCsv->setToolTip(MainWindow::tr("Export a table as CSV, filtered by the current fixture and market"));
    QAction *open = menu->addAction(MainWindow::tr("&Open capture..."), window, [window] {
        const QStringList paths =
            QFileDialog::getOpenFileNames(window, MainWindow::tr("Open a capture, or Betfair stream files, to replay"),
                RecordingControls::capturesDirectory(),
                MainWindow::tr(
                    "OddsTap captures and Betfair stream files (*.odtc *.ndjson *.json *.gz *.bz2);;All files (*)"));
        if (!paths.isEmpty()) {
            openCaptureWindow(window, paths);
        }
    });
    open->setShortcut(QKeySequence::Open);
    open->setToolTip(MainWindow::tr("Replay a capture file, or Betfair stream files (a market and its score stream "
                                    "together), in a new window, with a transport bar"));
    menu->addAction(MainWindow::tr("Load alert &rules..."), window, [window] {
        const QString path = QFileDialog::getOpenFileName(window, MainWindow::tr("Alert rules to run"), QString(),
            MainWindow::tr("Alert rules (*.json);;All files (*)"));
        if (!path.isEmpty()) {
            Workspaces::loadRules(window, path);
        }
    });
    QAction *edit = menu->addAction(MainWindow::tr("&Edit alert rules..."), window, [window] {
        AppController *controller = window->controller();
        auto *dialog = new RulesDialog(controller ? controller->config().alertRules : std::vector<AlertRule> {},
            controller ? controller->config().alertRulesPath : QString(), window);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        QObject::connect(dialog, &RulesDialog::rulesSaved, window,
            [window](const QString &path, const std::vector<AlertRule> &rules) {
                Workspaces::runRules(window, rules, path);
            });
        dialog->show();
    });
    edit->setObjectName(QStringLiteral("editRules"));
    edit->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R));
    edit->setToolTip(MainWindow::tr("Add, change or remove alert rules; they are saved as a rules file and run "
                                    "from then on"));
    QAction *settings =
        menu->addAction(MainWindow::tr("&Settings..."), window, [window] { SettingsDialog::ask(window); });
    settings->setShortcut(QKeySequence::Preferences);
    menu->addSeparator();
    QAction *quit = menu->addAction(MainWindow::tr("&Quit"), window, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);
}

bool openCaptureWindow(MainWindow *window, const QStringList &paths)
{
    QStringList arguments;
    for (const QString &path : paths) {
        if (!QFileInfo(path).isFile()) {
            window->statusBar()->showMessage(MainWindow::tr("%1 is not a file").arg(path), 8000);
            return false;
        }
        arguments << QStringLiteral("--replay") << QFileInfo(path).absoluteFilePath();
    }
    const QString first = paths.isEmpty() ? QString() : QFileInfo(paths.first()).fileName();
    const bool ok = !paths.isEmpty() && QProcess::startDetached(QCoreApplication::applicationFilePath(), arguments);
    window->statusBar()->showMessage(ok ? MainWindow::tr("Replaying %1 in a new window").arg(first)
                                        : MainWindow::tr("Could not start a replay window for %1").arg(first),
        8000);
    return ok;
}

} // namespace OddsTap::FileMenu

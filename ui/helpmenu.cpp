// SPDX-License-Identifier: MIT
#include "helpmenu.h"

#include <core/common/version.h>
#include <ui/dialogs/shortcutsdialog.h>

#include <QAction>
#include <QDesktopServices>
#include <QDir>
#include <QFileInfo>
#include <QMainWindow>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>

namespace OddsTap::HelpMenu {

void build(QMainWindow *window)
{
    QMenu *help = window->menuBar()->addMenu(QMainWindow::tr("&Help"));
    QAction *keys = help->addAction(QMainWindow::tr("&Keyboard shortcuts"), window, [window] {
        auto *dialog = new ShortcutsDialog(window);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->show();
    });
    keys->setObjectName(QStringLiteral("helpShortcuts"));
    QAction *docs = help->addAction(QMainWindow::tr("&Documentation"), window, [window] {
        const QUrl url = documentationUrl();
        if (url.isEmpty() || !QDesktopServices::openUrl(url)) {
            QMessageBox::information(window, QMainWindow::tr("Documentation"),
                QMainWindow::tr("The documentation is the README.md and the docs/ folder of OddsTap's source, or %1 "
                                "once installed.")
                    .arg(QString::fromUtf8(ODDSTAP_DOC_DIRS).section(QLatin1Char(':'), 0, 0)));
        }
    });
    docs->setObjectName(QStringLiteral("helpDocumentation"));
    docs->setShortcut(QKeySequence::HelpContents);
    help->addSeparator();
    help->addAction(QMainWindow::tr("&About OddsTap"), window, [window] {
        QMessageBox::about(window, QMainWindow::tr("About OddsTap"),
            QMainWindow::tr("<b>OddsTap %1</b><p>Live sportsbook feed monitor and capture tool.</p>")
                .arg(QLatin1String(kVersion)));
    });
}

QUrl documentationUrl()
{
    for (const QString &dir : QString::fromUtf8(ODDSTAP_DOC_DIRS).split(QLatin1Char(':'), Qt::SkipEmptyParts)) {
        const QString readme = QDir(dir).filePath(QStringLiteral("README.md"));
        if (QFileInfo::exists(readme)) {
            return QUrl::fromLocalFile(readme);
        }
    }
    return {};
}

} // namespace OddsTap::HelpMenu

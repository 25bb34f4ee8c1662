// SPDX-License-Identifier: MIT
#include "mainwindow.h"

#include <core/common/version.h>

#include <QLabel>
#include <QStatusBar>

namespace OddsTap {

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent)
{
    setWindowTitle(tr("OddsTap %1").arg(QLatin1String(kVersion)));
    auto *placeholder = new QLabel(tr("No feed connected yet. Live views arrive with the feed and UI work."), this);
    placeholder->setAlignment(Qt::AlignCenter);
    setCentralWidget(placeholder);
    statusBar()->showMessage(tr("Ready"));
    resize(1280, 800);
}

} // namespace OddsTap

// SPDX-License-Identifier: MIT
#pragma once

#include <QMainWindow>

namespace OddsTap {

/// Top-level window: assembles the panels. Lives in: GUI thread.
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(QWidget *parent = nullptr);
};

} // namespace OddsTap

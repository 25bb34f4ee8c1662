// SPDX-License-Identifier: MIT
#include <core/common/version.h>
#include <ui/mainwindow.h>

#include <QStatusBar>
#include <QTest>

using namespace OddsTap;

class TestMainWindow : public QObject
{
    Q_OBJECT

private slots:
    void showsVersionAndFitsTheMinimumScreen();
};

void TestMainWindow::showsVersionAndFitsTheMinimumScreen()
{
    MainWindow w;
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QVERIFY(w.windowTitle().contains(QLatin1String(kVersion)));
    QVERIFY(w.width() <= 1280 && w.height() <= 800);
    QVERIFY(w.statusBar()->isVisible());
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"

// SPDX-License-Identifier: MIT
// oddstap: the desktop application. Wiring only.
#include <core/common/event.h>
#include <core/common/version.h>
#include <ui/mainwindow.h>

#include <QApplication>
#include <QCommandLineParser>

int main(int argc, char *argv[])
{
    QApplication::setOrganizationName(QStringLiteral("OddsTap"));
    QApplication::setApplicationName(QStringLiteral("oddstap"));
    QApplication::setApplicationVersion(QLatin1String(OddsTap::kVersion));
    qSetMessagePattern(QStringLiteral("%{time yyyy-MM-ddThh:mm:ss.zzz} [%{threadid}] %{category} %{type}: %{message}"));
    QApplication app(argc, argv);
    OddsTap::registerMetaTypes();

    QCommandLineParser parser;
    parser.setApplicationDescription(QApplication::translate("main", "OddsTap: live sportsbook feed monitor"));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.process(app);

    OddsTap::MainWindow window;
    window.show();
    return QApplication::exec();
}

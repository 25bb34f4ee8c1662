// SPDX-License-Identifier: MIT
// Both executables report the version from project(VERSION).
#include <core/common/version.h>

#include <QProcess>
#include <QTest>

class TestVersion : public QObject
{
    Q_OBJECT

private slots:
    void printsProjectVersion_data();
    void printsProjectVersion();
    void helpAndVersionNeedNoDisplay_data();
    void helpAndVersionNeedNoDisplay();
};

void TestVersion::printsProjectVersion_data()
{
    QTest::addColumn<QString>("program");
    QTest::addColumn<QString>("expected");
    QTest::addRow("cli") << QStringLiteral(ODDSTAP_CLI_PATH)
                         << QStringLiteral("oddstap-cli ") + QLatin1String(OddsTap::kVersion);
    QTest::addRow("gui") << QStringLiteral(ODDSTAP_GUI_PATH)
                         << QStringLiteral("oddstap ") + QLatin1String(OddsTap::kVersion);
}

void TestVersion::printsProjectVersion()
{
    QFETCH(QString, program);
    QFETCH(QString, expected);
    QProcess p;
    p.start(program, { QStringLiteral("--version") });
    QVERIFY(p.waitForFinished(30000));
    QCOMPARE(p.exitCode(), 0);
    QCOMPARE(QString::fromUtf8(p.readAllStandardOutput()).trimmed(), expected);
    QVERIFY(QLatin1String(OddsTap::kVersion).size() >= 5); // "x.y.z"
}

void TestVersion::helpAndVersionNeedNoDisplay_data()
{
    QTest::addColumn<QString>("option");
    QTest::addColumn<QString>("expected");
    QTest::addRow("--help") << QStringLiteral("--help") << QStringLiteral("--self-check");
    QTest::addRow("-h") << QStringLiteral("-h") << QStringLiteral("--self-check");
    QTest::addRow("--version") << QStringLiteral("--version")
                               << QStringLiteral("oddstap ") + QLatin1String(OddsTap::kVersion);
}

void TestVersion::helpAndVersionNeedNoDisplay()
{
    // On a server over ssh, or in a package's post-install check: no X, no Wayland, no platform
    // chosen. Asking the GUI for its options must print them and exit 0, not abort.
    QFETCH(QString, option);
    QFETCH(QString, expected);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char *name : { "DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM" }) {
        env.remove(QLatin1String(name));
    }
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(ODDSTAP_GUI_PATH), { option });
    QVERIFY(p.waitForFinished(30000));
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
    QVERIFY(QString::fromUtf8(p.readAllStandardOutput()).contains(expected));
}

QTEST_GUILESS_MAIN(TestVersion)
#include "tst_version.moc"

// SPDX-License-Identifier: MIT
// Both executables report the version from project(VERSION).
#include <core/common/version.h>

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

class TestVersion : public QObject
{
    Q_OBJECT

private slots:
    void printsProjectVersion_data();
    void printsProjectVersion();
    void helpAndVersionNeedNoDisplay_data();
    void helpAndVersionNeedNoDisplay();
    void aSelfCheckWhoseSessionStopsFails();
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

void TestVersion::aSelfCheckWhoseSessionStopsFails()
{
    // A database that is not one stops the session at once: the self-check exited 0 with no
    // verdict, as if it had passed.
    QTemporaryDir dir;
    QFile foreign(dir.filePath(QStringLiteral("foreign.db")));
    QVERIFY(foreign.open(QIODevice::WriteOnly));
    foreign.write(QByteArray(4096, 'x'));
    foreign.close();
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), dir.filePath(QStringLiteral("config")));
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(ODDSTAP_GUI_PATH),
        { QStringLiteral("--self-check"), QStringLiteral("--db"), foreign.fileName() });
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    const QString out = QString::fromUtf8(p.readAllStandardOutput());
    QCOMPARE(p.exitCode(), 1);
    QVERIFY2(out.contains(QLatin1String("oddstap self-check: FAILED: the session stopped before the end"))
            && out.contains(QLatin1String("is not an SQLite database")),
        qPrintable(out));
}

QTEST_GUILESS_MAIN(TestVersion)
#include "tst_version.moc"

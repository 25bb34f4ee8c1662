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

QTEST_GUILESS_MAIN(TestVersion)
#include "tst_version.moc"

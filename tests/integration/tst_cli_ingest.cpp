// SPDX-License-Identifier: MIT
// oddstap-cli capture into SQLite as a separate process: kill -9 mid-run, restart, exact rows.
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

class TestCliIngest : public QObject
{
    Q_OBJECT

private slots:
    void killNineAndRestartIsStillExact();
    void statsReportsClearErrors_data();
    void statsReportsClearErrors();

private:
    static QString cli()
    {
        return QStringLiteral(ODDSTAP_CLI_PATH);
    }
    static QJsonObject run(const QStringList &args, int *exitCode = nullptr, QByteArray *err = nullptr);
};

QJsonObject TestCliIngest::run(const QStringList &args, int *exitCode, QByteArray *err)
{
    QProcess p;
    p.start(cli(), args);
    p.waitForFinished(120000);
    if (exitCode) {
        *exitCode = p.exitCode();
    }
    if (err) {
        *err = p.readAllStandardError();
    }
    return QJsonDocument::fromJson(p.readAllStandardOutput()).object();
}

void TestCliIngest::killNineAndRestartIsStillExact()
{
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("capture.db"));
    const QString stats = dir.filePath(QStringLiteral("sim.json"));
    QProcess sim;
    sim.start(cli(),
        { QStringLiteral("simulate"), QStringLiteral("--seed"), QStringLiteral("8"), QStringLiteral("--count"),
            QStringLiteral("40000"), QStringLiteral("--rate"), QStringLiteral("10000"), QStringLiteral("--faults"),
            QStringLiteral("malformed=0.005,duplicate=0.005,drop_every=9000"), QStringLiteral("--stats-file"), stats });
    QVERIFY(sim.waitForStarted());
    QVERIFY(sim.waitForReadyRead(10000));
    const auto m = QRegularExpression(QStringLiteral(":(\\d+)")).match(QString::fromUtf8(sim.readAllStandardOutput()));
    QVERIFY(m.hasMatch());
    const QString url = QStringLiteral("ws://127.0.0.1:") + m.captured(1);

    // Kill -9 twice at different moments, then let a third run finish the stream.
    for (const int ms : { 900, 1700 }) {
        QProcess capture;
        capture.start(cli(),
            { QStringLiteral("capture"), QStringLiteral("--url"), url, QStringLiteral("--from-seq"),
                QStringLiteral("0"), QStringLiteral("--db"), db, QStringLiteral("--quiet") });
        QVERIFY(capture.waitForStarted());
        QTest::qWait(ms);
        ::kill(pid_t(capture.processId()), SIGKILL);
        QVERIFY(capture.waitForFinished(10000));
    }
    int code = -1;
    const QJsonObject between = run({ QStringLiteral("stats"), QStringLiteral("--db"), db }, &code);
    QCOMPARE(code, 0);
    const qint64 committed =
        between.value(QStringLiteral("committed_seq")).toObject().value(QStringLiteral("src-1")).toInteger();
    QVERIFY2(committed > 0 && committed < 40000, qPrintable(QString::number(committed)));

    const QJsonObject summary =
        run({ QStringLiteral("capture"), QStringLiteral("--url"), url, QStringLiteral("--db"), db,
                QStringLiteral("--until-seq"), QStringLiteral("40000"), QStringLiteral("--quiet"),
                QStringLiteral("--summary-json"), dir.filePath(QStringLiteral("s.json")) },
            &code);
    QCOMPARE(code, 0);
    ::kill(pid_t(sim.processId()), SIGTERM);
    QVERIFY(sim.waitForFinished(10000));

    const QJsonObject after = run({ QStringLiteral("stats"), QStringLiteral("--db"), db }, &code);
    QCOMPARE(code, 0);
    QFile f(stats);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QJsonObject generated =
        QJsonDocument::fromJson(f.readAll()).object().value(QStringLiteral("generated")).toObject();
    const QJsonObject tables = after.value(QStringLiteral("tables")).toObject();
    QCOMPARE(tables.value(QStringLiteral("fixture_updates")).toInteger(),
        generated.value(QStringLiteral("fixture")).toInteger());
    QCOMPARE(tables.value(QStringLiteral("odds")).toInteger(), generated.value(QStringLiteral("odds")).toInteger());
    QCOMPARE(tables.value(QStringLiteral("bets")).toInteger(), generated.value(QStringLiteral("bet")).toInteger());
    QCOMPARE(after.value(QStringLiteral("committed_seq")).toObject().value(QStringLiteral("src-1")).toInteger(), 40000);
}

void TestCliIngest::statsReportsClearErrors_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QByteArray>("message");
    QTest::addRow("missing file") << QByteArray() << QByteArray("no database at");
    QTest::addRow("corrupt file") << QByteArray(4096, 'z') << QByteArray("not a usable SQLite database");
}

void TestCliIngest::statsReportsClearErrors()
{
    QFETCH(QByteArray, content);
    QFETCH(QByteArray, message);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("x.db"));
    if (!content.isEmpty()) {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(content);
    }
    int code = -1;
    QByteArray err;
    run({ QStringLiteral("stats"), QStringLiteral("--db"), path }, &code, &err);
    QCOMPARE(code, 2);
    QVERIFY2(err.contains(message), err);
}

QTEST_GUILESS_MAIN(TestCliIngest)
#include "tst_cli_ingest.moc"

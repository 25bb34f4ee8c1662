// SPDX-License-Identifier: MIT
// oddstap-cli capture into SQLite and PostgreSQL as a separate process: kill -9 mid-run, restart,
// exact rows.
#include <tests/testutils/pgadmin.h>

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

#include <csignal>

class TestCliIngest : public QObject
{
    Q_OBJECT

private slots:
    void killNineAndRestartIsStillExact_data();
    void killNineAndRestartIsStillExact();
    void killNineWhileSpoolingLosesNothing();
    void statsReportsClearErrors_data();
    void statsReportsClearErrors();

private:
    static QString cli()
    {
        return QStringLiteral(ODDSTAP_CLI_PATH);
    }
    static QJsonObject run(const QStringList &args, int *exitCode = nullptr, QByteArray *err = nullptr);
    /// Starts `oddstap-cli simulate` with `args`; returns its ws:// URL, empty on failure.
    static QString startSimulator(QProcess &sim, const QStringList &args);
    /// Runs `oddstap-cli capture` with `args` for `ms`, then kills it with SIGKILL.
    static bool captureThenKill(const QStringList &args, int ms);
    /// The simulator's generated counts (its --stats-file) against the database's rows.
    static void verifyExact(const QString &statsFile, const QString &db, qint64 lastSeq);
};

QString TestCliIngest::startSimulator(QProcess &sim, const QStringList &args)
{
    sim.start(cli(), QStringList { QStringLiteral("simulate") } + args);
    if (!sim.waitForStarted() || !sim.waitForReadyRead(10000)) {
        return {};
    }
    const auto m = QRegularExpression(QStringLiteral(":(\\d+)")).match(QString::fromUtf8(sim.readAllStandardOutput()));
    return m.hasMatch() ? QStringLiteral("ws://127.0.0.1:") + m.captured(1) : QString();
}

bool TestCliIngest::captureThenKill(const QStringList &args, int ms)
{
    QProcess capture;
    capture.start(cli(), QStringList { QStringLiteral("capture") } + args);
    if (!capture.waitForStarted()) {
        return false;
    }
    QTest::qWait(ms);
    ::kill(pid_t(capture.processId()), SIGKILL);
    return capture.waitForFinished(10000);
}

void TestCliIngest::verifyExact(const QString &statsFile, const QString &db, qint64 lastSeq)
{
    int code = -1;
    const QJsonObject after = run({ QStringLiteral("stats"), QStringLiteral("--db"), db }, &code);
    QCOMPARE(code, 0);
    QFile f(statsFile);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QJsonObject generated =
        QJsonDocument::fromJson(f.readAll()).object().value(QStringLiteral("generated")).toObject();
    const QJsonObject tables = after.value(QStringLiteral("tables")).toObject();
    QCOMPARE(tables.value(QStringLiteral("fixture_updates")).toInteger(),
        generated.value(QStringLiteral("fixture")).toInteger());
    QCOMPARE(tables.value(QStringLiteral("odds")).toInteger(), generated.value(QStringLiteral("odds")).toInteger());
    QCOMPARE(tables.value(QStringLiteral("bets")).toInteger(), generated.value(QStringLiteral("bet")).toInteger());
    QCOMPARE(
        after.value(QStringLiteral("committed_seq")).toObject().value(QStringLiteral("src-1")).toInteger(), lastSeq);
}

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

void TestCliIngest::killNineAndRestartIsStillExact_data()
{
    QTest::addColumn<bool>("postgres");
    QTest::newRow("sqlite") << false;
    QTest::newRow("postgresql") << true;
}

void TestCliIngest::killNineAndRestartIsStillExact()
{
    QFETCH(bool, postgres);
    QTemporaryDir dir;
    QString db = dir.filePath(QStringLiteral("capture.db"));
    const QString pgBase = qEnvironmentVariable("ODDSTAP_TEST_PG_URL");
    const QString pgName = QStringLiteral("oddstap_kill_%1").arg(QCoreApplication::applicationPid());
    if (postgres) {
        if (pgBase.isEmpty()) {
            QFAIL("ODDSTAP_TEST_PG_URL is not set: run scripts/test, which starts a PostgreSQL server for the tests");
        }
        OddsTap::Testing::pgAdminExec(pgBase, QStringLiteral("DROP DATABASE IF EXISTS %1 WITH (FORCE)").arg(pgName));
        QVERIFY2(OddsTap::Testing::pgAdminExec(pgBase, QStringLiteral("CREATE DATABASE ") + pgName),
            qPrintable(QStringLiteral("PostgreSQL unreachable at ") + pgBase));
        QUrl url(pgBase);
        url.setPath(QLatin1Char('/') + pgName);
        db = url.toString();
    }
    const auto dropDatabase = qScopeGuard([&] {
        if (postgres) {
            OddsTap::Testing::pgAdminExec(
                pgBase, QStringLiteral("DROP DATABASE IF EXISTS %1 WITH (FORCE)").arg(pgName));
        }
    });
    const QString stats = dir.filePath(QStringLiteral("sim.json"));
    QProcess sim;
    const QString url = startSimulator(sim,
        { QStringLiteral("--seed"), QStringLiteral("8"), QStringLiteral("--count"), QStringLiteral("40000"),
            QStringLiteral("--rate"), QStringLiteral("10000"), QStringLiteral("--faults"),
            QStringLiteral("malformed=0.005,duplicate=0.005,drop_every=9000"), QStringLiteral("--stats-file"), stats });
    QVERIFY(!url.isEmpty());

    // Kill -9 twice at different moments, then let a third run finish the stream.
    for (const int ms : { 900, 1700 }) {
        QVERIFY(captureThenKill({ QStringLiteral("--url"), url, QStringLiteral("--from-seq"), QStringLiteral("0"),
                                    QStringLiteral("--db"), db, QStringLiteral("--quiet") },
            ms));
    }
    int code = -1;
    const QJsonObject between = run({ QStringLiteral("stats"), QStringLiteral("--db"), db }, &code);
    QCOMPARE(code, 0);
    const qint64 committed =
        between.value(QStringLiteral("committed_seq")).toObject().value(QStringLiteral("src-1")).toInteger();
    QVERIFY2(committed > 0 && committed < 40000, qPrintable(QString::number(committed)));

    run({ QStringLiteral("capture"), QStringLiteral("--url"), url, QStringLiteral("--db"), db,
            QStringLiteral("--until-seq"), QStringLiteral("40000"), QStringLiteral("--quiet"),
            QStringLiteral("--summary-json"), dir.filePath(QStringLiteral("s.json")) },
        &code);
    QCOMPARE(code, 0);
    ::kill(pid_t(sim.processId()), SIGTERM);
    QVERIFY(sim.waitForFinished(10000));
    verifyExact(stats, db, 40000);
}

void TestCliIngest::killNineWhileSpoolingLosesNothing()
{
    // The database is locked by another process, so the capture keeps its memory budget's worth
    // of batches in memory and queues the rest on disk; it is killed like that. The spool it
    // leaves starts after a hole (the batches that were in memory), so the next run must not
    // store it first: that would move the committed seq past the hole and the feed's resume
    // would skip those events. It drops the spooled batches, says so, and the resume brings all.
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("spooled.db"));
    const QString spoolDir = db + QStringLiteral(".spool");
    const QString stats = dir.filePath(QStringLiteral("sim.json"));
    QProcess sim;
    const QString url = startSimulator(sim,
        { QStringLiteral("--seed"), QStringLiteral("12"), QStringLiteral("--count"), QStringLiteral("30000"),
            QStringLiteral("--rate"), QStringLiteral("8000"), QStringLiteral("--stats-file"), stats });
    QVERIFY(!url.isEmpty());
    const QStringList capture { QStringLiteral("--url"), url, QStringLiteral("--from-seq"), QStringLiteral("0"),
        QStringLiteral("--db"), db, QStringLiteral("--memory-budget"), QStringLiteral("3000"),
        QStringLiteral("--quiet") };
    QVERIFY(captureThenKill(capture, 800)); // creates the database and stores a little
    {
        QSqlDatabase other = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("locker"));
        other.setDatabaseName(db);
        QVERIFY(other.open());
        QSqlQuery q(other);
        QVERIFY(q.exec(QStringLiteral("BEGIN EXCLUSIVE")));
        QVERIFY(captureThenKill(capture, 2500));
        QVERIFY(q.exec(QStringLiteral("ROLLBACK")));
    }
    QSqlDatabase::removeDatabase(QStringLiteral("locker"));
    QVERIFY2(!QDir(spoolDir).entryList({ QStringLiteral("*.seg") }).isEmpty(), "nothing was left in the spool");

    int code = -1;
    QByteArray err;
    run({ QStringLiteral("capture"), QStringLiteral("--url"), url, QStringLiteral("--db"), db,
            QStringLiteral("--until-seq"), QStringLiteral("30000"), QStringLiteral("--memory-budget"),
            QStringLiteral("3000"), QStringLiteral("--quiet") },
        &code, &err);
    QCOMPARE(code, 0);
    ::kill(pid_t(sim.processId()), SIGTERM);
    QVERIFY(sim.waitForFinished(10000));
    verifyExact(stats, db, 30000);
    if (QTest::currentTestFailed()) {
        return;
    }
    QVERIFY2(err.contains("the spool left by an earlier run holds src-1 from seq"), err.constData());
    QCOMPARE(QDir(spoolDir).entryList({ QStringLiteral("*.seg") }).size(), 0);
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

// SPDX-License-Identifier: MIT
// oddstap-cli capture into SQLite and PostgreSQL as a separate process: kill -9 mid-run, restart,
// exact rows.
#include <core/storage/storage.h>
#include <tests/testutils/pgadmin.h>
#include <tests/testutils/smalltmpfs.h>

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QUrl>

#include <csignal>
#include <functional>
#include <memory>
#include <vector>

class TestCliIngest : public QObject
{
    Q_OBJECT

private slots:
    void killNineAndRestartIsStillExact_data();
    void killNineAndRestartIsStillExact();
    void killNineWhileSpoolingLosesNothing();
    void spoolOnADiskThatFillsAndFreesNeverHidesAHole();
    void fullDatabaseAndSpoolDisksHoldTheFeedOffAndLoseNothing();
    void secondWriterOfOneSourceIsRefused_data();
    void secondWriterOfOneSourceIsRefused();
    void concurrentFirstOpensOfANewDatabaseAllSucceed_data();
    void concurrentFirstOpensOfANewDatabaseAllSucceed();
    void postgresUrlOptionsAreHonouredOrRefused();
    void damagedDatabaseIsRefusedWithAWayOut();
    void statsReportsClearErrors_data();
    void statsReportsClearErrors();
    void unusableDatabasePathSaysWhereAndWhy_data();
    void unusableDatabasePathSaysWhereAndWhy();

private:
    static QString cli() { return QStringLiteral(ODDSTAP_CLI_PATH); }
    static QJsonObject run(const QStringList &args, int *exitCode = nullptr, QByteArray *err = nullptr);
    /// Starts `oddstap-cli simulate` with `args`; returns its ws:// URL, empty on failure.
    static QString startSimulator(QProcess &sim, const QStringList &args);
    /// A simulator at full speed over 300 fixtures that can resume from any seq of its stream.
    static QString startFullSpeedSimulator(QProcess &sim, int seed, int events, const QString &statsFile);
    /// Runs `oddstap-cli capture` with `args` until `killWhen` holds, then kills it with SIGKILL.
    static bool captureThenKill(const QStringList &args, const std::function<bool()> &killWhen);
    /// The committed seq of `source` in `db`, as `stats` reports it (0 when none yet).
    static qint64 committedSeq(const QString &db, const QString &source = QStringLiteral("src-1"));
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

QString TestCliIngest::startFullSpeedSimulator(QProcess &sim, int seed, int events, const QString &statsFile)
{
    return startSimulator(sim,
        { QStringLiteral("--seed"), QString::number(seed), QStringLiteral("--count"), QString::number(events),
            QStringLiteral("--rate"), QStringLiteral("0"), QStringLiteral("--fixtures"), QStringLiteral("300"),
            QStringLiteral("--retain"), QString::number(events), QStringLiteral("--stats-file"), statsFile });
}

bool TestCliIngest::captureThenKill(const QStringList &args, const std::function<bool()> &killWhen)
{
    QProcess capture;
    capture.start(cli(), QStringList { QStringLiteral("capture") } + args);
    if (!capture.waitForStarted() || !QTest::qWaitFor(killWhen, 60000)) {
        return false;
    }
    ::kill(pid_t(capture.processId()), SIGKILL); // the fault: killed mid-capture, whatever it is doing
    return capture.waitForFinished(10000);
}

qint64 TestCliIngest::committedSeq(const QString &db, const QString &source)
{
    return run({ QStringLiteral("stats"), QStringLiteral("--db"), db })
        .value(QStringLiteral("committed_seq"))
        .toObject()
        .value(source)
        .toInteger();
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
    OddsTap::Testing::TestDatabase database(postgres, dir.path(), QStringLiteral("kill"));
    QVERIFY2(database.reset(), qPrintable(database.error()));
    const QString db = database.url();
    const QString stats = dir.filePath(QStringLiteral("sim.json"));
    QProcess sim;
    const QString url = startSimulator(sim,
        { QStringLiteral("--seed"), QStringLiteral("8"), QStringLiteral("--count"), QStringLiteral("40000"),
            QStringLiteral("--rate"), QStringLiteral("10000"), QStringLiteral("--faults"),
            QStringLiteral("malformed=0.005,duplicate=0.005,drop_every=9000"), QStringLiteral("--stats-file"), stats });
    QVERIFY(!url.isEmpty());

    // Kill -9 twice at different moments, then let a third run finish the stream.
    for (const qint64 killAfter : { 8000, 20000 }) {
        QVERIFY(captureThenKill({ QStringLiteral("--url"), url, QStringLiteral("--from-seq"), QStringLiteral("0"),
                                    QStringLiteral("--db"), db, QStringLiteral("--quiet") },
            [&] { return committedSeq(db) >= killAfter; }));
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
    // Asked again for what it holds: done at once, not "no frame received" (exit 4).
    run({ QStringLiteral("capture"), QStringLiteral("--url"), url, QStringLiteral("--db"), db,
            QStringLiteral("--until-seq"), QStringLiteral("40000"), QStringLiteral("--quiet") },
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
    QVERIFY(captureThenKill(capture, [&] { return committedSeq(db) > 0; })); // creates the database, stores a little
    {
        QSqlDatabase other = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("locker"));
        other.setDatabaseName(db);
        QVERIFY(other.open());
        QSqlQuery q(other);
        QVERIFY(q.exec(QStringLiteral("BEGIN EXCLUSIVE")));
        const auto spooled = [&spoolDir] {
            qint64 bytes = 0;
            for (const QFileInfo &f : QDir(spoolDir).entryInfoList({ QStringLiteral("*.seg") }, QDir::Files)) {
                bytes += f.size();
            }
            return bytes;
        };
        QVERIFY(captureThenKill(capture, [&] { return spooled() > 256 * 1024; }));
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

void TestCliIngest::spoolOnADiskThatFillsAndFreesNeverHidesAHole()
{
    // A full-speed capture with a small memory budget, so that it spills all the time, and its
    // spool on a small real filesystem that a filler fills and frees every half second. Every
    // event must be stored exactly, or the capture must exit non-zero with the hole in `gaps`.
    OddsTap::Testing::SmallTmpfs fs(4 * 1024 * 1024);
    QVERIFY2(fs.ok(), qPrintable(fs.error()));
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("full.db"));
    const QString stats = dir.filePath(QStringLiteral("sim.json"));
    const QString summary = dir.filePath(QStringLiteral("summary.json"));
    constexpr int kEvents = 1000000;
    QProcess sim;
    const QString url = startFullSpeedSimulator(sim, 21, kEvents, stats);
    QVERIFY(!url.isEmpty());

    bool full = false;
    int cycles = 0;
    QTimer filler;
    connect(&filler, &QTimer::timeout, this, [&] {
        full = !full;
        if (full) {
            fs.fill(48 * 1024); // some room: the next large record is cut short
            ++cycles;
        } else {
            fs.free();
        }
    });
    filler.start(250);
    QProcess capture;
    capture.start(cli(),
        { QStringLiteral("capture"), QStringLiteral("--url"), url, QStringLiteral("--from-seq"), QStringLiteral("0"),
            QStringLiteral("--db"), db, QStringLiteral("--spool-dir"), fs.path() + QStringLiteral("/spool"),
            QStringLiteral("--memory-budget"), QStringLiteral("2000"), QStringLiteral("--until-seq"),
            QString::number(kEvents), QStringLiteral("--quiet"), QStringLiteral("--summary-json"), summary });
    QVERIFY(capture.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(capture.state() == QProcess::NotRunning, 180000);
    filler.stop();
    fs.free();
    ::kill(pid_t(sim.processId()), SIGTERM);
    QVERIFY(sim.waitForFinished(10000));
    const QByteArray err = capture.readAllStandardError();
    QVERIFY2(cycles >= 2, "the capture ended before the disk was filled twice");
    QFile sf(summary);
    QVERIFY(sf.open(QIODevice::ReadOnly));
    const QJsonObject persisted =
        QJsonDocument::fromJson(sf.readAll()).object().value(QStringLiteral("persisted")).toObject();
    QVERIFY2(persisted.value(QStringLiteral("spilled_batches")).toInteger() > 100, "the capture hardly spilled");
    QVERIFY2(err.contains("cannot write to the spool"),
        "the spool's disk never refused a write: the fault was not exercised");
    // Why, in words: the system's error, or the disk's free space for a write cut short.
    QVERIFY2(err.contains("No space left on device") || err.contains("the disk is full ("), err.constData());
    QVERIFY2(!err.contains("Unknown error"), err.constData());
    qInfo() << "capture exit status" << capture.exitCode() << "after" << cycles << "fill cycles";
    if (capture.exitCode() == 0) {
        verifyExact(stats, db, kEvents);
    } else {
        // Allowed only as an honest failure: status 7 and the hole recorded in gaps.
        QCOMPARE(capture.exitCode(), 7);
        QSqlDatabase check = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("gaps"));
        check.setDatabaseName(db);
        QVERIFY(check.open());
        QSqlQuery q(check);
        QVERIFY(q.exec(QStringLiteral("SELECT count(*) FROM gaps WHERE connection = 0")) && q.next());
        QVERIFY(q.value(0).toInt() > 0);
    }
}

void TestCliIngest::fullDatabaseAndSpoolDisksHoldTheFeedOffAndLoseNothing()
{
    // The database's disk and the spool's disk both fill up during a full-speed capture and stay
    // full for seconds: nothing can be stored or spooled. Memory must stay bounded (the feed is
    // held off, and resumes from its last seq), and once both disks free up every event must be
    // stored exactly, with exit 0.
    OddsTap::Testing::SmallTmpfs dbFs(768 * 1024 * 1024); // the WAL alone grows to ~300 MB at full speed
    OddsTap::Testing::SmallTmpfs spoolFs(64 * 1024 * 1024); // room for what waited in memory once it frees up
    QVERIFY2(dbFs.ok(), qPrintable(dbFs.error()));
    QVERIFY2(spoolFs.ok(), qPrintable(spoolFs.error()));
    QTemporaryDir dir;
    const QString db = dbFs.path() + QStringLiteral("/full.db");
    const QString stats = dir.filePath(QStringLiteral("sim.json"));
    const QString summary = dir.filePath(QStringLiteral("summary.json"));
    constexpr int kEvents = 600000;
    constexpr int kBudget = 2000;
    QProcess sim;
    const QString url = startFullSpeedSimulator(sim, 22, kEvents, stats);
    QVERIFY(!url.isEmpty());
    QProcess capture;
    capture.start(cli(),
        { QStringLiteral("capture"), QStringLiteral("--url"), url, QStringLiteral("--from-seq"), QStringLiteral("0"),
            QStringLiteral("--db"), db, QStringLiteral("--spool-dir"), spoolFs.path() + QStringLiteral("/spool"),
            QStringLiteral("--memory-budget"), QString::number(kBudget), QStringLiteral("--until-seq"),
            QString::number(kEvents), QStringLiteral("--quiet"), QStringLiteral("--summary-json"), summary });
    QVERIFY(capture.waitForStarted());
    QByteArray err;
    const auto said = [&](const char *text) {
        err += capture.readAllStandardError();
        return err.contains(text);
    };
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(db + QStringLiteral("-wal")).size() > 1024 * 1024, 30000);
    QVERIFY(dbFs.fill());
    QVERIFY(spoolFs.fill());
    // The capture's resident memory is sampled while the database's disk is full.
    qint64 peakRssKiB = 0;
    QTimer sampler;
    connect(&sampler, &QTimer::timeout, this, [&] {
        QFile status(QStringLiteral("/proc/%1/status").arg(capture.processId()));
        if (status.open(QIODevice::ReadOnly)) {
            for (const QByteArray &line : status.readAll().split('\n')) {
                if (line.startsWith("VmRSS:")) {
                    peakRssKiB = std::max(peakRssKiB, line.mid(6).trimmed().split(' ').first().toLongLong());
                }
            }
        }
    });
    sampler.start(100);
    QTRY_VERIFY_WITH_TIMEOUT(said("holding off:") || capture.state() == QProcess::NotRunning, 60000);
    QVERIFY2(capture.state() == QProcess::Running, err.right(3000).constData());
    // The spool's disk frees up while the database's stays full: the feed comes back (and the
    // small spool fills again, and it holds off again).
    const auto spooled = [&] {
        qint64 bytes = 0;
        for (const QFileInfo &f : QDir(spoolFs.path() + QStringLiteral("/spool")).entryInfoList(QDir::Files)) {
            bytes += f.size();
        }
        return bytes;
    };
    // Measured before the disk frees: once the feed resumes it can fill the small spool again
    // before a later measurement, which then saw no room for 8 MiB more (a race under load).
    const qint64 beforeResume = spooled();
    QVERIFY(spoolFs.free());
    QTRY_VERIFY_WITH_TIMEOUT(said("storage caught up: resuming"), 30000);
    // The feed flows into the spool while the database's disk stays full.
    QTRY_VERIFY2_WITH_TIMEOUT(
        (said(""), spooled() > beforeResume + 8 * 1024 * 1024 || capture.state() != QProcess::Running),
        err.right(3000).constData(), 60000);
    QVERIFY2(capture.state() == QProcess::Running, "the capture ended while the database could store nothing");
    sampler.stop();
    QVERIFY(dbFs.free());
    QTRY_VERIFY_WITH_TIMEOUT(capture.state() == QProcess::NotRunning, 180000);
    ::kill(pid_t(sim.processId()), SIGTERM);
    QVERIFY(sim.waitForFinished(10000));
    said("");
    QVERIFY2(capture.exitCode() == 0, err.right(3000).constData());
    QFile sf(summary);
    QVERIFY(sf.open(QIODevice::ReadOnly));
    const QJsonObject persisted =
        QJsonDocument::fromJson(sf.readAll()).object().value(QStringLiteral("persisted")).toObject();
    // What the writer holds (its budget and one transaction of at most 50,000), what may wait
    // because the spool's disk refused it, and what was on its way (batches of up to 2,000 events
    // in the socket and the queues) when the feed was closed.
    const qint64 peak = persisted.value(QStringLiteral("peak_events_in_memory")).toInteger();
    qInfo() << "peak events in memory" << peak << "peak RSS" << peakRssKiB / 1024 << "MiB";
    QVERIFY2(peak > 100000, "nothing waited in memory: the fault was not exercised");
    QVERIFY2(
        peak < kBudget + 50000 + 100000 + 60000, qPrintable(QStringLiteral("%1 events waited in memory").arg(peak)));
    QVERIFY2(peakRssKiB < 600 * 1024, qPrintable(QStringLiteral("peak RSS %1 MiB").arg(peakRssKiB / 1024)));
    verifyExact(stats, db, kEvents);
}

void TestCliIngest::secondWriterOfOneSourceIsRefused_data()
{
    QTest::addColumn<bool>("postgres");
    QTest::newRow("sqlite") << false;
    QTest::newRow("postgresql") << true;
}

void TestCliIngest::secondWriterOfOneSourceIsRefused()
{
    // Two processes capturing the same source into one database would store every row twice.
    // The second is refused at start, naming who holds the source; another source into the same
    // database still works alongside.
    QFETCH(bool, postgres);
    QTemporaryDir dir;
    OddsTap::Testing::TestDatabase database(postgres, dir.path(), QStringLiteral("two"));
    QVERIFY2(database.reset(), qPrintable(database.error()));
    const QString db = database.url();
    QProcess sim;
    const QString url = startSimulator(
        sim, { QStringLiteral("--seed"), QStringLiteral("4"), QStringLiteral("--rate"), QStringLiteral("2000") });
    QVERIFY(!url.isEmpty());
    const auto stopSim = qScopeGuard([&] {
        ::kill(pid_t(sim.processId()), SIGTERM);
        sim.waitForFinished(10000);
    });
    QProcess first;
    first.start(cli(),
        { QStringLiteral("capture"), QStringLiteral("--url"), url, QStringLiteral("--from-seq"), QStringLiteral("0"),
            QStringLiteral("--db"), db, QStringLiteral("--duration"), QStringLiteral("60"),
            QStringLiteral("--quiet") });
    QVERIFY(first.waitForStarted());
    const auto stopFirst = qScopeGuard([&] {
        if (first.state() != QProcess::NotRunning) {
            first.kill();
            first.waitForFinished(10000);
        }
    });
    QTRY_VERIFY_WITH_TIMEOUT(run({ QStringLiteral("stats"), QStringLiteral("--db"), db })
                                 .value(QStringLiteral("committed_seq"))
                                 .toObject()
                                 .value(QStringLiteral("src-1"))
                                 .toInteger()
            > 0,
        20000);

    int code = -1;
    QByteArray err;
    run({ QStringLiteral("capture"), QStringLiteral("--url"), url, QStringLiteral("--db"), db,
            QStringLiteral("--duration"), QStringLiteral("5"), QStringLiteral("--quiet") },
        &code, &err);
    QCOMPARE(code, 2);
    QVERIFY2(err.contains("source 'src-1' is already being captured into"), err.constData());
    QVERIFY2(err.contains("pid"), err.constData());

    // Another source into the same database is fine.
    run({ QStringLiteral("capture"), QStringLiteral("--url"), url, QStringLiteral("--source-id"),
            QStringLiteral("other"), QStringLiteral("--from-seq"), QStringLiteral("0"), QStringLiteral("--db"), db,
            QStringLiteral("--count"), QStringLiteral("500"), QStringLiteral("--quiet") },
        &code, &err);
    QVERIFY2(code == 0, err.constData());

    ::kill(pid_t(first.processId()), SIGTERM);
    QVERIFY(first.waitForFinished(20000));
    QCOMPARE(first.exitCode(), 0);
    // Once the first has gone, its source can be captured again (the lock died with it).
    run({ QStringLiteral("capture"), QStringLiteral("--url"), url, QStringLiteral("--db"), db,
            QStringLiteral("--count"), QStringLiteral("200"), QStringLiteral("--quiet") },
        &code, &err);
    QVERIFY2(code == 0, err.constData());
    const QJsonObject counts = run({ QStringLiteral("stats"), QStringLiteral("--db"), db });
    const qint64 committed =
        counts.value(QStringLiteral("committed_seq")).toObject().value(QStringLiteral("src-1")).toInteger();
    const qint64 other =
        counts.value(QStringLiteral("committed_seq")).toObject().value(QStringLiteral("other")).toInteger();
    const QJsonObject tables = counts.value(QStringLiteral("tables")).toObject();
    // No seq stored twice: the rows of both sources are exactly their committed seqs.
    QCOMPARE(tables.value(QStringLiteral("fixture_updates")).toInteger()
            + tables.value(QStringLiteral("odds")).toInteger() + tables.value(QStringLiteral("bets")).toInteger(),
        committed + other);
}

void TestCliIngest::concurrentFirstOpensOfANewDatabaseAllSucceed_data()
{
    secondWriterOfOneSourceIsRefused_data();
}

void TestCliIngest::concurrentFirstOpensOfANewDatabaseAllSucceed()
{
    // Processes opening a database that has no schema yet (a capture and a `stats` started
    // together, say) must not both create it: every one of them succeeds and the schema is made once.
    QFETCH(bool, postgres);
    QTemporaryDir dir;
    OddsTap::Testing::TestDatabase database(postgres, dir.path(), QStringLiteral("new"));
    QVERIFY2(database.reset(), qPrintable(database.error()));
    const QString db = database.url();
    QProcess sim;
    const QString url = startSimulator(
        sim, { QStringLiteral("--seed"), QStringLiteral("6"), QStringLiteral("--rate"), QStringLiteral("5000") });
    QVERIFY(!url.isEmpty());
    const auto stopSim = qScopeGuard([&] {
        ::kill(pid_t(sim.processId()), SIGTERM);
        sim.waitForFinished(10000);
    });
    for (int round = 0; round < 3; ++round) {
        QVERIFY2(database.reset(), qPrintable(database.error()));
        // One source each: they share the database, not a source.
        std::vector<std::unique_ptr<QProcess>> openers;
        for (int i = 0; i < 4; ++i) {
            auto p = std::make_unique<QProcess>();
            p->start(cli(),
                { QStringLiteral("capture"), QStringLiteral("--url"), url, QStringLiteral("--source-id"),
                    QStringLiteral("s%1").arg(i), QStringLiteral("--from-seq"), QStringLiteral("0"),
                    QStringLiteral("--count"), QStringLiteral("200"), QStringLiteral("--db"), db,
                    QStringLiteral("--quiet") });
            openers.push_back(std::move(p));
        }
        for (auto &p : openers) {
            QVERIFY(p->waitForFinished(60000));
            QVERIFY2(p->exitStatus() == QProcess::NormalExit && p->exitCode() == 0,
                qPrintable(QStringLiteral("round %1: ").arg(round) + QString::fromUtf8(p->readAllStandardError())));
        }
        const QJsonObject stats = run({ QStringLiteral("stats"), QStringLiteral("--db"), db });
        QCOMPARE(stats.value(QStringLiteral("schema_version")).toInt(), OddsTap::kSchemaVersion);
        QCOMPARE(stats.value(QStringLiteral("committed_seq")).toObject().size(), 4);
    }
}

void TestCliIngest::postgresUrlOptionsAreHonouredOrRefused()
{
    // Options in a postgresql:// URL reach libpq (sslmode=require against a server without TLS
    // must fail as psql does, not fall back to plain text); a password there is refused without
    // echoing it; options libpq does not know are refused, not dropped.
    const QString base = qEnvironmentVariable("ODDSTAP_TEST_PG_URL");
    if (base.isEmpty()) {
        QFAIL("ODDSTAP_TEST_PG_URL is not set: run scripts/test, which starts a PostgreSQL server for the tests");
    }
    int code = -1;
    QByteArray err;
    run({ QStringLiteral("stats"), QStringLiteral("--db"),
            base + QStringLiteral("?sslmode=disable&application_name=t") },
        &code, &err);
    QVERIFY2(code == 0, err.constData());
    run({ QStringLiteral("stats"), QStringLiteral("--db"), base + QStringLiteral("?sslmode=require") }, &code, &err);
    QCOMPARE(code, 2);
    QVERIFY2(err.contains("SSL"), err.constData());
    run({ QStringLiteral("stats"), QStringLiteral("--db"), base + QStringLiteral("?password=hunter2") }, &code, &err);
    QCOMPARE(code, 2);
    QVERIFY2(err.contains("PGPASSWORD") && !err.contains("hunter2"), err.constData());
    run({ QStringLiteral("stats"), QStringLiteral("--db"), base + QStringLiteral("?sslmod=require") }, &code, &err);
    QCOMPARE(code, 2);
    QVERIFY2(err.contains("unknown PostgreSQL URL option 'sslmod'"), err.constData());
}

void TestCliIngest::damagedDatabaseIsRefusedWithAWayOut()
{
    // Pages in the middle of a capture database overwritten: the next capture must refuse it at
    // start (exit 2) and say how to recover, not retry "malformed" as an outage and exit 5.
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("damaged.db"));
    QProcess sim;
    const QString url = startSimulator(sim,
        { QStringLiteral("--seed"), QStringLiteral("3"), QStringLiteral("--fixtures"), QStringLiteral("200"),
            QStringLiteral("--rate"), QStringLiteral("0") });
    QVERIFY(!url.isEmpty());
    const auto stopSim = qScopeGuard([&] {
        ::kill(pid_t(sim.processId()), SIGTERM);
        sim.waitForFinished(10000);
    });
    int code = -1;
    QByteArray err;
    run({ QStringLiteral("capture"), QStringLiteral("--url"), url, QStringLiteral("--from-seq"), QStringLiteral("0"),
            QStringLiteral("--db"), db, QStringLiteral("--count"), QStringLiteral("60000"), QStringLiteral("--quiet") },
        &code, &err);
    QVERIFY2(code == 0, err.constData());
    {
        QFile f(db);
        QVERIFY(f.open(QIODevice::ReadWrite));
        QVERIFY(f.size() > 40 * 8192);
        QVERIFY(f.seek((f.size() / 2) / 8192 * 8192));
        QVERIFY(f.write(QByteArray(3 * 8192, '\x55')) == 3 * 8192);
    }
    QElapsedTimer clock;
    clock.start();
    run({ QStringLiteral("capture"), QStringLiteral("--url"), url, QStringLiteral("--db"), db,
            QStringLiteral("--duration"), QStringLiteral("60"), QStringLiteral("--quiet") },
        &code, &err);
    QCOMPARE(code, 2);
    QVERIFY2(clock.elapsed() < 20000, "the damage was found only after retrying");
    QVERIFY2(err.contains("damaged") && err.contains(".recover"), err.constData());
}

void TestCliIngest::statsReportsClearErrors_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QByteArray>("message");
    QTest::addRow("missing file") << QByteArray() << QByteArray("no database at");
    QTest::addRow("not SQLite's") << QByteArray(4096, 'z') << QByteArray("is not an SQLite database");
    QTest::addRow("damaged") << QByteArray("SQLite format 3", 16) + QByteArray(4080, 'z')
                             << QByteArray("not a usable SQLite database");
    QByteArray capture("SQLite format 3", 16);
    capture += QByteArray(52, '\0') + QByteArray("ODTC") + QByteArray(4024, '\0'); // application_id at 68
    QTest::addRow("a capture file") << capture << QByteArray("is an OddsTap capture (a recording), not a database");
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
void TestCliIngest::unusableDatabasePathSaysWhereAndWhy_data()
{
    QTest::addColumn<bool>("underAFile");
    QTest::addColumn<QString>("cause");
    QTest::addRow("its directory is a file") << true << QStringLiteral("Not a directory");
    QTest::addRow("a file system that takes no new files") << false << QStringLiteral("No such file or directory");
}

void TestCliIngest::unusableDatabasePathSaysWhereAndWhy()
{
    // "unable to open database file" is all SQLite says: the message names the path and the
    // system's reason, so that the user knows what to change.
    QFETCH(bool, underAFile);
    QFETCH(QString, cause);
    QTemporaryDir dir;
    QString db = QStringLiteral("/proc/oddstap-%1.db").arg(QCoreApplication::applicationPid());
    if (underAFile) {
        const QString file = dir.filePath(QStringLiteral("a-file"));
        QFile f(file);
        QVERIFY(f.open(QIODevice::WriteOnly));
        db = file + QStringLiteral("/capture.db");
    }
    QProcess capture;
    capture.start(cli(),
        { QStringLiteral("capture"), QStringLiteral("--url"), QStringLiteral("ws://127.0.0.1:1"),
            QStringLiteral("--db"), db, QStringLiteral("--duration"), QStringLiteral("5"), QStringLiteral("--quiet") });
    QVERIFY(capture.waitForFinished(30000));
    QCOMPARE(capture.exitCode(), 2);
    const QString err = QString::fromLocal8Bit(capture.readAllStandardError());
    QVERIFY2(err.contains(db) && err.contains(cause), qPrintable(err));
}

#include "tst_cli_ingest.moc"

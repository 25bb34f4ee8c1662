// SPDX-License-Identifier: MIT
// Simulator -> feed client -> storage writer -> SQLite file, with faults, all real.
#include <core/storage/storage.h>
#include <tests/testutils/feedharness.h>

#include <QDir>
#include <QFileInfo>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>

using namespace OddsTap;
using namespace OddsTap::Testing;

namespace {

QJsonObject tableCounts(const QString &path)
{
    auto storage = Storage::open(*StorageTarget::parse(path), QStringLiteral("counts"));
    if (!storage) {
        return {};
    }
    auto counts = (*storage)->tableCounts();
    return counts ? *counts : QJsonObject {};
}

} // namespace

class TestIngest : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { registerMetaTypes(); }
    void everyFaultStillStoresEveryEventExactlyOnce();
    void rejectsInTheDatabaseEqualMalformedFramesSent();
    void restartResumesFromTheCommittedSeq();
    void lockedDatabaseIsReportedOnceAndNothingIsLost();
    void unusableDatabaseFailsTheStartWithAClearMessage();
    void spoolBoundsMemoryAndDrainsInOrder();
    void walHeldByAReaderIsReportedOnceAndItsEndToo();

private:
    QTemporaryDir m_dir;
};

void TestIngest::everyFaultStillStoresEveryEventExactlyOnce()
{
    SimServerConfig c = simConfig(20000, 71);
    c.batch = 5;
    c.faults = *FaultPlan::parse(
        QStringLiteral("drop_every=4000,stall_every=9000,stall_ms=30000,malformed=0.01,duplicate=0.01,gap=0.0005"));
    SimServer sim(c);
    const auto port = sim.start();
    QVERIFY(port);
    const QString db = m_dir.filePath(QStringLiteral("faults.db"));
    CaptureRun run(captureConfig({ sourceConfig(QStringLiteral("f"), *port) }, 20000, 0, *StorageTarget::parse(db)));
    run.start();
    QVERIFY(run.waitFinished(60000));
    const QJsonObject st = sim.stats();
    const QJsonObject rows = tableCounts(db);
    QCOMPARE(rows.value(QStringLiteral("fixture_updates")).toInteger(), generated(st, "fixture"));
    QCOMPARE(rows.value(QStringLiteral("odds")).toInteger(), generated(st, "odds"));
    QCOMPARE(rows.value(QStringLiteral("bets")).toInteger(), generated(st, "bet"));
    const auto &s = run.stats().sources.at(QStringLiteral("f"));
    // Every reject the client saw is in the database; gaps and connection events are recorded.
    QCOMPARE(rows.value(QStringLiteral("rejects")).toInteger(), qint64(s.rejectedTotal()));
    QVERIFY(s.rejectedTotal() > 50);
    QCOMPARE(rows.value(QStringLiteral("gaps")).toInteger(), qint64(s.gaps));
    QVERIFY(s.gaps >= 1);
    QVERIFY(rows.value(QStringLiteral("connection_events")).toInteger() > 10);
    QCOMPARE(rows.value(QStringLiteral("ingest_state")).toInteger(), 1);
    // The database's latest-state table and the in-memory live state know the same fixtures.
    QCOMPARE(rows.value(QStringLiteral("fixtures")).toInteger(), qint64(run.session->liveState().fixtureCount()));
    const QJsonObject summary = run.stats().toJson();
    QVERIFY(summary.value(QStringLiteral("storage_reconciliation")).toObject().value(QStringLiteral("ok")).toBool());
    QVERIFY(summary.value(QStringLiteral("reconciliation")).toObject().value(QStringLiteral("ok")).toBool());
}

void TestIngest::rejectsInTheDatabaseEqualMalformedFramesSent()
{
    SimServerConfig c = simConfig(10000, 72);
    c.faults = *FaultPlan::parse(QStringLiteral("drop_every=3000,malformed=0.02,duplicate=0.01"));
    SimServer sim(c);
    const auto port = sim.start();
    QVERIFY(port);
    const QString db = m_dir.filePath(QStringLiteral("rejects.db"));
    CaptureRun run(captureConfig({ sourceConfig(QStringLiteral("r"), *port) }, 10000, 0, *StorageTarget::parse(db)));
    run.start();
    QVERIFY(run.waitFinished(60000));
    const QJsonObject st = sim.stats();
    const QJsonObject rows = tableCounts(db);
    QCOMPARE(rows.value(QStringLiteral("rejects")).toInteger(), st.value(QStringLiteral("malformed_sent")).toInteger());
    QCOMPARE(rows.value(QStringLiteral("odds")).toInteger(), generated(st, "odds"));
    // Each reject row has its code, a message and the raw text.
    {
        QSqlDatabase conn = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("inspect"));
        conn.setDatabaseName(db);
        QVERIFY(conn.open());
        QSqlQuery q(conn);
        QVERIFY(q.exec(QStringLiteral("SELECT count(*) FROM rejects WHERE code IN ('malformed_json', 'bad_type', "
                                      "'missing_field', 'out_of_range') AND length(message) > 0 AND length(raw) > 0")));
        QVERIFY(q.next());
        QCOMPARE(q.value(0).toLongLong(), st.value(QStringLiteral("malformed_sent")).toInteger());
    }
    QSqlDatabase::removeDatabase(QStringLiteral("inspect"));
}

void TestIngest::restartResumesFromTheCommittedSeq()
{
    SimServerConfig c = simConfig(0, 73);
    c.rate = 20000;
    SimServer sim(c);
    const auto port = sim.start();
    QVERIFY(port);
    const QString db = m_dir.filePath(QStringLiteral("restart.db"));
    quint64 firstRunSeq = 0;
    {
        CaptureRun run(captureConfig({ sourceConfig(QStringLiteral("r"), *port) }, 3000, 0, *StorageTarget::parse(db)));
        run.start();
        QVERIFY(run.waitFinished(20000));
        firstRunSeq = run.stats().sources.at(QStringLiteral("r")).lastSeq;
    }
    FeedSourceConfig again = sourceConfig(QStringLiteral("r"), *port);
    again.resumeFromSeq.reset(); // the database decides
    CaptureRun run(captureConfig({ again }, 2000, 0, *StorageTarget::parse(db)));
    run.start();
    QVERIFY(run.waitFinished(20000));
    // The second run's first event follows the committed seq exactly.
    const auto first =
        std::find_if(run.events.begin(), run.events.end(), [](const Event &e) { return e.advancesStream(); });
    QVERIFY(first != run.events.end());
    QVERIFY(first->seq <= firstRunSeq + 1);
    const QJsonObject rows = tableCounts(db);
    const qint64 stored = storedStreamRows(rows);
    auto storage = Storage::open(*StorageTarget::parse(db), QStringLiteral("seq"));
    QVERIFY(storage);
    QCOMPARE(stored, qint64((*storage)->committedSeqs().at(QStringLiteral("r")))); // seqs 1..N, each once
}

void TestIngest::lockedDatabaseIsReportedOnceAndNothingIsLost()
{
    SimServerConfig c = simConfig(0, 74);
    c.rate = 5000;
    SimServer sim(c);
    const auto port = sim.start();
    QVERIFY(port);
    const QString db = m_dir.filePath(QStringLiteral("locked.db"));
    CaptureRun run(captureConfig({ sourceConfig(QStringLiteral("l"), *port) }, 0, 0, *StorageTarget::parse(db)));
    std::vector<std::pair<QString, bool>> problems;
    connect(run.session.get(), &CaptureSession::storageNotice, this, [&problems](const StorageNotice &n) {
        problems.emplace_back(n.message, n.change == StorageNotice::Change::Failing);
    });
    run.start();
    QTRY_VERIFY_WITH_TIMEOUT(run.stats().persisted.odds > 1000, 10000);
    {
        // Another process takes the write lock for 7 s (longer than the 5 s busy timeout).
        QSqlDatabase other = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("locker"));
        other.setDatabaseName(db);
        QVERIFY(other.open());
        QSqlQuery q(other);
        QVERIFY(q.exec(QStringLiteral("BEGIN EXCLUSIVE")));
        // The fault: another process holds the write lock until the capture reports the outage
        // (past the writer's busy timeout), and a little after, so that more batches wait.
        QTRY_VERIFY_WITH_TIMEOUT(!problems.empty() && problems[0].second, 20000);
        const quint64 acceptedInOutage = run.stats().total().acceptedStreamTotal();
        QTRY_VERIFY_WITH_TIMEOUT(run.stats().total().acceptedStreamTotal() > acceptedInOutage + 5000, 20000);
        QVERIFY(q.exec(QStringLiteral("ROLLBACK")));
    }
    QSqlDatabase::removeDatabase(QStringLiteral("locker"));
    QTRY_VERIFY_WITH_TIMEOUT(problems.size() >= 2, 15000);
    QCOMPARE(problems.size(), std::size_t(2)); // once when it starts, once when it ends: not per batch
    QVERIFY(problems[0].second && problems[0].first.contains(QLatin1String("locked")));
    QVERIFY(!problems[1].second && problems[1].first.contains(QLatin1String("recovered")));
    run.session->stop(QStringLiteral("test done"));
    QVERIFY(run.waitFinished(20000));
    const auto &s = run.stats().sources.at(QStringLiteral("l"));
    const quint64 accepted = s.acceptedStreamTotal();
    const QJsonObject rows = tableCounts(db);
    QCOMPARE(quint64(storedStreamRows(rows)), accepted);
}

void TestIngest::unusableDatabaseFailsTheStartWithAClearMessage()
{
    const QString path = m_dir.filePath(QStringLiteral("junk.db"));
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(QByteArray(4096, '\x7f'));
    f.close();
    CaptureRun run(captureConfig({ sourceConfig(QStringLiteral("x"), 1) }, 0, 0, *StorageTarget::parse(path)));
    run.start();
    QVERIFY(run.waitFinished(10000));
    QVERIFY(run.session->failed());
    QVERIFY2(run.session->stopReason().contains(QLatin1String("is not an SQLite database")),
        qPrintable(run.session->stopReason()));
    QVERIFY(run.transitions.empty()); // no source was started
}

void TestIngest::spoolBoundsMemoryAndDrainsInOrder()
{
    SimServerConfig c = simConfig(0, 75);
    c.rate = 8000;
    c.retain = 500000;
    SimServer sim(c);
    const auto port = sim.start();
    QVERIFY(port);
    const QString db = m_dir.filePath(QStringLiteral("spool.db"));
    const QString spoolDir = m_dir.filePath(QStringLiteral("spool"));
    CaptureConfig config = captureConfig({ sourceConfig(QStringLiteral("s"), *port) }, 0, 0, *StorageTarget::parse(db));
    config.spool.directory = spoolDir;
    config.spool.memoryBudgetEvents = 500; // tiny: the 7 s lock below must spill to disk
    CaptureRun run(config);
    qint64 shownSpoolBytes = 0;
    quint64 shownSpoolBatches = 0;
    quint64 shownQueued = 0;
    connect(run.session.get(), &CaptureSession::snapshotReady, this, [&](const SnapshotPtr &s) {
        shownSpoolBytes = s->metrics.spoolBytes;
        shownSpoolBatches = s->metrics.spoolBatches;
        shownQueued = s->metrics.queuedEvents;
    });
    run.start();
    QTRY_VERIFY_WITH_TIMEOUT(run.stats().persisted.odds > 1000, 10000);
    // A writer that keeps up checkpoints whenever it goes idle, so the WAL starts over after
    // each commit or few. (Were it checkpointed only as under a backlog, every 64 MiB, it would
    // hold all of these seconds, about 20 MB per second at this rate.)
    const quint64 oddsBefore = run.stats().persisted.odds;
    QTRY_VERIFY_WITH_TIMEOUT(run.stats().persisted.odds > oddsBefore + 20000, 20000); // many commits later
    const qint64 walBytes = QFileInfo(db + QStringLiteral("-wal")).size();
    QVERIFY2(walBytes > 0 && walBytes < 16 * 1024 * 1024, qPrintable(QStringLiteral("WAL: %1 bytes").arg(walBytes)));
    {
        QSqlDatabase other = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("locker2"));
        other.setDatabaseName(db);
        QVERIFY(other.open());
        QSqlQuery q(other);
        QVERIFY(q.exec(QStringLiteral("BEGIN EXCLUSIVE")));
        // The fault: another process holds the write lock until the backlog spills to disk.
        const auto spooledBytes = [&spoolDir] {
            qint64 bytes = 0;
            for (const QFileInfo &f : QDir(spoolDir).entryInfoList({ QStringLiteral("*.seg") }, QDir::Files)) {
                bytes += f.size();
            }
            return bytes;
        };
        QTRY_VERIFY_WITH_TIMEOUT(spooledBytes() > 64 * 1024, 30000);
        // While nothing commits, the views and the summary still see the spool grow.
        QTRY_VERIFY_WITH_TIMEOUT(shownSpoolBytes > 64 * 1024 && shownSpoolBatches > 0, 5000);
        // And the events waiting in memory for the locked database, between commits as much as at
        // them: within the budget.
        QTRY_VERIFY_WITH_TIMEOUT(shownQueued > 0, 5000);
        QVERIFY2(shownQueued <= 500 + 5000, qPrintable(QString::number(shownQueued)));
        QVERIFY(run.stats().maxSpoolBytes > 64 * 1024);
        QVERIFY(q.exec(QStringLiteral("ROLLBACK")));
    }
    QSqlDatabase::removeDatabase(QStringLiteral("locker2"));
    QTRY_VERIFY_WITH_TIMEOUT(run.stats().spilledBatches > 0, 15000);
    QTRY_COMPARE_WITH_TIMEOUT(shownSpoolBytes, qint64(0), 30000); // drained
    run.session->stop(QStringLiteral("test done"));
    QVERIFY(run.waitFinished(30000));
    QVERIFY(run.stats().maxSpoolBytes > 0);
    // Drained in order: every accepted event stored exactly once, and the spool is empty again.
    const auto &s = run.stats().sources.at(QStringLiteral("s"));
    const QJsonObject rows = tableCounts(db);
    QCOMPARE(quint64(storedStreamRows(rows)), s.acceptedStreamTotal());
    QVERIFY(run.stats()
                .toJson()
                .value(QStringLiteral("storage_reconciliation"))
                .toObject()
                .value(QStringLiteral("ok"))
                .toBool());
    QCOMPARE(QDir(spoolDir).entryList({ QStringLiteral("*.seg") }).size(), 0);
    auto storage = Storage::open(*StorageTarget::parse(db), QStringLiteral("seqcheck"));
    QVERIFY(storage);
    QCOMPARE(storedStreamRows(rows), qint64((*storage)->committedSeqs().at(QStringLiteral("s"))));
}

void TestIngest::walHeldByAReaderIsReportedOnceAndItsEndToo()
{
    // Another process's reader keeps a read transaction open, so SQLite cannot reuse its WAL,
    // which grows with the feed: the capture warns once past the bound, and once when it is back.
    SimServerConfig c = simConfig(400000, 9);
    c.rate = 25000;
    SimServer sim(c);
    const auto port = sim.start();
    QVERIFY(port);
    const QString db = m_dir.filePath(QStringLiteral("walheld.db"));
    CaptureConfig config = captureConfig({ sourceConfig(QStringLiteral("w"), *port) }, 0, 0, *StorageTarget::parse(db));
    config.walAlertBytes = 12 * 1024 * 1024;
    CaptureRun run(std::move(config));
    QStringList problems;
    connect(run.session.get(), &CaptureSession::storageNotice, this,
        [&problems](const StorageNotice &n) { problems << n.message; });
    run.start();
    QTRY_VERIFY_WITH_TIMEOUT(run.stats().persisted.odds > 1000, 20000);
    {
        QSqlDatabase reader = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("holder"));
        reader.setDatabaseName(db);
        QVERIFY(reader.open());
        QSqlQuery q(reader);
        QVERIFY(q.exec(QStringLiteral("BEGIN")));
        QVERIFY(q.exec(QStringLiteral("SELECT count(*) FROM odds")) && q.next()); // holds a snapshot
        QTRY_VERIFY_WITH_TIMEOUT(problems.filter(QStringLiteral("read transaction open")).size() == 1, 30000);
        q.finish();
        QVERIFY(q.exec(QStringLiteral("COMMIT")));
    }
    QSqlDatabase::removeDatabase(QStringLiteral("holder"));
    QTRY_VERIFY_WITH_TIMEOUT(problems.filter(QStringLiteral("is back to")).size() == 1, 30000);
    QCOMPARE(problems.filter(QStringLiteral("read transaction open")).size(), 1);
    run.session->stop(QStringLiteral("test done"));
    QVERIFY(run.waitFinished(30000));
}

QTEST_GUILESS_MAIN(TestIngest)
#include "tst_ingest.moc"

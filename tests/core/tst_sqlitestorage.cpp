// SPDX-License-Identifier: MIT
// SqliteStorage against real SQLite files in a temporary directory.
#include <core/common/rng.h>
#include <core/storage/oddsrows.h>
#include <core/storage/sqlitestorage.h>
#include <core/storage/walwritebuffer.h>

#include <QFile>
#include <QFileInfo>
#include <QScopeGuard>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <sqlite3.h>

#include <cstring>
#include <tuple>

using namespace OddsTap;

namespace {

Event streamEvent(EventType type, quint64 seq, const QString &source = QStringLiteral("s1"))
{
    Event e;
    e.type = type;
    e.seq = seq;
    e.serverTsMs = 1798761600000LL + qint64(seq);
    e.sourceId = source;
    e.receivedAtMs = 1798761600500LL + qint64(seq);
    switch (type) {
    case EventType::Fixture:
        e.data = FixtureData { QStringLiteral("fx-1"), 1, 17, 1798765200000LL, FixtureStatus::Live,
            QStringLiteral("Arsenal"), QStringLiteral("Spurs, \"the\" Lilywhites"), QStringLiteral("%1-0").arg(seq) };
        break;
    case EventType::Odds:
        e.data = OddsData { QStringLiteral("fx-1"), QStringLiteral("1x2"), QStringLiteral("home"), 2.15,
            1798761600000LL + qint64(seq), PriceStatus::Open };
        break;
    case EventType::Bet:
        e.data = BetData { QStringLiteral("b-%1").arg(seq), QStringLiteral("u-1"), QStringLiteral("fx-1"),
            QStringLiteral("1x2"), QStringLiteral("home"), 10.0, 2.15, 21.5, 1798761600000LL };
        break;
    case EventType::Error:
        e.data = FeedErrorData { QStringLiteral("bad_request"), QStringLiteral("second subscribe") };
        break;
    default:
        break;
    }
    return e;
}

EventBatch batchOf(std::vector<Event> events, quint64 lastSeq, const QString &source = QStringLiteral("s1"))
{
    EventBatch b;
    b.sourceId = source;
    b.events = std::move(events);
    b.lastSeq = lastSeq;
    return b;
}

qint64 scalar(const QString &path, const QString &sql)
{
    qint64 v = -1;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("check"));
        db.setDatabaseName(path);
        if (db.open()) {
            QSqlQuery q(db);
            if (q.exec(sql) && q.next()) {
                v = q.value(0).toLongLong();
            }
        }
    }
    QSqlDatabase::removeDatabase(QStringLiteral("check"));
    return v;
}

} // namespace

class TestSqliteStorage : public QObject
{
    Q_OBJECT

private slots:
    void init() { QVERIFY(m_dir.isValid()); }
    void storesEveryKindOfRowInOneTransaction();
    void fixturesKeepTheLatestStateAndEveryUpdate();
    void skipsWhatIsAlreadyCommitted();
    void betIdIsANaturalKey();
    void alertsAreStoredOnceWithTheirBatchOrAlone();
    void reopeningRestoresCommittedSeqs();
    void refusesAForeignDatabase();
    void refusesANewerSchema();
    void refusesACorruptFile();
    void aLargeFileIsCheckedWhereAResumeReads();
    void lockedDatabaseFailsCleanlyAndWritesNothing();
    void oddsKeepEveryFieldAndGoInIndexOrder();
    void oddsRowsSortAsAComparisonSortWould_data();
    void oddsRowsSortAsAComparisonSortWould();
    void idleWriterCheckpointsInTheBackgroundAfterEachCommit();
    void busyWriterDefersCheckpointsUntilIdle();
    void busyWriterStillCheckpointsEvery64MiBOfWal();
    void newDatabasesUseBigPagesAndOldOnesKeepTheirs();
    void sqliteKeepsNoMemoryStatistics();
    void gatheredWalWritesAreInTheFileBeforeACommitShows();
    void walBufferIsOnlyTheCaptureWritersVfs();
    void failedWalWritesNeverLetATransactionCommitWithMissingFrames();
    void aDatabaseDeletedUnderTheWriterStopsIt_data();
    void aDatabaseDeletedUnderTheWriterStopsIt();
    void aSymlinkToTheDatabaseFindsTheSameWriterLock();
    void aLongSourceIdIsClaimedLikeAnyOther();

private:
    QString path(const char *name) const { return m_dir.filePath(QLatin1String(name)); }
    QTemporaryDir m_dir;
};

void TestSqliteStorage::storesEveryKindOfRowInOneTransaction()
{
    auto storage = SqliteStorage::open(path("all.db"), QStringLiteral("t1"));
    QVERIFY2(storage, qPrintable(storage ? QString() : storage.error().message));
    EventBatch b =
        batchOf({ streamEvent(EventType::Fixture, 1), streamEvent(EventType::Odds, 2), streamEvent(EventType::Bet, 3),
                    streamEvent(EventType::Error, 3), streamEvent(EventType::SnapshotBegin, 3) },
            3);
    Reject r;
    r.code = RejectCode::OutOfRange;
    r.message = QStringLiteral("data.odd_value must be > 1.0, got 0.9");
    r.raw = QByteArray("{\"odd_value\":0.9,\"bin\":\"\xff\"}");
    r.seq = 2;
    r.sourceId = QStringLiteral("s1");
    b.rejects.push_back(r);
    b.gaps.push_back(GapRecord { QStringLiteral("s1"), 4, 6, false, 1, 5 });
    b.connectionEvents.push_back(
        ConnectionEvent { QStringLiteral("s1"), 1, SourceState::Subscribed, QStringLiteral("live"), 0, 3, 7 });
    const auto result = (*storage)->write(b);
    QVERIFY2(result, qPrintable(result ? QString() : result.error().message));
    QCOMPARE(result->fixtureUpdates, quint64(1));
    QCOMPARE(result->odds, quint64(1));
    QCOMPARE(result->bets, quint64(1));
    QCOMPARE(result->feedErrors, quint64(1));
    QCOMPARE(result->rejects, quint64(1));
    QCOMPARE(result->gaps, quint64(1));
    QCOMPARE(result->connectionEvents, quint64(1));
    QCOMPARE(result->committedSeqs.at(QStringLiteral("s1")), quint64(3));
    const auto counts = (*storage)->tableCounts();
    QVERIFY(counts);
    for (const char *table : { "fixtures", "fixture_updates", "odds", "bets", "rejects", "gaps", "connection_events",
             "feed_errors", "ingest_state" }) {
        QVERIFY2(counts->value(QLatin1String(table)).toInt() == 1, table);
    }
    QCOMPARE((*storage)->committedSeqs().at(QStringLiteral("s1")), quint64(3));
    storage->reset();
    // The raw text is kept byte for byte, invalid UTF-8 included.
    QCOMPARE(scalar(path("all.db"), QStringLiteral("SELECT length(raw) FROM rejects")), qint64(r.raw.size()));
    QCOMPARE(scalar(path("all.db"), QStringLiteral("SELECT seq FROM rejects")), qint64(2));
    QCOMPARE(scalar(path("all.db"),
                 QStringLiteral("SELECT count(*) FROM odds WHERE odd_value = 2.15 AND "
                                "market_type = '1x2' AND received_at = 1798761600502")),
        qint64(1));
}

void TestSqliteStorage::fixturesKeepTheLatestStateAndEveryUpdate()
{
    auto storage = SqliteStorage::open(path("fx.db"), QStringLiteral("t2"));
    QVERIFY(storage);
    QVERIFY((*storage)->write(batchOf({ streamEvent(EventType::Fixture, 5), streamEvent(EventType::Fixture, 9) }, 9)));
    storage->reset();
    QCOMPARE(scalar(path("fx.db"), QStringLiteral("SELECT count(*) FROM fixture_updates")), qint64(2));
    QCOMPARE(scalar(path("fx.db"), QStringLiteral("SELECT count(*) FROM fixtures")), qint64(1));
    QCOMPARE(scalar(path("fx.db"), QStringLiteral("SELECT seq FROM fixtures WHERE fixture_id = 'fx-1'")), qint64(9));
}

void TestSqliteStorage::skipsWhatIsAlreadyCommitted()
{
    auto storage = SqliteStorage::open(path("dup.db"), QStringLiteral("t3"));
    QVERIFY(storage);
    std::vector<Event> first;
    for (quint64 s = 1; s <= 10; ++s) {
        first.push_back(streamEvent(EventType::Odds, s));
    }
    QVERIFY((*storage)->write(batchOf(first, 10)));
    std::vector<Event> second;
    for (quint64 s = 5; s <= 15; ++s) {
        second.push_back(streamEvent(EventType::Odds, s));
    }
    const auto r = (*storage)->write(batchOf(second, 15));
    QVERIFY(r);
    QCOMPARE(r->duplicateSeqs, quint64(6));
    QCOMPARE(r->odds, quint64(5));
    QCOMPARE((*storage)->tableCounts()->value(QStringLiteral("odds")).toInt(), 15);
    // Another source's seqs are independent.
    QVERIFY(
        (*storage)->write(batchOf({ streamEvent(EventType::Odds, 1, QStringLiteral("s2")) }, 1, QStringLiteral("s2"))));
    QCOMPARE((*storage)->tableCounts()->value(QStringLiteral("odds")).toInt(), 16);
}

void TestSqliteStorage::betIdIsANaturalKey()
{
    auto storage = SqliteStorage::open(path("bets.db"), QStringLiteral("t4"));
    QVERIFY(storage);
    Event again = streamEvent(EventType::Bet, 8);
    std::get<BetData>(again.data).betId = QStringLiteral("b-7"); // a resent bet under a new seq
    const auto r = (*storage)->write(batchOf({ streamEvent(EventType::Bet, 7), again }, 8));
    QVERIFY(r);
    QCOMPARE(r->bets, quint64(1));
    QCOMPARE(r->duplicateBets, quint64(1));
}

void TestSqliteStorage::alertsAreStoredOnceWithTheirBatchOrAlone()
{
    auto storage = SqliteStorage::open(path("alerts.db"), QStringLiteral("t4a"));
    QVERIFY(storage);
    Alert steam;
    steam.rule = QStringLiteral("steamer, \"fast\"");
    steam.kind = AlertKind::PriceMove;
    steam.sourceId = QStringLiteral("s1");
    steam.fixtureId = QStringLiteral("fx-1");
    steam.marketType = QStringLiteral("1x2");
    steam.selection = QStringLiteral("home");
    steam.atMs = 1798761600003LL;
    steam.seq = 3;
    steam.before = QStringLiteral("2.5");
    steam.after = QStringLiteral("2.3");
    steam.receivedAtMs = 1798761600503LL;
    Alert stale = steam;
    stale.rule = QStringLiteral("quiet");
    stale.kind = AlertKind::Stale;
    stale.marketType.clear();
    stale.selection.clear();
    stale.before = QStringLiteral("1798761600003");
    stale.after = QStringLiteral("silent 30 s");
    const EventBatch batch = batchOf({ streamEvent(EventType::Odds, 3) }, 3);
    auto r = (*storage)->write({ &batch }, { steam });
    QVERIFY(r);
    QCOMPARE(r->alerts, quint64(1));
    QCOMPARE(r->odds, quint64(1));
    // Alone (as when its batch is still on its way through the spool), and the first again (a
    // write retried after a commit whose outcome was unknown): stored once.
    // A second rule of the same name (names default to the type) firing on the same event: its own alert.
    Alert twin = steam;
    twin.ruleIndex = 1;
    r = (*storage)->write({}, { steam, stale, twin });
    QVERIFY(r);
    QCOMPARE(r->alerts, quint64(2));
    QCOMPARE(r->duplicateAlerts, quint64(1));
    QCOMPARE(r->duplicateSeqs, quint64(0));
    QCOMPARE((*storage)->tableCounts()->value(QStringLiteral("alerts")).toInt(), 3);
    QStringList rows;
    const auto q = (*storage)->query(QStringLiteral("SELECT source_id, fixture_id, market_type, selection, rule, "
                                                    "rule_index, kind, seq, ts, received_at, before_value, "
                                                    "after_value FROM alerts ORDER BY id"),
        {}, [&rows](const RowView &row) {
            QStringList cells;
            for (const auto &cell : row) {
                cells << (cell ? QString::fromUtf8(cell->toByteArray()) : QStringLiteral("NULL"));
            }
            rows << cells.join(QLatin1Char('|'));
            return true;
        });
    QVERIFY(q);
    QCOMPARE(rows,
        QStringList({ QStringLiteral(
                          "s1|fx-1|1x2|home|steamer, \"fast\"|0|price_move|3|1798761600003|1798761600503|2.5|2.3"),
            QStringLiteral("s1|fx-1|||quiet|0|stale|3|1798761600003|1798761600503|1798761600003|silent 30 s"),
            QStringLiteral("s1|fx-1|1x2|home|steamer, \"fast\"|1|price_move|3|1798761600003|1798761600503|2.5|2.3") }));
}

void TestSqliteStorage::reopeningRestoresCommittedSeqs()
{
    {
        auto storage = SqliteStorage::open(path("re.db"), QStringLiteral("t5"));
        QVERIFY(storage);
        QVERIFY((*storage)->write(batchOf({ streamEvent(EventType::Odds, 41) }, 42)));
        QVERIFY((*storage)->write(batchOf({}, 7, QStringLiteral("other"))));
    }
    auto storage = SqliteStorage::open(path("re.db"), QStringLiteral("t5"));
    QVERIFY(storage);
    QCOMPARE((*storage)->committedSeqs().at(QStringLiteral("s1")), quint64(42));
    QCOMPARE((*storage)->committedSeqs().at(QStringLiteral("other")), quint64(7));
    QCOMPARE((*storage)->schemaVersion(), kSchemaVersion);
}

void TestSqliteStorage::refusesAForeignDatabase()
{
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("foreign"));
        db.setDatabaseName(path("foreign.db"));
        QVERIFY(db.open());
        QVERIFY(QSqlQuery(db).exec(QStringLiteral("CREATE TABLE invoices (id INTEGER, total REAL)")));
    }
    QSqlDatabase::removeDatabase(QStringLiteral("foreign"));
    auto storage = SqliteStorage::open(path("foreign.db"), QStringLiteral("t6"));
    QVERIFY(!storage);
    QCOMPARE(storage.error().code, QStringLiteral("storage_foreign"));
    QVERIFY(storage.error().message.contains(QLatin1String("not an OddsTap one")));
    QCOMPARE(scalar(path("foreign.db"), QStringLiteral("SELECT count(*) FROM sqlite_master")), qint64(1)); // untouched
}

void TestSqliteStorage::refusesANewerSchema()
{
    {
        auto storage = SqliteStorage::open(path("newer.db"), QStringLiteral("t7"));
        QVERIFY(storage);
    }
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("bump"));
        db.setDatabaseName(path("newer.db"));
        QVERIFY(db.open());
        QVERIFY(QSqlQuery(db).exec(QStringLiteral("INSERT INTO schema_version VALUES (99, 0, 'OddsTap 9.0')")));
    }
    QSqlDatabase::removeDatabase(QStringLiteral("bump"));
    auto storage = SqliteStorage::open(path("newer.db"), QStringLiteral("t7"));
    QVERIFY(!storage);
    QCOMPARE(storage.error().code, QStringLiteral("storage_newer"));
    QVERIFY(storage.error().message.contains(QLatin1String("schema version 99")));
}

void TestSqliteStorage::refusesACorruptFile()
{
    QFile f(path("corrupt.db"));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(QByteArray(8192, 'x'));
    f.close();
    // Not SQLite's at all (a text file given as --db): said so, not called a damaged database
    // with advice on recovering it.
    auto storage = SqliteStorage::open(path("corrupt.db"), QStringLiteral("t8"));
    QVERIFY(!storage);
    QCOMPARE(storage.error().code, QStringLiteral("storage_foreign"));
    QVERIFY2(storage.error().message.contains(QLatin1String("is not an SQLite database")),
        qPrintable(storage.error().message));
    // SQLite's header on a damaged rest: damaged.
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(QByteArray("SQLite format 3", 16) + QByteArray(8192 - 16, 'x'));
    f.close();
    storage = SqliteStorage::open(path("corrupt.db"), QStringLiteral("t8b"));
    QVERIFY(!storage);
    QCOMPARE(storage.error().code, QStringLiteral("storage_corrupt"));
    QVERIFY2(storage.error().message.contains(QLatin1String("not a usable SQLite database")),
        qPrintable(storage.error().message));
}

void TestSqliteStorage::aLargeFileIsCheckedWhereAResumeReads()
{
    // A capture database with pages in the middle of its odds overwritten.
    const QString db = path("large-damaged.db");
    {
        auto storage = SqliteStorage::open(db, QStringLiteral("t-large"), Storage::kDefaultBusyTimeoutMs, true);
        QVERIFY(storage);
        for (quint64 b = 0; b < 40; ++b) {
            std::vector<Event> events;
            for (quint64 i = 1; i <= 1000; ++i) {
                events.push_back(streamEvent(EventType::Odds, b * 1000 + i));
            }
            QVERIFY((*storage)->write(batchOf(std::move(events), (b + 1) * 1000)));
        }
    }
    QSqlDatabase::removeDatabase(QStringLiteral("t-large"));
    {
        QFile f(db);
        QVERIFY(f.open(QIODevice::ReadWrite));
        QVERIFY(f.size() > 100 * 8192);
        QVERIFY(f.seek((f.size() / 2) / 8192 * 8192));
        QVERIFY(f.write(QByteArray(3 * 8192, '\x55')) == 3 * 8192);
    }
    const auto restore = qScopeGuard([] { SqliteStorage::setFullCheckMaxBytes(SqliteStorage::kFullCheckMaxBytes); });
    // Within the size checked whole: refused at once, with a way out.
    {
        auto storage = SqliteStorage::open(db, QStringLiteral("t-large-1"), Storage::kDefaultBusyTimeoutMs, true);
        QVERIFY(!storage);
        QCOMPARE(storage.error().code, QStringLiteral("storage_corrupt"));
        QVERIFY2(storage.error().message.contains(QLatin1String(".recover")), qPrintable(storage.error().message));
    }
    QSqlDatabase::removeDatabase(QStringLiteral("t-large-1"));
    // Over it: what a resume reads is sound, so it opens, and resumes where it was.
    SqliteStorage::setFullCheckMaxBytes(8192);
    {
        auto storage = SqliteStorage::open(db, QStringLiteral("t-large-2"), Storage::kDefaultBusyTimeoutMs, true);
        QVERIFY2(storage, storage ? "" : qPrintable(storage.error().message));
        QCOMPARE((*storage)->committedSeqs().at(QStringLiteral("s1")), quint64(40000));
    }
    QSqlDatabase::removeDatabase(QStringLiteral("t-large-2"));
    // Damage where a resume reads is refused at start whatever the size.
    {
        auto storage = SqliteStorage::open(db, QStringLiteral("t-large-3"), Storage::kDefaultBusyTimeoutMs, true);
        QVERIFY(storage);
        qint64 page = 0;
        {
            QSqlQuery q(QSqlDatabase::database(QStringLiteral("t-large-3")));
            QVERIFY(
                q.exec(QStringLiteral("SELECT rootpage FROM sqlite_master WHERE name = 'ingest_state'")) && q.next());
            page = q.value(0).toLongLong();
        }
        QVERIFY(page > 1);
        (*storage).reset();
        QSqlDatabase::removeDatabase(QStringLiteral("t-large-3"));
        QFile f(db);
        QVERIFY(f.open(QIODevice::ReadWrite));
        QVERIFY(f.seek((page - 1) * 8192));
        QVERIFY(f.write(QByteArray(8192, '\x55')) == 8192);
    }
    {
        auto storage = SqliteStorage::open(db, QStringLiteral("t-large-4"), Storage::kDefaultBusyTimeoutMs, true);
        QVERIFY(!storage);
        QCOMPARE(storage.error().code, QStringLiteral("storage_corrupt"));
    }
    QSqlDatabase::removeDatabase(QStringLiteral("t-large-4"));
}

void TestSqliteStorage::lockedDatabaseFailsCleanlyAndWritesNothing()
{
    auto storage = SqliteStorage::open(path("locked.db"), QStringLiteral("t9"), 200);
    QVERIFY(storage);
    QVERIFY((*storage)->write(batchOf({ streamEvent(EventType::Odds, 1) }, 1)));
    {
        // Another process (here: another connection) holds the write lock.
        QSqlDatabase other = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("locker"));
        other.setDatabaseName(path("locked.db"));
        QVERIFY(other.open());
        QSqlQuery q(other);
        QVERIFY(q.exec(QStringLiteral("BEGIN EXCLUSIVE")));
        const auto r = (*storage)->write(batchOf({ streamEvent(EventType::Odds, 2) }, 2));
        QVERIFY(!r);
        QCOMPARE(r.error().code, QStringLiteral("storage_locked"));
        QVERIFY(r.error().message.contains(QLatin1String("locked")));
        QCOMPARE((*storage)->committedSeqs().at(QStringLiteral("s1")), quint64(1));
        QVERIFY(q.exec(QStringLiteral("ROLLBACK")));
    }
    QSqlDatabase::removeDatabase(QStringLiteral("locker"));
    // Once the lock is gone the same batch goes in, exactly once.
    const auto r = (*storage)->write(batchOf({ streamEvent(EventType::Odds, 2) }, 2));
    QVERIFY2(r, qPrintable(r ? QString() : r.error().message));
    QCOMPARE((*storage)->tableCounts()->value(QStringLiteral("odds")).toInt(), 2);
}

void TestSqliteStorage::oddsKeepEveryFieldAndGoInIndexOrder()
{
    auto storage = SqliteStorage::open(path("odds.db"), QStringLiteral("t-odds"));
    QVERIFY(storage);
    // Out of order, non-ASCII keys, and equal text in separate storage (not interned) that must
    // rank equal.
    const QString fixtures[] = { QStringLiteral("fx-b"), QStringLiteral("fx-\u00e9"), QStringLiteral("fx-a"),
        QString::fromUtf8("fx-b"), QStringLiteral("Fx-z") };
    const QString markets[] = { QStringLiteral("ou"), QStringLiteral("1x2") };
    std::vector<Event> events;
    quint64 seq = 0;
    // Three statements of kOddsRowsPerStatement rows, then four rows one by one.
    const std::size_t wanted = 3 * std::size_t(SqliteStorage::kOddsRowsPerStatement) + 4;
    while (events.size() < wanted) {
        for (const QString &f : fixtures) {
            for (const QString &m : markets) {
                if (events.size() == wanted) {
                    break;
                }
                Event e = streamEvent(EventType::Odds, ++seq);
                e.data = OddsData { QString(f.constData(), f.size()), m, QStringLiteral("sel-%1").arg(seq % 3),
                    1.5 + double(seq) / 100, 1798761600000LL - qint64(seq),
                    seq % 4 == 0 ? PriceStatus::Suspended : PriceStatus::Open };
                events.push_back(std::move(e));
            }
        }
    }
    const std::vector<Event> sent = events;
    QVERIFY((*storage)->write(batchOf(std::move(events), seq)));
    storage->reset();
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("odds-check"));
    db.setDatabaseName(path("odds.db"));
    QVERIFY(db.open());
    {
        QSqlQuery q(db);
        QVERIFY(q.exec(QStringLiteral("SELECT seq, source_id, ts, received_at, fixture_id, market_type, selection, "
                                      "odd_value, timestamp, status FROM odds ORDER BY id")));
        std::vector<std::tuple<QByteArray, QByteArray, qint64>> keys;
        int rows = 0;
        while (q.next()) {
            ++rows;
            const quint64 s = q.value(0).toULongLong();
            QVERIFY(s >= 1 && s <= sent.size());
            const Event &e = sent[s - 1];
            const OddsData &o = *e.odds();
            QCOMPARE(q.value(1).toString(), e.sourceId);
            QCOMPARE(q.value(2).toLongLong(), e.serverTsMs);
            QCOMPARE(q.value(3).toLongLong(), e.receivedAtMs);
            QCOMPARE(q.value(4).toString(), o.fixtureId);
            QCOMPARE(q.value(5).toString(), o.marketType);
            QCOMPARE(q.value(6).toString(), o.selection);
            QCOMPARE(q.value(7).toDouble(), o.oddValue);
            QCOMPARE(q.value(8).toLongLong(), o.timestampMs);
            QCOMPARE(q.value(9).toString(), QLatin1String(toWire(o.status).data(), qsizetype(toWire(o.status).size())));
            keys.emplace_back(o.fixtureId.toUtf8(), o.marketType.toUtf8(), o.timestampMs);
        }
        QCOMPARE(rows, int(sent.size()));
        // Inserted in the index's order (UTF-8 bytes, as SQLite's BINARY collation compares).
        QVERIFY(std::is_sorted(keys.begin(), keys.end()));
    }
    db.close();
    db = {};
    QSqlDatabase::removeDatabase(QStringLiteral("odds-check"));
}

void TestSqliteStorage::oddsRowsSortAsAComparisonSortWould_data()
{
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("fixtures");
    QTest::addColumn<int>("markets");
    QTest::addColumn<int>("shuffledPercent");
    // Few groups (the counting sort), in time order or with shuffled times and ties.
    QTest::newRow("groups, times in order") << 5000 << 300 << 4 << 0;
    QTest::newRow("groups, 10 % of times shuffled") << 5000 << 300 << 4 << 10;
    QTest::newRow("groups, all times shuffled") << 5000 << 30 << 3 << 100;
    // More (fixture, market) pairs than a small table holds (the comparison sort).
    QTest::newRow("sparse groups") << 400 << 400 << 400 << 50;
}

void TestSqliteStorage::oddsRowsSortAsAComparisonSortWould()
{
    QFETCH(int, rows);
    QFETCH(int, fixtures);
    QFETCH(int, markets);
    QFETCH(int, shuffledPercent);
    Rng rng(7);
    std::vector<Event> events;
    for (int i = 0; i < rows; ++i) {
        Event e = streamEvent(EventType::Odds, quint64(i) + 1);
        // Separate storage for equal text, as batches read back from different spool records have.
        const qint64 ts = rng.below(100) < quint64(shuffledPercent) ? 1000 + qint64(rng.below(50)) : 1000 + i / 10;
        e.data = OddsData { QStringLiteral("fx-%1").arg(rng.below(quint64(fixtures))),
            QStringLiteral("m%1").arg(rng.below(quint64(markets))), QStringLiteral("home"), 2.0, ts,
            PriceStatus::Open };
        events.push_back(std::move(e));
    }
    OddsRows odds;
    for (const Event &e : events) {
        odds.add(e, *e.odds());
    }
    using Key = std::tuple<std::string, std::string, qint64>;
    std::vector<Key> expected;
    for (const Event &e : events) {
        expected.emplace_back(
            e.odds()->fixtureId.toStdString(), e.odds()->marketType.toStdString(), e.odds()->timestampMs);
    }
    std::sort(expected.begin(), expected.end());
    std::vector<Key> got;
    std::vector<quint64> seqs;
    for (const OddsRows::Row &row : odds.sorted()) {
        got.emplace_back(odds.text(row.fixture), odds.text(row.market), row.timestampMs);
        seqs.push_back(row.seq);
    }
    QCOMPARE(got.size(), expected.size());
    QVERIFY(got == expected);
    // Every row once, and rows with equal keys keep their arrival order.
    std::vector<quint64> sortedSeqs = seqs;
    std::sort(sortedSeqs.begin(), sortedSeqs.end());
    QCOMPARE(std::adjacent_find(sortedSeqs.begin(), sortedSeqs.end()), sortedSeqs.end());
    QCOMPARE(sortedSeqs.front(), quint64(1));
    QCOMPARE(sortedSeqs.back(), quint64(rows));
    for (std::size_t i = 1; i < got.size(); ++i) {
        if (got[i] == got[i - 1]) {
            QVERIFY(seqs[i] > seqs[i - 1]);
        }
    }
}

namespace {

/// 2,000 odds over 997 fixtures: about 150 KB of WAL per transaction.
EventBatch oddsTransaction(quint64 &seq)
{
    std::vector<Event> events;
    for (int i = 0; i < 2000; ++i) {
        Event e = streamEvent(EventType::Odds, ++seq);
        e.data = OddsData { QStringLiteral("fx-%1").arg(seq % 997), QStringLiteral("1x2"), QStringLiteral("home"), 2.0,
            qint64(seq), PriceStatus::Open };
        events.push_back(std::move(e));
    }
    return batchOf(std::move(events), seq);
}

qint64 fileSize(const QString &file)
{
    return QFileInfo(file).size();
}

} // namespace

void TestSqliteStorage::idleWriterCheckpointsInTheBackgroundAfterEachCommit()
{
    auto storage = SqliteStorage::open(path("wal.db"), QStringLiteral("t-wal"));
    QVERIFY(storage);
    auto *sqlite = static_cast<SqliteStorage *>(storage->get());
    // 40 transactions: over 6 MB of WAL if nothing checkpointed. The writer's own auto-checkpoint
    // is off; a writer that goes idle after each commit has the background connection checkpoint
    // it, and the next transaction starts the WAL over: it stays near one transaction's worth.
    quint64 seq = 0;
    for (int t = 0; t < 40; ++t) {
        QVERIFY((*storage)->write(oddsTransaction(seq)));
        (*storage)->idle();
        // The checkpoint runs on its own thread while the caller goes on.
        QTRY_COMPARE(sqlite->backgroundCheckpoints(), quint64(t + 1));
    }
    const qint64 walBytes = fileSize(path("wal.db") + QStringLiteral("-wal"));
    const qint64 dbBytes = fileSize(path("wal.db"));
    // Unchecked, the WAL would hold every page written: more than the database file itself.
    QVERIFY2(walBytes < 3 * 1024 * 1024 && walBytes < dbBytes / 2,
        qPrintable(QStringLiteral("WAL %1 bytes, database %2 bytes").arg(walBytes).arg(dbBytes)));
    storage->reset();
    QCOMPARE(scalar(path("wal.db"), QStringLiteral("SELECT count(*) FROM odds")), qint64(seq));
}

void TestSqliteStorage::busyWriterDefersCheckpointsUntilIdle()
{
    auto storage = SqliteStorage::open(path("busy.db"), QStringLiteral("t-busy"));
    QVERIFY(storage);
    auto *sqlite = static_cast<SqliteStorage *>(storage->get());
    // A writer with a backlog commits back to back and never goes idle: no checkpoint below the
    // backlog threshold (64 MiB of WAL), so the WAL holds every transaction, and the hot pages
    // they all rewrite get copied once, later, not once per commit.
    quint64 seq = 0;
    for (int t = 0; t < 40; ++t) {
        QVERIFY((*storage)->write(oddsTransaction(seq)));
    }
    const qint64 walBytes = fileSize(path("busy.db") + QStringLiteral("-wal"));
    QVERIFY2(walBytes > 4 * 1024 * 1024, qPrintable(QStringLiteral("WAL %1 bytes").arg(walBytes)));
    QCOMPARE(sqlite->backgroundCheckpoints(), quint64(0));
    // Idle at last: one checkpoint takes it all, and the next transaction starts the WAL over
    // (the file keeps its size; what is written goes to its start).
    (*storage)->idle();
    QTRY_COMPARE(sqlite->backgroundCheckpoints(), quint64(1));
    QVERIFY((*storage)->write(oddsTransaction(seq)));
    QCOMPARE(fileSize(path("busy.db") + QStringLiteral("-wal")), walBytes);
    (*storage)->idle();
    QTRY_COMPARE(sqlite->backgroundCheckpoints(), quint64(2));
    storage->reset();
    QCOMPARE(scalar(path("busy.db"), QStringLiteral("SELECT count(*) FROM odds")), qint64(seq));
}

void TestSqliteStorage::busyWriterStillCheckpointsEvery64MiBOfWal()
{
    auto storage = SqliteStorage::open(path("big.db"), QStringLiteral("t-big"));
    QVERIFY(storage);
    auto *sqlite = static_cast<SqliteStorage *>(storage->get());
    // 100 transactions of one 1 MiB reject each, never idle: about 100 MiB of WAL. Past the
    // backlog threshold the background connection checkpoints what is there while the writer
    // goes on, so that the writer's own checkpoint at 256 MiB has only the rest left to copy.
    const QByteArray raw(1024 * 1024, 'x');
    for (quint64 seq = 1; seq <= 100; ++seq) {
        EventBatch b = batchOf({}, seq);
        Reject r;
        r.code = RejectCode::MalformedJson;
        r.message = QStringLiteral("not JSON");
        r.raw = raw;
        r.seq = seq;
        r.sourceId = b.sourceId;
        b.rejects.push_back(std::move(r));
        QVERIFY((*storage)->write(b));
        QTest::qWait(0); // lets a finished checkpoint count before the next commit (no idle)
    }
    QTRY_VERIFY2(sqlite->backgroundCheckpoints() >= 1, "no checkpoint in 100 MiB of WAL");
    storage->reset();
    QCOMPARE(scalar(path("big.db"), QStringLiteral("SELECT count(*) FROM rejects")), qint64(100));
}

void TestSqliteStorage::newDatabasesUseBigPagesAndOldOnesKeepTheirs()
{
    {
        auto storage = SqliteStorage::open(path("pages-new.db"), QStringLiteral("t-pages-new"));
        QVERIFY(storage);
        QVERIFY((*storage)->write(batchOf({ streamEvent(EventType::Odds, 1) }, 1)));
    }
    QCOMPARE(scalar(path("pages-new.db"), QStringLiteral("PRAGMA page_size")), qint64(8192));

    // A file that already has a header (as every database an earlier OddsTap created does)
    // keeps its page size: changing it would mean rewriting the whole file.
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("old-pages"));
        db.setDatabaseName(path("pages-old.db"));
        QVERIFY(db.open());
        QSqlQuery q(db);
        QVERIFY(q.exec(QStringLiteral("PRAGMA page_size=4096")));
        QVERIFY(q.exec(QStringLiteral("PRAGMA user_version=1"))); // writes the header
    }
    QSqlDatabase::removeDatabase(QStringLiteral("old-pages"));
    {
        auto storage = SqliteStorage::open(path("pages-old.db"), QStringLiteral("t-pages-old"));
        QVERIFY2(storage, qPrintable(storage ? QString() : storage.error().message));
        QVERIFY((*storage)->write(batchOf({ streamEvent(EventType::Odds, 1), streamEvent(EventType::Bet, 2) }, 2)));
    }
    QCOMPARE(scalar(path("pages-old.db"), QStringLiteral("PRAGMA page_size")), qint64(4096));
    QCOMPARE(scalar(path("pages-old.db"), QStringLiteral("SELECT count(*) FROM odds")), qint64(1));
    QCOMPARE(scalar(path("pages-old.db"), QStringLiteral("SELECT count(*) FROM bets")), qint64(1));
}

void TestSqliteStorage::sqliteKeepsNoMemoryStatistics()
{
    // Turned off before SQLite initialized (each allocation would take a global mutex): the
    // counters stay at zero however much the library allocates.
    auto storage = SqliteStorage::open(path("memstatus.db"), QStringLiteral("t-memstatus"));
    QVERIFY(storage);
    QVERIFY((*storage)->write(batchOf({ streamEvent(EventType::Odds, 1), streamEvent(EventType::Bet, 2) }, 2)));
    sqlite3_int64 current = -1;
    sqlite3_int64 highest = -1;
    QCOMPARE(sqlite3_status64(SQLITE_STATUS_MEMORY_USED, &current, &highest, 0), SQLITE_OK);
    QCOMPARE(current, sqlite3_int64(0));
    QCOMPARE(highest, sqlite3_int64(0));
}

void TestSqliteStorage::gatheredWalWritesAreInTheFileBeforeACommitShows()
{
    auto storage =
        SqliteStorage::open(path("walbuffer.db"), QStringLiteral("t-walbuffer"), Storage::kDefaultBusyTimeoutMs, true);
    QVERIFY(storage);
    // A reader through SQLite's own unix VFS: its own file descriptors, nothing of the writer's
    // buffer. It must see each commit whole as soon as write() returns: a published frame that
    // was still in the buffer would read as a short or stale WAL (a wrong count, or an error).
    sqlite3 *reader = nullptr;
    QCOMPARE(
        sqlite3_open_v2(path("walbuffer.db").toUtf8().constData(), &reader, SQLITE_OPEN_READONLY, "unix"), SQLITE_OK);
    auto readerScalar = [reader](const char *sql) {
        sqlite3_stmt *stmt = nullptr;
        qint64 v = -1;
        if (sqlite3_prepare_v2(reader, sql, -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW) {
            v = sqlite3_column_int64(stmt, 0);
        }
        sqlite3_finalize(stmt);
        return v;
    };
    quint64 seq = 0;
    qint64 stored = 0;
    qint64 seqSum = 0;
    for (int t = 0; t < 8; ++t) {
        // One-row transactions (a single commit frame, written straight through) between
        // 2,000-row ones (about 150 KB of frames: more than one buffer's worth).
        const quint64 first = seq + 1;
        if (t % 2 == 0) {
            QVERIFY((*storage)->write(oddsTransaction(seq)));
        } else {
            Event e = streamEvent(EventType::Odds, ++seq);
            e.data = OddsData { QStringLiteral("fx-1"), QStringLiteral("1x2"), QStringLiteral("home"), 2.0, 1,
                PriceStatus::Open };
            std::vector<Event> one;
            one.push_back(std::move(e));
            QVERIFY((*storage)->write(batchOf(std::move(one), seq)));
        }
        stored += qint64(seq - first + 1);
        seqSum += qint64((first + seq) * (seq - first + 1) / 2);
        QCOMPARE(readerScalar("SELECT count(*) FROM odds"), stored);
        QCOMPARE(readerScalar("SELECT sum(seq) FROM odds"), seqSum);
        QCOMPARE(readerScalar("SELECT last_seq FROM ingest_state"), qint64(seq));
    }
    sqlite3_stmt *check = nullptr;
    QCOMPARE(sqlite3_prepare_v2(reader, "PRAGMA integrity_check", -1, &check, nullptr), SQLITE_OK);
    QCOMPARE(sqlite3_step(check), SQLITE_ROW);
    QCOMPARE(QByteArray(reinterpret_cast<const char *>(sqlite3_column_text(check, 0))), QByteArray("ok"));
    sqlite3_finalize(check);
    sqlite3_close(reader);
}

void TestSqliteStorage::walBufferIsOnlyTheCaptureWritersVfs()
{
    // Registered, but not the process's default: capture files, readers, exports and the GUI's
    // history reads use SQLite's own VFS; only the capture writer's connection names it.
    QVERIFY(SqliteStorage::walBufferAvailable());
    QVERIFY(sqlite3_vfs_find(kWalWriteBufferVfs) != nullptr);
    QVERIFY(QByteArray(sqlite3_vfs_find(nullptr)->zName) != QByteArray(kWalWriteBufferVfs));
}

namespace {

// A VFS over "unix" that fails one chosen write to a WAL file (the Nth since armed), as a disk
// that fills for a moment would, then lets writes through again.
sqlite3_vfs g_failing;
sqlite3_io_methods g_failingMethods;
const sqlite3_io_methods *g_unixMethods = nullptr;
int g_walWritesUntilFailure = -1; ///< -1: never fail
int g_failures = 0;
int g_walWrites = 0; ///< WAL writes that reached the shim

struct FailingFile
{
    sqlite3_file base;
    sqlite3_file *real;
    bool wal;
};

int failingWrite(sqlite3_file *f, const void *data, int amount, sqlite3_int64 offset)
{
    auto *ff = reinterpret_cast<FailingFile *>(f);
    g_walWrites += ff->wal ? 1 : 0;
    if (ff->wal && g_walWritesUntilFailure >= 0 && g_walWritesUntilFailure-- == 0) {
        ++g_failures;
        return SQLITE_FULL;
    }
    return ff->real->pMethods->xWrite(ff->real, data, amount, offset);
}

template <auto Method, typename... Args> int failingForward(sqlite3_file *f, Args... args)
{
    sqlite3_file *real = reinterpret_cast<FailingFile *>(f)->real;
    return (real->pMethods->*Method)(real, args...);
}

int failingClose(sqlite3_file *f)
{
    sqlite3_file *real = reinterpret_cast<FailingFile *>(f)->real;
    return real->pMethods->xClose(real);
}

int failingOpen(sqlite3_vfs *, sqlite3_filename name, sqlite3_file *file, int flags, int *outFlags)
{
    sqlite3_vfs *unix = sqlite3_vfs_find("unix");
    auto *ff = reinterpret_cast<FailingFile *>(file);
    std::memset(ff, 0, sizeof(FailingFile));
    ff->real = reinterpret_cast<sqlite3_file *>(reinterpret_cast<char *>(ff) + sizeof(FailingFile));
    ff->wal = (flags & SQLITE_OPEN_WAL) != 0;
    const int rc = unix->xOpen(unix, name, ff->real, flags, outFlags);
    if (rc != SQLITE_OK) {
        return rc;
    }
    g_unixMethods = ff->real->pMethods;
    g_failingMethods = *g_unixMethods;
    g_failingMethods.xWrite = failingWrite;
    g_failingMethods.xClose = failingClose;
    g_failingMethods.xRead = failingForward<&sqlite3_io_methods::xRead>;
    g_failingMethods.xTruncate = failingForward<&sqlite3_io_methods::xTruncate>;
    g_failingMethods.xSync = failingForward<&sqlite3_io_methods::xSync>;
    g_failingMethods.xFileSize = failingForward<&sqlite3_io_methods::xFileSize>;
    g_failingMethods.xLock = failingForward<&sqlite3_io_methods::xLock>;
    g_failingMethods.xUnlock = failingForward<&sqlite3_io_methods::xUnlock>;
    g_failingMethods.xCheckReservedLock = failingForward<&sqlite3_io_methods::xCheckReservedLock>;
    g_failingMethods.xFileControl = failingForward<&sqlite3_io_methods::xFileControl>;
    g_failingMethods.xSectorSize = failingForward<&sqlite3_io_methods::xSectorSize>;
    g_failingMethods.xDeviceCharacteristics = failingForward<&sqlite3_io_methods::xDeviceCharacteristics>;
    g_failingMethods.xShmMap = failingForward<&sqlite3_io_methods::xShmMap>;
    g_failingMethods.xShmLock = failingForward<&sqlite3_io_methods::xShmLock>;
    g_failingMethods.xShmBarrier = [](sqlite3_file *f) {
        sqlite3_file *real = reinterpret_cast<FailingFile *>(f)->real;
        real->pMethods->xShmBarrier(real);
    };
    g_failingMethods.xShmUnmap = failingForward<&sqlite3_io_methods::xShmUnmap>;
    g_failingMethods.xFetch = failingForward<&sqlite3_io_methods::xFetch>;
    g_failingMethods.xUnfetch = failingForward<&sqlite3_io_methods::xUnfetch>;
    ff->base.pMethods = &g_failingMethods;
    return SQLITE_OK;
}

bool registerFailingVfs()
{
    sqlite3_vfs *unix = sqlite3_vfs_find("unix");
    g_failing = *unix;
    g_failing.zName = "oddstap-test-failing";
    g_failing.szOsFile = int(sizeof(FailingFile)) + unix->szOsFile;
    g_failing.xOpen = failingOpen;
    g_failing.pNext = nullptr;
    return sqlite3_vfs_register(&g_failing, 0) == SQLITE_OK
        && registerWalWriteBuffer("oddstap-test-walbuffer-over-failing", "oddstap-test-failing");
}

} // namespace

void TestSqliteStorage::failedWalWritesNeverLetATransactionCommitWithMissingFrames()
{
    // The buffer over a VFS that fails the Nth WAL write, for every N over a run of transactions
    // large (several buffers of frames) and small (a commit frame alone). After each run, a
    // reader on SQLite's own VFS must find exactly the transactions that reported a commit, whole,
    // and an intact database: a transaction must never commit with some of its frames missing.
    static const bool registered = registerFailingVfs();
    QVERIFY(registered);
    const QByteArray blob(3000, 'p');
    int runsWithAFailure = 0;
    int writesPerRun = 0;
    // The first run (n = -1) fails nothing and counts the WAL writes the shim sees; the others
    // fail each of those writes in turn.
    for (int n = -1; n < std::max(writesPerRun, 1); ++n) {
        const QString file = path("walfail.db") + QString::number(n + 1);
        sqlite3 *db = nullptr;
        QCOMPARE(sqlite3_open_v2(file.toUtf8().constData(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                     "oddstap-test-walbuffer-over-failing"),
            SQLITE_OK);
        QCOMPARE(sqlite3_exec(db,
                     "PRAGMA page_size=8192; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                     "PRAGMA wal_autocheckpoint=0; CREATE TABLE t(txn INTEGER, k INTEGER, payload BLOB)",
                     nullptr, nullptr, nullptr),
            SQLITE_OK);
        g_failures = 0;
        g_walWrites = 0;
        g_walWritesUntilFailure = n;
        std::vector<std::pair<int, int>> committed; // (transaction, rows)
        for (int txn = 0; txn < 12; ++txn) {
            const int rows = txn % 3 == 2 ? 1 : 120; // 120 rows of 3 KB: about 45 pages
            bool ok = sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr) == SQLITE_OK;
            sqlite3_stmt *ins = nullptr;
            ok = ok && sqlite3_prepare_v2(db, "INSERT INTO t VALUES(?, ?, ?)", -1, &ins, nullptr) == SQLITE_OK;
            for (int k = 0; ok && k < rows; ++k) {
                sqlite3_bind_int(ins, 1, txn);
                sqlite3_bind_int(ins, 2, k);
                sqlite3_bind_blob(ins, 3, blob.constData(), int(blob.size()), SQLITE_STATIC);
                ok = sqlite3_step(ins) == SQLITE_DONE;
                sqlite3_reset(ins);
            }
            sqlite3_finalize(ins);
            if (ok && sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK) {
                committed.emplace_back(txn, rows);
            } else {
                sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
            }
        }
        g_walWritesUntilFailure = -1;
        runsWithAFailure += g_failures > 0 ? 1 : 0;
        if (n < 0) {
            writesPerRun = g_walWrites;
            QCOMPARE(int(committed.size()), 12);
        }
        sqlite3_close(db);

        sqlite3 *reader = nullptr;
        QCOMPARE(sqlite3_open_v2(file.toUtf8().constData(), &reader, SQLITE_OPEN_READONLY, "unix"), SQLITE_OK);
        sqlite3_stmt *q = nullptr;
        QCOMPARE(sqlite3_prepare_v2(reader, "PRAGMA integrity_check", -1, &q, nullptr), SQLITE_OK);
        QCOMPARE(sqlite3_step(q), SQLITE_ROW);
        QCOMPARE(QByteArray(reinterpret_cast<const char *>(sqlite3_column_text(q, 0))), QByteArray("ok"));
        sqlite3_finalize(q);
        QCOMPARE(sqlite3_prepare_v2(reader,
                     "SELECT txn, count(*), sum(length(payload)) FROM t GROUP BY txn ORDER BY txn", -1, &q, nullptr),
            SQLITE_OK);
        std::vector<std::pair<int, int>> found;
        while (sqlite3_step(q) == SQLITE_ROW) {
            found.emplace_back(sqlite3_column_int(q, 0), sqlite3_column_int(q, 1));
            QCOMPARE(sqlite3_column_int64(q, 2), sqlite3_int64(sqlite3_column_int(q, 1)) * blob.size());
        }
        sqlite3_finalize(q);
        sqlite3_close(reader);
        QVERIFY2(found == committed,
            qPrintable(QStringLiteral("failure at WAL write %1: %2 transactions committed, "
                                      "%3 found")
                           .arg(n)
                           .arg(committed.size())
                           .arg(found.size())));
    }
    QVERIFY2(writesPerRun > 20, qPrintable(QString::number(writesPerRun)));
    QCOMPARE(runsWithAFailure, writesPerRun); // every WAL write of a run was failed once
}

QTEST_GUILESS_MAIN(TestSqliteStorage)
void TestSqliteStorage::aDatabaseDeletedUnderTheWriterStopsIt_data()
{
    QTest::addColumn<bool>("replaced");
    QTest::addRow("deleted") << false;
    QTest::addRow("replaced by another file") << true;
}

void TestSqliteStorage::aDatabaseDeletedUnderTheWriterStopsIt()
{
    // Commits into a file no longer at its path vanish with the process: the writer says so and
    // stops, instead of reporting them stored.
    QFETCH(bool, replaced);
    const QString file = path(replaced ? "replaced.db" : "deleted.db");
    auto storage = SqliteStorage::open(file, QStringLiteral("gone"));
    QVERIFY2(storage, qPrintable(storage ? QString() : storage.error().message));
    QVERIFY((*storage)->write(batchOf({ streamEvent(EventType::Odds, 1) }, 1)));
    for (const char *suffix : { "", "-wal", "-shm" }) {
        QFile::remove(file + QLatin1String(suffix));
    }
    if (replaced) {
        QFile other(file);
        QVERIFY(other.open(QIODevice::WriteOnly));
    }
    const auto r = (*storage)->write(batchOf({ streamEvent(EventType::Odds, 2) }, 2));
    QVERIFY(!r);
    QCOMPARE(r.error().code, QStringLiteral("storage_gone"));
    QVERIFY2(r.error().message.contains(QLatin1String("deleted, renamed or replaced")), qPrintable(r.error().message));
}

void TestSqliteStorage::aSymlinkToTheDatabaseFindsTheSameWriterLock()
{
    // Two captures of one source into one database, one by a symlink's name: the second is refused.
    const QString file = path("linked.db");
    const QString link = path("link-to-linked.db");
    auto first = SqliteStorage::open(file, QStringLiteral("first"));
    QVERIFY2(first, qPrintable(first ? QString() : first.error().message));
    QVERIFY(QFile::link(file, link));
    auto second = SqliteStorage::open(link, QStringLiteral("second"));
    QVERIFY2(second, qPrintable(second ? QString() : second.error().message));
    QVERIFY((*first)->claimSource(QStringLiteral("s1")));
    const auto refused = (*second)->claimSource(QStringLiteral("s1"));
    QVERIFY(!refused);
    QVERIFY(SqliteStorage::sourceHeldElsewhere(link, QStringLiteral("s1")));
}

void TestSqliteStorage::aLongSourceIdIsClaimedLikeAnyOther()
{
    // A file name holds 255 bytes: an id of 130 characters in hex once failed the writer lock.
    const QString file = path("long.db");
    auto first = SqliteStorage::open(file, QStringLiteral("first"));
    QVERIFY(first);
    auto second = SqliteStorage::open(file, QStringLiteral("second"));
    QVERIFY(second);
    const QString longId = QString(130, QLatin1Char('m'));
    const QString longer = QString(300, QLatin1Char('m'));
    QVERIFY((*first)->claimSource(longId));
    QVERIFY((*first)->claimSource(longer));
    QVERIFY(!(*second)->claimSource(longId));
    QVERIFY(!(*second)->claimSource(longer));
    QVERIFY((*second)->claimSource(QString(131, QLatin1Char('m')))); // a different id, a different lock
    QVERIFY(SqliteStorage::sourceHeldElsewhere(file, longer));
}

#include "tst_sqlitestorage.moc"

// SPDX-License-Identifier: MIT
// Simulator -> client -> writer -> a real PostgreSQL server (started by scripts/test).
// Fails when ODDSTAP_TEST_PG_URL is unset or the server is unreachable.
#include <core/alerts/alertrules.h>
#include <core/common/timeutil.h>
#include <core/export/csvexport.h>
#include <core/storage/storage.h>
#include <tests/testutils/csvreader.h>
#include <tests/testutils/feedharness.h>
#include <tests/testutils/pgadmin.h>

#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QUrl>

#include <set>

using namespace OddsTap;
using namespace OddsTap::Testing;

class TestIngestPostgres : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void cleanup();
    void everyFaultStillStoresEveryEventExactlyOnce();
    void rejectsEqualMalformedFramesSent();
    void historyLandsInDailyPartitionsCreatedAhead();
    void serverStoppedForTenSecondsLosesNothing();
    void drainTimeoutSaysBehindNotUnavailableAndCountsEveryCommit();
    void foreignDatabaseIsRefused();
    void passwordInTheUrlIsRefused();
    void csvExportStreamsWhatWasStored();
    void oddsTextSurvivesCopyEscapingInIndexOrder();
    void everyAlertOfTheRunIsStoredOnceAndExported();
    void aSourceHeldByAnotherWriterDoesNotStallTheSession();
    void aSourceDisconnectedWhileItsClaimWaitsJoinsDisconnected();
    void aWriterThatLostItsConnectionClaimsItsSourceAgainBeforeWriting();

private:
    QJsonObject tableCounts();
    bool sql(const QString &statement, const QString &database = {});
    QString m_baseUrl;
    QString m_url; ///< a fresh database per test
    int m_counter = 0;
};

bool TestIngestPostgres::sql(const QString &statement, const QString &database)
{
    return Testing::pgAdminExec(m_baseUrl, statement, database);
}

void TestIngestPostgres::initTestCase()
{
    registerMetaTypes();
    m_baseUrl = qEnvironmentVariable("ODDSTAP_TEST_PG_URL");
    if (m_baseUrl.isEmpty()) {
        QFAIL("ODDSTAP_TEST_PG_URL is not set: run scripts/test, which starts a PostgreSQL server for the tests");
    }
    QVERIFY2(sql(QStringLiteral("SELECT 1")), qPrintable(QStringLiteral("PostgreSQL unreachable at ") + m_baseUrl));
}

void TestIngestPostgres::init()
{
    const QString name = QStringLiteral("oddstap_t%1_%2").arg(QCoreApplication::applicationPid()).arg(++m_counter);
    QVERIFY(sql(QStringLiteral("CREATE DATABASE ") + name));
    QUrl url(m_baseUrl);
    url.setPath(QLatin1Char('/') + name);
    m_url = url.toString();
}

void TestIngestPostgres::cleanup()
{
    const QString name = QUrl(m_url).path().mid(1);
    sql(QStringLiteral("DROP DATABASE IF EXISTS %1 WITH (FORCE)").arg(name));
}

QJsonObject TestIngestPostgres::tableCounts()
{
    auto storage = Storage::open(*StorageTarget::parse(m_url), QStringLiteral("counts"));
    if (!storage) {
        qWarning() << storage.error().message;
        return {};
    }
    auto counts = (*storage)->tableCounts();
    return counts ? *counts : QJsonObject {};
}

void TestIngestPostgres::everyFaultStillStoresEveryEventExactlyOnce()
{
    SimServerConfig c = simConfig(20000, 81);
    c.batch = 5;
    c.faults = *FaultPlan::parse(
        QStringLiteral("drop_every=4000,stall_every=9000,stall_ms=30000,malformed=0.01,duplicate=0.01,gap=0.0005"));
    SimServer sim(c);
    const auto port = sim.start();
    QVERIFY(port);
    CaptureRun run(captureConfig({ sourceConfig(QStringLiteral("f"), *port) }, 20000, 0, *StorageTarget::parse(m_url)));
    run.start();
    QVERIFY(run.waitFinished(90000));
    QVERIFY2(!run.session->failed(), qPrintable(run.session->stopReason()));
    const QJsonObject st = sim.stats();
    const QJsonObject rows = tableCounts();
    QCOMPARE(rows.value(QStringLiteral("fixture_updates")).toInteger(), generated(st, "fixture"));
    QCOMPARE(rows.value(QStringLiteral("odds")).toInteger(), generated(st, "odds"));
    QCOMPARE(rows.value(QStringLiteral("bets")).toInteger(), generated(st, "bet"));
    const auto &s = run.stats().sources.at(QStringLiteral("f"));
    QCOMPARE(rows.value(QStringLiteral("rejects")).toInteger(), qint64(s.rejectedTotal()));
    QCOMPARE(rows.value(QStringLiteral("gaps")).toInteger(), qint64(s.gaps));
    QVERIFY(s.gaps >= 1);
}

void TestIngestPostgres::rejectsEqualMalformedFramesSent()
{
    SimServerConfig c = simConfig(10000, 82);
    c.faults = *FaultPlan::parse(QStringLiteral("drop_every=3000,malformed=0.02,duplicate=0.01"));
    SimServer sim(c);
    const auto port = sim.start();
    QVERIFY(port);
    CaptureRun run(captureConfig({ sourceConfig(QStringLiteral("r"), *port) }, 10000, 0, *StorageTarget::parse(m_url)));
    run.start();
    QVERIFY(run.waitFinished(60000));
    const QJsonObject st = sim.stats();
    const QJsonObject rows = tableCounts();
    QCOMPARE(rows.value(QStringLiteral("rejects")).toInteger(), st.value(QStringLiteral("malformed_sent")).toInteger());
    QCOMPARE(rows.value(QStringLiteral("odds")).toInteger(), generated(st, "odds"));
    QCOMPARE(rows.value(QStringLiteral("bets")).toInteger(), generated(st, "bet"));
}

void TestIngestPostgres::historyLandsInDailyPartitionsCreatedAhead()
{
    SimServer sim(simConfig(2000, 83));
    const auto port = sim.start();
    QVERIFY(port);
    CaptureRun run(captureConfig({ sourceConfig(QStringLiteral("p"), *port) }, 2000, 0, *StorageTarget::parse(m_url)));
    run.start();
    QVERIFY(run.waitFinished(30000));
    const QString db = QUrl(m_url).path().mid(1);
    // Partitions for today and two days ahead exist; nothing fell into the default partition.
    QVERIFY(sql(QStringLiteral("DO $$ BEGIN IF (SELECT count(*) FROM pg_inherits i JOIN pg_class p ON "
                               "p.oid = i.inhparent WHERE p.relname = 'odds') < 4 THEN RAISE EXCEPTION 'too few "
                               "partitions'; END IF; END $$"),
        db));
    QVERIFY(sql(QStringLiteral("DO $$ BEGIN IF (SELECT count(*) FROM odds_default) <> 0 THEN RAISE EXCEPTION "
                               "'rows in the default partition'; END IF; END $$"),
        db));
    QVERIFY(sql(QStringLiteral("DO $$ BEGIN IF (SELECT count(*) FROM odds) = 0 THEN RAISE EXCEPTION 'no odds'; "
                               "END IF; END $$"),
        db));
    // Schema v2: identifier columns compare as bytes, in the parent and in every partition.
    QVERIFY(sql(QStringLiteral("DO $$ BEGIN IF (SELECT count(*) FROM information_schema.columns WHERE column_name IN "
                               "('fixture_id', 'market_type', 'selection') AND table_name LIKE 'odds%' AND "
                               "collation_name IS DISTINCT FROM 'C') <> 0 THEN RAISE EXCEPTION 'odds keys not in "
                               "byte order'; END IF; END $$"),
        db));
}

void TestIngestPostgres::serverStoppedForTenSecondsLosesNothing()
{
    const QString pgCtl = qEnvironmentVariable("ODDSTAP_TEST_PG_CTL");
    QVERIFY2(!pgCtl.isEmpty(), "ODDSTAP_TEST_PG_CTL is not set (scripts/test sets it)");
    SimServerConfig c = simConfig(0, 84);
    c.rate = 3000;
    c.retain = 500000;
    SimServer sim(c);
    const auto port = sim.start();
    QVERIFY(port);
    CaptureRun run(captureConfig({ sourceConfig(QStringLiteral("o"), *port) }, 0, 0, *StorageTarget::parse(m_url)));
    std::vector<std::pair<QString, bool>> problems;
    connect(run.session.get(), &CaptureSession::storageNotice, this, [&problems](const StorageNotice &n) {
        problems.emplace_back(n.message, n.change == StorageNotice::Change::Failing);
    });
    run.start();
    QTRY_VERIFY_WITH_TIMEOUT(run.stats().persisted.odds > 1000, 20000);
    auto pgctl = [&pgCtl](const QString &args) {
        return QProcess::execute(QStringLiteral("sh"), { QStringLiteral("-c"), pgCtl + QLatin1Char(' ') + args });
    };
    QCOMPARE(pgctl(QStringLiteral("-m fast stop")), 0);
    // The fault: the server stays down until the outage is reported and the feed has gone on
    // through it for a while (about seven seconds at this rate).
    QTRY_VERIFY_WITH_TIMEOUT(!problems.empty() && problems[0].second, 30000);
    const quint64 acceptedInOutage = run.stats().sources.at(QStringLiteral("o")).acceptedStreamTotal();
    QTRY_VERIFY_WITH_TIMEOUT(
        run.stats().sources.at(QStringLiteral("o")).acceptedStreamTotal() > acceptedInOutage + 20000, 30000);
    QCOMPARE(pgctl(QStringLiteral("start")), 0);
    QTRY_VERIFY_WITH_TIMEOUT(problems.size() >= 2, 30000);
    QCOMPARE(problems.size(), std::size_t(2)); // the outage is reported once, and its end once
    QVERIFY(problems[0].second);
    QVERIFY(!problems[1].second && problems[1].first.contains(QLatin1String("recovered")));
    run.session->stop(QStringLiteral("test done"));
    QVERIFY(run.waitFinished(60000));
    const auto &s = run.stats().sources.at(QStringLiteral("o"));
    const qint64 accepted = qint64(s.acceptedStreamTotal());
    const QJsonObject rows = tableCounts();
    QCOMPARE(storedStreamRows(rows), accepted);
    QVERIFY(accepted > 30000); // the feed kept flowing through the outage
}

void TestIngestPostgres::drainTimeoutSaysBehindNotUnavailableAndCountsEveryCommit()
{
    // Another client holds a lock on the history tables, so the writer's insert waits: the
    // database is up but behind, not failing. The capture stops while it waits, the drain times
    // out, and the writer's transaction commits only after the timeout, when the lock goes. The
    // outcome must say "behind", and the summary must count that last commit.
    SimServerConfig c = simConfig(0, 85);
    c.rate = 20000;
    SimServer sim(c);
    const auto port = sim.start();
    QVERIFY(port);
    CaptureConfig config =
        captureConfig({ sourceConfig(QStringLiteral("b"), *port) }, 0, 0, *StorageTarget::parse(m_url));
    config.drainTimeoutMs = 300;
    CaptureRun run(std::move(config));
    run.start();
    QTRY_VERIFY_WITH_TIMEOUT(run.stats().persisted.odds > 1000, 20000);
    QProcess locker;
    locker.setProcessChannelMode(QProcess::ForwardedChannels);
    locker.start(QStringLiteral("psql"),
        { QStringLiteral("-v"), QStringLiteral("ON_ERROR_STOP=1"), QStringLiteral("-qAt"), QStringLiteral("-d"), m_url,
            QStringLiteral("-c"),
            QStringLiteral("BEGIN; LOCK TABLE odds, fixture_updates, bets IN ACCESS EXCLUSIVE MODE; "
                           "SELECT pg_sleep(4); COMMIT;") });
    QVERIFY2(locker.waitForStarted(10000), "psql (package postgresql-client) is needed");
    const auto backlog = [&run] {
        const CaptureStats &st = run.stats();
        return qint64(st.total().acceptedStreamTotal())
            - qint64(st.persisted.odds + st.persisted.bets + st.persisted.fixtureUpdates);
    };
    // The writer is blocked: what the client accepts piles up uncommitted.
    QTRY_VERIFY_WITH_TIMEOUT(backlog() > 20000, 20000);
    QCOMPARE(locker.state(), QProcess::Running);
    run.session->stop(QStringLiteral("test stop"));
    QVERIFY(run.waitFinished(30000));
    QVERIFY(locker.waitForFinished(10000));
    QCOMPARE(locker.exitCode(), 0);
    const CaptureStats &st = run.stats();
    QVERIFY(st.drainTimedOut);
    QVERIFY(!st.storageDownAtEnd);
    QVERIFY(st.queuedAtEnd > 0);
    const QJsonObject persisted = st.toJson().value(QStringLiteral("persisted")).toObject();
    QCOMPARE(persisted.value(QStringLiteral("drain_outcome")).toString(), QStringLiteral("database_behind"));
    const QJsonObject rows = tableCounts();
    QCOMPARE(storedStreamRows(rows), qint64(st.persisted.fixtureUpdates + st.persisted.odds + st.persisted.bets));
    QCOMPARE(qint64(st.queuedAtEnd) + storedStreamRows(rows), qint64(st.total().acceptedStreamTotal()));
}

void TestIngestPostgres::foreignDatabaseIsRefused()
{
    QVERIFY(sql(QStringLiteral("CREATE TABLE invoices (id integer)"), QUrl(m_url).path().mid(1)));
    auto storage = Storage::open(*StorageTarget::parse(m_url), QStringLiteral("foreign"));
    QVERIFY(!storage);
    QCOMPARE(storage.error().code, QStringLiteral("storage_foreign"));
}

void TestIngestPostgres::passwordInTheUrlIsRefused()
{
    const auto target = StorageTarget::parse(QStringLiteral("postgresql://u:secret@127.0.0.1:5432/db"));
    QVERIFY(!target);
    QVERIFY(target.error().message.contains(QLatin1String("PGPASSWORD")));
    QVERIFY(!target.error().message.contains(QLatin1String("secret")));
}

void TestIngestPostgres::csvExportStreamsWhatWasStored()
{
    // A capture, then the odds table through exportCsv (single-row mode), read back by Python's
    // csv module and compared with the database, row for row, in (source_id, seq) order.
    SimServerConfig c = simConfig(3000, 83);
    SimServer sim(c);
    const auto port = sim.start();
    QVERIFY(port);
    CaptureRun run(captureConfig({ sourceConfig(QStringLiteral("x"), *port) }, 3000, 0, *StorageTarget::parse(m_url)));
    run.start();
    QVERIFY(run.waitFinished(60000));
    auto storage = Storage::open(*StorageTarget::parse(m_url), QStringLiteral("export"));
    QVERIFY(storage);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("odds.csv"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    ExportRequest request;
    request.table = QStringLiteral("odds");
    request.columns = { QStringLiteral("seq"), QStringLiteral("fixture_id"), QStringLiteral("selection"),
        QStringLiteral("odd_value"), QStringLiteral("timestamp") };
    auto stats = exportCsv(**storage, request, file);
    file.close();
    QVERIFY2(stats, qPrintable(stats ? QString() : stats.error().message));
    const QList<QStringList> rows = readCsv(path);
    QCOMPARE(qint64(rows.size() - 1), tableCounts().value(QStringLiteral("odds")).toInteger());
    QCOMPARE(quint64(rows.size() - 1), stats->rows);
    std::vector<QStringList> stored;
    auto r = (*storage)->query(QStringLiteral("SELECT seq, fixture_id, selection, odd_value, timestamp FROM odds "
                                              "ORDER BY source_id, seq"),
        {}, [&](const RowView &row) {
            QStringList fields;
            for (const auto &v : row) {
                fields << QString::fromUtf8(v->toByteArray());
            }
            stored.push_back(fields);
            return true;
        });
    QVERIFY(r);
    QCOMPARE(stored.size(), std::size_t(rows.size() - 1));
    for (std::size_t i = 0; i < stored.size(); ++i) {
        const QStringList &csv = rows[qsizetype(i) + 1];
        QCOMPARE(csv[0], stored[i][0]);
        QCOMPARE(csv[1], stored[i][1]);
        QCOMPARE(csv[2], stored[i][2]);
        QCOMPARE(csv[3].toDouble(), stored[i][3].toDouble());
        QVERIFY(!csv[3].contains(QLatin1String("99999"))); // no float noise
        QCOMPARE(*parseIso8601Utc(csv[4].toStdString()), stored[i][4].toLongLong());
    }
}

void TestIngestPostgres::oddsTextSurvivesCopyEscapingInIndexOrder()
{
    // COPY's text format escapes backslash, tab, newline and carriage return; each distinct string
    // is escaped once, and rows go in index-key order, whatever order they came in.
    auto storage = Storage::open(*StorageTarget::parse(m_url), QStringLiteral("escape"));
    QVERIFY2(storage, qPrintable(storage ? QString() : storage.error().message));
    const QString fixtures[] = { QStringLiteral("fx\\2"), QStringLiteral("fx\t1"), QStringLiteral("fx-\u00e9") };
    const QString selections[] = { QStringLiteral("a\nb"), QStringLiteral("c\rd"), QStringLiteral("plain") };
    EventBatch batch;
    batch.sourceId = QStringLiteral("esc");
    quint64 seq = 0;
    for (const QString &f : fixtures) {
        for (const QString &sel : selections) {
            Event e;
            e.type = EventType::Odds;
            e.seq = ++seq;
            e.serverTsMs = wallClockMs();
            e.receivedAtMs = e.serverTsMs;
            e.sourceId = batch.sourceId;
            e.data =
                OddsData { f, QStringLiteral("1x2"), sel, 1.25 + double(seq), qint64(100 - seq), PriceStatus::Open };
            batch.events.push_back(std::move(e));
        }
    }
    batch.lastSeq = seq;
    const auto written = (*storage)->write(batch);
    QVERIFY2(written, qPrintable(written ? QString() : written.error().message));
    QCOMPARE(written->odds, seq);
    QStringList got;
    const auto rows = (*storage)->query(
        QStringLiteral("SELECT fixture_id, selection, odd_value FROM odds ORDER BY seq"), {}, [&](const RowView &row) {
            got << QString::fromUtf8(*row[0]) + QLatin1Char('|') + QString::fromUtf8(*row[1]) + QLatin1Char('|')
                    + QString::fromUtf8(*row[2]);
            return true;
        });
    QVERIFY(rows);
    QStringList expected;
    seq = 0;
    for (const QString &f : fixtures) {
        for (const QString &sel : selections) {
            ++seq;
            expected << f + QLatin1Char('|') + sel + QLatin1Char('|') + QString::number(1.25 + double(seq));
        }
    }
    QCOMPARE(got, expected);
    // Physical order of a fresh heap is insertion order: (fixture_id bytes, market, timestamp).
    std::vector<std::pair<QByteArray, qint64>> inserted;
    QVERIFY((*storage)->query(
        QStringLiteral("SELECT fixture_id, timestamp FROM odds ORDER BY tableoid, ctid"), {}, [&](const RowView &row) {
            inserted.emplace_back(row[0]->toByteArray(), row[1]->toByteArray().toLongLong());
            return true;
        }));
    QCOMPARE(inserted.size(), std::size_t(seq));
    QVERIFY(std::is_sorted(inserted.begin(), inserted.end()));
}

void TestIngestPostgres::everyAlertOfTheRunIsStoredOnceAndExported()
{
    SimServerConfig c = simConfig(6000, 29);
    c.generator.stepMs = 2.0;
    SimServer sim(c);
    const auto port = sim.start();
    QVERIFY(port);
    CaptureConfig config =
        captureConfig({ sourceConfig(QStringLiteral("x"), *port) }, 6000, 0, *StorageTarget::parse(m_url));
    const auto rules = parseAlertRules(R"({"rules":[
        {"name":"mover","type":"price_move","percent":2,"within_s":5,"cooldown_s":1},
        {"type":"in_play","cooldown_s":0},{"type":"in_play","cooldown_s":0},
        {"name":"big","type":"big_bet","stake":100,"cooldown_s":0}]})");
    QVERIFY(rules);
    config.alertRules = *rules;
    CaptureRun run(std::move(config));
    std::vector<Alert> fired;
    QObject::connect(run.session.get(), &CaptureSession::alertsRaised, run.session.get(),
        [&fired](const std::vector<Alert> &alerts) { fired.insert(fired.end(), alerts.begin(), alerts.end()); });
    run.start();
    QVERIFY(run.waitFinished(60000));
    QVERIFY2(fired.size() > 20, QByteArray::number(quint64(fired.size())).constData());
    QCOMPARE(run.stats().persisted.alerts, quint64(fired.size()));
    QCOMPARE(run.stats().alertsNotStored, quint64(0));
    // Both same-named in_play rules fired (matches kick off within the run): stored apart below.
    std::set<int> inPlayRules;
    for (const Alert &a : fired) {
        if (a.kind == AlertKind::InPlay) {
            inPlayRules.insert(a.ruleIndex);
        }
    }
    QCOMPARE(inPlayRules.size(), std::size_t(2));
    auto storage = Storage::open(*StorageTarget::parse(m_url), QStringLiteral("alerts"));
    QVERIFY(storage);
    // Every alert, in the order it fired, with every field.
    QStringList stored;
    auto q = (*storage)->query(QStringLiteral("SELECT source_id, fixture_id, market_type, selection, rule, rule_index, "
                                              "kind, seq, ts, received_at, before_value, after_value FROM alerts "
                                              "ORDER BY id"),
        {}, [&stored](const RowView &row) {
            QStringList cells;
            for (const auto &cell : row) {
                cells << QString::fromUtf8(cell->toByteArray());
            }
            stored << cells.join(QLatin1Char('|'));
            return true;
        });
    QVERIFY(q);
    QStringList expected;
    for (const Alert &a : fired) {
        expected << QStringList { a.sourceId, a.fixtureId, a.marketType, a.selection, a.rule,
            QString::number(a.ruleIndex), alertKindName(a.kind), QString::number(a.seq), QString::number(a.atMs),
            QString::number(a.receivedAtMs), a.before, a.after }
                        .join(QLatin1Char('|'));
    }
    QCOMPARE(stored, expected);
    // The same alerts again (a replay of the stream into this database): nothing is added.
    const auto again = (*storage)->write({}, fired);
    QVERIFY2(again, qPrintable(again ? QString() : again.error().message));
    QCOMPARE(again->alerts, quint64(0));
    QCOMPARE(again->duplicateAlerts, quint64(fired.size()));
    // More than one statement's worth (500 rows each), as after an outage: all stored, once.
    std::vector<Alert> many;
    for (quint64 i = 0; i < 1234; ++i) {
        Alert a = fired.front();
        a.seq = 1000000 + i;
        a.after = QStringLiteral("'%1\t\"x\"").arg(i); // quotes and a tab travel as parameters
        many.push_back(a);
    }
    const auto bulk = (*storage)->write({}, many);
    QVERIFY2(bulk, qPrintable(bulk ? QString() : bulk.error().message));
    QCOMPARE(bulk->alerts, quint64(many.size()));
    const auto bulkAgain = (*storage)->write({}, many);
    QVERIFY(bulkAgain);
    QCOMPARE(bulkAgain->alerts, quint64(0));
    QCOMPARE(bulkAgain->duplicateAlerts, quint64(many.size()));
    QStringList last;
    QVERIFY((*storage)->query(
        QStringLiteral("SELECT after_value FROM alerts WHERE seq = 1001233"), {}, [&last](const RowView &row) {
            last << QString::fromUtf8(row[0]->toByteArray());
            return true;
        }));
    QCOMPARE(last, QStringList { QStringLiteral("'1233\t\"x\"") });
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("alerts.csv"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    ExportRequest request;
    request.table = QStringLiteral("alerts");
    auto stats = exportCsv(**storage, request, file);
    file.close();
    QVERIFY2(stats, qPrintable(stats ? QString() : stats.error().message));
    QCOMPARE(stats->rows, quint64(fired.size() + many.size()));
    const QList<QStringList> rows = readCsv(path);
    QCOMPARE(rows.first(),
        QStringList({ QStringLiteral("source_id"), QStringLiteral("fixture_id"), QStringLiteral("market_type"),
            QStringLiteral("selection"), QStringLiteral("rule"), QStringLiteral("rule_index"), QStringLiteral("kind"),
            QStringLiteral("seq"), QStringLiteral("ts"), QStringLiteral("received_at"), QStringLiteral("before_value"),
            QStringLiteral("after_value") }));
}

namespace {

struct HeldSource
{
    std::unique_ptr<SimServer> sim;
    quint16 port = 0;
    std::unique_ptr<CaptureRun> holder;
};

/// A simulator at 500 events/s, and a capture of @p sourceId from it into @p target that has
/// committed, so that its writer holds the source's lock; null when that did not happen.
std::unique_ptr<HeldSource> holdSource(const QString &sourceId, const StorageTarget &target, quint64 seed)
{
    SimServerConfig sc = simConfig(0, seed);
    sc.rate = 500;
    auto h = std::make_unique<HeldSource>();
    h->sim = std::make_unique<SimServer>(sc);
    const auto port = h->sim->start();
    if (!port) {
        return nullptr;
    }
    h->port = *port;
    h->holder = std::make_unique<CaptureRun>(captureConfig({ sourceConfig(sourceId, h->port) }, 0, 0, target));
    h->holder->start();
    if (!QTest::qWaitFor([&] { return h->holder->stats().persisted.odds > 0; }, 15000)) {
        return nullptr;
    }
    return h;
}

} // namespace

void TestIngestPostgres::aSourceHeldByAnotherWriterDoesNotStallTheSession()
{
    // Another capture holds source 'held' in this database. Adding it to a running session asks
    // PostgreSQL for its writer lock for 5 s before the refusal; the session goes on meanwhile
    // (its snapshots, its other source) and hears the answer when it comes.
    const StorageTarget target = *StorageTarget::parse(m_url);
    const QString held = QStringLiteral("held");
    const std::unique_ptr<HeldSource> h = holdSource(held, target, 85);
    QVERIFY(h);
    CaptureRun &holder = *h->holder;
    const quint16 port = h->port;
    const QString free = QStringLiteral("free");
    CaptureConfig config = captureConfig({ sourceConfig(free, port) }, 0, 0, target);
    config.snapshotIntervalMs = 100;
    CaptureRun run(config);
    int snapshots = 0;
    int snapshotsAtAnswer = -1;
    std::optional<bool> claimed;
    QObject::connect(run.session.get(), &CaptureSession::snapshotReady, run.session.get(), [&] { ++snapshots; });
    QObject::connect(
        run.session.get(), &CaptureSession::sourceClaimed, run.session.get(), [&](const QString &id, bool ok) {
            if (id == held) {
                claimed = ok;
                snapshotsAtAnswer = snapshots;
            }
        });
    run.start();
    QTRY_VERIFY_WITH_TIMEOUT(run.stats().sources.count(free) == 1 && run.stats().sources.at(free).lastSeq > 0, 15000);
    const quint64 freeBefore = run.stats().sources.at(free).lastSeq;
    const int snapshotsBefore = snapshots;
    QElapsedTimer call;
    call.start();
    run.session->addSource(sourceConfig(held, port));
    QVERIFY2(call.elapsed() < 1000, qPrintable(QStringLiteral("addSource took %1 ms").arg(call.elapsed())));
    QTRY_VERIFY_WITH_TIMEOUT(claimed.has_value(), 20000);
    QCOMPARE(*claimed, false);
    // About 50 snapshots in the 5 s the lock was asked for; none while the session was blocked.
    QVERIFY2(snapshotsAtAnswer - snapshotsBefore >= 20,
        qPrintable(QStringLiteral("%1 snapshots while the claim waited").arg(snapshotsAtAnswer - snapshotsBefore)));
    QVERIFY(run.stats().sources.at(free).lastSeq > freeBefore);
    QCOMPARE(run.stats().sources.count(held), std::size_t(0));
    run.session->stop(QStringLiteral("test done"));
    holder.session->stop(QStringLiteral("test done"));
    QVERIFY(run.waitFinished(15000));
    QVERIFY(holder.waitFinished(15000));
}

void TestIngestPostgres::aSourceDisconnectedWhileItsClaimWaitsJoinsDisconnected()
{
    // The user adds a source whose lock another capture holds, then disconnects it at once. The
    // other capture stops within PostgreSQL's 5 s lock wait, so the claim succeeds: the source
    // joins disconnected, as the user left it, and stores nothing until connected.
    const StorageTarget target = *StorageTarget::parse(m_url);
    const QString held = QStringLiteral("held");
    const std::unique_ptr<HeldSource> h = holdSource(held, target, 86);
    QVERIFY(h);
    CaptureRun &holder = *h->holder;
    const quint16 port = h->port;
    CaptureRun run(captureConfig({ sourceConfig(QStringLiteral("free"), port) }, 0, 0, target));
    std::optional<bool> claimed;
    QObject::connect(
        run.session.get(), &CaptureSession::sourceClaimed, run.session.get(), [&](const QString &id, bool ok) {
            if (id == held) {
                claimed = ok;
            }
        });
    run.start();
    QTRY_VERIFY_WITH_TIMEOUT(run.stats().persisted.odds > 0, 15000);
    run.session->addSource(sourceConfig(held, port));
    run.session->disconnectSource(held);
    holder.session->stop(QStringLiteral("test done"));
    QVERIFY(holder.waitFinished(15000));
    QTRY_VERIFY_WITH_TIMEOUT(claimed.has_value(), 20000);
    QCOMPARE(*claimed, true);
    QVERIFY(run.stats().sources.count(held) == 1);
    // While the other source takes 250 more events (half a second at 500/s), a source that had
    // started would have connected and taken events too.
    const quint64 freeAtAnswer = run.stats().sources.at(QStringLiteral("free")).lastSeq;
    QTRY_VERIFY_WITH_TIMEOUT(run.stats().sources.at(QStringLiteral("free")).lastSeq >= freeAtAnswer + 250, 15000);
    QCOMPARE(run.stats().sources.at(held).lastSeq, quint64(0));
    QVERIFY(std::none_of(
        run.transitions.begin(), run.transitions.end(), [&](const ConnectionEvent &e) { return e.sourceId == held; }));
    run.session->connectSource(held);
    QTRY_VERIFY_WITH_TIMEOUT(run.stats().sources.at(held).lastSeq > 0, 15000);
    run.session->stop(QStringLiteral("test done"));
    QVERIFY(run.waitFinished(15000));
}

QTEST_GUILESS_MAIN(TestIngestPostgres)
namespace {

EventBatch oddsBatch(const QString &source, quint64 from, quint64 to)
{
    EventBatch batch;
    batch.sourceId = source;
    for (quint64 seq = from; seq <= to; ++seq) {
        Event e;
        e.type = EventType::Odds;
        e.seq = seq;
        e.serverTsMs = wallClockMs();
        e.receivedAtMs = e.serverTsMs;
        e.sourceId = source;
        e.data = OddsData { QStringLiteral("f1"), QStringLiteral("1x2"), QStringLiteral("home"), 1.5 + double(seq),
            e.serverTsMs, PriceStatus::Open };
        batch.events.push_back(std::move(e));
    }
    batch.lastSeq = to;
    return batch;
}

} // namespace

void TestIngestPostgres::aWriterThatLostItsConnectionClaimsItsSourceAgainBeforeWriting()
{
    // Writer A's connection dies (a server restart): its writer lock dies with it, and writer B
    // takes the source and stores seqs 11..20. A, reconnected, must not write until it holds the
    // source again, and then skips what B stored: every seq once.
    const StorageTarget target = *StorageTarget::parse(m_url);
    const QString source = QStringLiteral("relock");
    auto a = Storage::open(target, QStringLiteral("writer-a"));
    QVERIFY2(a, qPrintable(a ? QString() : a.error().message));
    QVERIFY((*a)->claimSource(source));
    QVERIFY((*a)->write(oddsBatch(source, 1, 10)));
    const QString database = QUrl(m_url).path().mid(1);
    QVERIFY(sql(QStringLiteral("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '%1' AND pid "
                               "<> pg_backend_pid()")
                    .arg(database)));
    auto b = Storage::open(target, QStringLiteral("writer-b"));
    QVERIFY2(b, qPrintable(b ? QString() : b.error().message));
    QVERIFY((*b)->claimSource(source));
    QVERIFY((*b)->write(oddsBatch(source, 11, 20)));
    // B holds it. A's first write finds its connection dead (an outage); then A reconnects and is
    // refused, and again on the next write (before, the reconnect after a refusal let it write).
    QString code;
    for (int attempt = 0; attempt < 3 && code != QLatin1String("source_locked"); ++attempt) {
        const auto refused = (*a)->write(oddsBatch(source, 11, 25));
        QVERIFY(!refused);
        code = refused.error().code;
    }
    QCOMPARE(code, QStringLiteral("source_locked"));
    const auto again = (*a)->write(oddsBatch(source, 11, 25));
    QVERIFY(!again);
    QCOMPARE(again.error().code, QStringLiteral("source_locked"));
    b->reset();
    const auto written = (*a)->write(oddsBatch(source, 11, 25));
    QVERIFY2(written, qPrintable(written ? QString() : written.error().message));
    QCOMPARE(written->odds, quint64(5)); // 21..25: B stored 11..20
    QCOMPARE(written->duplicateSeqs, quint64(10));
    QCOMPARE(tableCounts().value(QStringLiteral("odds")).toInteger(), 25);
}

#include "tst_ingest_postgres.moc"

// SPDX-License-Identifier: MIT
// Past one machine, with real servers: two collectors (simulators with faults) -> RabbitMQ ->
// three writers and a standby -> PostgreSQL, while one writer is killed with SIGKILL, the broker
// restarts and PostgreSQL stops for ten seconds. At the end every event is stored exactly once,
// each fixture's status and each selection's price equal what the simulator generated, the Redis
// cache holds the same, and /metrics agrees. A message the database refuses goes to the
// dead-letter queue and comes back from it once the cause is fixed.
// Needs ODDSTAP_TEST_AMQP_URL, ODDSTAP_TEST_AMQP_CTL, ODDSTAP_TEST_PG_URL and ODDSTAP_TEST_PG_CTL,
// which scripts/test sets (it starts the servers); fails when they are missing.
#include <core/broker/amqpclient.h>
#include <core/broker/brokertopology.h>
#include <core/cache/rediscache.h>
#include <core/common/eventserialization.h>
#include <core/sim/feedgenerator.h>
#include <tests/testutils/broker.h>
#include <tests/testutils/cliprocesses.h>
#include <tests/testutils/pgadmin.h>
#include <tests/testutils/prometheus.h>
#include <tests/testutils/redis.h>

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <map>
#include <memory>
#include <set>

using namespace OddsTap;
using namespace OddsTap::Testing;

namespace {

/// At 4,000 events/s each simulator runs for 20 s: long enough that the faults all hit a stream
/// in motion (the database stops about 10 s in).
constexpr qint64 kEventsPerSource = 80000;

/// One oddstap-cli process of the run, with what it printed on stderr so far.
struct Role
{
    QString name;
    std::unique_ptr<QProcess> process = std::make_unique<QProcess>();
    QByteArray err;
    QString metricsUrl;

    QByteArray readErr()
    {
        err += process->readAllStandardError();
        return err;
    }
};

} // namespace

class TestBroker : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void partitionsAreStableAndSplittingKeepsEverything();
    void brokerUrlsCarryNoSecrets();
    void distributedRunLosesNothing();
    void refusedMessageIsDeadLetteredAndRequeued();
    void aSecondCollectorOfTheSameSourceIsRefused();
    void aBrokerThatStopsReadingDoesNotHoldTheCollectorPastItsEnd();

private:
    static QString cli() { return QStringLiteral(ODDSTAP_CLI_PATH); }
    bool purgeQueues() { return purgeBrokerQueues(m_amqp); }
    /// Starts `oddstap-cli ARGS` as `role`, waiting until it printed `ready` on stderr.
    bool startRole(Role &role, const QStringList &args, const QByteArray &ready);
    /// The first column of the first row of `sql` as a number; -1 on an error.
    qint64 scalar(const QString &url, const QString &sql);
    /// Every row of `sql`, its first `columns` columns joined by tabs.
    QStringList rows(const QString &url, const QString &sql, int columns);
    int m_connections = 0;
    /// Runs a server control command to its end (at most two minutes); its exit code, -1 on a timeout.
    static int control(const QString &program, const QStringList &args);

    QString m_amqp;
    QString m_amqpCtl;
    QString m_pgCtl;
    QProcessEnvironment m_env;
};

void TestBroker::initTestCase()
{
    m_amqp = qEnvironmentVariable("ODDSTAP_TEST_AMQP_URL");
    m_amqpCtl = qEnvironmentVariable("ODDSTAP_TEST_AMQP_CTL");
    m_pgCtl = qEnvironmentVariable("ODDSTAP_TEST_PG_CTL");
    if (m_amqp.isEmpty() || m_amqpCtl.isEmpty()) {
        QFAIL("ODDSTAP_TEST_AMQP_URL or ODDSTAP_TEST_AMQP_CTL is not set: run scripts/test (or source "
              "build/services/env after scripts/services start), which starts a RabbitMQ server for the tests");
    }
    if (qEnvironmentVariable("ODDSTAP_TEST_PG_URL").isEmpty() || m_pgCtl.isEmpty()) {
        QFAIL("ODDSTAP_TEST_PG_URL or ODDSTAP_TEST_PG_CTL is not set: run scripts/test, which starts PostgreSQL");
    }
    QVERIFY2(purgeQueues(), "the test RabbitMQ server does not answer");
}

bool TestBroker::startRole(Role &role, const QStringList &args, const QByteArray &ready)
{
    role.process->setProcessEnvironment(m_env);
    role.process->start(cli(), args);
    if (!role.process->waitForStarted(10000)) {
        return false;
    }
    const bool up = QTest::qWaitFor(
        [&] { return role.readErr().contains(ready) || role.process->state() != QProcess::Running; }, 30000);
    if (!up || !role.err.contains(ready)) {
        qWarning("%s did not start: %s", qPrintable(role.name), role.err.constData());
        return false;
    }
    const auto m = QRegularExpression(QStringLiteral("metrics on (\\S+)")).match(QString::fromUtf8(role.err));
    role.metricsUrl = m.hasMatch() ? m.captured(1) : QString();
    return true;
}

qint64 TestBroker::scalar(const QString &url, const QString &sql)
{
    const QStringList values = rows(url, sql, 1);
    bool ok = false;
    const qint64 value = values.value(0).toLongLong(&ok);
    return ok ? value : -1;
}

QStringList TestBroker::rows(const QString &url, const QString &sql, int columns)
{
    // A connection per call: none is held across the server's restart (a connection that saw
    // the server go away once left the next query waiting forever in libpq).
    const QString name = QStringLiteral("check-%1").arg(++m_connections);
    QStringList out;
    {
        const QUrl u(url);
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), name);
        db.setHostName(u.host());
        db.setPort(u.port(5432));
        db.setUserName(u.userName());
        db.setDatabaseName(u.path().mid(1));
        db.setConnectOptions(QStringLiteral("connect_timeout=5"));
        if (db.open()) {
            QSqlQuery q(db);
            q.setForwardOnly(true);
            if (q.exec(sql)) {
                while (q.next()) {
                    QStringList row;
                    for (int c = 0; c < columns; ++c) {
                        row << q.value(c).toString();
                    }
                    out << row.join(QLatin1Char('\t'));
                }
            } else {
                qWarning("%s: %s", qPrintable(sql), qPrintable(q.lastError().text()));
            }
        }
    }
    QSqlDatabase::removeDatabase(name);
    return out;
}

int TestBroker::control(const QString &program, const QStringList &args)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::ForwardedChannels);
    p.start(program, args);
    if (!p.waitForFinished(120000)) {
        p.kill();
        p.waitForFinished(5000);
        qWarning(
            "%s %s did not finish within two minutes", qPrintable(program), qPrintable(args.join(QLatin1Char(' '))));
        return -1;
    }
    return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
}

void TestBroker::partitionsAreStableAndSplittingKeepsEverything()
{
    // The same fixture lands in the same partition in every process and every build: FNV-1a of
    // "book-a\x1f" then "f-17", mod 12, computed independently (not a seeded qHash).
    QCOMPARE(Broker::partitionOf(QStringLiteral("book-a"), QStringLiteral("f-17")), 10);
    QCOMPARE(Broker::partitionOf(QStringLiteral("book-p"), QStringLiteral("f-1")), 2);
    QCOMPARE(Broker::partitionOf(QStringLiteral("book-p"), QStringLiteral("f-10")), 2);
    QCOMPARE(Broker::routingKey(7, QStringLiteral("book.a%")), QByteArray("07.book%2Ea%25"));
    QCOMPARE(Broker::partitionOf(QByteArray("07.book%2Ea%25")), 7);
    QCOMPARE(Broker::partitionOf(QByteArray("07")), 7);
    QCOMPARE(Broker::partitionOf(QByteArray("12")), -1);
    QCOMPARE(Broker::partitionOf(QByteArray("7")), -1);
    QCOMPARE(Broker::parsePartitions(QStringLiteral("0-3,8")), (std::vector<int> { 0, 1, 2, 3, 8 }));
    QCOMPARE(Broker::parsePartitions(QStringLiteral("all")).size(), std::size_t(Broker::kPartitions));
    QVERIFY(Broker::parsePartitions(QStringLiteral("3-1")).empty());
    QVERIFY(Broker::parsePartitions(QStringLiteral("12")).empty());
    QVERIFY(Broker::parsePartitions(QStringLiteral("x")).empty());

    EventBatch batch;
    batch.sourceId = QStringLiteral("book-a");
    batch.lastSeq = 400;
    batch.prevSeq = 0;
    batch.frames = 401;
    batch.streamAdvances = 400;
    std::set<int> used;
    for (quint64 seq = 1; seq <= 400; ++seq) {
        Event e;
        e.type = EventType::Odds;
        e.seq = seq;
        e.sourceId = batch.sourceId;
        e.data = OddsData { QStringLiteral("f-%1").arg(seq % 50), QStringLiteral("1x2"), QStringLiteral("home"), 2.5, 0,
            PriceStatus::Open };
        used.insert(Broker::partitionOf(batch.sourceId, e.odds()->fixtureId));
        batch.events.push_back(e);
    }
    Reject r;
    r.sourceId = batch.sourceId;
    r.raw = "{";
    batch.rejects.push_back(r);
    const auto parts = Broker::splitByPartition(batch);
    QVERIFY(used.size() > 6); // 50 fixtures spread over most of the 12 partitions
    std::size_t events = 0;
    std::size_t rejects = 0;
    quint64 frames = 0;
    for (const auto &part : parts) {
        QCOMPARE(part.batch.lastSeq, batch.lastSeq);
        for (const Event &e : part.batch.events) {
            QCOMPARE(Broker::partitionOf(e.sourceId, e.odds()->fixtureId), part.partition);
        }
        events += part.batch.events.size();
        rejects += part.batch.rejects.size();
        frames += part.batch.frames;
        // What crosses the broker comes back the same.
        EventBatch back;
        QVERIFY(deserializeBatch(serializeBatch(part.batch), back));
        QCOMPARE(back.events, part.batch.events);
    }
    QCOMPARE(events, batch.events.size());
    QCOMPARE(rejects, std::size_t(1));
    QCOMPARE(frames, batch.frames);
    // Anyone who can publish to the broker can send a writer any bytes: truncated and corrupted
    // batches are refused (dead-lettered) or read as some batch, never a crash or a hang.
    const QByteArray whole = serializeBatch(batch);
    std::size_t refused = 0;
    for (qsizetype length = 0; length < whole.size(); length += 7) {
        EventBatch back;
        refused += deserializeBatch(whole.left(length), back) ? 0 : 1;
    }
    QVERIFY(refused > 0);
    quint32 state = 12345;
    for (int round = 0; round < 3000; ++round) {
        QByteArray bytes = whole;
        for (int flip = 0; flip < 1 + round % 8; ++flip) {
            state = state * 1664525u + 1013904223u;
            bytes[qsizetype(state % quint32(bytes.size()))] = char(state >> 24);
        }
        EventBatch back;
        (void)deserializeBatch(bytes, back);
    }
}

void TestBroker::brokerUrlsCarryNoSecrets()
{
    const auto t = AmqpTarget::parse(QStringLiteral("amqp://collector@mq.example:5673/live%2Fbooks"));
    QVERIFY(t);
    QCOMPARE(t->host, QStringLiteral("mq.example"));
    QCOMPARE(t->port, quint16(5673));
    QCOMPARE(t->user, QStringLiteral("collector"));
    QCOMPARE(t->vhost, QStringLiteral("live/books"));
    const auto withPassword = AmqpTarget::parse(QStringLiteral("amqp://u:hunter2@mq.example/"));
    QVERIFY(!withPassword);
    QVERIFY(withPassword.error().message.contains(QLatin1String("ODDSTAP_AMQP_PASSWORD")));
    QVERIFY(!withPassword.error().message.contains(QLatin1String("hunter2")));
    QVERIFY(!AmqpTarget::parse(QStringLiteral("http://mq.example/")));
    // A refused login says what to check, without the password.
    qputenv("ODDSTAP_AMQP_PASSWORD", "wrong-secret");
    const auto target = AmqpTarget::parse(m_amqp);
    qunsetenv("ODDSTAP_AMQP_PASSWORD");
    QVERIFY(target);
    const auto refused = AmqpConnection::open(*target);
    QVERIFY(!refused);
    QVERIFY2(!refused.error().message.contains(QLatin1String("wrong-secret")), qPrintable(refused.error().message));
}

void TestBroker::distributedRunLosesNothing()
{
    QTemporaryDir dir;
    m_env = QProcessEnvironment::systemEnvironment();
    m_env.insert(QStringLiteral("XDG_DATA_HOME"), dir.filePath(QStringLiteral("data")));
    TestDatabase pg(true, dir.path(), QStringLiteral("broker"));
    QVERIFY2(pg.reset(), qPrintable(pg.error()));
    QVERIFY(purgeQueues());
    const quint16 redisPort = freePort();
    QProcess redis;
    QVERIFY(startRedis(redis, redisPort));

    // Two books, each its own simulator with faults: malformed frames, duplicates, dropped connections.
    const std::vector<std::pair<QString, quint64>> books { { QStringLiteral("book-a"), 31 },
        { QStringLiteral("book-b"), 32 } };
    std::vector<std::unique_ptr<QProcess>> sims;
    std::vector<Role> collectors;
    for (const auto &[book, seed] : books) {
        sims.push_back(std::make_unique<QProcess>());
        const QString url = startSimulator(*sims.back(), cli(),
            { QStringLiteral("--seed"), QString::number(seed), QStringLiteral("--count"),
                QString::number(kEventsPerSource), QStringLiteral("--rate"), QStringLiteral("4000"),
                QStringLiteral("--fixtures"), QStringLiteral("120"), QStringLiteral("--faults"),
                QStringLiteral("malformed=0.002,duplicate=0.002,drop_every=25000"), QStringLiteral("--stats-file"),
                dir.filePath(book + QStringLiteral(".json")) });
        QVERIFY(!url.isEmpty());
        Role &c = collectors.emplace_back();
        c.name = book;
        QVERIFY(startRole(c,
            { QStringLiteral("capture"), QStringLiteral("--url"), url, QStringLiteral("--source-id"), book,
                QStringLiteral("--from-seq"), QStringLiteral("0"), QStringLiteral("--publish"), m_amqp,
                QStringLiteral("--publish-state"), dir.filePath(book), QStringLiteral("--metrics"),
                QStringLiteral("127.0.0.1:0"), QStringLiteral("--redis"),
                QStringLiteral("redis://127.0.0.1:%1").arg(redisPort), QStringLiteral("--summary"),
                QStringLiteral("none"), QStringLiteral("--summary-json"),
                dir.filePath(book + QStringLiteral("-summary.json")) },
            "metrics on "));
    }
    // Three writers share the partitions; the fourth is a standby on all of them. The second kills
    // itself with SIGKILL right after a commit, before acknowledging it: the worst moment to die.
    std::vector<Role> writers(4);
    const QProcessEnvironment plain = m_env;
    const QStringList slices { QStringLiteral("0-3"), QStringLiteral("4-7"), QStringLiteral("8-11"),
        QStringLiteral("all") };
    for (int i = 0; i < 4; ++i) {
        writers[std::size_t(i)].name = QStringLiteral("writer %1").arg(slices[i]);
        m_env = plain;
        if (i == 1) {
            m_env.insert(QStringLiteral("ODDSTAP_FAULT_KILL_AFTER_COMMITS"), QStringLiteral("25"));
        }
        QVERIFY(startRole(writers[std::size_t(i)],
            { QStringLiteral("consume"), QStringLiteral("--amqp"), m_amqp, QStringLiteral("--db"), pg.url(),
                QStringLiteral("--partitions"), slices[i], QStringLiteral("--metrics"), QStringLiteral("127.0.0.1:0") },
            "consuming partitions"));
    }
    const QString db = pg.url();
    const auto odds = [&] { return scalar(db, QStringLiteral("SELECT count(*) FROM odds")); };
    const auto middleProgress = [&] {
        return scalar(db,
            QStringLiteral("SELECT coalesce(sum(last_seq), 0) FROM partition_state WHERE right(partition_key, 2) "
                           "IN ('04', '05', '06', '07')"));
    };
    QTRY_VERIFY_WITH_TIMEOUT(odds() > 20000, 60000);

    m_env = plain;
    // Fault 1: the writer of partitions 4-7 dies by SIGKILL between a commit and its acknowledgement;
    // the standby takes its partitions over, gets those messages again and recognises them.
    Role &killed = writers[1];
    QTRY_VERIFY_WITH_TIMEOUT(killed.process->state() == QProcess::NotRunning, 60000);
    QCOMPARE(killed.process->exitStatus(), QProcess::CrashExit);
    const qint64 atKill = middleProgress();
    QTRY_VERIFY_WITH_TIMEOUT(middleProgress() > atKill, 60000);
    const auto standby = [&](const char *name) {
        return sampleValue(parsePrometheusText(httpGet(writers[3].metricsUrl)), QLatin1String(name));
    };
    QTRY_VERIFY_WITH_TIMEOUT(standby("oddstap_writer_redelivered_total") > 0, 30000);
    QVERIFY(standby("oddstap_writer_duplicate_events_total") > 0);

    // Fault 2: the broker stops and starts again (its queues are durable, its messages persistent).
    QCOMPARE(control(m_amqpCtl, { QStringLiteral("stop") }), 0);
    QVERIFY2(!AmqpConnection::open(*AmqpTarget::parse(m_amqp)), "the broker must be down");
    for (Role &c : collectors) {
        QTRY_VERIFY_WITH_TIMEOUT(c.readErr().contains("storage write failed"), 30000);
        QVERIFY2(c.process->state() == QProcess::Running, "a collector must keep receiving while the broker is down");
    }
    QCOMPARE(control(m_amqpCtl, { QStringLiteral("start") }), 0);
    const qint64 afterRestart = odds();
    QTRY_VERIFY_WITH_TIMEOUT(odds() > afterRestart, 90000);

    // Fault 3: PostgreSQL stops for ten seconds; the messages wait in the broker.
    auto pgctl = [this](const QString &args) {
        return control(QStringLiteral("sh"), { QStringLiteral("-c"), m_pgCtl + QLatin1Char(' ') + args });
    };
    // Whichever writers are active after the broker's restart (single active consumer may have
    // moved partitions to the standby) say so; only what they printed from now on counts.
    const std::size_t alive[] = { 0, 2, 3 };
    std::map<std::size_t, qsizetype> printed;
    for (const std::size_t i : alive) {
        printed[i] = writers[i].readErr().size();
    }
    const auto saidSince = [&](const QByteArray &text) {
        return std::count_if(std::begin(alive), std::end(alive),
            [&](std::size_t i) { return writers[i].readErr().indexOf(text, printed[i]) >= 0; });
    };
    QCOMPARE(pgctl(QStringLiteral("-m fast stop")), 0);
    QElapsedTimer down;
    down.start();
    QTRY_VERIFY_WITH_TIMEOUT(saidSince("database unavailable") > 0 && down.elapsed() >= 10000, 60000);
    for (Role &c : collectors) {
        QVERIFY2(c.process->state() == QProcess::Running, "the database is the writers' business");
    }
    QCOMPARE(pgctl(QStringLiteral("start")), 0);
    QTRY_VERIFY_WITH_TIMEOUT(saidSince("database available again") == saidSince("database unavailable"), 60000);

    // The collectors publish everything (each says so on /metrics); then they stop cleanly.
    std::map<QString, QJsonArray> collectorMetrics;
    for (Role &c : collectors) {
        QTRY_VERIFY_WITH_TIMEOUT(
            sampleValue(parsePrometheusText(httpGet(c.metricsUrl)), QStringLiteral("oddstap_source_committed_seq"),
                { { QStringLiteral("source"), c.name } })
                == double(kEventsPerSource),
            120000);
        collectorMetrics[c.name] = parsePrometheusText(httpGet(c.metricsUrl));
        QVERIFY(!collectorMetrics[c.name].isEmpty());
        ::kill(pid_t(c.process->processId()), SIGTERM);
        QVERIFY(c.process->waitForFinished(60000));
        QVERIFY2(c.process->exitStatus() == QProcess::NormalExit && c.process->exitCode() == 0, c.readErr());
    }
    std::map<QString, QJsonObject> generated;
    for (std::size_t i = 0; i < sims.size(); ++i) {
        ::kill(pid_t(sims[i]->processId()), SIGTERM);
        QVERIFY(sims[i]->waitForFinished(10000));
        QFile f(dir.filePath(books[i].first + QStringLiteral(".json")));
        QVERIFY(f.open(QIODevice::ReadOnly));
        generated[books[i].first] =
            QJsonDocument::fromJson(f.readAll()).object().value(QStringLiteral("generated")).toObject();
    }

    // Every event stored exactly once, per book and type.
    const auto stored = [&](const char *table, const QString &book) {
        return scalar(
            db, QStringLiteral("SELECT count(*) FROM %1 WHERE source_id = '%2'").arg(QLatin1String(table), book));
    };
    for (const auto &[book, gen] : generated) {
        QTRY_COMPARE_WITH_TIMEOUT(stored("odds", book), gen.value(QStringLiteral("odds")).toInteger(), 120000);
        QTRY_COMPARE_WITH_TIMEOUT(
            stored("fixture_updates", book), gen.value(QStringLiteral("fixture")).toInteger(), 30000);
        QTRY_COMPARE_WITH_TIMEOUT(stored("bets", book), gen.value(QStringLiteral("bet")).toInteger(), 30000);
        QCOMPARE(gen.value(QStringLiteral("odds")).toInteger() + gen.value(QStringLiteral("fixture")).toInteger()
                + gen.value(QStringLiteral("bet")).toInteger(),
            kEventsPerSource);
    }
    for (const char *table : { "odds", "fixture_updates", "bets" }) {
        QCOMPARE(scalar(db,
                     QStringLiteral("SELECT count(*) FROM (SELECT source_id, seq FROM %1 GROUP BY 1, 2 HAVING "
                                    "count(*) > 1) d")
                         .arg(QLatin1String(table))),
            qint64(0));
    }
    // `stats` shows how far each source's partitions are stored.
    {
        QProcess stats;
        stats.start(cli(), { QStringLiteral("stats"), QStringLiteral("--db"), db });
        QVERIFY(stats.waitForFinished(30000));
        QCOMPARE(stats.exitCode(), 0);
        const QJsonObject partitions = QJsonDocument::fromJson(stats.readAllStandardOutput())
                                           .object()
                                           .value(QStringLiteral("partition_seq"))
                                           .toObject();
        QCOMPARE(partitions
                     .value(QStringLiteral("book-a/")
                         + QString::fromLatin1(
                             Broker::partitionWord(Broker::partitionOf(QStringLiteral("book-a"), QString()))))
                     .toInteger(),
            kEventsPerSource);
        QVERIFY(partitions.size() > 12); // both books, most partitions
    }
    // The collectors' counters agree with the rows (and so with the simulators).
    for (const auto &[book, samples] : collectorMetrics) {
        const QJsonObject byType[] = { { { QStringLiteral("source"), book },
                                           { QStringLiteral("type"), QStringLiteral("odds") } },
            { { QStringLiteral("source"), book }, { QStringLiteral("type"), QStringLiteral("fixture") } },
            { { QStringLiteral("source"), book }, { QStringLiteral("type"), QStringLiteral("bet") } } };
        QCOMPARE(qint64(sampleValue(samples, QStringLiteral("oddstap_events_accepted_total"), byType[0])),
            stored("odds", book));
        QCOMPARE(qint64(sampleValue(samples, QStringLiteral("oddstap_events_accepted_total"), byType[1])),
            stored("fixture_updates", book));
        QCOMPARE(qint64(sampleValue(samples, QStringLiteral("oddstap_events_accepted_total"), byType[2])),
            stored("bets", book));
        double rejected = 0;
        for (const QJsonValue &v : samples) {
            const QJsonObject s = v.toObject();
            if (s.value(QStringLiteral("name")).toString() == QLatin1String("oddstap_rejects_total")
                && s.value(QStringLiteral("labels")).toObject().value(QStringLiteral("source")).toString() == book) {
                rejected += s.value(QStringLiteral("value")).toDouble();
            }
        }
        QVERIFY(rejected > 0); // the malformed frames
        QCOMPARE(qint64(rejected), stored("rejects", book));
    }
    // What the collectors published besides events (connection events, gaps, rejects) is stored
    // exactly once too: their summaries count what the broker confirmed.
    for (const auto &[book, seed] : books) {
        Q_UNUSED(seed);
        QFile f(dir.filePath(book + QStringLiteral("-summary.json")));
        QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(f.fileName()));
        const QJsonObject published =
            QJsonDocument::fromJson(f.readAll()).object().value(QStringLiteral("persisted")).toObject();
        QVERIFY(published.value(QStringLiteral("connection_events")).toInteger() > 5); // drops and reconnects
        QCOMPARE(stored("connection_events", book), published.value(QStringLiteral("connection_events")).toInteger());
        QCOMPARE(stored("gaps", book), published.value(QStringLiteral("gaps")).toInteger());
        QCOMPARE(stored("rejects", book), published.value(QStringLiteral("rejects")).toInteger());
    }
    // The writers' own endpoints parse too, and the survivors' rows add up with what the killed
    // one committed (not visible any more) to no more than the total.
    double writerOdds = 0;
    for (std::size_t i : { 0u, 2u, 3u }) {
        const QJsonArray samples = parsePrometheusText(httpGet(writers[i].metricsUrl));
        QVERIFY2(!samples.isEmpty(), qPrintable(writers[i].name));
        writerOdds += sampleValue(samples, QStringLiteral("oddstap_writer_rows_total"),
            { { QStringLiteral("table"), QStringLiteral("odds") } });
    }
    QVERIFY(writerOdds > 0 && writerOdds <= double(scalar(db, QStringLiteral("SELECT count(*) FROM odds"))));

    // Each fixture's final status and each selection's final price are the simulator's.
    for (const auto &[book, seed] : books) {
        GeneratorConfig g;
        g.seed = seed;
        g.fixtures = 120;
        // `simulate --seed` at --rate 4000: its fixed clock, a millisecond an event (kick-offs
        // fall within the run, so statuses follow the feed's clock, not this test's).
        g.clockBaseMs = 1798761600000LL;
        g.stepMs = 1.0;
        FeedGenerator generator(g);
        while (generator.lastSeq() < quint64(kEventsPerSource)) {
            generator.next();
        }
        std::map<QString, QString> statuses;
        std::map<QString, std::pair<double, QString>> prices; // "fixture/market/selection"
        for (const GeneratedEvent &e : generator.snapshot()) {
            const QJsonObject data = QJsonDocument::fromJson(e.json).object().value(QStringLiteral("data")).toObject();
            const QString fixture = data.value(QStringLiteral("fixture_id")).toString();
            if (e.type == EventType::Fixture) {
                statuses[fixture] = data.value(QStringLiteral("status")).toString();
            } else if (e.type == EventType::Odds) {
                prices[fixture + QLatin1Char('/') + data.value(QStringLiteral("market_type")).toString()
                    + QLatin1Char('/') + data.value(QStringLiteral("selection")).toString()] = {
                    data.value(QStringLiteral("odd_value")).toDouble(),
                    data.value(QStringLiteral("status")).toString(QStringLiteral("open")) // absent: open
                };
            }
        }
        QVERIFY(statuses.size() > 50 && prices.size() > 300);
        std::map<QString, QString> storedStatuses;
        for (const QString &row :
            rows(db, QStringLiteral("SELECT fixture_id, status FROM fixtures WHERE source_id = '%1'").arg(book), 2)) {
            storedStatuses[row.section(QLatin1Char('\t'), 0, 0)] = row.section(QLatin1Char('\t'), 1, 1);
        }
        std::map<QString, std::pair<double, QString>> storedPrices;
        for (const QString &row : rows(db,
                 QStringLiteral("SELECT DISTINCT ON (fixture_id, market_type, selection) fixture_id, market_type, "
                                "selection, odd_value, status FROM odds WHERE source_id = '%1' ORDER BY fixture_id, "
                                "market_type, selection, seq DESC")
                     .arg(book),
                 5)) {
            const QStringList c = row.split(QLatin1Char('\t'));
            storedPrices[c[0] + QLatin1Char('/') + c[1] + QLatin1Char('/') + c[2]] = { c[3].toDouble(), c[4] };
        }
        QVERIFY(!storedStatuses.empty() && !storedPrices.empty());
        RedisReader cache(redisPort);
        QVERIFY(cache.ok());
        int cachedChecked = 0;
        for (const auto &[fixture, status] : statuses) {
            QCOMPARE(storedStatuses[fixture], status);
            if (status != QLatin1String("ended") && status != QLatin1String("cancelled")) {
                const QStringList fields = cache.command(
                    { QStringLiteral("HGETALL"), QStringLiteral("oddstap:fixture:%1:%2").arg(book, fixture) });
                QCOMPARE(fields.value(fields.indexOf(QStringLiteral("status")) + 1), status);
            }
        }
        for (const auto &[key, price] : prices) {
            QVERIFY2(storedPrices.count(key), qPrintable(key));
            QCOMPARE(storedPrices[key].first, price.first);
            QCOMPARE(storedPrices[key].second, price.second);
            const QString fixture = key.section(QLatin1Char('/'), 0, 0);
            const bool finished =
                statuses[fixture] == QLatin1String("ended") || statuses[fixture] == QLatin1String("cancelled");
            const QString field = QString::fromUtf8(RedisCache::keyPart(key.section(QLatin1Char('/'), 1, 1)))
                + QLatin1Char('/') + QString::fromUtf8(RedisCache::keyPart(key.section(QLatin1Char('/'), 2)));
            const QString value =
                cache
                    .command({ QStringLiteral("HGET"), QStringLiteral("oddstap:odds:%1:%2").arg(book, fixture), field })
                    .value(0);
            // A finished fixture may have left the live state (and so the cache) already; one
            // still there, and every unfinished one, holds the final price.
            if (finished && value.isEmpty()) {
                continue;
            }
            ++cachedChecked;
            const QJsonObject cached = QJsonDocument::fromJson(value.toUtf8()).object();
            QCOMPARE(cached.value(QStringLiteral("price")).toDouble(), price.first);
            QCOMPARE(cached.value(QStringLiteral("status")).toString(), price.second);
        }
        QVERIFY(cachedChecked > 300);
    }
    for (std::size_t i : { 0u, 2u, 3u }) {
        ::kill(pid_t(writers[i].process->processId()), SIGTERM);
        QVERIFY(writers[i].process->waitForFinished(30000));
        QCOMPARE(writers[i].process->exitCode(), 0);
    }
    redis.terminate();
    redis.waitForFinished(10000);
}

void TestBroker::refusedMessageIsDeadLetteredAndRequeued()
{
    QTemporaryDir dir;
    m_env = QProcessEnvironment::systemEnvironment();
    TestDatabase pg(true, dir.path(), QStringLiteral("dead"));
    QVERIFY2(pg.reset(), qPrintable(pg.error()));
    QVERIFY(purgeQueues());
    Role writer;
    writer.name = QStringLiteral("writer");
    QVERIFY(startRole(writer,
        { QStringLiteral("consume"), QStringLiteral("--amqp"), m_amqp, QStringLiteral("--db"), pg.url(),
            QStringLiteral("--max-attempts"), QStringLiteral("2") },
        "consuming partitions"));
    const QString db = pg.url();
    // The cause: a rule the database enforces and the data breaks (the writer created the schema).
    QVERIFY(pgAdminExec(qEnvironmentVariable("ODDSTAP_TEST_PG_URL"),
        QStringLiteral("ALTER TABLE fixture_updates ADD CONSTRAINT no_poison CHECK (home IS DISTINCT FROM 'POISON')"),
        QUrl(db).path().mid(1)));

    auto target = AmqpTarget::parse(m_amqp);
    QVERIFY(target);
    auto c = AmqpConnection::open(*target);
    QVERIFY(c);
    QVERIFY((*c)->enableConfirms());
    const auto fixtureBatch = [](quint64 seq, const QString &fixture, const QString &home) {
        EventBatch b;
        b.sourceId = QStringLiteral("book-p");
        b.lastSeq = seq;
        Event e;
        e.type = EventType::Fixture;
        e.seq = seq;
        e.sourceId = b.sourceId;
        e.receivedAtMs = 1798761600000LL;
        FixtureData f;
        f.fixtureId = fixture;
        f.home = home;
        f.away = QStringLiteral("Away");
        e.data = f;
        b.events.push_back(e);
        return b;
    };
    // The refused one, then a later one in the same partition (f-1 and f-10 share partition 2,
    // so the partition moves past the refused one before it is requeued), one in another partition
    // sent twice back to back (one transaction sees both), and a batch with only a connection
    // event at the same seq, also twice: each must be stored once.
    const EventBatch poison = fixtureBatch(1, QStringLiteral("f-1"), QStringLiteral("POISON"));
    const EventBatch later = fixtureBatch(3, QStringLiteral("f-10"), QStringLiteral("Later"));
    const EventBatch good = fixtureBatch(2, QStringLiteral("f-2"), QStringLiteral("Home"));
    EventBatch reconnectBatch;
    reconnectBatch.sourceId = QStringLiteral("book-p");
    reconnectBatch.lastSeq = 3;
    ConnectionEvent ce;
    ce.sourceId = reconnectBatch.sourceId;
    ce.connection = 2;
    ce.state = SourceState::Subscribed;
    ce.lastSeq = 3;
    ce.atMs = 1798761601000LL;
    reconnectBatch.connectionEvents.push_back(ce);
    const EventBatch &reconnect = reconnectBatch;
    const QByteArray exchange(Broker::kEventsExchange);
    const auto partitionOfBatch = [](const EventBatch &b) {
        return b.events.empty() ? Broker::partitionOf(b.sourceId, QString())
                                : Broker::partitionOf(b.sourceId, b.events.front().fixture()->fixtureId);
    };
    for (const EventBatch *b : { &poison, &later, &good, &good, &reconnect, &reconnect }) {
        QVERIFY((*c)->publish(exchange, Broker::routingKey(partitionOfBatch(*b), b->sourceId), serializeBatch(*b)));
    }
    QVERIFY((*c)->publish(exchange, Broker::routingKey(3, QStringLiteral("book-p")), QByteArray("not a batch at all")));
    QVERIFY((*c)->waitForConfirms(10000));
    const auto deadLetters = [&c] {
        const auto depth = (*c)->queueDepth(QLatin1String(Broker::kDeadLetterQueue));
        return depth ? qint64(*depth) : qint64(-1);
    };

    // The good ones are stored once each; the refused one and the garbage wait in the dead-letter queue.
    QTRY_COMPARE_WITH_TIMEOUT(deadLetters(), qint64(2), 30000);
    QTRY_COMPARE_WITH_TIMEOUT(scalar(db, QStringLiteral("SELECT count(*) FROM fixture_updates")), qint64(2), 30000);
    QTRY_COMPARE_WITH_TIMEOUT(scalar(db, QStringLiteral("SELECT count(*) FROM connection_events")), qint64(1), 30000);
    QVERIFY(writer.readErr().contains("dead-letter queue"));
    QProcess list;
    list.start(cli(), { QStringLiteral("dead-letters"), QStringLiteral("list"), QStringLiteral("--amqp"), m_amqp });
    QVERIFY(list.waitForFinished(30000));
    QCOMPARE(list.exitCode(), 0);
    const QJsonArray letters = QJsonDocument::fromJson(list.readAllStandardOutput()).array();
    QCOMPARE(letters.size(), 2);
    QSet<QString> errors;
    for (const QJsonValue &v : letters) {
        errors << v.toObject().value(QStringLiteral("error")).toString();
    }
    QVERIFY2(std::any_of(
                 errors.begin(), errors.end(), [](const QString &e) { return e.contains(QLatin1String("no_poison")); }),
        qPrintable(QStringList(errors.values()).join(QLatin1Char('\n'))));
    QVERIFY(std::any_of(errors.begin(), errors.end(),
        [](const QString &e) { return e.contains(QLatin1String("not an OddsTap batch")); }));
    // Listing took nothing away.
    QCOMPARE(deadLetters(), qint64(2));

    // The cause fixed, requeue: the refused message is stored once; the garbage comes back.
    QVERIFY(pgAdminExec(qEnvironmentVariable("ODDSTAP_TEST_PG_URL"),
        QStringLiteral("ALTER TABLE fixture_updates DROP CONSTRAINT no_poison"), QUrl(db).path().mid(1)));
    QProcess requeue;
    requeue.start(
        cli(), { QStringLiteral("dead-letters"), QStringLiteral("requeue"), QStringLiteral("--amqp"), m_amqp });
    QVERIFY(requeue.waitForFinished(30000));
    QCOMPARE(requeue.exitCode(), 0);
    QVERIFY2(requeue.readAllStandardOutput().contains("requeued 2 of 2"), "both go back to their partitions");
    QTRY_COMPARE_WITH_TIMEOUT(scalar(db, QStringLiteral("SELECT count(*) FROM fixture_updates")), qint64(3), 30000);
    QCOMPARE(scalar(db, QStringLiteral("SELECT count(*) FROM fixture_updates WHERE home = 'POISON'")), qint64(1));
    QCOMPARE(scalar(db, QStringLiteral("SELECT count(*) FROM connection_events")), qint64(1));
    QTRY_COMPARE_WITH_TIMEOUT(deadLetters(), qint64(1), 30000);
    ::kill(pid_t(writer.process->processId()), SIGTERM);
    QVERIFY(writer.process->waitForFinished(30000));
    QCOMPARE(writer.process->exitCode(), 0);
}

void TestBroker::aSecondCollectorOfTheSameSourceIsRefused()
{
    // Two collectors publishing one source would each send it, and the writers would store the
    // faster one's: on one machine the second is refused at once, saying who holds it.
    QTemporaryDir dir;
    m_env = QProcessEnvironment::systemEnvironment();
    QProcess sim;
    const QString url = startSimulator(sim, cli(), { QStringLiteral("--rate"), QStringLiteral("200") });
    QVERIFY(!url.isEmpty());
    const QStringList args { QStringLiteral("capture"), QStringLiteral("--url"), url, QStringLiteral("--source-id"),
        QStringLiteral("book-l"), QStringLiteral("--publish"), m_amqp, QStringLiteral("--publish-state"),
        dir.filePath(QStringLiteral("state")), QStringLiteral("--summary"), QStringLiteral("none") };
    Role first;
    first.name = QStringLiteral("first");
    QVERIFY(startRole(
        first, args + QStringList { QStringLiteral("--metrics"), QStringLiteral("127.0.0.1:0") }, "publishing to"));
    QProcess second;
    second.start(cli(), args);
    QVERIFY(second.waitForFinished(30000));
    QCOMPARE(second.exitCode(), 2);
    const QByteArray err = second.readAllStandardError();
    const QByteArray holder = "%2F by process " + QByteArray::number(first.process->processId());
    QVERIFY2(err.contains("source 'book-l' is already published to amqp://guest@127.0.0.1:") && err.contains(holder),
        err.constData());
    // The first stops cleanly once it has published (stopped before any frame, it would say so
    // with exit 4, as a capture that never received one does).
    QTRY_VERIFY_WITH_TIMEOUT(
        sampleValue(parsePrometheusText(httpGet(first.metricsUrl)), QStringLiteral("oddstap_source_committed_seq"),
            { { QStringLiteral("source"), QStringLiteral("book-l") } })
            > 0,
        30000);
    ::kill(pid_t(first.process->processId()), SIGTERM);
    QVERIFY(first.process->waitForFinished(30000));
    QCOMPARE(first.process->exitCode(), 0);
    ::kill(pid_t(sim.processId()), SIGTERM);
    QVERIFY(sim.waitForFinished(10000));
}

void TestBroker::aBrokerThatStopsReadingDoesNotHoldTheCollectorPastItsEnd()
{
    // Under a memory alarm RabbitMQ reads nothing from publishers, and a publish waited for ever:
    // the collector hung past --duration, deaf to SIGTERM, for as long as the alarm lasted. Now a
    // publish that waits past AmqpConnection::kPublishStallMs fails as a lost connection, is
    // reported, and the run ends on time with exit 5 (what was not confirmed is published again
    // by the next run).
    QTemporaryDir dir;
    m_env = QProcessEnvironment::systemEnvironment();
    QVERIFY(purgeQueues());
    QProcess sim;
    const QString url = startSimulator(sim, cli(), { QStringLiteral("--rate"), QStringLiteral("20000") });
    QVERIFY(!url.isEmpty());
    const auto alarmOff = qScopeGuard([this] {
        control(m_amqpCtl, { QStringLiteral("alarm"), QStringLiteral("off") });
    });
    Role collector;
    collector.name = QStringLiteral("collector");
    QVERIFY(startRole(collector,
        { QStringLiteral("capture"), QStringLiteral("--url"), url, QStringLiteral("--source-id"),
            QStringLiteral("book-alarm"), QStringLiteral("--publish"), m_amqp, QStringLiteral("--publish-state"),
            dir.filePath(QStringLiteral("state")), QStringLiteral("--duration"), QStringLiteral("20"),
            QStringLiteral("--summary"), QStringLiteral("none"), QStringLiteral("--summary-json"),
            dir.filePath(QStringLiteral("summary.json")) },
        "publishing to"));
    QElapsedTimer sinceStart;
    sinceStart.start();
    QCOMPARE(control(m_amqpCtl, { QStringLiteral("alarm"), QStringLiteral("on") }), 0);
    // Said as an outage: a publish cut off after its wait, or confirms that never came, whichever
    // the alarm met first.
    QTRY_VERIFY_WITH_TIMEOUT(collector.readErr().contains("storage write failed, retrying"), 60000);
    // --duration 20, then at most 30 s for the last commit, and one publish's wait: never the
    // alarm's length (it is still on).
    QTRY_VERIFY_WITH_TIMEOUT(collector.process->state() == QProcess::NotRunning, 60000);
    QVERIFY2(sinceStart.elapsed() < 75000, qPrintable(QString::number(sinceStart.elapsed())));
    QCOMPARE(collector.process->exitCode(), 5);
    QVERIFY2(collector.readErr().contains("the broker stayed unavailable (or kept publishers blocked)"),
        collector.err.constData());
    QFile summary(dir.filePath(QStringLiteral("summary.json")));
    QVERIFY(summary.open(QIODevice::ReadOnly));
    const QByteArray sum = summary.readAll();
    QVERIFY2(sum.contains("\"drain_timed_out\": true"), sum.constData());
    ::kill(pid_t(sim.processId()), SIGTERM);
    QVERIFY(sim.waitForFinished(10000));
}

QTEST_GUILESS_MAIN(TestBroker)
#include "tst_broker.moc"

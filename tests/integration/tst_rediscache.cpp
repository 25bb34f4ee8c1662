// SPDX-License-Identifier: MIT
// The Redis live cache against a real redis-server that the test starts, kills and starts again
// (empty) in the middle of a capture: at the end the cache holds exactly the latest state the
// database holds, every selection's price and status and every fixture's status.
#include <core/cache/rediscache.h>
#include <tests/testutils/cliprocesses.h>
#include <tests/testutils/redis.h>

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <map>

using namespace OddsTap;
using namespace OddsTap::Testing;

class TestRedisCache : public QObject
{
    Q_OBJECT

private slots:
    void urlsAreParsed();
    void cacheEqualsTheStoredStateAfterRedisRestarts();
    void fixturesForgottenDuringALongOutageArePurged();

private:
    static QString cli() { return QStringLiteral(ODDSTAP_CLI_PATH); }
};

void TestRedisCache::urlsAreParsed()
{
    // A password comes from the environment, never from the URL (which ps and logs show), and an
    // error quoting a malformed URL leaves it out.
    qputenv("ODDSTAP_REDIS_PASSWORD", "s3cret");
    const auto full = RedisTarget::parse(QStringLiteral("redis://cache.example:6380/2"));
    qunsetenv("ODDSTAP_REDIS_PASSWORD");
    QVERIFY(full);
    QCOMPARE(full->host, QStringLiteral("cache.example"));
    QCOMPARE(full->port, quint16(6380));
    QCOMPARE(full->db, 2);
    QCOMPARE(full->password, QStringLiteral("s3cret"));
    QVERIFY(!full->describe().contains(QStringLiteral("s3cret")));
    for (const char *url : { "redis://:s3cret@cache.example:6380/2", "redis://:s3cret@127.0.0.1:99999",
             "redis://:s3cret@ho st", "rediss://:s3cret@cache.example", "redis://u:#s3cret@cache.example" }) {
        const auto refused = RedisTarget::parse(QString::fromLatin1(url));
        QVERIFY2(!refused, url);
        QVERIFY2(!refused.error().message.contains(QLatin1String("s3cret")), qPrintable(refused.error().message));
    }
    const auto plain = RedisTarget::parse(QStringLiteral("redis://127.0.0.1"));
    QVERIFY(plain);
    QCOMPARE(plain->port, quint16(6379));
    QCOMPARE(plain->db, 0);
    QCOMPARE(RedisCache::keyPart(QStringLiteral("over/under 2.5")), QByteArray("over%2Funder 2.5"));
    QCOMPARE(RedisCache::keyPart(QStringLiteral("a:b%c")), QByteArray("a%3Ab%25c"));
    QCOMPARE(RedisCache::keyPart(QStringLiteral("Müller")), QStringLiteral("Müller").toUtf8());
    QVERIFY(!RedisTarget::parse(QStringLiteral("http://127.0.0.1:6379")));
    QVERIFY(!RedisTarget::parse(QStringLiteral("redis://127.0.0.1/x")));
}

void TestRedisCache::cacheEqualsTheStoredStateAfterRedisRestarts()
{
    const quint16 redisPort = freePort();
    QVERIFY(redisPort != 0);
    QProcess redis;
    QVERIFY(startRedis(redis, redisPort));

    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("cache.db"));
    QProcess sim;
    const QString simUrl = Testing::startSimulator(sim, cli(),
        { QStringLiteral("--seed"), QStringLiteral("11"), QStringLiteral("--count"), QStringLiteral("12000"),
            QStringLiteral("--rate"), QStringLiteral("1500"), QStringLiteral("--fixtures"), QStringLiteral("60") });
    QVERIFY(!simUrl.isEmpty());

    QProcess capture;
    capture.start(cli(),
        { QStringLiteral("capture"), QStringLiteral("--url"), simUrl, QStringLiteral("--db"), db,
            QStringLiteral("--redis"), QStringLiteral("redis://127.0.0.1:%1").arg(redisPort),
            QStringLiteral("--summary"), QStringLiteral("none") });
    QVERIFY(capture.waitForStarted());
    {
        RedisReader reader(redisPort);
        QTRY_VERIFY_WITH_TIMEOUT(
            reader.command({ QStringLiteral("SCARD"), QStringLiteral("oddstap:fixtures:active") }).value(0).toInt()
                > 10,
            20000);
    }
    QByteArray err;
    {
        // Redis refuses writes for a while (out of memory): the cache starts over, as after a loss.
        RedisReader admin(redisPort);
        admin.command({ QStringLiteral("CONFIG"), QStringLiteral("SET"), QStringLiteral("maxmemory-policy"),
            QStringLiteral("noeviction") });
        admin.command(
            { QStringLiteral("CONFIG"), QStringLiteral("SET"), QStringLiteral("maxmemory"), QStringLiteral("1") });
        QTRY_VERIFY_WITH_TIMEOUT((err += capture.readAllStandardError()).contains("Redis refused a write: OOM"), 20000);
        admin.command(
            { QStringLiteral("CONFIG"), QStringLiteral("SET"), QStringLiteral("maxmemory"), QStringLiteral("0") });
        QTRY_VERIFY_WITH_TIMEOUT((err += capture.readAllStandardError()).contains("is back: rewritten whole"), 20000);
        err.clear();
    }
    // Redis dies mid-run; the rest of the stream arrives while it is down; it comes back empty on
    // the same port. Nothing changes any more after that: only a whole rewrite fills it again.
    redis.kill();
    QVERIFY(redis.waitForFinished(10000));
    QTRY_VERIFY_WITH_TIMEOUT((err += capture.readAllStandardError()).contains(" lost: "), 20000);
    const auto committed = [&] {
        QProcess stats;
        stats.start(cli(), { QStringLiteral("stats"), QStringLiteral("--db"), db });
        stats.waitForFinished(30000);
        return QJsonDocument::fromJson(stats.readAllStandardOutput())
            .object()
            .value(QStringLiteral("committed_seq"))
            .toObject()
            .value(QStringLiteral("src-1"))
            .toInteger();
    };
    QTRY_COMPARE_WITH_TIMEOUT(committed(), qint64(12000), 60000);
    QVERIFY2(capture.state() == QProcess::Running, "the capture must go on while the cache is down");
    QVERIFY(startRedis(redis, redisPort));
    QTRY_VERIFY_WITH_TIMEOUT((err += capture.readAllStandardError()).contains("is back: rewritten whole"), 30000);

    ::kill(pid_t(capture.processId()), SIGTERM);
    QVERIFY(capture.waitForFinished(30000));
    QCOMPARE(capture.exitStatus(), QProcess::NormalExit);
    QCOMPARE(capture.exitCode(), 0);
    sim.terminate();
    sim.waitForFinished(10000);

    // The latest state by seq, as the database holds it.
    auto sql = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("check"));
    sql.setDatabaseName(db);
    QVERIFY(sql.open());
    std::map<std::pair<QString, QString>, std::pair<double, QString>> prices; // (fixture, market/selection)
    QSqlQuery q(sql);
    QVERIFY(q.exec(QStringLiteral("SELECT o.fixture_id, o.market_type, o.selection, o.odd_value, o.status FROM odds o "
                                  "JOIN (SELECT fixture_id, market_type, selection, max(seq) AS seq FROM odds "
                                  "GROUP BY fixture_id, market_type, selection) m USING (fixture_id, market_type, "
                                  "selection, seq)")));
    while (q.next()) {
        prices[{ q.value(0).toString(), q.value(1).toString() + QLatin1Char('/') + q.value(2).toString() }] = {
            q.value(3).toDouble(), q.value(4).toString()
        };
    }
    std::map<QString, QString> statuses;
    QVERIFY(
        q.exec(QStringLiteral("SELECT f.fixture_id, f.status FROM fixture_updates f JOIN (SELECT fixture_id, "
                              "max(seq) AS seq FROM fixture_updates GROUP BY fixture_id) m USING (fixture_id, seq)")));
    while (q.next()) {
        statuses[q.value(0).toString()] = q.value(1).toString();
    }
    QVERIFY(prices.size() > 100);
    QVERIFY(statuses.size() > 30);

    RedisReader reader(redisPort);
    QVERIFY(reader.ok());
    std::size_t cachedPrices = 0;
    for (const auto &[fixture, status] : statuses) {
        const QStringList fields =
            reader.command({ QStringLiteral("HGETALL"), QStringLiteral("oddstap:fixture:src-1:") + fixture });
        const qsizetype at = fields.indexOf(QStringLiteral("status"));
        QVERIFY2(at >= 0, qPrintable(fixture));
        QCOMPARE(fields.value(at + 1), status);
        const bool active = reader
                                .command({ QStringLiteral("SISMEMBER"), QStringLiteral("oddstap:fixtures:active"),
                                    QStringLiteral("src-1:") + fixture })
                                .value(0)
            == QLatin1String("1");
        QCOMPARE(active, status != QLatin1String("ended") && status != QLatin1String("cancelled"));
        const QStringList odds =
            reader.command({ QStringLiteral("HGETALL"), QStringLiteral("oddstap:odds:src-1:") + fixture });
        for (qsizetype i = 0; i + 1 < odds.size(); i += 2) {
            const auto stored = prices.find({ fixture, odds[i] });
            QVERIFY2(stored != prices.end(), qPrintable(fixture + QLatin1Char(' ') + odds[i]));
            const QJsonObject cached = QJsonDocument::fromJson(odds[i + 1].toUtf8()).object();
            QCOMPARE(cached.value(QStringLiteral("price")).toDouble(), stored->second.first);
            QCOMPARE(cached.value(QStringLiteral("status")).toString(), stored->second.second);
            ++cachedPrices;
        }
    }
    QCOMPARE(cachedPrices, prices.size()); // every stored selection, none more
    redis.terminate();
    QVERIFY(redis.waitForFinished(10000));
}

void TestRedisCache::fixturesForgottenDuringALongOutageArePurged()
{
    // Redis keeps its data but refuses the cache for a while (here: a password it does not have).
    // More fixtures are forgotten meanwhile than the cache keeps to delete: once back, it deletes
    // every cached fixture of its source it does not hold (old6 was never said to be forgotten),
    // and writes the ones it holds. Another collector's source in the same database stays.
    const quint16 port = freePort();
    QVERIFY(port != 0);
    QProcess redis;
    QVERIFY(startRedis(redis, port));
    RedisReader admin(port);
    QVERIFY(admin.ok());
    for (int i = 1; i <= 6; ++i) {
        const QString id = QStringLiteral("old%1").arg(i);
        admin.command({ QStringLiteral("HSET"), QStringLiteral("oddstap:fixture:src:") + id, QStringLiteral("status"),
            QStringLiteral("live") });
        admin.command({ QStringLiteral("HSET"), QStringLiteral("oddstap:odds:src:") + id, QStringLiteral("1x2/home"),
            QStringLiteral("{}") });
        admin.command(
            { QStringLiteral("SADD"), QStringLiteral("oddstap:fixtures:active"), QStringLiteral("src:") + id });
    }
    admin.command({ QStringLiteral("SET"), QStringLiteral("someone:else"), QStringLiteral("kept") });
    admin.command({ QStringLiteral("HSET"), QStringLiteral("oddstap:fixture:other:x"), QStringLiteral("status"),
        QStringLiteral("live") });
    admin.command({ QStringLiteral("HSET"), QStringLiteral("oddstap:odds:other:x"), QStringLiteral("1x2/home"),
        QStringLiteral("{}") });
    admin.command({ QStringLiteral("SADD"), QStringLiteral("oddstap:fixtures:active"), QStringLiteral("other:x") });
    admin.command(
        { QStringLiteral("CONFIG"), QStringLiteral("SET"), QStringLiteral("requirepass"), QStringLiteral("pw") });

    RedisTarget target;
    target.port = port;
    RedisCache cache(target, nullptr, 3);
    QStringList problems;
    connect(&cache, &RedisCache::problem, this, [&](const QString &m, bool) { problems << m; });
    cache.start();
    QTRY_VERIFY_WITH_TIMEOUT(!problems.isEmpty() && problems.last().contains(QLatin1String(" unavailable: ")), 10000);
    QVERIFY2(problems.last().contains(QLatin1String("(check ODDSTAP_REDIS_PASSWORD)")), qPrintable(problems.last()));
    auto changes = std::make_shared<LiveChanges>();
    FixtureState held;
    held.sourceId = QStringLiteral("src");
    held.fixture = FixtureData { QStringLiteral("now"), 1, 7, 1798761600000, FixtureStatus::Live, QStringLiteral("A"),
        QStringLiteral("B"), QStringLiteral("1-0") };
    held.seq = 9;
    changes->fixtures.push_back(held);
    held.fixture.fixtureId = QStringLiteral("a:b"); // stored as a%3Ab
    changes->fixtures.push_back(held);
    PriceState price;
    price.sourceId = QStringLiteral("src");
    price.fixtureId = QStringLiteral("now");
    price.marketType = QStringLiteral("1x2");
    price.selection = QStringLiteral("home");
    price.price = 2.5;
    price.seq = 10;
    changes->prices.push_back(price);
    for (int i = 1; i <= 5; ++i) {
        changes->removed.emplace_back(QStringLiteral("src"), QStringLiteral("old%1").arg(i));
    }
    cache.apply(changes);
    QCOMPARE(cache.pendingRemovals(), std::size_t(0)); // over the bound: the list went, a purge is due

    QVERIFY(admin.command({ QStringLiteral("AUTH"), QStringLiteral("pw") }).value(0) == QLatin1String("OK"));
    admin.command({ QStringLiteral("CONFIG"), QStringLiteral("SET"), QStringLiteral("requirepass"), QString() });
    QTRY_VERIFY_WITH_TIMEOUT(problems.last().contains(QLatin1String("is back: rewritten whole")), 30000);
    const auto keys = [&](const QString &pattern) {
        QStringList k = admin.command({ QStringLiteral("KEYS"), pattern });
        k.sort();
        return k;
    };
    QCOMPARE(keys(QStringLiteral("oddstap:fixture:*")),
        (QStringList { QStringLiteral("oddstap:fixture:other:x"), QStringLiteral("oddstap:fixture:src:a%3Ab"),
            QStringLiteral("oddstap:fixture:src:now") }));
    QCOMPARE(keys(QStringLiteral("oddstap:odds:*")),
        (QStringList { QStringLiteral("oddstap:odds:other:x"), QStringLiteral("oddstap:odds:src:now") }));
    QStringList active = admin.command({ QStringLiteral("SMEMBERS"), QStringLiteral("oddstap:fixtures:active") });
    active.sort();
    QCOMPARE(
        active, (QStringList { QStringLiteral("other:x"), QStringLiteral("src:a%3Ab"), QStringLiteral("src:now") }));
    QCOMPARE(admin.command({ QStringLiteral("GET"), QStringLiteral("someone:else") }),
        QStringList { QStringLiteral("kept") });
    redis.kill();
    redis.waitForFinished(10000);
}

QTEST_GUILESS_MAIN(TestRedisCache)
#include "tst_rediscache.moc"

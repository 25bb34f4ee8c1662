// SPDX-License-Identifier: MIT
// The GUI watching a broker-fed stream (offscreen): a collector publishes a simulator's feed to a
// real RabbitMQ, a writer stores it in PostgreSQL, and the main window, with an amqp:// source,
// fills its views from the Redis cache and the stream while the writer's rows stay exactly the
// simulator's. Needs ODDSTAP_TEST_AMQP_URL and ODDSTAP_TEST_PG_URL (scripts/test sets them).
#include <core/session/appcontroller.h>
#include <tests/testutils/broker.h>
#include <tests/testutils/cliprocesses.h>
#include <tests/testutils/pgadmin.h>
#include <tests/testutils/prometheus.h>
#include <tests/testutils/redis.h>
#include <ui/mainwindow.h>
#include <ui/panels/chartpanel.h>
#include <ui/panels/fixturespanel.h>
#include <ui/panels/sourcespanel.h>

#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QUrlQuery>

#include <csignal>

using namespace OddsTap;
using namespace OddsTap::Testing;

class TestBrokerViewer : public QObject
{
    Q_OBJECT

private slots:
    void viewerShowsTheStreamAndTakesNothingFromTheWriters();

private:
    static QString cli() { return QStringLiteral(ODDSTAP_CLI_PATH); }
};

void TestBrokerViewer::viewerShowsTheStreamAndTakesNothingFromTheWriters()
{
    const QString amqp = qEnvironmentVariable("ODDSTAP_TEST_AMQP_URL");
    if (amqp.isEmpty() || qEnvironmentVariable("ODDSTAP_TEST_PG_URL").isEmpty()) {
        QFAIL("ODDSTAP_TEST_AMQP_URL or ODDSTAP_TEST_PG_URL is not set: run scripts/test, which starts the servers");
    }
    QVERIFY2(purgeBrokerQueues(amqp), "the test RabbitMQ server does not answer");
    QTemporaryDir dir;
    TestDatabase pg(true, dir.path(), QStringLiteral("viewer"));
    QVERIFY2(pg.reset(), qPrintable(pg.error()));
    const quint16 redisPort = freePort();
    QProcess redis;
    QVERIFY(startRedis(redis, redisPort));
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("XDG_DATA_HOME"), dir.filePath(QStringLiteral("data")));

    constexpr qint64 kEvents = 40000;
    QProcess sim;
    const QString simUrl = startSimulator(sim, cli(),
        { QStringLiteral("--seed"), QStringLiteral("41"), QStringLiteral("--count"), QString::number(kEvents),
            QStringLiteral("--rate"), QStringLiteral("3000"), QStringLiteral("--fixtures"), QStringLiteral("80"),
            QStringLiteral("--stats-file"), dir.filePath(QStringLiteral("sim.json")) });
    QVERIFY(!simUrl.isEmpty());
    QProcess writer;
    writer.setProcessEnvironment(env);
    writer.start(
        cli(), { QStringLiteral("consume"), QStringLiteral("--amqp"), amqp, QStringLiteral("--db"), pg.url() });
    QProcess collector;
    collector.setProcessEnvironment(env);
    collector.start(cli(),
        { QStringLiteral("capture"), QStringLiteral("--url"), simUrl, QStringLiteral("--source-id"),
            QStringLiteral("book-v"), QStringLiteral("--from-seq"), QStringLiteral("0"), QStringLiteral("--publish"),
            amqp, QStringLiteral("--redis"), QStringLiteral("redis://127.0.0.1:%1").arg(redisPort),
            QStringLiteral("--metrics"), QStringLiteral("127.0.0.1:0"), QStringLiteral("--summary"),
            QStringLiteral("none") });
    QVERIFY(collector.waitForStarted(10000));
    QByteArray collectorErr;
    QTRY_VERIFY_WITH_TIMEOUT((collectorErr += collector.readAllStandardError()).contains("metrics on "), 20000);
    const QString metricsUrl =
        QRegularExpression(QStringLiteral("metrics on (\\S+)")).match(QString::fromUtf8(collectorErr)).captured(1);
    {
        // The cache has the live state before the window opens: the views start from it.
        RedisReader cache(redisPort);
        QTRY_VERIFY_WITH_TIMEOUT(
            cache.command({ QStringLiteral("SCARD"), QStringLiteral("oddstap:fixtures:active") }).value(0).toInt()
                >= 20,
            30000);
    }

    QUrl viewerUrl(amqp);
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("redis"), QStringLiteral("redis://127.0.0.1:%1").arg(redisPort));
    viewerUrl.setQuery(query);
    FeedSourceConfig viewer;
    viewer.sourceId = QStringLiteral("broker");
    viewer.url = viewerUrl;
    QVERIFY2(validateSourceConfig(viewer).isEmpty(), qPrintable(validateSourceConfig(viewer)));
    AppConfig config;
    config.sources = { viewer };
    config.demo = false;
    config.storage = *StorageTarget::parse(dir.filePath(QStringLiteral("viewer.db")));
    AppController controller(config);
    MainWindow window(&controller);
    window.resize(1280, 800);
    window.show();
    controller.start();
    auto &fixtures = window.findChild<FixturesPanel *>()->model();
    // Full at once: the cache's fixtures arrive with the first batch, before much of the stream.
    QTRY_VERIFY_WITH_TIMEOUT(fixtures.rowCount() >= 20, 10000);
    auto &sources = window.findChild<SourcesPanel *>()->model();
    const auto sourceRow = [&sources](const QString &id) -> const SourceStatus * {
        for (int row = 0; row < sources.rowCount(); ++row) {
            const SourceStatus *s = sources.sourceAt(row);
            if (s && s->sourceId == id) {
                return s;
            }
        }
        return nullptr;
    };
    // The broker's health is the viewer source's state; the book's events flow through it.
    QTRY_VERIFY_WITH_TIMEOUT(sourceRow(QStringLiteral("broker")) != nullptr
            && sourceRow(QStringLiteral("broker"))->state == SourceState::Subscribed,
        10000);
    const auto rows = [&sources] {
        QStringList out;
        for (int row = 0; row < sources.rowCount(); ++row) {
            const SourceStatus *s = sources.sourceAt(row);
            out << (s ? QStringLiteral("%1 state %2 seq %3 %4/s")
                            .arg(s->sourceId)
                            .arg(int(s->state))
                            .arg(s->lastSeq)
                            .arg(s->eventsPerSec)
                      : QStringLiteral("(off)"));
        }
        return out.join(QLatin1String("; "));
    };
    QTRY_VERIFY2_WITH_TIMEOUT(sourceRow(QStringLiteral("book-v")) != nullptr
            && sourceRow(QStringLiteral("book-v"))->lastSeq > 0
            && sourceRow(QStringLiteral("book-v"))->eventsPerSec > 0,
        qPrintable(rows()), 20000);
    // A fixture of the book, selected: its chart gets the live price points that come through
    // the broker (the viewer stores nothing, so there is no past to load).
    QVERIFY(window.findChild<FixturesPanel *>()->selectLive());
    QTRY_VERIFY_WITH_TIMEOUT(window.findChild<ChartPanel *>()->history().pointCount() > 0, 10000);
    if (const QString shots = qEnvironmentVariable("ODDSTAP_SCREENSHOT_DIR"); !shots.isEmpty()) {
        window.grab().save(QDir(shots).filePath(QStringLiteral("broker-viewer.png")));
    }

    // The collector publishes everything; the writer stores all of it, exactly once.
    QTRY_VERIFY_WITH_TIMEOUT(
        sampleValue(parsePrometheusText(httpGet(metricsUrl)), QStringLiteral("oddstap_source_committed_seq"),
            { { QStringLiteral("source"), QStringLiteral("book-v") } })
            == double(kEvents),
        60000);
    ::kill(pid_t(collector.processId()), SIGTERM);
    QVERIFY(collector.waitForFinished(30000));
    QCOMPARE(collector.exitCode(), 0);
    ::kill(pid_t(sim.processId()), SIGTERM);
    QVERIFY(sim.waitForFinished(10000));
    QFile statsFile(dir.filePath(QStringLiteral("sim.json")));
    QVERIFY(statsFile.open(QIODevice::ReadOnly));
    const QJsonObject generated =
        QJsonDocument::fromJson(statsFile.readAll()).object().value(QStringLiteral("generated")).toObject();
    const QUrl pgUrl(pg.url());
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), QStringLiteral("viewer-check"));
    db.setHostName(pgUrl.host());
    db.setPort(pgUrl.port(5432));
    db.setUserName(pgUrl.userName());
    db.setDatabaseName(pgUrl.path().mid(1));
    QVERIFY(db.open());
    const auto count = [&db](const char *table) {
        QSqlQuery q(db);
        return q.exec(QStringLiteral("SELECT count(*), count(DISTINCT seq) FROM %1").arg(QLatin1String(table)))
                && q.next()
            ? std::make_pair(q.value(0).toLongLong(), q.value(1).toLongLong())
            : std::make_pair(qint64(-1), qint64(-1));
    };
    const std::pair<const char *, const char *> tables[] = { { "odds", "odds" }, { "fixture_updates", "fixture" },
        { "bets", "bet" } };
    for (const auto &[table, type] : tables) {
        const qint64 expected = generated.value(QLatin1String(type)).toInteger();
        QTRY_COMPARE_WITH_TIMEOUT(count(table).first, expected, 60000);
        QCOMPARE(count(table).second, expected); // no seq twice
    }
    // The viewer saw the stream go by and stored none of it (its events are the writer's to store).
    QVERIFY(sourceRow(QStringLiteral("book-v"))->lastSeq > 1000);
    bool stopped = false;
    QObject::connect(&controller, &AppController::stopped, [&stopped] { stopped = true; });
    controller.stop();
    QTRY_VERIFY_WITH_TIMEOUT(stopped, 15000);
    auto local = Storage::open(*config.storage, QStringLiteral("viewer-local"));
    QVERIFY(local);
    QCOMPARE((*local)->tableCounts()->value(QStringLiteral("odds")).toInteger(), qint64(0));

    ::kill(pid_t(writer.processId()), SIGTERM);
    QVERIFY(writer.waitForFinished(30000));
    QCOMPARE(writer.exitCode(), 0);
    redis.terminate();
    redis.waitForFinished(10000);
    db.close();
}

QTEST_MAIN(TestBrokerViewer)
#include "tst_brokerviewer.moc"

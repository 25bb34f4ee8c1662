// SPDX-License-Identifier: MIT
// `oddstap-cli import` of Betfair stream files into SQLite and PostgreSQL, as a user runs it: the
// rows stored are exactly the events the profile maps, a second import of the same files stores
// nothing twice, and lines that cannot be read land in rejects with their reason and raw text.
#include "../testutils/pgadmin.h"

#include <core/common/compressedfile.h>
#include <core/providers/betfair/betfairdecoder.h>
#include <core/replay/recordreader.h>

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace OddsTap;
using OddsTap::Testing::TestDatabase;

namespace {

QString dataPath(const char *name)
{
    return QStringLiteral(ODDSTAP_TEST_DATA_DIR "/betfair/") + QLatin1String(name);
}

struct Run
{
    int code = -1;
    QByteArray out;
    QByteArray err;
};

Run cli(const QStringList &args)
{
    QProcess p;
    p.start(QStringLiteral(ODDSTAP_CLI_PATH), args);
    Run r;
    if (!p.waitForFinished(120000)) {
        p.kill();
        p.waitForFinished();
        r.err = "timed out";
        return r;
    }
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

QJsonObject tables(const QString &db)
{
    const Run r = cli({ QStringLiteral("stats"), QStringLiteral("--db"), db });
    return QJsonDocument::fromJson(r.out).object().value(QStringLiteral("tables")).toObject();
}

/// What the profile maps the files onto, decoded here in-process: the rows an import must store.
struct Expected
{
    qint64 odds = 0;
    qint64 fixtureUpdates = 0;
    qint64 rejects = 0;
};

Expected expectedOf(const QStringList &paths)
{
    Expected e;
    auto reader = openRecords(paths);
    if (!reader) {
        qFatal("%s", qPrintable(reader.error().message));
    }
    Betfair::StreamDecoder decoder;
    EventBatch out;
    CaptureRecord rec;
    while (reader.value()->next(rec)) {
        decoder.decode(rec.frame.bytes, FrameContext {}, out);
    }
    for (const Event &ev : out.events) {
        e.odds += ev.odds() ? 1 : 0;
        e.fixtureUpdates += ev.fixture() ? 1 : 0;
    }
    e.rejects = qint64(out.rejects.size());
    return e;
}

} // namespace

class TestCliBetfair : public QObject
{
    Q_OBJECT
private slots:
    void importStoresWhatIsMappedOnce_data();
    void importStoresWhatIsMappedOnce();
    void unreadableLinesAreRejectedNotLost();
    void servingOptionsOfTheReferenceProtocolAreRefused();
};

void TestCliBetfair::importStoresWhatIsMappedOnce_data()
{
    QTest::addColumn<bool>("postgres");
    QTest::newRow("sqlite") << false;
    QTest::newRow("postgresql") << true;
}

void TestCliBetfair::importStoresWhatIsMappedOnce()
{
    QFETCH(bool, postgres);
    QTemporaryDir dir;
    TestDatabase db(postgres, dir.path(), QStringLiteral("betfair"));
    QVERIFY2(db.reset(), qPrintable(db.error()));
    const QStringList files { dataPath("cricket-1.200806927.ndjson.gz"),
        dataPath("cricket-score-1.200806927.ndjson.bz2") };
    const Expected want = expectedOf(files);
    QVERIFY(want.odds > 2000);

    const QString summary = dir.filePath(QStringLiteral("summary.json"));
    Run r = cli(QStringList { QStringLiteral("import") } + files
        + QStringList {
            QStringLiteral("--db"), db.url(), QStringLiteral("--quiet"), QStringLiteral("--summary-json"), summary });
    QVERIFY2(r.code == 0, r.err.constData());
    QJsonObject t = tables(db.url());
    QCOMPARE(t.value(QStringLiteral("odds")).toInteger(), want.odds);
    QCOMPARE(t.value(QStringLiteral("fixture_updates")).toInteger(), want.fixtureUpdates);
    QCOMPARE(t.value(QStringLiteral("rejects")).toInteger(), want.rejects);
    QCOMPARE(t.value(QStringLiteral("fixtures")).toInteger(), 2); // the match, and a second one in the score stream

    // The same files again: every event is recognised by its seq, nothing is stored twice.
    r = cli(QStringList { QStringLiteral("import") } + files
        + QStringList {
            QStringLiteral("--db"), db.url(), QStringLiteral("--quiet"), QStringLiteral("--summary-json"), summary });
    QVERIFY2(r.code == 0, r.err.constData());
    t = tables(db.url());
    QCOMPARE(t.value(QStringLiteral("odds")).toInteger(), want.odds);
    QCOMPARE(t.value(QStringLiteral("fixture_updates")).toInteger(), want.fixtureUpdates);
    QFile f(summary);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray json = f.readAll();
    const QByteArray duplicates = "\"duplicates\": " + QByteArray::number(want.odds + want.fixtureUpdates);
    QVERIFY2(json.contains(duplicates), json.constData());

    // The stored match, as a user sees it with export.
    r = cli({ QStringLiteral("export"), QStringLiteral("--table"), QStringLiteral("fixtures"), QStringLiteral("--db"),
        db.url() });
    QVERIFY2(r.code == 0, r.err.constData());
    QVERIFY2(r.out.contains("Netherlands,Papua New Guinea,Netherlands 163/7 (20) · Papua New Guinea 111/10 (19.4)"),
        r.out.constData());
}

void TestCliBetfair::unreadableLinesAreRejectedNotLost()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("damaged-1.132153978"));
    {
        QFile in(dataPath("BASIC-1.132153978"));
        QVERIFY(in.open(QIODevice::ReadOnly));
        QList<QByteArray> lines = in.readAll().split('\n');
        lines.insert(
            5, R"({"op":"mcm","pt":1497351300000,"mc":[{"id":"1.132153978","rc":[{"id":12115648,"ltp":0.2}]}]})");
        lines.insert(50, "{\"op\":\"mcm\",\"pt\":1497351400000,\"mc\":[");
        lines.insert(100, R"({"op":"ocm","pt":1497351500000,"oc":[]})");
        QFile out(path);
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(lines.join('\n'));
    }
    const QString db = dir.filePath(QStringLiteral("damaged.db"));
    const Run r = cli({ QStringLiteral("import"), path, QStringLiteral("--db"), db, QStringLiteral("--quiet") });
    QVERIFY2(r.code == 0, r.err.constData());
    QCOMPARE(tables(db).value(QStringLiteral("rejects")).toInteger(), 3);
    {
        QSqlDatabase sql = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("check"));
        sql.setDatabaseName(db);
        QVERIFY(sql.open());
        QSqlQuery q(QStringLiteral("SELECT code, message, raw FROM rejects ORDER BY id"), sql);
        QStringList codes;
        while (q.next()) {
            codes << q.value(0).toString();
            QVERIFY(!q.value(1).toString().isEmpty());
            QVERIFY(q.value(2).toByteArray().startsWith("{\"op\":"));
        }
        QCOMPARE(codes,
            QStringList(
                { QStringLiteral("out_of_range"), QStringLiteral("malformed_json"), QStringLiteral("unknown_type") }));
    }
    QSqlDatabase::removeDatabase(QStringLiteral("check"));
    // The good lines around them are all stored: as many prices as from the clean file.
    const QString clean = dir.filePath(QStringLiteral("clean.db"));
    QCOMPARE(cli({ QStringLiteral("import"), dataPath("BASIC-1.132153978"), QStringLiteral("--db"), clean,
                     QStringLiteral("--quiet") })
                 .code,
        0);
    QCOMPARE(
        tables(db).value(QStringLiteral("odds")).toInteger(), tables(clean).value(QStringLiteral("odds")).toInteger());
}

void TestCliBetfair::servingOptionsOfTheReferenceProtocolAreRefused()
{
    // Serving works (tst_betfair_stream); what only the reference protocol's server has is refused
    // with the reason rather than ignored.
    for (const char *option : { "--loop", "--faults=drop_every=10" }) {
        const Run r = cli({ QStringLiteral("replay"), dataPath("BASIC-1.132153978"), QStringLiteral("--serve"),
            QStringLiteral("0"), QLatin1String(option) });
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("does not apply to serving Betfair files"), r.err.constData());
    }
    const Run r = cli({ QStringLiteral("replay"), dataPath("BASIC-1.132153978"), QStringLiteral("--from"),
        QStringLiteral("+60s"), QStringLiteral("--no-store") });
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("--from does not apply to Betfair files"), r.err.constData());
}

QTEST_GUILESS_MAIN(TestCliBetfair)
#include "tst_cli_betfair.moc"

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

#include <map>

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
    qint64 books = 0;
    /// Every runner's book half-way through the files (the market's last image empties them), as
    /// the profile's market cache holds it: "fixture|market|selection" -> side ("back", "lay",
    /// "traded") -> price -> size; and the last seq by then.
    std::map<QString, std::map<QString, std::map<double, double>>> midBooks;
    quint64 midSeq = 0;
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
    const quint64 half = reader.value()->info().frames / 2;
    for (quint64 line = 1; reader.value()->next(rec); ++line) {
        decoder.decode(rec.frame.bytes, FrameContext {}, out);
        if (line == half) {
            e.midSeq = out.events.empty() ? 0 : out.events.back().seq;
            for (const Betfair::MarketState &m : decoder.cache().markets()) {
                if (!m.definition) {
                    continue; // forgotten, or never named
                }
                for (const Betfair::RunnerState &r : m.runners) {
                    auto &book = e.midBooks[QStringLiteral("%1|%2|%3")
                                                .arg(m.definition->eventId, m.definition->marketType, r.displayName())];
                    for (const auto &[side, ladder] : { std::pair { QStringLiteral("back"), &r.availableToBack },
                             std::pair { QStringLiteral("lay"), &r.availableToLay },
                             std::pair { QStringLiteral("traded"), &r.traded } }) {
                        for (const Betfair::PriceSize &p : ladder->points()) {
                            book[side][p.price] = p.size;
                        }
                    }
                }
            }
        }
    }
    for (const Event &ev : out.events) {
        e.odds += ev.odds() ? 1 : 0;
        e.fixtureUpdates += ev.fixture() ? 1 : 0;
        e.books += ev.book() ? 1 : 0;
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
    QCOMPARE(t.value(QStringLiteral("books")).toInteger(), want.books);
    QVERIFY(want.books > want.odds);

    // The stored book changes, replayed in seq order as the schema says, rebuild every runner's
    // book half-way through exactly; this is what a user exports.
    {
        Run csv = cli({ QStringLiteral("export"), QStringLiteral("--table"), QStringLiteral("books"),
            QStringLiteral("--db"), db.url(), QStringLiteral("--epoch-ms") });
        QVERIFY2(csv.code == 0, csv.err.constData());
        QList<QByteArray> lines = csv.out.split('\n');
        QCOMPARE(lines.front().trimmed(),
            QByteArray("source_id,seq,ts,received_at,fixture_id,market_type,selection,timestamp,image,traded_total,"
                       "back,lay,traded"));
        std::map<quint64, QList<QByteArray>> bySeq;
        for (qsizetype i = 1; i < lines.size(); ++i) {
            if (!lines[i].trimmed().isEmpty()) {
                const QList<QByteArray> cells = lines[i].trimmed().split(',');
                QCOMPARE(cells.size(), qsizetype(13)); // no text of a Betfair book holds a comma
                bySeq[cells[1].toULongLong()] = cells;
            }
        }
        QCOMPARE(qint64(bySeq.size()), want.books);
        std::map<QString, std::map<QString, std::map<double, double>>> rebuilt;
        for (const auto &[seq, cells] : bySeq) {
            if (seq > want.midSeq) {
                break;
            }
            auto &book = rebuilt[QString::fromUtf8(cells[4] + '|' + cells[5] + '|' + cells[6])];
            if (cells[8] == "1") {
                book.clear();
            }
            const QString sides[] = { QStringLiteral("back"), QStringLiteral("lay"), QStringLiteral("traded") };
            for (int s = 0; s < 3; ++s) {
                for (const QByteArray &pair : cells[10 + s].split(' ')) {
                    if (pair.isEmpty()) {
                        continue;
                    }
                    const QList<QByteArray> ps = pair.split(':');
                    QCOMPARE(ps.size(), qsizetype(2));
                    if (ps[1].toDouble() > 0) {
                        book[sides[s]][ps[0].toDouble()] = ps[1].toDouble();
                    } else {
                        book[sides[s]].erase(ps[0].toDouble());
                    }
                }
            }
        }
        auto wanted = want.midBooks;
        for (auto *books : { &rebuilt, &wanted }) { // an empty side or book is no side or book
            for (auto &[runner, sides] : *books) {
                std::erase_if(sides, [](const auto &side) { return side.second.empty(); });
            }
            std::erase_if(*books, [](const auto &runner) { return runner.second.empty(); });
        }
        QVERIFY(!wanted.empty());
        QCOMPARE(rebuilt.size(), wanted.size());
        QVERIFY(rebuilt == wanted);
        QVERIFY(!wanted.begin()->second[QStringLiteral("traded")].empty());
    }

    // The same files again: every event is recognised by its seq, nothing is stored twice.
    r = cli(QStringList { QStringLiteral("import") } + files
        + QStringList {
            QStringLiteral("--db"), db.url(), QStringLiteral("--quiet"), QStringLiteral("--summary-json"), summary });
    QVERIFY2(r.code == 0, r.err.constData());
    t = tables(db.url());
    QCOMPARE(t.value(QStringLiteral("odds")).toInteger(), want.odds);
    QCOMPARE(t.value(QStringLiteral("fixture_updates")).toInteger(), want.fixtureUpdates);
    QCOMPARE(t.value(QStringLiteral("rejects")).toInteger(), want.rejects);
    QFile f(summary);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray json = f.readAll();
    const QByteArray duplicates = "\"duplicates\": " + QByteArray::number(want.odds + want.fixtureUpdates + want.books);
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
        lines.insert(lines.last().isEmpty() ? lines.size() - 1 : lines.size(), "{\"op\":\"mcm\",\"pt\":14973516");
        lines.insert(0, "{\"op\":\"mcm\",\"pt\":"); // before any event
        QFile out(path);
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(lines.join('\n'));
    }
    const QString db = dir.filePath(QStringLiteral("damaged.db"));
    const Run r = cli({ QStringLiteral("import"), path, QStringLiteral("--db"), db, QStringLiteral("--quiet") });
    QVERIFY2(r.code == 0, r.err.constData());
    QCOMPARE(tables(db).value(QStringLiteral("rejects")).toInteger(), 5);
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
            QStringList({ QStringLiteral("malformed_json"), QStringLiteral("out_of_range"),
                QStringLiteral("malformed_json"), QStringLiteral("unknown_type"), QStringLiteral("malformed_json") }));
    }
    QSqlDatabase::removeDatabase(QStringLiteral("check"));
    // Imported again: each rejected line, the last one too, is recognised by its place in the
    // stream, as the events are; nothing is stored twice.
    const qint64 odds = tables(db).value(QStringLiteral("odds")).toInteger();
    const QString summary = dir.filePath(QStringLiteral("again.json"));
    const Run again = cli({ QStringLiteral("import"), path, QStringLiteral("--db"), db, QStringLiteral("--quiet"),
        QStringLiteral("--summary-json"), summary });
    QVERIFY2(again.code == 0, again.err.constData());
    QCOMPARE(tables(db).value(QStringLiteral("rejects")).toInteger(), 5);
    QCOMPARE(tables(db).value(QStringLiteral("odds")).toInteger(), odds);
    QFile f(summary);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QJsonObject totals = QJsonDocument::fromJson(f.readAll()).object();
    QVERIFY2(QJsonDocument(totals).toJson().contains("\"rejects\": 0"), QJsonDocument(totals).toJson().constData());
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

    // A capture file does not say which profile its frames need yet: recording a Betfair stream
    // is refused before anything connects.
    QTemporaryDir dir;
    const QString token = dir.filePath(QStringLiteral("token"));
    {
        QFile f(token);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("session-token\n");
    }
    qputenv("ODDSTAP_BETFAIR_APP_KEY", "app-key");
    for (const char *option : { "--record", "--ring" }) {
        const Run rec = cli(
            { QStringLiteral("capture"), QStringLiteral("--url"), QStringLiteral("betfair://127.0.0.1:9?marketIds=1.2"),
                QStringLiteral("--token-file"), token, QLatin1String(option),
                option == QByteArrayView("--ring") ? QStringLiteral("60") : dir.filePath(QStringLiteral("bf.odtc")),
                QStringLiteral("--no-store") });
        QCOMPARE(rec.code, 2);
        QVERIFY2(rec.err.contains("recording works with feed-protocol v1 sources only"), rec.err.constData());
        QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("bf.odtc"))));
    }
    qunsetenv("ODDSTAP_BETFAIR_APP_KEY");
}

QTEST_GUILESS_MAIN(TestCliBetfair)
#include "tst_cli_betfair.moc"

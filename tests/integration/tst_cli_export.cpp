// SPDX-License-Identifier: MIT
// `oddstap-cli export` against a real SQLite file, every output parsed by a real CSV reader
// (Python's csv module) and compared field by field with what was stored.
#include <core/export/csvexport.h>
#include <core/storage/storage.h>
#include <tests/testutils/csvreader.h>
#include <tests/testutils/smalltmpfs.h>

#include <QDeadlineTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <sys/stat.h>

using namespace OddsTap;
using namespace OddsTap::Testing;

namespace {

const QString kNames[] = {
    QStringLiteral("Plain FC"),
    QStringLiteral("Comma, United"),
    QStringLiteral("The \"Quoted\" Club"),
    QStringLiteral("Two\nLines"),
    QStringLiteral("Emoji ⚽🏆 Ñandú"),
    QStringLiteral("=SUM(A1:A9)"),
    QStringLiteral("+44 Rovers"),
    QStringLiteral("-1 Athletic"),
    QStringLiteral("@handle"),
    QStringLiteral("\tTabbed"),
};

Event fixtureEvent(quint64 seq, const QString &id, const QString &home, const QString &away)
{
    Event e;
    e.type = EventType::Fixture;
    e.seq = seq;
    e.sourceId = QStringLiteral("src");
    e.serverTsMs = 1798761600000LL + qint64(seq) * 1000 + 123;
    e.receivedAtMs = e.serverTsMs + 5;
    FixtureData f;
    f.fixtureId = id;
    f.sportId = 1;
    f.tournamentId = 3;
    f.startTimeMs = 1798765200000LL;
    f.status = FixtureStatus::Live;
    f.home = home;
    f.away = away;
    f.score = QStringLiteral("1-0");
    e.data = f;
    return e;
}

Event oddsEvent(quint64 seq, const QString &fixture, const QString &market, const QString &selection, double price)
{
    Event e;
    e.type = EventType::Odds;
    e.seq = seq;
    e.sourceId = QStringLiteral("src");
    e.serverTsMs = 1798761600000LL + qint64(seq);
    e.receivedAtMs = e.serverTsMs + 3;
    e.data = OddsData { fixture, market, selection, price, e.serverTsMs, PriceStatus::Open };
    return e;
}

struct Run
{
    int exitCode = -1;
    QString stderrText;
};

Run cli(const QStringList &args)
{
    QProcess p;
    p.start(QStringLiteral(ODDSTAP_CLI_PATH), args);
    p.waitForFinished(120000);
    return { p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAllStandardError()) };
}

} // namespace

class TestCliExport : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void namesSurviveQuotingFieldByField();
    void formulaGuardAndRawAndNumbers();
    void filtersSelectExactlyTheRightRows();
    void delimiterLineEndsBomAndEpochMs();
    void errorsAreClearAndLeaveNoFile();
    void cancelLeavesNoTruncatedFile();
    void formulaGuardFollowsOwasp_data();
    void formulaGuardFollowsOwasp();
    void failedReplaceKeepsTheOldFile();
    void readOnlyDatabaseIsReadAndExported();
    void aPipeOrADeviceIsWrittenIntoNotReplaced();
    void aDatabaseGivenWithoutDbIsRefused();
    void aFullDiskFailsTheExportAndLeavesNoFile();

private:
    QTemporaryDir m_dir;
    QString m_db;
};

void TestCliExport::initTestCase()
{
    registerMetaTypes();
    m_db = m_dir.filePath(QStringLiteral("export.db"));
    auto storage = Storage::open(*StorageTarget::parse(m_db), QStringLiteral("export-setup"));
    QVERIFY2(storage, qPrintable(storage ? QString() : storage.error().message));
    EventBatch batch;
    batch.sourceId = QStringLiteral("src");
    quint64 seq = 0;
    for (int i = 0; i < 10; ++i) {
        batch.events.push_back(fixtureEvent(++seq, QStringLiteral("fx-%1").arg(i), kNames[i], kNames[9 - i]));
    }
    const double prices[] = { 2.15, 1.1, 3.3, 1.01, 17.5, 1.0 + 1.0 / 3.0 };
    for (int i = 0; i < 600; ++i) {
        batch.events.push_back(oddsEvent(++seq, QStringLiteral("fx-%1").arg(i % 3),
            i % 2 == 0 ? QStringLiteral("1x2") : QStringLiteral("ou_2.5"), QStringLiteral("sel-%1").arg(i % 4),
            prices[i % 6]));
    }
    batch.streamAdvances = seq;
    batch.lastSeq = seq;
    QVERIFY((*storage)->write(batch));
    // A big second source for the cancel test.
    EventBatch big;
    big.sourceId = QStringLiteral("big");
    for (quint64 s = 1; s <= 300000; ++s) {
        Event e =
            oddsEvent(s, QStringLiteral("fx-big-%1").arg(s % 500), QStringLiteral("1x2"), QStringLiteral("home"), 2.5);
        e.sourceId = QStringLiteral("big");
        big.events.push_back(std::move(e));
    }
    big.streamAdvances = 300000;
    big.lastSeq = 300000;
    QVERIFY((*storage)->write(big));
}

void TestCliExport::namesSurviveQuotingFieldByField()
{
    const QString out = m_dir.filePath(QStringLiteral("fixtures.csv"));
    const Run r = cli({ QStringLiteral("export"), QStringLiteral("--db"), m_db, QStringLiteral("--table"),
        QStringLiteral("fixture_updates"), QStringLiteral("--raw"), QStringLiteral("--out"), out });
    QVERIFY2(r.exitCode == 0, qPrintable(r.stderrText));
    const QList<QStringList> rows = readCsv(out);
    QCOMPARE(rows.size(), 11);
    QCOMPARE(rows[0],
        QStringList({ QStringLiteral("source_id"), QStringLiteral("seq"), QStringLiteral("ts"),
            QStringLiteral("received_at"), QStringLiteral("fixture_id"), QStringLiteral("sport_id"),
            QStringLiteral("tournament_id"), QStringLiteral("start_time"), QStringLiteral("status"),
            QStringLiteral("home"), QStringLiteral("away"), QStringLiteral("score") }));
    for (int i = 0; i < 10; ++i) {
        const QStringList &row = rows[i + 1];
        QCOMPARE(row.size(), 12);
        QCOMPARE(row[0], QStringLiteral("src"));
        QCOMPARE(row[1], QString::number(i + 1));
        QCOMPARE(row[2], QStringLiteral("2027-01-01T00:00:%1.123Z").arg(i + 1, 2, 10, QLatin1Char('0')));
        QCOMPARE(row[4], QStringLiteral("fx-%1").arg(i));
        QCOMPARE(row[7], QStringLiteral("2027-01-01T01:00:00.000Z"));
        QCOMPARE(row[8], QStringLiteral("live"));
        QCOMPARE(row[9], kNames[i]); // --raw: exactly as stored, commas, quotes, newlines, emoji
        QCOMPARE(row[10], kNames[9 - i]);
        QCOMPARE(row[11], QStringLiteral("1-0"));
    }
    // CRLF by default, and a quoted field with a newline inside.
    QFile f(out);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray bytes = f.readAll();
    QVERIFY(bytes.contains("\r\n"));
    QVERIFY(bytes.contains("\"Two\nLines\""));
    QVERIFY(bytes.contains("\"The \"\"Quoted\"\" Club\""));
}

void TestCliExport::formulaGuardAndRawAndNumbers()
{
    const QString out = m_dir.filePath(QStringLiteral("guarded.csv"));
    const Run r = cli(
        { QStringLiteral("export"), QStringLiteral("--db"), m_db, QStringLiteral("--table"), QStringLiteral("fixtures"),
            QStringLiteral("--columns"), QStringLiteral("fixture_id,home,sport_id"), QStringLiteral("--out"), out });
    QVERIFY2(r.exitCode == 0, qPrintable(r.stderrText));
    const QList<QStringList> rows = readCsv(out);
    QCOMPARE(rows.size(), 11);
    QCOMPARE(
        rows[0], QStringList({ QStringLiteral("fixture_id"), QStringLiteral("home"), QStringLiteral("sport_id") }));
    for (int i = 1; i <= 10; ++i) {
        const int index = rows[i][0].mid(3).toInt();
        const QString name = kNames[index];
        const QChar first = name.front();
        const bool risky = first == QLatin1Char('=') || first == QLatin1Char('+') || first == QLatin1Char('-')
            || first == QLatin1Char('@') || first == QLatin1Char('\t');
        QCOMPARE(rows[i][1], risky ? QStringLiteral("'") + name : name);
        QCOMPARE(rows[i][2], QStringLiteral("1")); // numbers are never guarded
    }
    // Prices without float noise, and negative-looking text only guarded in text columns.
    const QString odds = m_dir.filePath(QStringLiteral("odds-all.csv"));
    QCOMPARE(cli({ QStringLiteral("export"), QStringLiteral("--db"), m_db, QStringLiteral("--table"),
                     QStringLiteral("odds"), QStringLiteral("--source"), QStringLiteral("src"),
                     QStringLiteral("--columns"), QStringLiteral("seq,odd_value"), QStringLiteral("--out"), odds })
                 .exitCode,
        0);
    const QList<QStringList> prices = readCsv(odds);
    QCOMPARE(prices.size(), 601);
    const QStringList expected = { QStringLiteral("2.15"), QStringLiteral("1.1"), QStringLiteral("3.3"),
        QStringLiteral("1.01"), QStringLiteral("17.5"), QStringLiteral("1.3333333333333333") };
    for (int i = 1; i <= 600; ++i) {
        const int n = prices[i][0].toInt() - 11; // odds seqs start after the 10 fixtures (any row order)
        QCOMPARE(prices[i][1], expected[n % 6]);
    }
}

void TestCliExport::filtersSelectExactlyTheRightRows()
{
    const QString out = m_dir.filePath(QStringLiteral("filtered.csv"));
    // odds i: fixture fx-(i%3), market 1x2 for even i, selection sel-(i%4), seq 11 + i, ts base + seq.
    const Run r =
        cli({ QStringLiteral("export"), QStringLiteral("--db"), m_db, QStringLiteral("--table"), QStringLiteral("odds"),
            QStringLiteral("--fixture"), QStringLiteral("fx-1"), QStringLiteral("--fixture"), QStringLiteral("fx-2"),
            QStringLiteral("--market"), QStringLiteral("1x2"), QStringLiteral("--selection"), QStringLiteral("sel-2"),
            QStringLiteral("--from"), QStringLiteral("2027-01-01T00:00:00.100Z"), QStringLiteral("--to"),
            QString::number(1798761600000LL + 500), QStringLiteral("--epoch-ms"), QStringLiteral("--out"), out });
    QVERIFY2(r.exitCode == 0, qPrintable(r.stderrText));
    const QList<QStringList> rows = readCsv(out);
    QList<int> expected;
    for (int i = 0; i < 600; ++i) {
        const qint64 seq = 11 + i;
        const bool match = (i % 3 == 1 || i % 3 == 2) && i % 2 == 0 && i % 4 == 2 && seq >= 100 && seq < 500;
        if (match) {
            expected << int(seq);
        }
    }
    QVERIFY(!expected.isEmpty());
    QCOMPARE(rows.size() - 1, expected.size());
    // SQLite exports come in storage (commit) order, which need not be seq order: sort to compare.
    QList<QStringList> body = rows.mid(1);
    std::sort(body.begin(), body.end(),
        [](const QStringList &a, const QStringList &b) { return a[1].toInt() < b[1].toInt(); });
    for (int k = 0; k < expected.size(); ++k) {
        const QStringList &row = body[k];
        QCOMPARE(row[1].toInt(), expected[k]);
        QVERIFY(row[4] == QLatin1String("fx-1") || row[4] == QLatin1String("fx-2"));
        QCOMPARE(row[5], QStringLiteral("1x2"));
        QCOMPARE(row[6], QStringLiteral("sel-2"));
        QCOMPARE(row[8], QString::number(1798761600000LL + expected[k])); // --epoch-ms
    }
}

void TestCliExport::delimiterLineEndsBomAndEpochMs()
{
    const QString out = m_dir.filePath(QStringLiteral("excel.csv"));
    const Run r = cli({ QStringLiteral("export"), QStringLiteral("--db"), m_db, QStringLiteral("--table"),
        QStringLiteral("fixtures"), QStringLiteral("--delimiter"), QStringLiteral("semicolon"), QStringLiteral("--lf"),
        QStringLiteral("--bom"), QStringLiteral("--raw"), QStringLiteral("--out"), out });
    QVERIFY2(r.exitCode == 0, qPrintable(r.stderrText));
    QFile f(out);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray bytes = f.readAll();
    QVERIFY(bytes.startsWith("\xEF\xBB\xBF"));
    QVERIFY(!bytes.contains("\r\n"));
    const QList<QStringList> rows = readCsv(out, QStringLiteral(";"));
    QCOMPARE(rows.size(), 11);
    QCOMPARE(rows[0].size(), 12);
    QStringList homes;
    for (int i = 1; i < rows.size(); ++i) {
        homes << rows[i][9];
    }
    for (const QString &name : kNames) {
        QVERIFY2(homes.contains(name), qPrintable(name));
    }
}

void TestCliExport::errorsAreClearAndLeaveNoFile()
{
    // A file where a directory should be: the directory cannot be made, and the error says which.
    const Run unwritable = cli({ QStringLiteral("export"), QStringLiteral("--db"), m_db, QStringLiteral("--table"),
        QStringLiteral("odds"), QStringLiteral("--out"), m_db + QStringLiteral("/x.csv") });
    QCOMPARE(unwritable.exitCode, 2);
    QVERIFY2(unwritable.stderrText.contains(QStringLiteral("cannot create the directory '%1'").arg(m_db)),
        qPrintable(unwritable.stderrText));
    // A directory that does not exist yet is made (the rule of every output path).
    const QString nested = m_dir.filePath(QStringLiteral("reports/today/odds.csv"));
    const Run made = cli({ QStringLiteral("export"), QStringLiteral("--db"), m_db, QStringLiteral("--table"),
        QStringLiteral("fixtures"), QStringLiteral("--out"), nested });
    QVERIFY2(made.exitCode == 0, qPrintable(made.stderrText));
    QVERIFY(QFileInfo(nested).isFile());
    const Run table = cli(
        { QStringLiteral("export"), QStringLiteral("--db"), m_db, QStringLiteral("--table"), QStringLiteral("nope") });
    QCOMPARE(table.exitCode, 2);
    QVERIFY(table.stderrText.contains(QLatin1String("unknown table")));
    const Run column = cli({ QStringLiteral("export"), QStringLiteral("--db"), m_db, QStringLiteral("--table"),
        QStringLiteral("odds"), QStringLiteral("--columns"), QStringLiteral("seq,colour") });
    QCOMPARE(column.exitCode, 2);
    QVERIFY(column.stderrText.contains(QLatin1String("no column 'colour'")));
    const Run time = cli({ QStringLiteral("export"), QStringLiteral("--db"), m_db, QStringLiteral("--table"),
        QStringLiteral("odds"), QStringLiteral("--from"), QStringLiteral("yesterday") });
    QCOMPARE(time.exitCode, 2);
    QVERIFY(time.stderrText.contains(QLatin1String("ISO 8601")));
    const Run missing = cli({ QStringLiteral("export"), QStringLiteral("--db"), m_dir.filePath(QStringLiteral("no.db")),
        QStringLiteral("--table"), QStringLiteral("odds") });
    QCOMPARE(missing.exitCode, 2);
    QVERIFY(missing.stderrText.contains(QLatin1String("no database")));
}

void TestCliExport::cancelLeavesNoTruncatedFile()
{
    // In process: a progress callback that says stop.
    {
        auto storage = Storage::open(*StorageTarget::parse(m_db), QStringLiteral("export-cancel"));
        QVERIFY(storage);
        QFile f(m_dir.filePath(QStringLiteral("cancel-core.csv")));
        QVERIFY(f.open(QIODevice::WriteOnly));
        ExportRequest request;
        request.table = QStringLiteral("odds");
        request.source = QStringLiteral("big");
        auto r = exportCsv(**storage, request, f, [](quint64 rows) { return rows < 20000; });
        QVERIFY(r);
        QVERIFY(r->cancelled);
        QVERIFY(r->rows < 300000);
    }
    // The CLI: SIGTERM while it writes; neither the file nor the partial file remains.
    const QString out = m_dir.filePath(QStringLiteral("cancelled.csv"));
    QProcess p;
    p.start(QStringLiteral(ODDSTAP_CLI_PATH),
        { QStringLiteral("export"), QStringLiteral("--db"), m_db, QStringLiteral("--table"), QStringLiteral("odds"),
            QStringLiteral("--source"), QStringLiteral("big"), QStringLiteral("--out"), out });
    QVERIFY(p.waitForStarted());
    (void)QTest::qWaitFor(
        [&] { return QFileInfo(out + QStringLiteral(".partial")).size() > 0 || p.state() != QProcess::Running; },
        30000);
    QVERIFY2(p.state() == QProcess::Running, "the export finished before it could be cancelled");
    ::kill(pid_t(p.processId()), SIGTERM);
    QVERIFY(p.waitForFinished(30000));
    QCOMPARE(p.exitCode(), 3);
    QVERIFY(QString::fromUtf8(p.readAllStandardError()).contains(QLatin1String("cancelled")));
    QVERIFY(!QFileInfo::exists(out));
    QVERIFY(!QFileInfo::exists(out + QStringLiteral(".partial")));
}

void TestCliExport::aDatabaseGivenWithoutDbIsRefused()
{
    // `stats a.db` and `export a.db ...` read the default database, the file silently ignored.
    for (const QStringList &args : { QStringList { QStringLiteral("stats"), m_db },
             QStringList { QStringLiteral("export"), m_db, QStringLiteral("--table"), QStringLiteral("odds") } }) {
        const Run r = cli(args);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.stderrText.contains(QStringLiteral("unexpected argument '%1'").arg(m_db))
                && r.stderrText.contains(QLatin1String("a database goes after --db")),
            qPrintable(r.stderrText));
    }
}

void TestCliExport::aPipeOrADeviceIsWrittenIntoNotReplaced()
{
    // `--out /dev/null`, a FIFO, `--out >(gzip > x.gz)`: the rows go into it. The partial file
    // renamed over the target replaced a FIFO with a regular file (and, run as root, /dev/null).
    const QString fifo = m_dir.filePath(QStringLiteral("rows.fifo"));
    QCOMPARE(::mkfifo(QFile::encodeName(fifo).constData(), 0600), 0);
    const QString received = m_dir.filePath(QStringLiteral("received.csv"));
    QProcess reader;
    reader.setStandardOutputFile(received);
    reader.start(QStringLiteral("cat"), { fifo });
    QVERIFY(reader.waitForStarted());
    const Run r = cli({ QStringLiteral("export"), QStringLiteral("--db"), m_db, QStringLiteral("--table"),
        QStringLiteral("odds"), QStringLiteral("--source"), QStringLiteral("src"), QStringLiteral("--out"), fifo });
    QVERIFY2(r.exitCode == 0, qPrintable(r.stderrText));
    QVERIFY(reader.waitForFinished(10000));
    QVERIFY(QFileInfo(fifo).exists() && !QFileInfo(fifo).isFile()); // still the FIFO
    QVERIFY(!QFileInfo::exists(fifo + QStringLiteral(".partial")));
    QFile csv(received);
    QVERIFY(csv.open(QIODevice::ReadOnly));
    QCOMPARE(csv.readAll().count('\n'), 601); // the header and the 600 odds rows

    // /dev/null stays a device.
    const Run n = cli({ QStringLiteral("export"), QStringLiteral("--db"), m_db, QStringLiteral("--table"),
        QStringLiteral("fixtures"), QStringLiteral("--out"), QStringLiteral("/dev/null") });
    QVERIFY2(n.exitCode == 0, qPrintable(n.stderrText));
    QVERIFY(!QFileInfo(QStringLiteral("/dev/null")).isFile());

    // A reader that quits early (`| head`): the export stops and says so, instead of Qt's
    // "Unknown error" for EPIPE.
    QProcess head;
    head.setStandardOutputFile(QProcess::nullDevice());
    head.start(QStringLiteral("head"), { QStringLiteral("-c"), QStringLiteral("100"), fifo });
    QVERIFY(head.waitForStarted());
    const Run p = cli({ QStringLiteral("export"), QStringLiteral("--db"), m_db, QStringLiteral("--table"),
        QStringLiteral("odds"), QStringLiteral("--source"), QStringLiteral("big"), QStringLiteral("--out"), fifo });
    QVERIFY(head.waitForFinished(10000));
    QCOMPARE(p.exitCode, 2);
    QVERIFY2(p.stderrText.contains(QStringLiteral("the reader at the other end of the pipe has gone")),
        qPrintable(p.stderrText));
}

void TestCliExport::aFullDiskFailsTheExportAndLeavesNoFile()
{
    // A small export fits in the file's buffer: its write failed only when the file was closed,
    // unchecked, and an empty CSV was renamed into place with exit 0.
    OddsTap::Testing::SmallTmpfs fs(1024 * 1024);
    QVERIFY2(fs.ok(), qPrintable(fs.error()));
    {
        QFile filler(fs.path() + QStringLiteral("/filler"));
        QVERIFY(filler.open(QIODevice::WriteOnly | QIODevice::Unbuffered));
        const QByteArray block(4096, 'f');
        while (filler.write(block) == block.size()) { }
    }
    const QString out = fs.path() + QStringLiteral("/fixtures.csv");
    const Run r = cli({ QStringLiteral("export"), QStringLiteral("--db"), m_db, QStringLiteral("--table"),
        QStringLiteral("fixture_updates"), QStringLiteral("--out"), out });
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.stderrText.contains(QStringLiteral("cannot write the CSV")), qPrintable(r.stderrText));
    QVERIFY(!QFileInfo::exists(out));
    QVERIFY(!QFileInfo::exists(out + QStringLiteral(".partial")));
    // A big one onto an empty small disk fills it part way, while the rows go out: the system's
    // reason, not Qt's "Unknown error" (the system's text follows the locale: only Qt's is ruled out).
    OddsTap::Testing::SmallTmpfs empty(1024 * 1024);
    QVERIFY2(empty.ok(), qPrintable(empty.error()));
    const QString bigOut = empty.path() + QStringLiteral("/odds.csv");
    const Run big = cli({ QStringLiteral("export"), QStringLiteral("--db"), m_db, QStringLiteral("--table"),
        QStringLiteral("odds"), QStringLiteral("--source"), QStringLiteral("big"), QStringLiteral("--out"), bigOut });
    QCOMPARE(big.exitCode, 2);
    QVERIFY2(big.stderrText.contains(QStringLiteral("cannot write the CSV")), qPrintable(big.stderrText));
    QVERIFY2(!big.stderrText.contains(QStringLiteral("Unknown error")), qPrintable(big.stderrText));
    QVERIFY(!QFileInfo::exists(bigOut) && !QFileInfo::exists(bigOut + QStringLiteral(".partial")));
}

QTEST_GUILESS_MAIN(TestCliExport)
void TestCliExport::formulaGuardFollowsOwasp_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QByteArray>("csv");
    QTest::addRow("equals") << QByteArray("=1+1") << QByteArray("\"'=1+1\"");
    QTest::addRow("space, then equals") << QByteArray(" =cmd|' /C calc'!A0") << QByteArray("\"' =cmd|' /C calc'!A0\"");
    QTest::addRow("leading tab") << QByteArray("\t=1") << QByteArray("\"'\t=1\"");
    QTest::addRow("leading CR") << QByteArray("\r=1") << QByteArray("\"'\r=1\"");
    QTest::addRow("NUL, then at") << QByteArray("\0@SUM(A1)", 9) << QByteArray("\"'\0@SUM(A1)\"", 12);
    QTest::addRow("fullwidth plus") << QByteArray("\xef\xbc\x8b"
                                                  "1")
                                    << QByteArray("\"'\xef\xbc\x8b"
                                                  "1\"");
    QTest::addRow("minus") << QByteArray("-2+3") << QByteArray("\"'-2+3\"");
    QTest::addRow("plain") << QByteArray("Arsenal") << QByteArray("Arsenal");
    QTest::addRow("equals inside") << QByteArray("a=b") << QByteArray("a=b");
    QTest::addRow("spaces only") << QByteArray("   ") << QByteArray("   ");
}

void TestCliExport::formulaGuardFollowsOwasp()
{
    QFETCH(QByteArray, text);
    QFETCH(QByteArray, csv);
    OddsTap::CsvOptions options;
    QByteArray out;
    OddsTap::appendCsvField(out, text, OddsTap::CsvKind::Text, options);
    QCOMPARE(out, csv);
    options.formulaGuard = false; // --raw
    out.clear();
    OddsTap::appendCsvField(out, QByteArrayView("=1"), OddsTap::CsvKind::Text, options);
    QCOMPARE(out, QByteArray("=1"));
}

void TestCliExport::failedReplaceKeepsTheOldFile()
{
    // The old export stays whole until the new one replaces it in one step; a replace that fails
    // leaves it as it was (it used to be deleted first).
    const QString target = m_dir.filePath(QStringLiteral("kept.csv"));
    {
        QFile f(target);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("old,export\n");
    }
    const auto r = OddsTap::replaceFile(m_dir.filePath(QStringLiteral("vanished.partial")), target);
    QVERIFY(!r);
    QVERIFY2(r.error().message.contains(QStringLiteral("unchanged")), qPrintable(r.error().message));
    QFile f(target);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll(), QByteArray("old,export\n"));

    const QString partial = m_dir.filePath(QStringLiteral("kept.csv.partial"));
    {
        QFile p(partial);
        QVERIFY(p.open(QIODevice::WriteOnly));
        p.write("new,export\n");
    }
    QVERIFY(OddsTap::replaceFile(partial, target));
    QVERIFY(!QFile::exists(partial));
    QFile g(target);
    QVERIFY(g.open(QIODevice::ReadOnly));
    QCOMPARE(g.readAll(), QByteArray("new,export\n"));
}

void TestCliExport::readOnlyDatabaseIsReadAndExported()
{
    // stats, export and diff only read: a database on a read-only file system (an archive, a
    // mounted backup) works, WAL mode and all.
    OddsTap::Testing::SmallTmpfs fs(8 * 1024 * 1024);
    QVERIFY2(fs.ok(), qPrintable(fs.error()));
    const QString db = fs.path() + QStringLiteral("/archive.db");
    {
        auto storage = Storage::open(*StorageTarget::parse(db), QStringLiteral("export-readonly"));
        QVERIFY2(storage, qPrintable(storage ? QString() : storage.error().message));
        EventBatch batch;
        batch.sourceId = QStringLiteral("src");
        for (quint64 seq = 1; seq <= 50; ++seq) {
            batch.events.push_back(
                oddsEvent(seq, QStringLiteral("fx-1"), QStringLiteral("1x2"), QStringLiteral("home"), 2.5));
        }
        batch.streamAdvances = 50;
        batch.lastSeq = 50;
        QVERIFY((*storage)->write(batch));
    }
    QVERIFY(fs.remountReadOnly());
    QProcess stats;
    stats.start(QStringLiteral(ODDSTAP_CLI_PATH), { QStringLiteral("stats"), QStringLiteral("--db"), db });
    QVERIFY(stats.waitForFinished(30000));
    QVERIFY2(stats.exitCode() == 0, stats.readAllStandardError().constData());
    const QJsonObject tables =
        QJsonDocument::fromJson(stats.readAllStandardOutput()).object().value(QStringLiteral("tables")).toObject();
    QCOMPARE(tables.value(QStringLiteral("odds")).toInteger(), 50);
    const QString csv = m_dir.filePath(QStringLiteral("from-readonly.csv"));
    const Run exported = cli({ QStringLiteral("export"), QStringLiteral("--db"), db, QStringLiteral("--table"),
        QStringLiteral("odds"), QStringLiteral("--out"), csv });
    QVERIFY2(exported.exitCode == 0, qPrintable(exported.stderrText));
    QFile f(csv);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll().count('\n'), 51);
    const Run diff = cli({ QStringLiteral("diff"), db, db });
    QVERIFY2(diff.exitCode == 0, qPrintable(diff.stderrText));
}

#include "tst_cli_export.moc"

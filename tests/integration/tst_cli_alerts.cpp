// SPDX-License-Identifier: MIT
// Alert rules as a user runs them: `capture --rules --alerts` against the simulator while it
// records, then `backtest` of that recording lists the same alerts, byte for byte (both run on the
// stream's own clock), and a rules file with a mistake is refused with the rule and field named.
#include <core/sim/simserver.h>

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <set>

using namespace OddsTap;

class TestCliAlerts : public QObject
{
    Q_OBJECT
private slots:
    void backtestOfTheRecordingListsTheLiveAlerts();
    void aBadRulesFileIsRefused();
    void storedAlertsExportAsTheLiveRunWroteThem();
    void webhookReceivesTheAlerts();
    void arbitrageAcrossThreeSimulatedBooksIsBackTestedAlike();

private:
    /// Runs oddstap-cli with the event loop turning (the simulator lives in this process); its
    /// exit code (-1: it crashed or did not end), and its standard error.
    static void cli(const QStringList &args, int &code, QByteArray &err)
    {
        code = -1;
        QProcess p;
        p.start(QStringLiteral(ODDSTAP_CLI_PATH), args);
        QVERIFY(p.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(p.state() == QProcess::NotRunning, 60000);
        err = p.readAllStandardError();
        code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    }
    /// Back-tests @p capture with @p rules and checks the CSV equals @p live line by line (so that a
    /// difference shows where it starts); the live CSV's lines.
    static void backtestEqualsLive(const QString &rules, const QString &capture, const QString &live,
        const QString &back, QList<QByteArray> &lines)
    {
        QByteArray err;
        int code = -1;
        cli({ QStringLiteral("backtest"), QStringLiteral("--rules"), rules, capture, QStringLiteral("--out"), back },
            code, err);
        QVERIFY2(code == 0, err.constData());
        QVERIFY2(err.contains("alerts from"), err.constData());
        QFile a(live);
        QFile b(back);
        QVERIFY(a.open(QIODevice::ReadOnly) && b.open(QIODevice::ReadOnly));
        lines = a.readAll().split('\n');
        sameLines(b.readAll().split('\n'), lines);
    }
    /// @p got equals @p want line by line (so that a difference shows where it starts).
    static void sameLines(const QList<QByteArray> &got, const QList<QByteArray> &want)
    {
        for (qsizetype i = 0; i < std::min(got.size(), want.size()); ++i) {
            QCOMPARE(got[i], want[i]);
        }
        QCOMPARE(got.size(), want.size());
    }
    /// The simulator as fast as the client reads, 40 fixtures, on a fixed clock.
    static SimServerConfig fastSim(quint64 seed)
    {
        SimServerConfig sc;
        sc.rate = 0;
        sc.generator.seed = seed;
        sc.generator.fixtures = 40;
        sc.generator.clockBaseMs = 1798761600000;
        sc.generator.stepMs = 2.0;
        return sc;
    }
};

void TestCliAlerts::backtestOfTheRecordingListsTheLiveAlerts()
{
    QTemporaryDir dir;
    const QString rules = dir.filePath(QStringLiteral("rules.json"));
    {
        QFile f(rules);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"rules":[
            {"name":"steamer","type":"price_move","percent":3,"within_s":5,"direction":"shorten","cooldown_s":2},
            {"name":"drifter","type":"price_move","ticks":4,"within_s":5,"direction":"drift","cooldown_s":2},
            {"name":"evens","type":"price_cross","level":2.0,"cooldown_s":1},
            {"type":"suspended","cooldown_s":0},
            {"type":"reopened","cooldown_s":0},
            {"type":"in_play","cooldown_s":0},
            {"name":"thin book","type":"overround","min":100,"max":104,"cooldown_s":0},
            {"name":"big","type":"big_bet","stake":200,"cooldown_s":0},
            {"name":"quiet","type":"stale","after_s":0.5},
            {"name":"slow","type":"score_without_price_move","within_s":0.2,"scope":{"sport":1}}
        ]})");
    }
    SimServer sim(fastSim(42));
    const Result<quint16> port = sim.start();
    QVERIFY(port);
    const QString capture = dir.filePath(QStringLiteral("session.odtc"));
    const QString live = dir.filePath(QStringLiteral("live.csv"));
    QByteArray err;
    int code = -1;
    cli({ QStringLiteral("capture"), QStringLiteral("--url"), QStringLiteral("ws://127.0.0.1:%1").arg(*port),
            QStringLiteral("--count"), QStringLiteral("30000"), QStringLiteral("--no-store"),
            QStringLiteral("--record"), capture, QStringLiteral("--rules"), rules, QStringLiteral("--alerts"), live,
            QStringLiteral("--quiet"), QStringLiteral("--summary"), QStringLiteral("none") },
        code, err);
    QVERIFY2(code == 0, err.constData());
    QList<QByteArray> lines;
    backtestEqualsLive(rules, capture, live, dir.filePath(QStringLiteral("backtest.csv")), lines);
    QVERIFY(!QTest::currentTestFailed());
    QVERIFY2(lines.size() > 50, QByteArray::number(lines.size()).constData());
    // The stream fired most kinds of rule, not one kind many times.
    std::set<QByteArray> kinds;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QList<QByteArray> cells = lines[i].split(',');
        if (cells.size() > 2) {
            kinds.insert(cells[2]);
        }
    }
    QVERIFY2(kinds.size() >= 6, QByteArray(QByteArrayList(kinds.begin(), kinds.end()).join(' ')).constData());
    // Matches kick off within the run, so going in play is among them (the back-test above
    // compared those alerts too).
    QVERIFY2(kinds.count("in_play") == 1, QByteArray(QByteArrayList(kinds.begin(), kinds.end()).join(' ')).constData());
}

void TestCliAlerts::arbitrageAcrossThreeSimulatedBooksIsBackTestedAlike()
{
    QTemporaryDir dir;
    const QString rules = dir.filePath(QStringLiteral("arb.json"));
    {
        QFile f(rules);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"rules":[{"name":"arb","type":"arbitrage","max_age_s":5,"cooldown_s":30}]})");
    }
    // `simulate --books 3`: three books of one seed, on three ports.
    QProcess sim;
    sim.start(QStringLiteral(ODDSTAP_CLI_PATH),
        { QStringLiteral("simulate"), QStringLiteral("--books"), QStringLiteral("3"), QStringLiteral("--seed"),
            QStringLiteral("9"), QStringLiteral("--rate"), QStringLiteral("0"), QStringLiteral("--fixtures"),
            QStringLiteral("30") });
    QByteArray banner;
    QTRY_VERIFY_WITH_TIMEOUT((banner += sim.readAllStandardOutput()).count("listening on") == 3, 10000);
    QStringList urls;
    const QRegularExpression re(QStringLiteral("listening on (ws://\\S+) \\(book (\\d) of 3\\)"));
    for (auto it = re.globalMatch(QString::fromUtf8(banner)); it.hasNext();) {
        const QRegularExpressionMatch m = it.next();
        QCOMPARE(m.captured(2).toInt(), int(urls.size()) / 2 + 1);
        urls << QStringLiteral("--url") << m.captured(1);
    }
    QCOMPARE(urls.size(), 6);
    const QString capture = dir.filePath(QStringLiteral("books.odtc"));
    const QString live = dir.filePath(QStringLiteral("live.csv"));
    QByteArray err;
    int code = -1;
    cli(QStringList { QStringLiteral("capture") } + urls
            + QStringList { QStringLiteral("--count"), QStringLiteral("90000"), QStringLiteral("--no-store"),
                QStringLiteral("--record"), capture, QStringLiteral("--rules"), rules, QStringLiteral("--alerts"), live,
                QStringLiteral("--quiet"), QStringLiteral("--summary"), QStringLiteral("none") },
        code, err);
    sim.terminate();
    QVERIFY(sim.waitForFinished(10000));
    QVERIFY2(code == 0, err.constData());
    QList<QByteArray> lines;
    backtestEqualsLive(rules, capture, live, dir.filePath(QStringLiteral("backtest.csv")), lines);
    QVERIFY(!QTest::currentTestFailed());
    QVERIFY2(lines.size() > 5, QByteArray::number(lines.size()).constData());
    // Every arbitrage spans books (no book quotes under 100 % alone) and returns something.
    const QRegularExpression leg(QStringLiteral(" (src-\\d) \\d+\\.\\d(,|\")"));
    for (qsizetype i = 1; i < lines.size(); ++i) {
        if (lines[i].isEmpty()) {
            continue;
        }
        QVERIFY2(lines[i].contains(",arbitrage,"), lines[i].constData());
        std::set<QString> books;
        for (auto it = leg.globalMatch(QString::fromUtf8(lines[i])); it.hasNext();) {
            books.insert(it.next().captured(1));
        }
        QVERIFY2(books.size() >= 2, lines[i].constData());
        const qsizetype quote = lines[i].indexOf(",\"");
        QVERIFY2(lines[i].mid(quote + 2, 6).toDouble() < 100.0, lines[i].constData());
    }
}

void TestCliAlerts::storedAlertsExportAsTheLiveRunWroteThem()
{
    // A capture into SQLite with rules: the alerts table, exported, lists the alerts file's lines.
    QTemporaryDir dir;
    const QString rules = dir.filePath(QStringLiteral("rules.json"));
    {
        QFile f(rules);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"rules":[
            {"name":"steamer","type":"price_move","percent":3,"within_s":5,"direction":"shorten","cooldown_s":2},
            {"type":"suspended","cooldown_s":0},
            {"type":"in_play","cooldown_s":0},
            {"name":"thin book","type":"overround","min":100,"max":104,"cooldown_s":0},
            {"name":"quiet","type":"stale","after_s":0.5}
        ]})");
    }
    SimServer sim(fastSim(7));
    const Result<quint16> port = sim.start();
    QVERIFY(port);
    const QString db = dir.filePath(QStringLiteral("alerts.db"));
    const QString live = dir.filePath(QStringLiteral("live.csv"));
    QByteArray err;
    int code = -1;
    cli({ QStringLiteral("capture"), QStringLiteral("--url"), QStringLiteral("ws://127.0.0.1:%1").arg(*port),
            QStringLiteral("--count"), QStringLiteral("20000"), QStringLiteral("--db"), db, QStringLiteral("--rules"),
            rules, QStringLiteral("--alerts"), live, QStringLiteral("--quiet"), QStringLiteral("--summary"),
            QStringLiteral("none") },
        code, err);
    QVERIFY2(code == 0, err.constData());
    const QString exported = dir.filePath(QStringLiteral("exported.csv"));
    cli({ QStringLiteral("export"), QStringLiteral("--db"), db, QStringLiteral("--table"), QStringLiteral("alerts"),
            QStringLiteral("--columns"),
            QStringLiteral("ts,rule,kind,source_id,fixture_id,market_type,selection,before_value,after_value,seq"),
            QStringLiteral("--lf"), QStringLiteral("--raw"), QStringLiteral("--out"), exported },
        code, err);
    QVERIFY2(code == 0, err.constData());
    QFile a(live);
    QFile b(exported);
    QVERIFY(a.open(QIODevice::ReadOnly) && b.open(QIODevice::ReadOnly));
    QList<QByteArray> liveLines = a.readAll().split('\n');
    QList<QByteArray> storedLines = b.readAll().split('\n');
    QVERIFY2(liveLines.size() > 50, QByteArray::number(liveLines.size()).constData());
    QCOMPARE(storedLines.first(),
        QByteArray("ts,rule,kind,source_id,fixture_id,market_type,selection,before_value,after_value,seq"));
    liveLines.removeFirst();
    storedLines.removeFirst();
    sameLines(storedLines, liveLines);
}

void TestCliAlerts::aBadRulesFileIsRefused()
{
    QTemporaryDir dir;
    const QString rules = dir.filePath(QStringLiteral("rules.json"));
    {
        QFile f(rules);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"rules":[{"type":"in_play"},{"type":"price_move","percent":5}]})");
    }
    QByteArray err;
    int code = -1;
    cli({ QStringLiteral("capture"), QStringLiteral("--url"), QStringLiteral("ws://127.0.0.1:9"),
            QStringLiteral("--no-store"), QStringLiteral("--rules"), rules },
        code, err);
    QCOMPARE(code, 2);
    QVERIFY2(err.contains("rule 2: price_move needs percent or ticks, and within_s"), err.constData());
    cli({ QStringLiteral("backtest"), QStringLiteral("--rules"), rules, rules }, code, err);
    QCOMPARE(code, 2);
    QVERIFY2(err.contains("rule 2"), err.constData());
}

void TestCliAlerts::webhookReceivesTheAlerts()
{
    // A raw HTTP server written here: it answers the first POST with 503, the others with 200, and
    // keeps the JSON bodies of all of them.
    QTcpServer hook;
    QVERIFY(hook.listen(QHostAddress::LocalHost, 0));
    QList<QJsonArray> bodies;
    int requests = 0;
    QByteArray firstRequestHead;
    connect(&hook, &QTcpServer::newConnection, this, [&] {
        while (QTcpSocket *s = hook.nextPendingConnection()) {
            s->setParent(&hook);
            auto buffer = std::make_shared<QByteArray>();
            connect(s, &QTcpSocket::readyRead, s, [&, s, buffer] {
                *buffer += s->readAll();
                for (;;) {
                    const qsizetype end = buffer->indexOf("\r\n\r\n");
                    if (end < 0) {
                        return;
                    }
                    const QByteArray head = buffer->left(end);
                    qsizetype length = 0;
                    for (const QByteArray &line : head.split('\n')) {
                        if (line.toLower().startsWith("content-length:")) {
                            length = line.mid(15).trimmed().toLongLong();
                        }
                    }
                    if (buffer->size() < end + 4 + length) {
                        return;
                    }
                    const QByteArray body = buffer->mid(end + 4, length);
                    buffer->remove(0, end + 4 + length);
                    if (++requests == 1) {
                        firstRequestHead = head;
                        s->write("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n");
                    } else {
                        s->write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
                    }
                    bodies << QJsonDocument::fromJson(body).object().value(QStringLiteral("alerts")).toArray();
                }
            });
        }
    });
    QTemporaryDir dir;
    const QString rules = dir.filePath(QStringLiteral("rules.json"));
    {
        QFile f(rules);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"rules":[{"name":"evens","type":"price_cross","level":2.0,"cooldown_s":0},
                              {"type":"in_play","cooldown_s":0}]})");
    }
    SimServerConfig sc;
    sc.rate = 0;
    sc.generator.seed = 7;
    sc.generator.fixtures = 40;
    sc.generator.clockBaseMs = 1798761600000;
    SimServer sim(sc);
    const Result<quint16> port = sim.start();
    QVERIFY(port);
    const QString csv = dir.filePath(QStringLiteral("alerts.csv"));
    const QString summary = dir.filePath(QStringLiteral("summary.json"));
    // The chat services carry the secret in the path, others in the query: the URL comes from a
    // file (out of ps), and neither part reaches the log or the summary.
    const QString hookFile = dir.filePath(QStringLiteral("hook.url"));
    {
        QFile f(hookFile);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QStringLiteral("http://127.0.0.1:%1/services/T0/PATHSECRET?token=s3cret\n")
                    .arg(hook.serverPort())
                    .toUtf8());
    }
    QByteArray err;
    int code = -1;
    cli({ QStringLiteral("capture"), QStringLiteral("--url"), QStringLiteral("ws://127.0.0.1:%1").arg(*port),
            QStringLiteral("--count"), QStringLiteral("10000"), QStringLiteral("--no-store"), QStringLiteral("--rules"),
            rules, QStringLiteral("--alerts"), csv, QStringLiteral("--webhook-file"), hookFile,
            QStringLiteral("--summary"), QStringLiteral("none"), QStringLiteral("--summary-json"), summary },
        code, err);
    QVERIFY2(code == 0, err.constData());
    QVERIFY(firstRequestHead.startsWith("POST /services/T0/PATHSECRET?token=s3cret HTTP/1.1"));
    QVERIFY(firstRequestHead.toLower().contains("content-type: application/json"));
    // The refusal is reported once, with the status, and without the token.
    QVERIFY2(err.contains("refused") && err.contains("HTTP 503"), err.constData());
    QVERIFY2(!err.contains("s3cret") && !err.contains("PATHSECRET"), err.constData());
    // Everything after the refused request arrived, in order, exactly as the CSV lists it.
    QFile f(csv);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QList<QByteArray> rows = f.readAll().split('\n');
    rows.removeFirst();
    rows.removeAll(QByteArray());
    QList<QByteArray> received;
    for (qsizetype b = 1; b < bodies.size(); ++b) {
        for (const QJsonValue &v : bodies[b]) {
            const QJsonObject a = v.toObject();
            received << (a.value(QStringLiteral("at")).toString() + QLatin1Char(',')
                + a.value(QStringLiteral("rule")).toString() + QLatin1Char(',')
                + a.value(QStringLiteral("type")).toString() + QLatin1Char(',')
                + a.value(QStringLiteral("source_id")).toString() + QLatin1Char(',')
                + a.value(QStringLiteral("fixture_id")).toString() + QLatin1Char(',')
                + a.value(QStringLiteral("market_type")).toString() + QLatin1Char(',')
                + a.value(QStringLiteral("selection")).toString() + QLatin1Char(',')
                + a.value(QStringLiteral("before")).toString() + QLatin1Char(',')
                + a.value(QStringLiteral("after")).toString() + QLatin1Char(',')
                + QString::number(a.value(QStringLiteral("seq")).toInteger()))
                            .toUtf8();
        }
    }
    const qsizetype refused = bodies.isEmpty() ? 0 : bodies.first().size();
    QVERIFY(refused > 0);
    QVERIFY2(received.size() > 20, QByteArray::number(received.size()).constData());
    QCOMPARE(received, rows.mid(refused));
    QFile s(summary);
    QVERIFY(s.open(QIODevice::ReadOnly));
    const QJsonObject w = QJsonDocument::fromJson(s.readAll()).object().value(QStringLiteral("webhook")).toObject();
    QCOMPARE(w.value(QStringLiteral("sent")).toInteger(), qint64(received.size()));
    QCOMPARE(w.value(QStringLiteral("failed")).toInteger(), qint64(refused));
    QCOMPARE(w.value(QStringLiteral("dropped")).toInteger(), 0);
    QCOMPARE(w.value(QStringLiteral("url")).toString(), QStringLiteral("http://127.0.0.1:%1/…").arg(hook.serverPort()));
}

QTEST_GUILESS_MAIN(TestCliAlerts)
#include "tst_cli_alerts.moc"

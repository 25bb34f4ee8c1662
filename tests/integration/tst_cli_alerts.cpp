// SPDX-License-Identifier: MIT
// Alert rules as a user runs them: `capture --rules --alerts` against the simulator while it
// records, then `backtest` of that recording lists the same alerts, byte for byte (both run on the
// stream's own clock), and a rules file with a mistake is refused with the rule and field named.
#include <core/sim/simserver.h>

#include <QFile>
#include <QProcess>
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
    SimServerConfig sc;
    sc.rate = 0; // as fast as the client reads
    sc.generator.seed = 42;
    sc.generator.fixtures = 40;
    sc.generator.clockBaseMs = 1798761600000;
    sc.generator.stepMs = 2.0;
    SimServer sim(sc);
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
    const QString back = dir.filePath(QStringLiteral("backtest.csv"));
    cli({ QStringLiteral("backtest"), QStringLiteral("--rules"), rules, capture, QStringLiteral("--out"), back }, code,
        err);
    QVERIFY2(code == 0, err.constData());
    QVERIFY2(err.contains("alerts from"), err.constData());
    QFile a(live);
    QFile b(back);
    QVERIFY(a.open(QIODevice::ReadOnly) && b.open(QIODevice::ReadOnly));
    const QByteArray liveCsv = a.readAll();
    const QByteArray backCsv = b.readAll();
    const QList<QByteArray> lines = liveCsv.split('\n');
    QVERIFY2(lines.size() > 50, liveCsv.left(2000).constData());
    // Line by line, so that a difference shows where it starts.
    const QList<QByteArray> backLines = backCsv.split('\n');
    for (qsizetype i = 0; i < std::min(lines.size(), backLines.size()); ++i) {
        QCOMPARE(backLines[i], lines[i]);
    }
    QCOMPARE(backLines.size(), lines.size());
    // The stream fired most kinds of rule, not one kind many times.
    std::set<QByteArray> kinds;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QList<QByteArray> cells = lines[i].split(',');
        if (cells.size() > 2) {
            kinds.insert(cells[2]);
        }
    }
    QVERIFY2(kinds.size() >= 6, QByteArray(QByteArrayList(kinds.begin(), kinds.end()).join(' ')).constData());
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

QTEST_GUILESS_MAIN(TestCliAlerts)
#include "tst_cli_alerts.moc"

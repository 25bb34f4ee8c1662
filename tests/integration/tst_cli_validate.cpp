// SPDX-License-Identifier: MIT
// Runs the real oddstap-cli binary on files and standard input.
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

class TestCliValidate : public QObject
{
    Q_OBJECT

private slots:
    void validFileExitsZero();
    void mixedFileListsEveryRejectAndExitsOne();
    void readsStandardInput();
    void crlfLinesAreFine();
    void oversizedLineIsRejectedNotLoaded();
    void usageErrors_data();
    void usageErrors();
    void helpNamesTheSubcommand();
    void simulateSaysItsExitCodesAndKeepsThem();

private:
    struct Run
    {
        int exitCode = -1;
        QByteArray out;
        QByteArray err;
    };
    static Run run(const QStringList &args, const QByteArray &stdinData = {});
    static QJsonObject summaryOf(const QByteArray &out);
    static QString data(const char *name)
    {
        return QStringLiteral(ODDSTAP_TEST_DATA_DIR "/validate/") + QLatin1String(name);
    }
};

TestCliValidate::Run TestCliValidate::run(const QStringList &args, const QByteArray &stdinData)
{
    QProcess p;
    p.start(QStringLiteral(ODDSTAP_CLI_PATH), args);
    if (!p.waitForStarted(10000)) {
        return {};
    }
    p.write(stdinData);
    p.closeWriteChannel();
    p.waitForFinished(60000);
    return { p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, p.readAllStandardOutput(),
        p.readAllStandardError() };
}

QJsonObject TestCliValidate::summaryOf(const QByteArray &out)
{
    const qsizetype start = out.indexOf("\n{") >= 0 ? out.indexOf("\n{") + 1 : out.indexOf('{');
    return QJsonDocument::fromJson(out.mid(start)).object();
}

void TestCliValidate::validFileExitsZero()
{
    const Run r = run({ QStringLiteral("validate"), data("valid.ndjson") });
    QCOMPARE(r.exitCode, 0);
    const QJsonObject s = summaryOf(r.out);
    QCOMPARE(s.value(QStringLiteral("frames")).toInt(), 6);
    QCOMPARE(s.value(QStringLiteral("blank_lines")).toInt(), 1);
    QCOMPARE(s.value(QStringLiteral("envelopes")).toInt(), 7);
    QCOMPARE(s.value(QStringLiteral("valid")).toBool(), true);
    const QJsonObject accepted = s.value(QStringLiteral("accepted")).toObject();
    QCOMPARE(accepted.value(QStringLiteral("odds")).toInt(), 2);
    QCOMPARE(accepted.value(QStringLiteral("bet")).toInt(), 1);
    QCOMPARE(accepted.value(QStringLiteral("fixture")).toInt(), 1);
    QCOMPARE(accepted.value(QStringLiteral("heartbeat")).toInt(), 1);
    QCOMPARE(accepted.value(QStringLiteral("snapshot_begin")).toInt(), 1);
    QCOMPARE(accepted.value(QStringLiteral("snapshot_end")).toInt(), 1);
}

void TestCliValidate::mixedFileListsEveryRejectAndExitsOne()
{
    const Run r = run({ QStringLiteral("validate"), data("mixed.ndjson") });
    QCOMPARE(r.exitCode, 1);
    const QList<QByteArray> lines = r.out.split('\n');
    QVERIFY2(lines.value(0).startsWith("line 2: out_of_range: data.odd_value must be > 1.0, got 0.9"), r.out);
    QVERIFY2(lines.value(1).startsWith("line 3: malformed_json: "), r.out);
    QVERIFY2(lines.value(2).startsWith("line 4 [0]: out_of_range: data.stake must be > 0"), r.out);
    QVERIFY2(lines.value(3).startsWith("line 4 [2]: unknown_type: type \"goal\""), r.out);
    QVERIFY2(lines.value(4).startsWith("line 5: bad_value: data.start_time"), r.out);
    const QJsonObject s = summaryOf(r.out);
    QCOMPARE(s.value(QStringLiteral("valid")).toBool(), false);
    QCOMPARE(s.value(QStringLiteral("rejected_lines")).toInt(), 4);
    const QJsonObject rejected = s.value(QStringLiteral("rejected")).toObject();
    QCOMPARE(rejected.value(QStringLiteral("total")).toInt(), 5);
    const QJsonObject byCode = rejected.value(QStringLiteral("by_code")).toObject();
    QCOMPARE(byCode.value(QStringLiteral("out_of_range")).toInt(), 2);
    QCOMPARE(byCode.value(QStringLiteral("malformed_json")).toInt(), 1);
    QCOMPARE(byCode.value(QStringLiteral("unknown_type")).toInt(), 1);
    QCOMPARE(byCode.value(QStringLiteral("bad_value")).toInt(), 1);
    QCOMPARE(s.value(QStringLiteral("accepted_total")).toInt(), 2);
}

void TestCliValidate::readsStandardInput()
{
    QFile f(data("mixed.ndjson"));
    QVERIFY(f.open(QIODevice::ReadOnly));
    const Run r = run({ QStringLiteral("validate"), QStringLiteral("--quiet"), QStringLiteral("-") }, f.readAll());
    QCOMPARE(r.exitCode, 1);
    QVERIFY(r.out.startsWith('{')); // --quiet: only the summary
    QCOMPARE(summaryOf(r.out).value(QStringLiteral("frames")).toInt(), 5);
}

void TestCliValidate::crlfLinesAreFine()
{
    const Run r = run({ QStringLiteral("validate"), data("crlf.ndjson") });
    QCOMPARE(r.exitCode, 0);
}

void TestCliValidate::oversizedLineIsRejectedNotLoaded()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QFile f(dir.filePath(QStringLiteral("big.ndjson")));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("{\"type\":\"heartbeat\",\"seq\":1,\"ts\":1,\"pad\":\"" + QByteArray(3'000'000, 'x') + "\"}\n");
    f.write("{\"type\":\"heartbeat\",\"seq\":2,\"ts\":1}\n");
    f.close();
    const Run r = run({ QStringLiteral("validate"), f.fileName() });
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.out.startsWith("line 1: frame_too_large: frame of 3000044 bytes exceeds the limit of 1048576 bytes"),
        r.out.left(200));
    QCOMPARE(summaryOf(r.out).value(QStringLiteral("accepted_total")).toInt(), 1);

    const Run small =
        run({ QStringLiteral("validate"), QStringLiteral("--max-frame-bytes"), QStringLiteral("20"), f.fileName() });
    QCOMPARE(small.exitCode, 1);
    QCOMPARE(summaryOf(small.out).value(QStringLiteral("accepted_total")).toInt(), 0);
}

void TestCliValidate::usageErrors_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QByteArray>("message");
    QTest::addRow("no command") << QStringList {} << QByteArray("Usage: oddstap-cli");
    QTest::addRow("unknown command") << QStringList { QStringLiteral("frobnicate") }
                                     << QByteArray("unknown command 'frobnicate'");
    QTest::addRow("a mistyped command gets the nearest")
        << QStringList { QStringLiteral("captur") } << QByteArray("Did you mean 'oddstap-cli capture'?");
    QTest::addRow("no file") << QStringList { QStringLiteral("validate") } << QByteArray("expected exactly one FILE");
    QTest::addRow("two files") << QStringList { QStringLiteral("validate"), QStringLiteral("a"), QStringLiteral("b") }
                               << QByteArray("expected exactly one FILE");
    QTest::addRow("missing file") << QStringList { QStringLiteral("validate"), QStringLiteral("/nonexistent/x.ndjson") }
                                  << QByteArray("cannot open '/nonexistent/x.ndjson'");
    QTest::addRow("unknown option") << QStringList { QStringLiteral("validate"), QStringLiteral("--bogus"),
        QStringLiteral("x") } << QByteArray("Unknown option 'bogus'");
    QTest::addRow("option errors name the subcommand")
        << QStringList { QStringLiteral("validate"), QStringLiteral("--bogus"), QStringLiteral("x") }
        << QByteArray("oddstap-cli validate: Unknown option 'bogus'");
    QTest::addRow("a mistyped option gets the nearest") << QStringList { QStringLiteral("validate"),
        QStringLiteral("--max-bach"), QStringLiteral("4"), QStringLiteral("x") }
                                                        << QByteArray("Did you mean '--max-batch'?");
    QTest::addRow("bad limit") << QStringList { QStringLiteral("validate"), QStringLiteral("--max-batch"),
        QStringLiteral("-4"), QStringLiteral("x") }
                               << QByteArray("--max-batch must be a positive integer, got '-4'");
}

void TestCliValidate::usageErrors()
{
    QFETCH(QStringList, args);
    QFETCH(QByteArray, message);
    const Run r = run(args);
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(message), r.err);
}

void TestCliValidate::helpNamesTheSubcommand()
{
    // The usage line shows what to type, not where the binary was built.
    const Run r = run({ QStringLiteral("validate"), QStringLiteral("--help") });
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.startsWith("Usage: oddstap-cli validate [options]"), r.out.left(200).constData());
}

void TestCliValidate::simulateSaysItsExitCodesAndKeepsThem()
{
    const Run help = run({ QStringLiteral("simulate"), QStringLiteral("--help") });
    QCOMPARE(help.exitCode, 0);
    QVERIFY(help.out.contains("Exit status: 0 stopped"));
    QVERIFY(help.out.contains("could not be written"));
    // A stats file that cannot be written is not a success: the caller would read no figures.
    QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("a-file"));
    QFile f(file);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.close();
    const Run r = run({ QStringLiteral("simulate"), QStringLiteral("--duration"), QStringLiteral("0.2"),
        QStringLiteral("--stats-file"), file + QStringLiteral("/stats.json") });
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("stats file: cannot write"), r.err.constData());
}

QTEST_GUILESS_MAIN(TestCliValidate)
#include "tst_cli_validate.moc"

// SPDX-License-Identifier: MIT
// The Prometheus endpoint: its text read by Prometheus' own Python parser (Debian's
// python3-prometheus-client), and its counters against the rows a real capture stored.
#include <core/metrics/prometheustext.h>
#include <tests/testutils/cliprocesses.h>
#include <tests/testutils/prometheus.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace OddsTap;

class TestMetrics : public QObject
{
    Q_OBJECT

private slots:
    void textIsReadByPrometheusParser();
    void countersAgreeWithTheStoredRows();
    void badOrTakenAddressesAreRefused();

private:
    static QString cli() { return QStringLiteral(ODDSTAP_CLI_PATH); }
    static QJsonArray parsed(const QByteArray &text) { return Testing::parsePrometheusText(text); }
    static double value(const QJsonArray &samples, const QString &name, const QJsonObject &labels = {})
    {
        return Testing::sampleValue(samples, name, labels);
    }
    static QByteArray fetch(const QString &url, int *status = nullptr) { return Testing::httpGet(url, status); }
};

void TestMetrics::textIsReadByPrometheusParser()
{
    MetricsReading r;
    r.atMs = 1764900000123;
    // A source id with every character the format escapes.
    const QString odd = QStringLiteral("book \"A\"\\west\nline");
    CaptureStats::Source &s = r.stats.sources[odd];
    s.frames = 7;
    s.envelopes = 9;
    s.accepted[std::size_t(EventType::Odds)] = 5;
    s.rejected[std::size_t(RejectCode::MalformedJson)] = 2;
    s.duplicates = 1;
    s.state = SourceState::Subscribed;
    s.lastSeq = 6;
    r.committedSeqs[odd] = 6;
    r.stats.persisted.odds = 5;
    r.stats.receiveToCommit.add(1000000); // 1 ms
    r.stats.receiveToCommit.add(20000000); // 20 ms
    r.stats.receiveToCommit.add(2000000000); // 2 s
    r.queuedEvents = 3;

    const QJsonArray samples = parsed(prometheusText(r));
    QVERIFY2(!samples.isEmpty(), "the official parser read nothing");
    const QJsonObject source { { QStringLiteral("source"), odd } };
    QCOMPARE(value(samples, QStringLiteral("oddstap_frames_received_total"), source), 7.0);
    QCOMPARE(value(samples, QStringLiteral("oddstap_events_accepted_total"),
                 { { QStringLiteral("source"), odd }, { QStringLiteral("type"), QStringLiteral("odds") } }),
        5.0);
    QCOMPARE(value(samples, QStringLiteral("oddstap_rejects_total"),
                 { { QStringLiteral("source"), odd }, { QStringLiteral("code"), QStringLiteral("malformed_json") } }),
        2.0);
    QCOMPARE(value(samples, QStringLiteral("oddstap_source_up"), source), 1.0);
    QCOMPARE(value(samples, QStringLiteral("oddstap_source_committed_seq"), source), 6.0);
    QCOMPARE(value(samples, QStringLiteral("oddstap_rows_committed_total"),
                 { { QStringLiteral("table"), QStringLiteral("odds") } }),
        5.0);
    QCOMPARE(value(samples, QStringLiteral("oddstap_storage_queue_events")), 3.0);
    QCOMPARE(value(samples, QStringLiteral("oddstap_storage_up")), 1.0);
    // The histogram's buckets are cumulative, to the 10 % resolution of LatencyHistogram.
    const QString bucket = QStringLiteral("oddstap_receive_to_committed_seconds_bucket");
    QCOMPARE(value(samples, bucket, { { QStringLiteral("le"), QStringLiteral("0.001") } }), 0.0);
    QCOMPARE(value(samples, bucket, { { QStringLiteral("le"), QStringLiteral("0.0025") } }), 1.0);
    QCOMPARE(value(samples, bucket, { { QStringLiteral("le"), QStringLiteral("0.025") } }), 2.0);
    QCOMPARE(value(samples, bucket, { { QStringLiteral("le"), QStringLiteral("2.5") } }), 3.0);
    QCOMPARE(value(samples, bucket, { { QStringLiteral("le"), QStringLiteral("+Inf") } }), 3.0);
    QCOMPARE(value(samples, QStringLiteral("oddstap_receive_to_committed_seconds_count")), 3.0);
    QVERIFY(qAbs(value(samples, QStringLiteral("oddstap_receive_to_committed_seconds_sum")) - 2.021) < 1e-9);
}

void TestMetrics::countersAgreeWithTheStoredRows()
{
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("metrics.db"));
    QProcess sim;
    const QString simUrl = Testing::startSimulator(sim, cli(),
        { QStringLiteral("--seed"), QStringLiteral("5"), QStringLiteral("--count"), QStringLiteral("6000"),
            QStringLiteral("--rate"), QStringLiteral("3000"), QStringLiteral("--faults"),
            QStringLiteral("malformed=0.01,duplicate=0.01,gap=0.002") });
    QVERIFY(!simUrl.isEmpty());

    QProcess capture;
    capture.start(cli(),
        { QStringLiteral("capture"), QStringLiteral("--url"), simUrl, QStringLiteral("--db"), db,
            QStringLiteral("--metrics"), QStringLiteral("0"), QStringLiteral("--quiet") });
    QVERIFY(capture.waitForStarted());
    QByteArray err;
    QTRY_VERIFY_WITH_TIMEOUT((err += capture.readAllStandardError()).contains("metrics on "), 10000);
    const auto at = QRegularExpression(QStringLiteral("metrics on (http://\\S+)")).match(QString::fromUtf8(err));
    QVERIFY(at.hasMatch());
    const QString url = at.captured(1);

    // Until every seq the simulator sends is committed (gaps and rejects included).
    QJsonArray samples;
    QTRY_VERIFY_WITH_TIMEOUT((samples = parsed(fetch(url)),
                                 value(samples, QStringLiteral("oddstap_source_committed_seq"),
                                     { { QStringLiteral("source"), QStringLiteral("src-1") } })
                                     == 6000.0),
        60000);
    int status = 0;
    fetch(url.left(url.lastIndexOf(QLatin1Char('/'))) + QStringLiteral("/nothing"), &status);
    QCOMPARE(status, 404);

    QProcess stats;
    stats.start(cli(), { QStringLiteral("stats"), QStringLiteral("--db"), db });
    QVERIFY(stats.waitForFinished(30000));
    const QJsonObject tables =
        QJsonDocument::fromJson(stats.readAllStandardOutput()).object().value(QStringLiteral("tables")).toObject();
    QVERIFY(tables.value(QStringLiteral("odds")).toInteger() > 1000);
    QVERIFY(tables.value(QStringLiteral("rejects")).toInteger() > 0);
    for (const char *table : { "fixture_updates", "odds", "bets", "rejects", "gaps" }) {
        QCOMPARE(qint64(value(samples, QStringLiteral("oddstap_rows_committed_total"),
                     { { QStringLiteral("table"), QLatin1String(table) } })),
            tables.value(QLatin1String(table)).toInteger());
    }
    // The source's counters reconcile with each other as the summary's do.
    const QJsonObject src { { QStringLiteral("source"), QStringLiteral("src-1") } };
    double accepted = 0;
    for (const char *type : { "fixture", "odds", "bet", "heartbeat", "snapshot_begin", "snapshot_end", "error" }) {
        accepted += value(samples, QStringLiteral("oddstap_events_accepted_total"),
            { { QStringLiteral("source"), QStringLiteral("src-1") }, { QStringLiteral("type"), QLatin1String(type) } });
    }
    double rejected = 0;
    for (const QJsonValue &v : samples) {
        const QJsonObject s = v.toObject();
        if (s.value(QStringLiteral("name")).toString() == QLatin1String("oddstap_rejects_total")) {
            rejected += s.value(QStringLiteral("value")).toDouble();
        }
    }
    QCOMPARE(rejected, double(tables.value(QStringLiteral("rejects")).toInteger()));
    QCOMPARE(value(samples, QStringLiteral("oddstap_envelopes_received_total"), src),
        accepted + rejected + value(samples, QStringLiteral("oddstap_duplicates_total"), src)
            + value(samples, QStringLiteral("oddstap_discarded_total"), src));
    QVERIFY(value(samples, QStringLiteral("oddstap_duplicates_total"), src) > 0);
    QVERIFY(value(samples, QStringLiteral("oddstap_receive_to_committed_seconds_count")) > 0);

    ::kill(pid_t(capture.processId()), SIGTERM);
    QVERIFY(capture.waitForFinished(30000));
    QCOMPARE(capture.exitCode(), 0);
    sim.terminate();
    QVERIFY(sim.waitForFinished(10000));
}

void TestMetrics::badOrTakenAddressesAreRefused()
{
    QTcpServer taken;
    QVERIFY(taken.listen(QHostAddress::LocalHost));
    const QString port = QString::number(taken.serverPort());
    QProcess capture;
    capture.start(cli(),
        { QStringLiteral("capture"), QStringLiteral("--url"), QStringLiteral("ws://127.0.0.1:1"),
            QStringLiteral("--no-store"), QStringLiteral("--metrics"), QStringLiteral("127.0.0.1:") + port });
    QVERIFY(capture.waitForFinished(30000));
    QCOMPARE(capture.exitCode(), 2);
    const QString err = QString::fromUtf8(capture.readAllStandardError());
    QVERIFY2(err.contains(QStringLiteral("metrics: cannot listen on 127.0.0.1:") + port), qPrintable(err));

    capture.start(cli(),
        { QStringLiteral("capture"), QStringLiteral("--url"), QStringLiteral("ws://127.0.0.1:1"),
            QStringLiteral("--no-store"), QStringLiteral("--metrics"), QStringLiteral("localhost:x") });
    QVERIFY(capture.waitForFinished(30000));
    QCOMPARE(capture.exitCode(), 2);
    QVERIFY(capture.readAllStandardError().contains("--metrics wants HOST:PORT"));
}

QTEST_GUILESS_MAIN(TestMetrics)
#include "tst_metrics.moc"

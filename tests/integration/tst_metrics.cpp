// SPDX-License-Identifier: MIT
// The Prometheus endpoint: its text read by Prometheus' own Python parser (Debian's
// python3-prometheus-client), and its counters against the rows a real capture stored.
#include <core/metrics/metricsserver.h>
#include <core/metrics/prometheustext.h>
#include <tests/testutils/cliprocesses.h>
#include <tests/testutils/prometheus.h>

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTcpSocket>
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
    void hostileScrapersCannotHurtTheEndpoint();

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

namespace {

/// Sends @p request as it is and reads until the server closes (or @p timeoutMs pass): what a
/// client with its own socket sees.
QByteArray exchange(quint16 port, const QByteArray &request, int timeoutMs = 5000, bool *closed = nullptr)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(5000)) {
        return "not connected";
    }
    socket.write(request);
    QByteArray got;
    QElapsedTimer t;
    t.start();
    while (socket.state() == QAbstractSocket::ConnectedState && t.elapsed() < timeoutMs) {
        socket.waitForReadyRead(100);
        got += socket.readAll();
    }
    got += socket.readAll();
    if (closed) {
        *closed = socket.state() != QAbstractSocket::ConnectedState;
    }
    return got;
}

} // namespace

void TestMetrics::hostileScrapersCannotHurtTheEndpoint()
{
    MetricsHttpLimits limits;
    limits.maxConnections = 4;
    limits.requestTimeoutMs = 1000;
    auto server = MetricsServer::listen(QStringLiteral("127.0.0.1"), 0, limits);
    QVERIFY(server);
    const quint16 port = (*server)->port();
    const QByteArray get = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";

    // A thousand pipelined requests: one answer, then the connection ends (once, unread answers
    // piled up without end and took the capture down).
    bool closed = false;
    QByteArray got = exchange(port, get.repeated(1000), 5000, &closed);
    QVERIFY(closed);
    QCOMPARE(got.count("HTTP/1.1 "), 1);
    QVERIFY2(got.startsWith("HTTP/1.1 200 OK\r\n") && got.contains("oddstap_"), got.left(200).constData());

    // Headers without an end: refused at the limit, not buffered.
    got = exchange(port, "GET /metrics HTTP/1.1\r\nX-a: " + QByteArray(64 * 1024, 'a'));
    QVERIFY2(got.startsWith("HTTP/1.1 431 "), got.left(200).constData());

    // What is not a scrape of /metrics.
    QVERIFY(exchange(port, "POST /metrics HTTP/1.1\r\n\r\n").startsWith("HTTP/1.1 405 "));
    QVERIFY(exchange(port, "GET /../../etc/passwd HTTP/1.1\r\n\r\n").startsWith("HTTP/1.1 404 "));
    QVERIFY(exchange(port, "GET http://evil/metrics HTTP/1.1\r\n\r\n").startsWith("HTTP/1.1 400 "));
    QVERIFY(exchange(port, "GET /metrics HTTP/9.9\r\n\r\n").startsWith("HTTP/1.1 505 "));
    got = exchange(port, "HEAD /metrics HTTP/1.1\r\n\r\n");
    QVERIFY2(got.startsWith("HTTP/1.1 200 OK\r\n") && got.endsWith("\r\n\r\n"), got.constData());

    // Idle connections: past the limit the oldest make room, and each ends by the deadline; a
    // scrape gets through all the while.
    std::vector<std::unique_ptr<QTcpSocket>> idle;
    for (int i = 0; i < 10; ++i) {
        idle.push_back(std::make_unique<QTcpSocket>());
        idle.back()->connectToHost(QHostAddress::LocalHost, port);
        QVERIFY(idle.back()->waitForConnected(5000));
    }
    got = exchange(port, get);
    QVERIFY2(got.startsWith("HTTP/1.1 200 OK\r\n"), got.left(200).constData());
    const auto open = [&idle] {
        int n = 0;
        for (auto &s : idle) {
            s->waitForReadyRead(1); // lets the socket see the server's close
            n += s->state() == QAbstractSocket::ConnectedState ? 1 : 0;
        }
        return n;
    };
    QTRY_COMPARE_WITH_TIMEOUT(open(), 0, 5000); // each by its deadline

    // Past the limit the oldest make room at once, long before their deadline.
    MetricsHttpLimits patient = limits;
    patient.requestTimeoutMs = 60000;
    auto second = MetricsServer::listen(QStringLiteral("127.0.0.1"), 0, patient);
    QVERIFY(second);
    idle.clear();
    for (int i = 0; i < 10; ++i) {
        idle.push_back(std::make_unique<QTcpSocket>());
        idle.back()->connectToHost(QHostAddress::LocalHost, (*second)->port());
        QVERIFY(idle.back()->waitForConnected(5000));
    }
    QTRY_COMPARE_WITH_TIMEOUT(open(), patient.maxConnections, 5000);
    QCOMPARE(idle.back()->state(), QAbstractSocket::ConnectedState); // the newest stay
    got = exchange((*second)->port(), get);
    QVERIFY2(got.startsWith("HTTP/1.1 200 OK\r\n"), got.left(200).constData());
    QTRY_COMPARE_WITH_TIMEOUT(open(), patient.maxConnections - 1, 5000); // one more made room for it
}

QTEST_GUILESS_MAIN(TestMetrics)
#include "tst_metrics.moc"

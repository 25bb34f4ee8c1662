// SPDX-License-Identifier: MIT
// The live Betfair stream client against a stream server of our own, written here, that speaks
// the Exchange Stream protocol as documented (TLS, CRLF-delimited JSON, connection, authentication,
// marketSubscription with clocks, status, heartbeats) and sends the real cricket sample as its
// market data. Betfair itself cannot be reached from here: this is what is verified.
//  - `capture --url betfair://...` stores exactly what `import` of the same lines stores (diff),
//    across a connection the server drops half-way, resumed from the stream's clock.
//  - A refused login is an auth failure with the exchange's reason, not a retry loop.
//  - A hostile server's bytes (not UTF-8, nested past the limit, out of range, a line of 17 MB with
//    no end) are rejects with their reasons, the good line between them is mapped, and the client
//    reconnects after the line it refused to hold.
#include <core/common/compressedfile.h>
#include <core/feed/feedclient.h>
#include <core/feed/storageholdoff.h>
#include <core/providers/betfair/betfairdecoder.h>
#include <core/providers/betfair/betfairstreamclient.h>
#include <core/replay/recordreader.h>

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QSslKey>
#include <QSslServer>
#include <QSslSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <map>

using namespace OddsTap;

namespace {

constexpr int kDropAfter = 9000;
const QByteArray kAppKey = "test-app-key";
const QByteArray kSession = "test-session-token";

QByteArray compact(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

/// A Betfair-like stream server: the lines of the cricket sample, each with the
/// server's own clock (its line number), dropping the first connection after kDropAfter lines.
class ExchangeStream : public QObject
{
public:
    ExchangeStream(const QSslConfiguration &ssl, QList<QByteArray> lines)
        : m_lines(std::move(lines))
    {
        m_server.setSslConfiguration(ssl);
        m_server.listen(QHostAddress::LocalHost, 0);
        connect(&m_server, &QTcpServer::pendingConnectionAvailable, this, [this] {
            while (QTcpSocket *s = m_server.nextPendingConnection()) {
                accept(s);
            }
        });
    }
    quint16 port() const { return m_server.serverPort(); }
    QList<QJsonObject> subscriptions;

private:
    void send(QTcpSocket *s, const QByteArray &text) { s->write(text + "\r\n"); }
    void accept(QTcpSocket *s)
    {
        s->setParent(this);
        const int connection = ++m_connections;
        send(s, R"({"op":"connection","connectionId":"test-)" + QByteArray::number(connection) + "\"}");
        connect(s, &QTcpSocket::readyRead, s, [this, s, connection] {
            while (s->canReadLine()) {
                const QJsonObject msg = QJsonDocument::fromJson(s->readLine().trimmed()).object();
                const QString op = msg.value(QStringLiteral("op")).toString();
                const int id = msg.value(QStringLiteral("id")).toInt();
                if (op == QLatin1String("authentication")) {
                    const bool ok = msg.value(QStringLiteral("appKey")).toString().toUtf8() == kAppKey
                        && msg.value(QStringLiteral("session")).toString().toUtf8() == kSession;
                    const QByteArray head = R"({"op":"status","id":)" + QByteArray::number(id);
                    const QByteArray tail = ok
                        ? QByteArray(R"(,"statusCode":"SUCCESS","connectionClosed":false})")
                        : QByteArray(R"(,"statusCode":"FAILURE","errorCode":"INVALID_SESSION_INFORMATION",)"
                                     R"("errorMessage":"session invalid","connectionClosed":true})");
                    send(s, head + tail);
                    if (!ok) {
                        s->disconnectFromHost();
                    }
                } else if (op == QLatin1String("marketSubscription")) {
                    subscriptions << msg;
                    send(s,
                        R"({"op":"status","id":)" + QByteArray::number(id)
                            + R"(,"statusCode":"SUCCESS","connectionClosed":false})");
                    const int from = msg.value(QStringLiteral("clk")).toString().toInt(); // 0: a new image
                    stream(s, from, connection);
                }
            }
        });
    }
    void stream(QTcpSocket *s, int from, int connection)
    {
        for (int i = from; i < m_lines.size(); ++i) {
            send(s, m_lines[i]);
            if (connection == 1 && i + 1 == kDropAfter) {
                s->disconnectFromHost(); // a drop, half-way (what was written still arrives)
                return;
            }
        }
        auto *heartbeat = new QTimer(s);
        connect(heartbeat, &QTimer::timeout, s, [this, s] {
            send(s,
                R"({"op":"mcm","id":2,"clk":")" + QByteArray::number(m_lines.size())
                    + R"(","pt":1657550847332,"ct":"HEARTBEAT"})");
        });
        heartbeat->start(300);
    }

    QSslServer m_server;
    QList<QByteArray> m_lines;
    int m_connections = 0;
};

/// A hostile exchange: it logs the client in and acknowledges the subscription like the real one,
/// then sends exactly these bytes: lines that are not JSON, not UTF-8, nested past any limit or
/// out of range, one good market line, and on the first connection a "line" of 17 MB with no
/// line end.
class HostileExchange : public QObject
{
public:
    explicit HostileExchange(const QSslConfiguration &ssl)
    {
        m_server.setSslConfiguration(ssl);
        m_server.listen(QHostAddress::LocalHost, 0);
        connect(&m_server, &QTcpServer::pendingConnectionAvailable, this, [this] {
            while (QTcpSocket *s = m_server.nextPendingConnection()) {
                accept(s);
            }
        });
    }
    quint16 port() const { return m_server.serverPort(); }
    int connections = 0;
    static QByteArray goodLine()
    {
        return R"({"op":"mcm","pt":1657550000000,"mc":[{"id":"1.9","marketDefinition":{"status":"OPEN",)"
               R"("eventId":"77","eventTypeId":"1","marketType":"MATCH_ODDS","eventName":"Home v Away",)"
               R"("runners":[{"id":5,"status":"ACTIVE"}]},"rc":[{"id":5,"ltp":2.5,"atb":[[2.48,10]]}]}]})";
    }

private:
    void accept(QTcpSocket *s)
    {
        s->setParent(this);
        const int connection = ++connections;
        s->write(R"({"op":"connection","connectionId":"hostile"})"
                 "\r\n");
        connect(s, &QTcpSocket::readyRead, s, [s, connection] {
            while (s->canReadLine()) {
                const QJsonObject msg = QJsonDocument::fromJson(s->readLine().trimmed()).object();
                const QByteArray id = QByteArray::number(msg.value(QStringLiteral("id")).toInt());
                s->write(
                    R"({"op":"status","id":)" + id + R"(,"statusCode":"SUCCESS","connectionClosed":false})" + "\r\n");
                if (msg.value(QStringLiteral("op")).toString() != QLatin1String("marketSubscription")) {
                    continue;
                }
                s->write(QByteArray("\xff\xfe\x00garbage\r\n", 12));
                s->write(QByteArray(100000, '[') + QByteArray(100000, ']') + "\r\n");
                s->write(R"({"op":"mcm","pt":1657550000000,"mc":[{"id":"1.9","rc":[{"id":5,"ltp":0.2}]}]})"
                         "\r\n");
                s->write(goodLine() + "\r\n");
                if (connection == 1) {
                    s->write(QByteArray(17 * 1024 * 1024, 'a'));
                }
            }
        });
    }

    QSslServer m_server;
};

} // namespace

class TestBetfairStream : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void captureResumesAfterADropAndStoresWhatImportStores();
    void refusedLoginIsAnAuthFailureWithTheReason();
    void servedFileCapturedEqualsTheFileImported();
    void hostileBytesAreRejectedWithTheirReasons();
    void aFullStorageHoldsTheStreamOffUntilItCatchesUp();
    void aServerThatRepeatsItsGreetingGetsTheCredentialsOnce();

private:
    QTemporaryDir m_dir;
    QSslConfiguration m_ssl;
    QString m_cert;
    QList<QByteArray> m_lines; ///< as the server sends them, with its clocks
    std::unique_ptr<ExchangeStream> m_stream;
};

void TestBetfairStream::initTestCase()
{
    registerMetaTypes();
    QVERIFY(QSslSocket::supportsSsl());
    m_cert = m_dir.filePath(QStringLiteral("cert.pem"));
    QCOMPARE(QProcess::execute(QStringLiteral("openssl"),
                 { QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
                     QStringLiteral("rsa:2048"), QStringLiteral("-nodes"), QStringLiteral("-keyout"),
                     m_dir.filePath(QStringLiteral("key.pem")), QStringLiteral("-out"), m_cert, QStringLiteral("-days"),
                     QStringLiteral("1"), QStringLiteral("-subj"), QStringLiteral("/CN=localhost"),
                     QStringLiteral("-addext"), QStringLiteral("subjectAltName=IP:127.0.0.1,DNS:localhost") }),
        0);
    QFile cert(m_cert);
    QFile key(m_dir.filePath(QStringLiteral("key.pem")));
    QVERIFY(cert.open(QIODevice::ReadOnly) && key.open(QIODevice::ReadOnly));
    m_ssl = QSslConfiguration::defaultConfiguration();
    m_ssl.setLocalCertificate(QSslCertificate(&cert, QSsl::Pem));
    m_ssl.setPrivateKey(QSslKey(&key, QSsl::Rsa, QSsl::Pem));
    auto sample = openMaybeCompressed(QStringLiteral(ODDSTAP_TEST_DATA_DIR "/betfair/cricket-1.200806927.ndjson.gz"));
    QVERIFY(sample);
    const QList<QByteArray> all = sample.value()->readAll().split('\n');
    for (int i = 0; i < all.size(); ++i) {
        if (all[i].trimmed().isEmpty()) {
            continue;
        }
        QJsonObject o = QJsonDocument::fromJson(all[i]).object();
        o.insert(QStringLiteral("clk"), QString::number(i + 1));
        if (i == 0) {
            o.insert(QStringLiteral("initialClk"), QStringLiteral("0"));
        }
        m_lines << compact(o);
    }
    m_stream = std::make_unique<ExchangeStream>(m_ssl, m_lines);
    QVERIFY(m_stream->port() != 0);
}

void TestBetfairStream::captureResumesAfterADropAndStoresWhatImportStores()
{
    // What the lines map to: the number of events capture must store before it stops.
    Betfair::StreamDecoder decoder;
    EventBatch out;
    for (const QByteArray &l : m_lines) {
        decoder.decode(l, FrameContext {}, out);
    }
    const qsizetype events = qsizetype(out.events.size());
    QVERIFY(events > 500);

    const QString token = m_dir.filePath(QStringLiteral("session.txt"));
    {
        QFile f(token);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(kSession);
    }
    const QString liveDb = m_dir.filePath(QStringLiteral("live.db"));
    QProcess capture;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("ODDSTAP_BETFAIR_APP_KEY"), QString::fromUtf8(kAppKey));
    capture.setProcessEnvironment(env);
    capture.start(QStringLiteral(ODDSTAP_CLI_PATH),
        { QStringLiteral("capture"), QStringLiteral("--url"),
            QStringLiteral("betfair://127.0.0.1:%1?marketIds=1.200806927&ladderLevels=3").arg(m_stream->port()),
            QStringLiteral("--source-id"), QStringLiteral("bf-live"), QStringLiteral("--ca-file"), m_cert,
            QStringLiteral("--token-file"), token, QStringLiteral("--db"), liveDb, QStringLiteral("--count"),
            QString::number(events), QStringLiteral("--backoff-initial-ms"), QStringLiteral("50"),
            QStringLiteral("--quiet") });
    QTRY_VERIFY_WITH_TIMEOUT(capture.state() == QProcess::NotRunning, 90000); // the server runs in this process
    QVERIFY2(capture.exitCode() == 0, capture.readAllStandardError().constData());

    // Two subscriptions: a new one, then after the drop one with the stream's clocks.
    QVERIFY(m_stream->subscriptions.size() >= 2); // a third, if a loaded machine stalled once
    QVERIFY(!m_stream->subscriptions[0].contains(QStringLiteral("clk")));
    QCOMPARE(m_stream->subscriptions[1].value(QStringLiteral("clk")).toString(), QString::number(kDropAfter));
    QCOMPARE(m_stream->subscriptions[1].value(QStringLiteral("initialClk")).toString(), QStringLiteral("0"));
    QCOMPARE(m_stream->subscriptions[0]
                 .value(QStringLiteral("marketFilter"))
                 .toObject()
                 .value(QStringLiteral("marketIds"))
                 .toArray()
                 .first()
                 .toString(),
        QStringLiteral("1.200806927"));

    // The same lines imported from a file: the same rows (diff leaves out receive times and how the
    // connection went).
    const QString file = m_dir.filePath(QStringLiteral("live"));
    {
        QFile f(file);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(m_lines.join('\n'));
    }
    const QString importedDb = m_dir.filePath(QStringLiteral("imported.db"));
    QCOMPARE(QProcess::execute(QStringLiteral(ODDSTAP_CLI_PATH),
                 { QStringLiteral("import"), file, QStringLiteral("--db"), importedDb, QStringLiteral("--quiet") }),
        0);
    QProcess diff;
    diff.start(QStringLiteral(ODDSTAP_CLI_PATH), { QStringLiteral("diff"), liveDb, importedDb });
    QVERIFY(diff.waitForFinished(60000));
    QVERIFY2(diff.exitCode() == 0, QByteArray(diff.readAllStandardOutput() + diff.readAllStandardError()).constData());
}

void TestBetfairStream::refusedLoginIsAnAuthFailureWithTheReason()
{
    FeedSourceConfig cfg;
    cfg.sourceId = QStringLiteral("bf-wrong");
    cfg.url = QUrl(QStringLiteral("betfair://127.0.0.1:%1?marketIds=1.200806927").arg(m_stream->port()));
    cfg.caFile = m_cert;
    cfg.appKey = kAppKey;
    cfg.token = "not-the-session";
    Betfair::StreamClient client(cfg);
    QSignalSpy states(&client, &BatchSource::stateChanged);
    client.start();
    QTRY_VERIFY_WITH_TIMEOUT(std::any_of(states.begin(), states.end(),
                                 [](const QList<QVariant> &args) {
                                     return args.first().value<ConnectionEvent>().state == SourceState::AuthFailed;
                                 }),
        20000);
    for (const QList<QVariant> &args : states) {
        const auto ev = args.first().value<ConnectionEvent>();
        if (ev.state == SourceState::AuthFailed) {
            QVERIFY2(ev.reason.contains(QLatin1String("INVALID_SESSION_INFORMATION")), qPrintable(ev.reason));
            QVERIFY2(!ev.reason.contains(QLatin1String("not-the-session")), "the token never shows");
            QVERIFY(ev.delayMs >= 1000); // backs off, not a tight retry loop
        }
    }
    client.stop(QStringLiteral("test over"));
}

void TestBetfairStream::servedFileCapturedEqualsTheFileImported()
{
    // `replay FILE --serve` as the exchange, `capture --url betfair://` as the client under test:
    // what arrives is what the file holds.
    const QString file = QStringLiteral(ODDSTAP_TEST_DATA_DIR "/betfair/racing-place-SELF-1.181223995.ndjson.gz");
    auto reader = openRecords({ file });
    QVERIFY(reader);
    Betfair::StreamDecoder decoder;
    EventBatch out;
    CaptureRecord rec;
    while (reader.value()->next(rec)) {
        decoder.decode(rec.frame.bytes, FrameContext {}, out);
    }
    const qsizetype events = qsizetype(out.events.size());
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("ODDSTAP_BETFAIR_APP_KEY"), QString::fromUtf8(kAppKey));
    env.insert(QStringLiteral("ODDSTAP_TOKEN"), QString::fromUtf8(kSession));
    QProcess serve;
    serve.setProcessEnvironment(env);
    serve.start(QStringLiteral(ODDSTAP_CLI_PATH),
        { QStringLiteral("replay"), file, QStringLiteral("--serve"), QStringLiteral("0"), QStringLiteral("--max"),
            QStringLiteral("--tls-cert"), m_cert, QStringLiteral("--tls-key"),
            m_dir.filePath(QStringLiteral("key.pem")) });
    const auto stopServe = qScopeGuard([&] {
        serve.terminate();
        serve.waitForFinished(10000);
    });
    QTRY_VERIFY_WITH_TIMEOUT(serve.canReadLine(), 30000);
    const QByteArray first = serve.readLine().trimmed();
    QVERIFY2(first.startsWith("listening on betfair://127.0.0.1:"), first.constData());
    const QString url = QString::fromLatin1(first.mid(first.indexOf("betfair://")));

    // 64 connections that never log in (the most the server keeps) locked every client out: now
    // the oldest of them makes room for the next, and the capture below gets its turn.
    const quint16 port = quint16(QUrl(url).port());
    std::vector<std::unique_ptr<QSslSocket>> silent;
    for (int i = 0; i < 64; ++i) {
        auto socket = std::make_unique<QSslSocket>();
        socket->setPeerVerifyMode(QSslSocket::VerifyNone);
        socket->connectToHostEncrypted(QStringLiteral("127.0.0.1"), port);
        silent.push_back(std::move(socket));
    }
    QTRY_VERIFY_WITH_TIMEOUT(
        std::all_of(silent.begin(), silent.end(), [](const auto &socket) { return socket->canReadLine(); }), // greeted
        30000);

    const QString capturedDb = m_dir.filePath(QStringLiteral("served.db"));
    QProcess capture;
    capture.setProcessEnvironment(env);
    capture.start(QStringLiteral(ODDSTAP_CLI_PATH),
        { QStringLiteral("capture"), QStringLiteral("--url"), url + QStringLiteral("?marketIds=1.181223995"),
            QStringLiteral("--source-id"), QStringLiteral("bf-racing-place-SELF-1.181223995"),
            QStringLiteral("--ca-file"), m_cert, QStringLiteral("--db"), capturedDb, QStringLiteral("--count"),
            QString::number(events), QStringLiteral("--quiet") });
    QTRY_VERIFY_WITH_TIMEOUT(capture.state() == QProcess::NotRunning, 120000);
    QVERIFY2(capture.exitCode() == 0, capture.readAllStandardError().constData());
    QCOMPARE(silent.front()->state(), QAbstractSocket::UnconnectedState); // the oldest made room
    QCOMPARE(silent.back()->state(), QAbstractSocket::ConnectedState);
    const QString importedDb = m_dir.filePath(QStringLiteral("racing-imported.db"));
    QCOMPARE(QProcess::execute(QStringLiteral(ODDSTAP_CLI_PATH),
                 { QStringLiteral("import"), file, QStringLiteral("--db"), importedDb, QStringLiteral("--quiet") }),
        0);
    QProcess diff;
    diff.start(QStringLiteral(ODDSTAP_CLI_PATH), { QStringLiteral("diff"), capturedDb, importedDb });
    QVERIFY(diff.waitForFinished(60000));
    QVERIFY2(diff.exitCode() == 0, QByteArray(diff.readAllStandardOutput() + diff.readAllStandardError()).constData());
}

void TestBetfairStream::hostileBytesAreRejectedWithTheirReasons()
{
    HostileExchange exchange(m_ssl);
    QVERIFY(exchange.port() != 0);
    FeedSourceConfig cfg;
    cfg.sourceId = QStringLiteral("bf-hostile");
    cfg.url = QUrl(QStringLiteral("betfair://127.0.0.1:%1?marketIds=1.9").arg(exchange.port()));
    cfg.caFile = m_cert;
    cfg.appKey = kAppKey;
    cfg.token = kSession;
    cfg.backoffInitialMs = 100;
    Betfair::StreamClient client(cfg);
    std::vector<Reject> rejects;
    std::vector<Event> events;
    connect(&client, &BatchSource::batchReady, this, [&](const BatchPtr &batch) {
        rejects.insert(rejects.end(), batch->rejects.begin(), batch->rejects.end());
        events.insert(events.end(), batch->events.begin(), batch->events.end());
    });
    QSignalSpy states(&client, &BatchSource::stateChanged);
    client.start();
    const auto odds = [&events] {
        return std::count_if(events.begin(), events.end(), [](const Event &e) { return e.odds(); });
    };
    // The 17 MB line ends the first connection; the client comes back and is served again.
    QTRY_VERIFY_WITH_TIMEOUT(exchange.connections >= 2 && rejects.size() >= 7 && odds() >= 1, 30000);
    client.stop(QStringLiteral("test over"));

    const auto codesOf = [&rejects] {
        QStringList codes;
        for (const Reject &r : rejects) {
            codes << QString::fromLatin1(toWire(r.code));
        }
        return codes;
    };
    // The same three unreadable lines on each connection, in order, every one with its reason and
    // raw text; between the connections, the line that had no end.
    const QStringList codes = codesOf();
    QCOMPARE(codes.mid(0, 7),
        QStringList({ QStringLiteral("invalid_utf8"), QStringLiteral("too_deep"), QStringLiteral("out_of_range"),
            QStringLiteral("frame_too_large"), QStringLiteral("invalid_utf8"), QStringLiteral("too_deep"),
            QStringLiteral("out_of_range") }));
    for (const Reject &r : rejects) {
        QVERIFY(!r.message.isEmpty());
        if (r.code == RejectCode::FrameTooLarge) {
            QVERIFY2(r.message.contains(QLatin1String("without a line end")), qPrintable(r.message));
            QVERIFY(r.raw.size() <= 64 * 1024); // the 17 MB are not kept
        } else {
            QVERIFY(!r.raw.isEmpty());
            QVERIFY(r.raw.size() <= 64 * 1024);
        }
    }
    QVERIFY2(rejects[2].message.contains(QLatin1String("ltp")), qPrintable(rejects[2].message));
    // The good line between them was mapped: its price and its book.
    const auto price = std::find_if(events.begin(), events.end(), [](const Event &e) { return e.odds(); });
    QCOMPARE(price->odds()->oddValue, 2.5);
    QVERIFY(std::any_of(events.begin(), events.end(), [](const Event &e) {
        return e.book() && !e.book()->levels.empty() && e.book()->levels.front().price == 2.48;
    }));
    // Why the first connection ended is in its state change, for the Sources panel and the log.
    QVERIFY(std::any_of(states.begin(), states.end(), [](const QList<QVariant> &args) {
        const auto ev = args.first().value<ConnectionEvent>();
        return ev.reason.contains(QLatin1String("longer than"));
    }));
}

void TestBetfairStream::aFullStorageHoldsTheStreamOffUntilItCatchesUp()
{
    // Storage cannot take more (the spool's disk refused too much): the client disconnects after
    // the batch that found it so, stays away, and once storage caught up subscribes again from
    // the stream's clock: every event once.
    Betfair::StreamDecoder decoder;
    EventBatch all;
    for (const QByteArray &l : m_lines) {
        decoder.decode(l, FrameContext {}, all);
    }
    const std::size_t expected = all.events.size();
    FeedSourceConfig config;
    config.sourceId = QStringLiteral("bf-hold");
    config.url =
        QUrl(QStringLiteral("betfair://127.0.0.1:%1?marketIds=1.200806927&ladderLevels=3").arg(m_stream->port()));
    config.caFile = m_cert;
    config.token = kSession;
    config.appKey = kAppKey;
    config.backoffInitialMs = 50;
    auto backlog = std::make_shared<StorageBacklog>(1000);
    Betfair::StreamClient client(config);
    client.setStorageBacklog(backlog);
    std::size_t received = 0;
    std::size_t atHold = 0;
    connect(&client, &BatchSource::batchReady, this, [&](const BatchPtr &batch) {
        backlog->taken(batch->events.size()); // as the session does for what a live source hands it
        received += batch->events.size();
        if (atHold == 0 && received > 0) {
            atHold = received;
            backlog->refused.store(StorageBacklog::kRefusedAllowance + 1); // as the spool would count them
        }
    });
    QStringList reasons;
    connect(&client, &BatchSource::stateChanged, this, [&](const ConnectionEvent &e) { reasons << e.reason; });
    const qsizetype subscriptionsBefore = m_stream->subscriptions.size();
    client.start();
    QTRY_VERIFY_WITH_TIMEOUT(!reasons.filter(QStringLiteral("waiting for storage")).isEmpty(), 20000);
    QVERIFY2(!reasons.filter(QStringLiteral("holding off: ")).isEmpty(), qPrintable(reasons.join(QLatin1Char('\n'))));
    QVERIFY(atHold > 0 && atHold < expected);
    // Held off: it stays away, however short its backoff (50 ms), while it looks at the backlog
    // again and again.
    const auto *holdOff = client.findChild<StorageHoldOff *>();
    QVERIFY(holdOff);
    QTRY_VERIFY_WITH_TIMEOUT(holdOff->polls() >= 4, 10000);
    QCOMPARE(m_stream->subscriptions.size(), subscriptionsBefore + 1);
    QCOMPARE(received, atHold);

    backlog->refused.store(StorageBacklog::kRefusedAllowance / 2);
    QTRY_COMPARE_WITH_TIMEOUT(received, expected, 30000);
    QCOMPARE(m_stream->subscriptions.size(), subscriptionsBefore + 2);
    QVERIFY(m_stream->subscriptions.last().contains(QStringLiteral("clk")));
    client.stop(QStringLiteral("test over"));
}

QTEST_GUILESS_MAIN(TestBetfairStream)
void TestBetfairStream::aServerThatRepeatsItsGreetingGetsTheCredentialsOnce()
{
    // A hostile exchange greets ("connection") and acknowledges the login over and over and never
    // acknowledges the subscription. Answering each greeting would send the app key and session
    // again and again, and the lines would keep the connection alive for ever: the client sends
    // them once per connection, subscribes once, and gives up at its connect timeout.
    QSslServer server;
    server.setSslConfiguration(m_ssl);
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    std::map<int, int> logins; // connection -> authentication messages received
    std::map<int, int> subscriptions;
    int connections = 0;
    connect(&server, &QTcpServer::pendingConnectionAvailable, this, [&] {
        while (QTcpSocket *s = server.nextPendingConnection()) {
            s->setParent(&server);
            const int connection = ++connections;
            connect(s, &QTcpSocket::readyRead, s, [&, s, connection] {
                while (s->canReadLine()) {
                    const QByteArray line = s->readLine();
                    logins[connection] += line.contains("\"op\":\"authentication\"") ? 1 : 0;
                    subscriptions[connection] += line.contains("\"op\":\"marketSubscription\"") ? 1 : 0;
                }
            });
            auto *spam = new QTimer(s);
            connect(spam, &QTimer::timeout, s, [s] {
                if (s->bytesToWrite() < 256 * 1024) {
                    for (int i = 0; i < 200; ++i) {
                        s->write(R"({"op":"connection","connectionId":"again"})"
                                 "\r\n"
                                 R"({"op":"status","id":1,"statusCode":"SUCCESS","connectionClosed":false})"
                                 "\r\n");
                    }
                }
            });
            spam->start(1);
        }
    });
    FeedSourceConfig cfg;
    cfg.sourceId = QStringLiteral("bf-greets");
    cfg.url = QUrl(QStringLiteral("betfair://127.0.0.1:%1?marketIds=1.9").arg(server.serverPort()));
    cfg.caFile = m_cert;
    cfg.appKey = kAppKey;
    cfg.token = kSession;
    cfg.connectTimeoutMs = 1500;
    cfg.backoffInitialMs = 100;
    Betfair::StreamClient client(cfg);
    QSignalSpy states(&client, &BatchSource::stateChanged);
    client.start();
    const auto reasonOfEnd = [&states] {
        for (const QList<QVariant> &args : states) {
            const auto ev = args.first().value<ConnectionEvent>();
            if (ev.state == SourceState::Disconnected) {
                return ev.reason;
            }
        }
        return QString();
    };
    QTRY_VERIFY_WITH_TIMEOUT(!reasonOfEnd().isEmpty() && connections >= 2, 20000);
    client.stop(QStringLiteral("test over"));
    QVERIFY2(reasonOfEnd().contains(QLatin1String("no subscription after")), qPrintable(reasonOfEnd()));
    QCOMPARE(logins[1], 1);
    QCOMPARE(subscriptions[1], 1);
}

#include "tst_betfair_stream.moc"

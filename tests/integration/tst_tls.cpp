// SPDX-License-Identifier: MIT
// wss:// against a real TLS WebSocket server with a throwaway self-signed certificate: trusted
// through --ca-file it works; untrusted it fails with a clear TLS error (there is no insecure mode).
#include <tests/testutils/feedharness.h>

#include <QFile>
#include <QProcess>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QTemporaryDir>
#include <QWebSocket>
#include <QWebSocketServer>

using namespace OddsTap;
using namespace OddsTap::Testing;

class TestTls : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void trustedThroughCaFileConnects();
    void untrustedCertificateIsRefused();

private:
    void startServer();
    QTemporaryDir m_dir;
    std::unique_ptr<QWebSocketServer> m_server;
    QString m_certPath;
};

void TestTls::initTestCase()
{
    registerMetaTypes();
    QVERIFY(QSslSocket::supportsSsl());
    m_certPath = m_dir.filePath(QStringLiteral("cert.pem"));
    const int rc = QProcess::execute(QStringLiteral("openssl"),
        { QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"), QStringLiteral("rsa:2048"),
            QStringLiteral("-nodes"), QStringLiteral("-keyout"), m_dir.filePath(QStringLiteral("key.pem")),
            QStringLiteral("-out"), m_certPath, QStringLiteral("-days"), QStringLiteral("1"), QStringLiteral("-subj"),
            QStringLiteral("/CN=localhost"), QStringLiteral("-addext"),
            QStringLiteral("subjectAltName=IP:127.0.0.1,DNS:localhost") });
    QCOMPARE(rc, 0);
    startServer();
}

void TestTls::startServer()
{
    QFile certFile(m_certPath);
    QFile keyFile(m_dir.filePath(QStringLiteral("key.pem")));
    QVERIFY(certFile.open(QIODevice::ReadOnly) && keyFile.open(QIODevice::ReadOnly));
    QSslConfiguration ssl;
    ssl.setLocalCertificate(QSslCertificate(&certFile, QSsl::Pem));
    ssl.setPrivateKey(QSslKey(&keyFile, QSsl::Rsa, QSsl::Pem));
    m_server = std::make_unique<QWebSocketServer>(QStringLiteral("tls"), QWebSocketServer::SecureMode);
    m_server->setSslConfiguration(ssl);
    QVERIFY(m_server->listen(QHostAddress::LocalHost, 0));
    connect(m_server.get(), &QWebSocketServer::newConnection, this, [this] {
        QWebSocket *ws = m_server->nextPendingConnection();
        ws->setParent(m_server.get());
        connect(ws, &QWebSocket::textMessageReceived, ws, [ws](const QString &) {
            ws->sendTextMessage(
                QStringLiteral(R"({"type":"odds","seq":1,"ts":1,"data":{"fixture_id":"f",)"
                               R"("market_type":"1x2","selection":"home","odd_value":2.5,"timestamp":1}})"));
        });
    });
}

void TestTls::trustedThroughCaFileConnects()
{
    FeedSourceConfig source = sourceConfig(QStringLiteral("tls"), m_server->serverPort());
    source.url = QUrl(QStringLiteral("wss://127.0.0.1:%1").arg(m_server->serverPort()));
    source.caFile = m_certPath;
    QCOMPARE(validateSourceConfig(source), QString());
    CaptureRun run(captureConfig({ source }, 1, 0));
    run.start();
    QVERIFY(run.waitFinished(15000));
    QCOMPARE(run.stats().sources.at(QStringLiteral("tls")).accepted[std::size_t(EventType::Odds)], quint64(1));
}

void TestTls::untrustedCertificateIsRefused()
{
    FeedSourceConfig source = sourceConfig(QStringLiteral("tls"), m_server->serverPort());
    source.url = QUrl(QStringLiteral("wss://127.0.0.1:%1").arg(m_server->serverPort()));
    CaptureRun run(captureConfig({ source }, 1, 1500));
    run.start();
    QVERIFY(run.waitFinished(15000));
    QCOMPARE(run.stats().sources.at(QStringLiteral("tls")).frames, quint64(0));
    const auto it = std::find_if(run.transitions.begin(), run.transitions.end(),
        [](const ConnectionEvent &e) { return e.state == SourceState::Disconnected; });
    QVERIFY(it != run.transitions.end());
    QVERIFY2(it->reason.contains(QLatin1String("TLS verification failed")), qPrintable(it->reason));
}

QTEST_GUILESS_MAIN(TestTls)
#include "tst_tls.moc"

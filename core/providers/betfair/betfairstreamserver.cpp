// SPDX-License-Identifier: MIT
#include "betfairstreamserver.h"

#include <core/common/logging.h>
#include <core/common/redact.h>
#include <core/common/secretfile.h>
#include <core/common/timeutil.h>
#include <core/providers/betfair/betfairfile.h>

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QSslConfiguration>
#include <QSslKey>
#include <QSslServer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

#include <algorithm>

namespace OddsTap::Betfair {
namespace {

constexpr qint64 kMaxRequestBytes = 1024 * 1024;
constexpr qint64 kMaxUnreadBytes = 32 * 1024 * 1024;
constexpr int kLoginTimeoutMs = 15000;
constexpr int kMaxSessions = 64;

QByteArray status(int id, bool ok, const char *code = "", const char *message = "")
{
    QJsonObject o { { QStringLiteral("op"), QStringLiteral("status") }, { QStringLiteral("id"), id },
        { QStringLiteral("statusCode"), ok ? QStringLiteral("SUCCESS") : QStringLiteral("FAILURE") },
        { QStringLiteral("connectionClosed"), !ok } };
    if (!ok) {
        o.insert(QStringLiteral("errorCode"), QLatin1String(code));
        o.insert(QStringLiteral("errorMessage"), QLatin1String(message));
    }
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

} // namespace

/// One client: its own reader over the files, its own pace.
class StreamSession : public QObject
{
public:
    StreamSession(QTcpSocket *socket, const StreamServerConfig &cfg, int connection, std::function<void(quint64)> ended)
        : m_socket(socket)
        , m_cfg(cfg)
        , m_ended(std::move(ended))
    {
        socket->setParent(this);
        m_timer.setSingleShot(true);
        connect(&m_timer, &QTimer::timeout, this, [this] { pump(); });
        connect(socket, &QTcpSocket::readyRead, this, [this] { onRequests(); });
        connect(socket, &QTcpSocket::disconnected, this, &QObject::deleteLater);
        // As the exchange does: a connection that has not logged in after a while is closed.
        QTimer::singleShot(kLoginTimeoutMs, this, [this] {
            if (!m_authenticated) {
                send(status(0, false, "TIMEOUT", "no authentication in time"));
                m_socket->disconnectFromHost();
            }
        });
        send(QJsonDocument(QJsonObject { { QStringLiteral("op"), QStringLiteral("connection") },
                               { QStringLiteral("connectionId"), QStringLiteral("oddstap-%1").arg(connection) } })
                 .toJson(QJsonDocument::Compact));
    }

    bool authenticated() const { return m_authenticated; }
    /// Makes room for a newcomer: the connection ends now.
    void evict()
    {
        m_socket->abort();
        deleteLater();
    }

private:
    void send(const QByteArray &line)
    {
        if (m_socket->bytesToWrite() > kMaxUnreadBytes) {
            m_socket->abort(); // a client that does not read: not kept in this server's memory
            return;
        }
        m_socket->write(line + "\r\n");
        m_lastSentMs = monotonicNs() / 1000000;
    }
    void onRequests()
    {
        while (m_socket->canReadLine()) {
            const QByteArray text = m_socket->readLine(kMaxRequestBytes).trimmed();
            const QJsonObject msg = QJsonDocument::fromJson(text).object();
            const QString op = msg.value(QStringLiteral("op")).toString();
            const int id = msg.value(QStringLiteral("id")).toInt();
            if (op == QLatin1String("authentication")) {
                const bool keyOk = m_cfg.appKey.isEmpty()
                    || constantTimeEquals(msg.value(QStringLiteral("appKey")).toString().toUtf8(), m_cfg.appKey);
                const bool sessionOk = m_cfg.session.isEmpty()
                    || constantTimeEquals(msg.value(QStringLiteral("session")).toString().toUtf8(), m_cfg.session);
                if (!keyOk || !sessionOk) {
                    send(keyOk ? status(id, false, "INVALID_SESSION_INFORMATION", "the session token is not valid")
                               : status(id, false, "INVALID_APP_KEY", "the application key is not valid"));
                    m_socket->disconnectFromHost();
                    return;
                }
                m_authenticated = true;
                send(status(id, true));
            } else if (op == QLatin1String("marketSubscription")) {
                if (m_reader) {
                    // One subscription per connection: each one reads the files again.
                    send(status(id, false, "SUBSCRIPTION_LIMIT_EXCEEDED", "one subscription per connection"));
                    continue;
                }
                if (!m_authenticated) {
                    send(status(id, false, "NO_SESSION", "authenticate first"));
                    m_socket->disconnectFromHost();
                    return;
                }
                subscribe(msg, id);
            } else if (op == QLatin1String("heartbeat")) {
                send(status(id, true));
            } else {
                send(status(id, false, "INVALID_INPUT", "unknown operation"));
            }
        }
        if (m_socket->bytesAvailable() > kMaxRequestBytes) {
            m_socket->abort(); // no line end in a megabyte: not a client of this protocol
        }
    }
    void subscribe(const QJsonObject &msg, int id)
    {
        auto reader = HistoricalFileReader::open(m_cfg.paths);
        if (!reader) {
            send(status(id, false, "UNEXPECTED_ERROR", "the files cannot be read"));
            m_socket->disconnectFromHost();
            return;
        }
        m_reader = std::move(reader.value());
        m_subscriptionId = id;
        m_heartbeatMs = std::clamp(msg.value(QStringLiteral("heartbeatMs")).toInt(5000), 500, 30000);
        m_line = 0;
        const quint64 from = msg.value(QStringLiteral("clk")).toString().toULongLong();
        m_haveNext = m_reader->next(m_next);
        while (m_haveNext && m_line < from) { // resume after the client's clock
            ++m_line;
            m_haveNext = m_reader->next(m_next);
        }
        send(status(id, true));
        m_based = false;
        pump();
    }
    /// Sends what is due, then waits for the next line's time or the next heartbeat.
    void pump()
    {
        const qint64 nowNs = monotonicNs();
        while (m_haveNext) {
            if (m_socket->bytesToWrite() > 4 * 1024 * 1024) {
                m_timer.start(5); // let the client read
                return;
            }
            const qint64 ptNs = m_next.frame.wallNs;
            if (!m_based) {
                m_based = true;
                m_basePtNs = ptNs;
                m_baseNowNs = nowNs;
            }
            if (m_cfg.speed > 0) {
                const qint64 dueNs = m_baseNowNs + qint64(double(ptNs - m_basePtNs) / m_cfg.speed);
                if (dueNs > nowNs) {
                    m_timer.start(int(std::min<qint64>((dueNs - nowNs) / 1000000 + 1, m_heartbeatMs)));
                    heartbeatIfQuiet();
                    return;
                }
            }
            QJsonObject o = QJsonDocument::fromJson(m_next.frame.bytes).object();
            ++m_line;
            if (!o.isEmpty()) {
                o.insert(QStringLiteral("clk"), QString::number(m_line));
                if (m_line == 1) {
                    o.insert(QStringLiteral("initialClk"), QStringLiteral("0"));
                }
                send(QJsonDocument(o).toJson(QJsonDocument::Compact));
            } else {
                send(m_next.frame.bytes); // not JSON: served as recorded, the client rejects it
            }
            m_haveNext = m_reader->next(m_next);
        }
        if (!m_endSignalled) {
            m_endSignalled = true;
            m_ended(m_line);
        }
        heartbeatIfQuiet();
        m_timer.start(m_heartbeatMs);
    }
    void heartbeatIfQuiet()
    {
        if (monotonicNs() / 1000000 - m_lastSentMs >= m_heartbeatMs) {
            send(QJsonDocument(
                QJsonObject { { QStringLiteral("op"), QStringLiteral("mcm") },
                    { QStringLiteral("id"), m_subscriptionId }, { QStringLiteral("clk"), QString::number(m_line) },
                    { QStringLiteral("pt"), wallClockMs() }, { QStringLiteral("ct"), QStringLiteral("HEARTBEAT") } })
                     .toJson(QJsonDocument::Compact));
        }
    }

    QTcpSocket *m_socket;
    const StreamServerConfig &m_cfg;
    std::function<void(quint64)> m_ended;
    QTimer m_timer;
    std::unique_ptr<HistoricalFileReader> m_reader;
    CaptureRecord m_next;
    bool m_haveNext = false;
    bool m_authenticated = false;
    bool m_based = false;
    bool m_endSignalled = false;
    int m_subscriptionId = 0;
    int m_heartbeatMs = 5000;
    quint64 m_line = 0;
    qint64 m_basePtNs = 0;
    qint64 m_baseNowNs = 0;
    qint64 m_lastSentMs = 0;
};

struct StreamServer::Impl
{
    StreamServerConfig cfg;
    std::unique_ptr<QTcpServer> server;
    quint64 lines = 0;
    int connections = 0;
};

StreamServer::StreamServer(StreamServerConfig config, QObject *parent)
    : QObject(parent)
    , d(std::make_unique<Impl>())
{
    d->cfg = std::move(config);
}

StreamServer::~StreamServer() = default;

quint64 StreamServer::lines() const
{
    return d->lines;
}

Result<quint16> StreamServer::start()
{
    auto reader = HistoricalFileReader::open(d->cfg.paths);
    if (!reader) {
        return reader.error();
    }
    d->lines = reader.value()->info().frames;
    if (!d->cfg.tlsCertFile.isEmpty()) {
        // Bounded and named, like a token file: a key is a secret, and either may be a pipe.
        const auto cert = readSecretFile(d->cfg.tlsCertFile, QStringLiteral("the TLS certificate"));
        if (!cert) {
            return cert.error();
        }
        const auto key = readSecretFile(d->cfg.tlsKeyFile, QStringLiteral("the TLS key"));
        if (!key) {
            return key.error();
        }
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.setLocalCertificate(QSslCertificate(*cert, QSsl::Pem));
        tls.setPrivateKey(QSslKey(*key, QSsl::Rsa, QSsl::Pem));
        if (tls.localCertificate().isNull() || tls.privateKey().isNull()) {
            return Error { QStringLiteral("usage"),
                QStringLiteral("the TLS certificate or key is not PEM (an RSA key is expected)") };
        }
        auto *ssl = new QSslServer;
        ssl->setSslConfiguration(tls);
        d->server.reset(ssl);
    } else {
        d->server = std::make_unique<QTcpServer>();
    }
    if (!d->server->listen(QHostAddress(d->cfg.host), d->cfg.port)) {
        return Error {
            QStringLiteral("io_error"),
            QStringLiteral("cannot listen on %1:%2: %3").arg(d->cfg.host).arg(d->cfg.port).arg(d->server->errorString())
        };
    }
    // A TLS server hands a connection over once its handshake is done.
    connect(d->server.get(), &QTcpServer::pendingConnectionAvailable, this, [this] {
        while (QTcpSocket *s = d->server->nextPendingConnection()) {
            const QList<StreamSession *> sessions = findChildren<StreamSession *>(Qt::FindDirectChildrenOnly);
            if (sessions.size() >= kMaxSessions) {
                // Connections that never logged in make room (the oldest first): sockets opened and
                // left silent would otherwise lock every real client out.
                const auto idle = std::find_if(
                    sessions.begin(), sessions.end(), [](const StreamSession *x) { return !x->authenticated(); });
                if (idle == sessions.end()) {
                    qCWarning(lcFeed).noquote() << "betfair stream server: refused a connection from"
                                                << s->peerAddress().toString() << "- already serving" << kMaxSessions;
                    s->abort();
                    s->deleteLater();
                    continue;
                }
                qCInfo(lcFeed).noquote() << "betfair stream server: closed a connection that had not logged in, for"
                                         << s->peerAddress().toString();
                (*idle)->setParent(nullptr); // no longer counted among the sessions
                (*idle)->evict();
            }
            auto *session =
                new StreamSession(s, d->cfg, ++d->connections, [self = QPointer<StreamServer>(this)](quint64 n) {
                    if (self) {
                        emit self->endReached(n);
                    }
                });
            session->setParent(this);
        }
    });
    return d->server->serverPort();
}

} // namespace OddsTap::Betfair

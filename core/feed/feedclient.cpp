// SPDX-License-Identifier: MIT
#include "feedclient.h"

#include <core/common/logging.h>
#include <core/common/redact.h>
#include <core/common/rng.h>
#include <core/common/timeutil.h>
#include <core/feed/reconnect.h>
#include <core/feed/storageholdoff.h>
#include <core/feed/streamtracker.h>

#include <QFileInfo>
#include <QHostAddress>
#include <QNetworkRequest>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslError>
#include <QThread>
#include <QTimer>
#include <QUrlQuery>
#include <QWebSocket>

#include <algorithm>

namespace OddsTap {
namespace {

/// What a user should read when a connection fails: what happened and what to check, instead
/// of the socket layer's own text (which is kept at the end for searching).
QString explainSocketError(QAbstractSocket::SocketError error, const QString &text, const QUrl &url)
{
    const QString where =
        QStringLiteral("%1:%2").arg(url.host()).arg(url.port(url.scheme() == QLatin1String("wss") ? 443 : 80));
    // Qt 6.4 reports a refused upgrade only as text ("Unhandled http status code: 200 (OK)."), with
    // ConnectionRefusedError: read the status first.
    static const QRegularExpression status(QStringLiteral("status code: (\\d+)(?: \\(([^)]*)\\))?"));
    if (const auto m = status.match(text); m.hasMatch()) {
        const int code = m.captured(1).toInt();
        const QString http = m.captured(2).isEmpty() ? QStringLiteral("HTTP %1").arg(code)
                                                     : QStringLiteral("HTTP %1 (%2)").arg(code).arg(m.captured(2));
        if (code == 401 || code == 403) {
            return QStringLiteral("the server refused the token with %1: check the token file").arg(http);
        }
        if (code == 404) {
            return QStringLiteral("the server answered %1: no WebSocket feed at path '%2' (check the URL's path)")
                .arg(http, url.path().isEmpty() ? QStringLiteral("/") : url.path());
        }
        return QStringLiteral("the server at %1 answered %2 instead of a WebSocket upgrade: it is not a WebSocket "
                              "feed, or not at this URL")
            .arg(where, http);
    }
    switch (error) {
    case QAbstractSocket::ConnectionRefusedError:
        // Qt reports a broken upgrade answer (a wrong accept key, no upgrade headers, a header
        // too large) as a refusal too, with its own text.
        if (!text.isEmpty() && !text.contains(QLatin1String("refused"), Qt::CaseInsensitive)) {
            return QStringLiteral("the server at %1 broke the WebSocket handshake (%2): it is not a WebSocket feed, "
                                  "or something between rewrites its answer")
                .arg(where, text);
        }
        return QStringLiteral("connection refused: nothing is listening on %1 (is the server running, is the port "
                              "right?)")
            .arg(where);
    case QAbstractSocket::HostNotFoundError:
        return QStringLiteral("host '%1' not found (check the URL)").arg(url.host());
    case QAbstractSocket::NetworkError:
        return QStringLiteral("network unreachable for %1: %2").arg(where, text);
    case QAbstractSocket::SslHandshakeFailedError:
        return QStringLiteral("TLS handshake with %1 failed (for a server without TLS use ws://): %2").arg(where, text);
    default:
        break;
    }
    return text;
}

/// For a failure before the WebSocket handshake: a server without TLS reads a wss:// client's TLS
/// hello as a request line that never ends, and answers nothing or closes.
QString tlsHint(const QUrl &url)
{
    return url.scheme() == QLatin1String("wss")
        ? QStringLiteral(" (the URL is wss://: if the server has no TLS, use ws://)")
        : QString();
}

} // namespace

QString validateSourceConfig(const FeedSourceConfig &config)
{
    if (config.sourceId.trimmed().isEmpty()) {
        return QStringLiteral("the source id must not be empty");
    }
    const QUrl &url = config.url;
    const bool local = url.host() == QLatin1String("localhost") || QHostAddress(url.host()).isLoopback();
    if (std::any_of(config.token.cbegin(), config.token.cend(), [](char c) { return uchar(c) <= 0x20 || c == 0x7f; })) {
        // It goes into a header line (or a JSON message): a line break would add headers of its own.
        return QStringLiteral("the token holds a space, a line break or another control character: check its file "
                              "or ODDSTAP_TOKEN");
    }
    if (!url.isValid() && url.scheme().isEmpty() && urlError(url).contains(QLatin1String("Relative URL"))) {
        // "127.0.0.1:8765": Qt's reason is about a relative URL's path.
        return QStringLiteral("invalid URL: it has no scheme; write ws://HOST:PORT/PATH, or wss:// for TLS");
    }
    if (!url.isValid()) {
        return QStringLiteral("invalid URL: %1").arg(urlError(url));
    }
    if (url.path().contains(QLatin1Char('@'))) {
        return QStringLiteral("invalid URL '%1': an '@' in its path (a password with unencoded characters? tokens go "
                              "in --token-file or ODDSTAP_TOKEN)")
            .arg(redactedUrl(url));
    }
    if (!url.password().isEmpty() && url.scheme() != QLatin1String("amqp")) {
        // Saved with the sources, shown in ps and in logs: a secret goes in a file.
        return QStringLiteral("the URL carries a password: give the feed's secret as a token (--token-file, or the "
                              "source's token file)");
    }
    if (url.scheme() == QLatin1String("amqp")) {
        // A broker viewer (BrokerViewer): watches what collectors publish.
        if (!url.password().isEmpty()) {
            return QStringLiteral("the amqp:// URL carries a password: set ODDSTAP_AMQP_PASSWORD instead");
        }
        // The URL is saved with the sources and shown in the Sources panel: no secret in it.
        if (QUrl(QUrlQuery(url).queryItemValue(QStringLiteral("redis"), QUrl::FullyDecoded)).password().size() > 0) {
            return QStringLiteral("the redis= URL carries a password: the viewer reads a cache without one");
        }
        return url.host().isEmpty() ? QStringLiteral("invalid URL '%1': no host").arg(redactedUrl(url)) : QString();
    }
    if (url.scheme() == QLatin1String("betfair") || url.scheme() == QLatin1String("betfair+tcp")) {
        // The live Betfair Exchange Stream (Betfair::StreamClient).
        if (url.host().isEmpty()) {
            return QStringLiteral("invalid URL '%1': no host").arg(redactedUrl(url));
        }
        if (url.scheme() == QLatin1String("betfair+tcp") && !local) {
            // The app key and the session token would cross the network in clear text.
            return QStringLiteral(
                "betfair+tcp:// (no TLS) is for a local test server only (127.0.0.1); use betfair://");
        }
        if (config.appKey.isEmpty()) {
            return QStringLiteral("a Betfair stream needs an application key: set ODDSTAP_BETFAIR_APP_KEY");
        }
        if (config.token.isEmpty()) {
            return QStringLiteral("a Betfair stream needs a session token: --token-file or ODDSTAP_TOKEN");
        }
        return {};
    }
    if (url.scheme() != QLatin1String("ws") && url.scheme() != QLatin1String("wss")) {
        return QStringLiteral("invalid URL '%1': the scheme must be ws://, wss://, betfair:// or (to watch a broker) "
                              "amqp://")
            .arg(redactedUrl(url));
    }
    if (url.host().isEmpty()) {
        return QStringLiteral("invalid URL '%1': no host").arg(redactedUrl(url));
    }
    if (!config.token.isEmpty() && url.scheme() == QLatin1String("ws") && !local) {
        // The same rule as betfair+tcp://: a Bearer token in clear text is anyone's on the way.
        return QStringLiteral("'%1' has no TLS (ws://) and is not this machine: the token would cross the network "
                              "in clear text; use wss://, or give this source no token")
            .arg(redactedUrl(url));
    }
    if (!config.caFile.isEmpty() && !QFileInfo(config.caFile).isReadable()) {
        return QStringLiteral("CA file '%1' is not readable").arg(config.caFile);
    }
    if (!config.caFile.isEmpty() && QSslCertificate::fromPath(config.caFile).isEmpty()) {
        return QStringLiteral("CA file '%1' holds no PEM certificate").arg(config.caFile);
    }
    return {};
}

namespace {
qint64 monoMs()
{
    return monotonicNs() / 1000000;
}
} // namespace

struct FeedClient::Impl : LiveConnection
{
    explicit Impl(FeedClient *owner)
        : LiveConnection(owner, owner->m_config, owner->m_config.profile)
    { }

    void connectNow() override;
    void onConnected();
    void onEnded();
    void onFrame(const QByteArray &bytes, bool binary);
    void checkLiveness() override;
    void holdOffIfStorageIsFull() override;

    QWebSocket *socket = nullptr;
    QTimer *connectTimer = nullptr;
    bool stalled = false;
    bool handshakeDone = false; ///< a WebSocket handshake succeeded once: TLS is not what fails
    std::optional<quint64> gapResumedFrom; ///< the seq the last resume after a gap started from
    qint64 lastFrameMs = 0;
};

void FeedClient::Impl::connectNow()
{
    if (!beginAttempt()) {
        return;
    }
    stalled = false;
    setState(SourceState::Connecting, redactedUrl(cfg().url));
    QNetworkRequest request(cfg().url);
    if (!cfg().token.isEmpty()) {
        request.setRawHeader("Authorization", "Bearer " + cfg().token);
    }
    if (cfg().url.scheme() == QLatin1String("wss")) {
        socket->setSslConfiguration(sslConfiguration());
    }
    connectTimer->start(cfg().connectTimeoutMs);
    socket->open(request);
}

void FeedClient::Impl::onConnected()
{
    connectTimer->stop();
    handshakeDone = true;
    lastFrameMs = monoMs();
    setState(SourceState::Connected);
    const std::optional<quint64> lastSeq = tracker.lastSeq();
    QByteArray subscribe = "{\"op\":\"subscribe\"";
    if (lastSeq) {
        subscribe += ",\"from_seq\":" + QByteArray::number(*lastSeq);
    }
    subscribe += '}';
    socket->sendTextMessage(QString::fromLatin1(subscribe));
    setState(SourceState::Subscribed, lastSeq ? QStringLiteral("from_seq=%1").arg(*lastSeq) : QStringLiteral("live"));
    healthyTimer->start(cfg().healthyResetMs);
}

void FeedClient::Impl::onEnded()
{
    connectTimer->stop();
    if (!connectionEnded(cfg().token.isEmpty()
                ? QStringLiteral("the server asks for a token (HTTP 401) and none was given: a --token-file after the "
                                 "--url, or ODDSTAP_TOKEN")
                : QStringLiteral("the server rejected the token (HTTP 401); check --token-file or ODDSTAP_TOKEN"))) {
        return;
    }
    QString reason = lastError;
    const auto closeCode = socket->closeCode();
    if (closeCode == QWebSocketProtocol::CloseCodeWrongDatatype || closeCode == QWebSocketProtocol::CloseCodeTooMuchData
        || closeCode == QWebSocketProtocol::CloseCodeProtocolError) {
        // The WebSocket layer refused a message and closed the connection itself: the bytes never
        // reached us, but the frame still happened and must not vanish. (Qt's client never breaks
        // the protocol itself, so a 1002 is the server's frame: reserved bits or opcodes, a length
        // past 2^63, a continuation with nothing to continue, a bad close frame.)
        const bool tooBig = closeCode == QWebSocketProtocol::CloseCodeTooMuchData;
        const bool broken = closeCode == QWebSocketProtocol::CloseCodeProtocolError;
        const QString what = tooBig
            ? QStringLiteral("a message over the socket's %1-byte limit").arg(cfg().hardMessageBytes)
            : broken ? QStringLiteral("a frame that breaks the WebSocket protocol (%1)").arg(socket->closeReason())
                     : QStringLiteral("a text frame that is not valid UTF-8");
        reason = QStringLiteral("closed by OddsTap (code %1): the server sent %2").arg(int(closeCode)).arg(what);
        tracker.onRefusedMessage(tooBig ? RejectCode::FrameTooLarge
                : broken                ? RejectCode::ProtocolError
                                        : RejectCode::InvalidUtf8,
            QStringLiteral("the server sent %1; the WebSocket layer refused it and closed the connection (code %2), "
                           "so its bytes were not kept")
                .arg(what)
                .arg(int(closeCode)),
            wallClockMs(), monotonicNs());
    } else if (reason.isEmpty()) {
        reason = socket->closeReason().isEmpty() ? QStringLiteral("closed (code %1)").arg(int(closeCode))
                                                 : QStringLiteral("closed by server: %1").arg(socket->closeReason());
    }
    if (disconnected(reason)) {
        return;
    }
    // A gap is repaired at once, unless the last repair made no progress: a gap that the stream's
    // own content causes again on every resume backs off like any other failure.
    const bool resyncing = tracker.resyncing();
    const bool repeated = resyncing && gapResumedFrom && gapResumedFrom == tracker.lastSeq();
    const int delay = resyncing && !repeated ? 0 : nextBackoffMs();
    if (resyncing) {
        gapResumedFrom = tracker.lastSeq();
    }
    setState(SourceState::BackingOff,
        resyncing ? QStringLiteral("resuming after a gap from seq %1%2")
                        .arg(tracker.lastSeq().value_or(0))
                        .arg(repeated ? QStringLiteral(" (the last resume from there hit the same gap)") : QString())
                  : QStringLiteral("reconnecting"),
        delay);
    reconnectTimer->start(delay);
}

void FeedClient::Impl::checkLiveness()
{
    if (state != SourceState::Subscribed && state != SourceState::Connected) {
        return;
    }
    if (serverStopsReading(socket->bytesToWrite())) {
        socket->abort();
        return;
    }
    const qint64 silence = monoMs() - lastFrameMs;
    if (silence > 3 * qint64(cfg().heartbeatMs)) {
        stalled = true;
        setState(SourceState::Stalled, QStringLiteral("no frame for %1 ms (3 heartbeat intervals)").arg(silence));
        lastError = QStringLiteral("stalled: no frame for %1 ms").arg(silence);
        socket->abort();
    }
}

void FeedClient::Impl::onFrame(const QByteArray &bytes, bool binary)
{
    const qint64 mono = monotonicNs();
    const qint64 wallNs = wallClockNs();
    lastFrameMs = mono / 1000000;
    if (tracker.keepsRaw()) {
        tracker.noteRawFrame(bytes, wallNs, mono, binary);
    }
    if (tracker.onFrame(bytes, wallNs / 1000000, mono)) {
        // Loss in transit: drop the rest of this connection and resume from what we hold.
        lastError = tracker.gapReason();
        QMetaObject::invokeMethod(
            source,
            [this] {
                if (socket && tracker.resyncing()) {
                    socket->abort();
                }
            },
            Qt::QueuedConnection);
    }
    if (tracker.pendingSize() >= cfg().flushMaxItems) {
        flush();
    } else {
        scheduleFlush();
    }
}

void FeedClient::Impl::holdOffIfStorageIsFull()
{
    if (stopping || (state != SourceState::Subscribed && state != SourceState::Connected)
        || socket->state() != QAbstractSocket::ConnectedState || !holdOff->begin()) {
        return;
    }
    lastError = holdOff->reason();
    socket->close(QWebSocketProtocol::CloseCodeGoingAway,
        QStringLiteral("client is behind (storage or processing); resuming later"));
    QTimer::singleShot(cfg().connectTimeoutMs, source, [this, closing = connection] {
        if (connection == closing && socket->state() != QAbstractSocket::UnconnectedState) {
            socket->abort(); // a server that never answers the close
        }
    });
}

FeedClient::FeedClient(FeedSourceConfig config, QObject *parent)
    : LiveSource(std::move(config), parent)
{ }

FeedClient::~FeedClient() = default;

LiveConnection *FeedClient::live()
{
    return d.get();
}

void FeedClient::start()
{
    if (d) {
        return;
    }
    d = std::make_unique<Impl>(this);
    d->socket = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this);
    d->socket->setMaxAllowedIncomingMessageSize(quint64(m_config.hardMessageBytes));
    d->socket->setMaxAllowedIncomingFrameSize(quint64(m_config.hardMessageBytes));
    // Qt keeps a frame in the socket's buffer until all of it is there, so the buffer takes the
    // largest frame; without a limit, a handshake line that never ends would fill memory.
    d->socket->setReadBufferSize(m_config.hardMessageBytes + 64 * 1024);
    d->connectTimer = new QTimer(this);
    d->connectTimer->setSingleShot(true);
    connect(d->connectTimer, &QTimer::timeout, this, [this] {
        if (!d->lastError.isEmpty()) {
            d->socket->abort(); // the reason is known already
            return;
        }
        d->lastError = QStringLiteral("connect timed out after %1 ms: no WebSocket handshake was completed (nothing "
                                      "answered, or what answered is not a WebSocket server)")
                           .arg(m_config.connectTimeoutMs)
            + (d->handshakeDone ? QString() : tlsHint(m_config.url));
        d->socket->abort();
    });
    connect(d->socket, &QWebSocket::connected, this, [this] { d->onConnected(); });
    connect(d->socket, &QWebSocket::textMessageReceived, this,
        [this](const QString &text) { d->onFrame(text.toUtf8(), false); });
    connect(d->socket, &QWebSocket::binaryMessageReceived, this, [this](const QByteArray &data) {
        d->onFrame(data, true); // tolerated: some servers send JSON in binary frames
    });
    connect(d->socket, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error), this,
        [this](QAbstractSocket::SocketError error) {
            const QString text = d->socket->errorString();
            // Qt 6.4 reports a refused upgrade only as text (no status code in the API), and this
            // text is Qt's, not translated: the one place a decision reads a message.
            if (text.contains(QLatin1String("status code: 401"))) {
                d->authFailed = true;
            }
            if (d->lastError.isEmpty()) {
                d->lastError = explainSocketError(error, text, m_config.url);
                if (error == QAbstractSocket::RemoteHostClosedError && d->state == SourceState::Connecting) {
                    d->lastError += QStringLiteral(" before the WebSocket handshake")
                        + (d->handshakeDone ? QString() : tlsHint(m_config.url));
                }
            }
            if (error == QAbstractSocket::ConnectionRefusedError
                && d->socket->state() != QAbstractSocket::UnconnectedState) {
                // Qt reports a handshake it refuses (a wrong accept key, a header too large, an
                // HTTP status) and keeps the connection open: end it now, not at the timeout.
                d->socket->abort();
            }
        });
    connect(d->socket, &QWebSocket::sslErrors, this,
        [this](const QList<QSslError> &errors) { d->lastError = tlsFailure(errors); });
    connect(d->socket, &QWebSocket::stateChanged, this, [this](QAbstractSocket::SocketState s) {
        if (s == QAbstractSocket::UnconnectedState && d->state != SourceState::Idle) {
            // Queued: QWebSocket reports the error after this transition; let it arrive first.
            QMetaObject::invokeMethod(
                this, [this] { d->onEnded(); }, Qt::QueuedConnection);
        }
    });
    d->start(m_keepRaw, m_storageBacklog, std::max(20, m_config.heartbeatMs / 4));
}

void FeedClient::stop(const QString &why)
{
    if (!d || !d->beginStop(why)) {
        return;
    }
    d->connectTimer->stop();
    d->socket->close(QWebSocketProtocol::CloseCodeNormal, QStringLiteral("client stopping"));
    d->flush();
}

} // namespace OddsTap

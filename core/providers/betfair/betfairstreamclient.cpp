// SPDX-License-Identifier: MIT
#include "betfairstreamclient.h"

#include <core/common/logging.h>
#include <core/common/redact.h>
#include <core/common/rng.h>
#include <core/common/timeutil.h>
#include <core/feed/reconnect.h>
#include <core/feed/storageholdoff.h>
#include <core/feed/streamtracker.h>
#include <core/providers/betfair/betfairdecoder.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTimer>
#include <QUrlQuery>

namespace OddsTap::Betfair {
namespace {

constexpr qsizetype kMaxLineBytes = 16 * 1024 * 1024;
constexpr int kAuthenticationId = 1;
constexpr int kSubscriptionId = 2;

QJsonArray listOf(const QUrlQuery &query, const char *key)
{
    QJsonArray a;
    for (const QString &v :
        query.queryItemValue(QLatin1String(key), QUrl::FullyDecoded).split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        a.append(v.trimmed());
    }
    return a;
}

QByteArray line(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact) + "\r\n";
}

} // namespace

struct StreamClient::Impl : LiveConnection
{
    explicit Impl(StreamClient *owner)
        : LiveConnection(owner, owner->m_config, FeedProfile::betfair())
    {
        decoder().continueAfter(owner->m_config.resumeFromSeq.value_or(0));
    }

    StreamDecoder &decoder() { return static_cast<StreamDecoder &>(tracker.decoder()); }
    void connectNow() override;
    void onReadyRead();
    void onLine(const QByteArray &text);
    void onControl(const QJsonObject &msg);
    void subscribe();
    void onEnded();
    void checkLiveness() override;
    /// Disconnects; the subscription resumes from its clocks when storage caught up.
    void holdOffIfStorageIsFull() override;
    int heartbeatMs() const { return std::clamp(cfg().heartbeatMs, 500, 5000); }

    QSslSocket *socket = nullptr;
    QByteArray buffer;
    qint64 lastLineMs = 0;
    qint64 attemptStartMs = 0; ///< the connection attempt's start: how long it has gone unsubscribed
    bool loginSent = false; ///< this connection's credentials sent: the greeting is answered once
    bool subscribeSent = false; ///< this connection's subscription sent, after the login's success
};

void StreamClient::Impl::connectNow()
{
    if (!beginAttempt()) {
        return;
    }
    buffer.clear();
    const QUrl &url = cfg().url;
    setState(SourceState::Connecting, redactedUrl(url));
    lastLineMs = monotonicNs() / 1000000;
    attemptStartMs = lastLineMs;
    loginSent = false;
    subscribeSent = false;
    if (url.scheme() == QLatin1String("betfair+tcp")) {
        socket->connectToHost(url.host(), quint16(url.port(443)));
        return;
    }
    socket->setSslConfiguration(sslConfiguration());
    socket->connectToHostEncrypted(url.host(), quint16(url.port(443)));
}

void StreamClient::Impl::onReadyRead()
{
    const qsizetype scannedBefore = buffer.size(); // no line end before here: not searched again
    buffer += socket->readAll();
    qsizetype start = 0;
    qsizetype searchFrom = scannedBefore;
    for (;;) {
        const qsizetype end = buffer.indexOf('\n', std::max(start, searchFrom));
        if (end < 0) {
            break;
        }
        qsizetype stop = end;
        if (stop > start && buffer[stop - 1] == '\r') {
            --stop;
        }
        if (stop > start) {
            onLine(buffer.sliced(start, stop - start));
        }
        start = end + 1;
        searchFrom = start;
        if (socket->state() != QAbstractSocket::ConnectedState) {
            buffer.clear(); // a control message ended the connection: the rest is not read
            return;
        }
    }
    buffer.remove(0, start);
    if (buffer.size() > kMaxLineBytes) {
        // No line end in sight: this is not the stream's framing; the bytes are rejected, not kept.
        tracker.onRefusedMessage(RejectCode::FrameTooLarge,
            QStringLiteral("a line longer than %1 bytes without a line end; the connection was closed")
                .arg(kMaxLineBytes),
            wallClockMs(), monotonicNs());
        lastError = QStringLiteral("the server sent a line longer than %1 bytes").arg(kMaxLineBytes);
        buffer.clear();
        socket->abort();
    }
}

void StreamClient::Impl::onLine(const QByteArray &text)
{
    const qint64 mono = monotonicNs();
    const qint64 wallNs = wallClockNs();
    lastLineMs = mono / 1000000;
    if (tracker.keepsRaw()) {
        tracker.noteRawFrame(text, wallNs, mono, false);
    }
    // The protocol's own messages steer the connection; every line still goes to the decoder (a
    // failure is a feed error in the log, the rest is counted and recorded like any line).
    const QByteArrayView head = QByteArrayView(text).first(std::min<qsizetype>(text.size(), 64));
    if (head.contains("\"op\":\"connection\"") || head.contains("\"op\":\"status\"")) {
        onControl(QJsonDocument::fromJson(text).object());
    }
    if (tracker.onFrame(text, wallNs / 1000000, mono)) {
        // The seqs the decoder gave jumped: the rest of this connection is not trusted.
        lastError = tracker.gapReason();
        QMetaObject::invokeMethod(
            source, [this] { socket->abort(); }, Qt::QueuedConnection);
    }
    if (tracker.pendingSize() >= cfg().flushMaxItems) {
        flush();
    } else {
        scheduleFlush();
    }
}

void StreamClient::Impl::onControl(const QJsonObject &msg)
{
    const QString op = msg.value(QStringLiteral("op")).toString();
    if (op == QLatin1String("connection")) {
        if (loginSent) {
            return; // the exchange greets once a connection: the credentials are sent once
        }
        loginSent = true;
        QJsonObject auth { { QStringLiteral("op"), QStringLiteral("authentication") },
            { QStringLiteral("id"), kAuthenticationId }, { QStringLiteral("appKey"), QString::fromUtf8(cfg().appKey) },
            { QStringLiteral("session"), QString::fromUtf8(cfg().token) } };
        socket->write(line(auth));
        setState(SourceState::Connected, QStringLiteral("authenticating"));
        return;
    }
    const int id = msg.value(QStringLiteral("id")).toInt();
    const bool ok = msg.value(QStringLiteral("statusCode")).toString() == QLatin1String("SUCCESS");
    if (!ok) {
        // The server's words, cut: they go into the connection events and the log.
        const QString why = QStringLiteral("%1: %2").arg(msg.value(QStringLiteral("errorCode")).toString().left(64),
            msg.value(QStringLiteral("errorMessage")).toString().left(256));
        // The app key and session are refused: retrying at once would not help.
        const QString code = msg.value(QStringLiteral("errorCode")).toString();
        authFailed = code == QLatin1String("NO_APP_KEY") || code == QLatin1String("INVALID_APP_KEY")
            || code == QLatin1String("NO_SESSION") || code == QLatin1String("INVALID_SESSION_INFORMATION")
            || code == QLatin1String("NOT_AUTHORIZED");
        if (code == QLatin1String("INVALID_CLOCK")) {
            decoder().forgetClocks(); // resubscribing with the same clocks would fail for ever
        }
        lastError =
            QStringLiteral("the stream refused %1 (%2)")
                .arg(id == kAuthenticationId ? QStringLiteral("the login") : QStringLiteral("the request"), why);
        socket->abort();
        return;
    }
    if (id == kAuthenticationId && loginSent && !subscribeSent) {
        subscribeSent = true;
        subscribe();
    } else if (id == kSubscriptionId && subscribeSent && state != SourceState::Subscribed) {
        setState(SourceState::Subscribed,
            decoder().clock().isEmpty() ? QStringLiteral("from a new image")
                                        : QStringLiteral("resumed from clk %1").arg(decoder().clock()));
        healthyTimer->start(cfg().healthyResetMs);
    }
}

void StreamClient::Impl::subscribe()
{
    const QUrlQuery query(cfg().url);
    QJsonObject filter;
    for (const char *key : { "marketIds", "eventTypeIds", "eventIds", "countryCodes", "marketTypes", "venues" }) {
        const QJsonArray values = listOf(query, key);
        if (!values.isEmpty()) {
            filter.insert(QLatin1String(key), values);
        }
    }
    const int levels = std::clamp(query.queryItemValue(QStringLiteral("ladderLevels")).toInt(), 1, 10);
    QJsonObject data { { QStringLiteral("fields"),
                           QJsonArray { QStringLiteral("EX_BEST_OFFERS"), QStringLiteral("EX_TRADED"),
                               QStringLiteral("EX_TRADED_VOL"), QStringLiteral("EX_LTP"),
                               QStringLiteral("EX_MARKET_DEF") } },
        { QStringLiteral("ladderLevels"), levels } };
    QJsonObject sub { { QStringLiteral("op"), QStringLiteral("marketSubscription") },
        { QStringLiteral("id"), kSubscriptionId }, { QStringLiteral("marketFilter"), filter },
        { QStringLiteral("marketDataFilter"), data }, { QStringLiteral("heartbeatMs"), heartbeatMs() } };
    // After a drop: the clocks tell the exchange what we hold, so it sends what was missed.
    if (!decoder().initialClock().isEmpty()) {
        sub.insert(QStringLiteral("initialClk"), decoder().initialClock());
    }
    if (!decoder().clock().isEmpty()) {
        sub.insert(QStringLiteral("clk"), decoder().clock());
    }
    socket->write(line(sub));
}

void StreamClient::Impl::onEnded()
{
    if (!connectionEnded(
            lastError + QStringLiteral("; check ODDSTAP_BETFAIR_APP_KEY and the session token (--token-file)"))) {
        return;
    }
    if (disconnected(lastError.isEmpty()
                ? (socket->errorString().isEmpty() ? QStringLiteral("closed") : socket->errorString())
                : lastError)) {
        return;
    }
    const int delay = nextBackoffMs();
    setState(SourceState::BackingOff, QStringLiteral("reconnecting"), delay);
    reconnectTimer->start(delay);
}

void StreamClient::Impl::checkLiveness()
{
    if (state != SourceState::Subscribed && state != SourceState::Connected && state != SourceState::Connecting) {
        return;
    }
    if (serverStopsReading(socket->bytesToWrite())) {
        socket->abort();
        return;
    }
    // The exchange sends a heartbeat after heartbeatMs of quiet: three missed ones mean dead.
    // Until the subscription is acknowledged it sends no heartbeats: the connect timeout counts
    // from the attempt, so lines that never lead to a subscription cannot hold it off.
    const bool subscribed = state == SourceState::Subscribed;
    const qint64 silence = monotonicNs() / 1000000 - (subscribed ? lastLineMs : attemptStartMs);
    const qint64 limit = subscribed ? 3 * qint64(heartbeatMs()) : cfg().connectTimeoutMs;
    if (silence > limit) {
        lastError = subscribed ? QStringLiteral("stalled: no line for %1 ms").arg(silence)
                               : QStringLiteral("no subscription after %1 ms").arg(silence);
        if (subscribed) {
            setState(SourceState::Stalled, QStringLiteral("no line for %1 ms (3 heartbeat intervals)").arg(silence));
        }
        socket->abort();
    }
}

void StreamClient::Impl::holdOffIfStorageIsFull()
{
    if (stopping || socket->state() != QAbstractSocket::ConnectedState || !holdOff->begin()) {
        return;
    }
    lastError = holdOff->reason();
    // Nothing is read after this batch: what would arrive now comes again on the resume.
    socket->abort();
}

StreamClient::StreamClient(FeedSourceConfig config, QObject *parent)
    : LiveSource(std::move(config), parent)
{ }

StreamClient::~StreamClient() = default;

LiveConnection *StreamClient::live()
{
    return d.get();
}

bool StreamClient::handles(const QUrl &url)
{
    return url.scheme() == QLatin1String("betfair") || url.scheme() == QLatin1String("betfair+tcp");
}

void StreamClient::start()
{
    if (d) {
        return;
    }
    d = std::make_unique<Impl>(this);
    d->socket = new QSslSocket(this);
    connect(d->socket, &QSslSocket::readyRead, this, [this] { d->onReadyRead(); });
    connect(d->socket, &QSslSocket::sslErrors, this,
        [this](const QList<QSslError> &errors) { d->lastError = tlsFailure(errors); });
    connect(d->socket, &QSslSocket::errorOccurred, this, [this](QAbstractSocket::SocketError) {
        if (d->lastError.isEmpty()) {
            d->lastError = d->socket->errorString();
        }
    });
    connect(d->socket, &QSslSocket::stateChanged, this, [this](QAbstractSocket::SocketState s) {
        if (s == QAbstractSocket::UnconnectedState && d->state != SourceState::Idle) {
            QMetaObject::invokeMethod(
                this, [this] { d->onEnded(); }, Qt::QueuedConnection);
        }
    });
    d->start(m_keepRaw, m_storageBacklog, 250);
}

void StreamClient::stop(const QString &why)
{
    if (!d || !d->beginStop(why)) {
        return;
    }
    // Nothing is read after the last batch: what would arrive now comes again on a resume.
    disconnect(d->socket, &QSslSocket::readyRead, this, nullptr);
    d->socket->disconnectFromHost();
    d->flush();
}

} // namespace OddsTap::Betfair

// SPDX-License-Identifier: MIT
// SimServer's state, shared by the files that implement it: simserver.cpp (generation, pacing,
// faults, stats) and simconnections.cpp (handshakes, subscriptions, closes).
#pragma once

#include "simserver.h"

#include <core/common/timeutil.h>

#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>
#include <QWebSocket>
#include <QWebSocketServer>

#include <array>
#include <deque>
#include <map>

namespace OddsTap {

inline qint64 monoMs()
{
    return monotonicNs() / 1000000;
}

struct SimServer::Impl
{
    struct Conn
    {
        quint64 id = 0;
        QPointer<QWebSocket> socket;
        QString peer;
        qint64 connectedAtMs = 0;
        bool subscribed = false;
        std::optional<quint64> fromSeq;
        QString mode = QStringLiteral("unsubscribed");
        quint64 cursor = 0; ///< every seq <= cursor was sent or deliberately skipped
        quint64 lastSentSeq = 0;
        qint64 lastSendMs = 0;
        qint64 stallUntilMs = 0;
        qint64 stallStartMs = 0; ///< of the stall in progress, 0 when none
        bool dropping = false;
        bool closed = false; ///< erased from `conns` by a queued cleanup, never while iterating
        std::deque<QByteArray> preface; ///< snapshot frames, sent before the live stream
        Rng rng;
        std::array<quint64, kEventTypeCount> sent {};
        quint64 frames = 0;
        quint64 heartbeats = 0;
        quint64 malformed = 0;
        quint64 duplicates = 0;
        quint64 gaps = 0;
        quint64 snapshotEvents = 0;
        quint64 stalls = 0;
        /// Stalls the client ended first by closing (to resume after a gap, or on its liveness
        /// timeout): the silence it saw was shorter than stall_ms.
        quint64 stallsCutShort = 0;
        qint64 longestStallMs = 0; ///< of silence actually served
        quint64 drops = 0;
        QString closedReason;
    };

    Impl(SimServer *owner, SimServerConfig c)
        : q(owner)
        , config(std::move(c))
        , stream(config.stream ? config.stream : std::make_shared<FeedGenerator>(config.generator))
        , generator(*stream)
        // At speed 0 a replay is served like the simulator at rate 0: as fast as each socket takes.
        , timed(generator.nextDueNs().has_value() && config.speed > 0)
        , tcp(new QTcpServer(owner))
        , ws(new QWebSocketServer(QStringLiteral("oddstap-sim"), QWebSocketServer::NonSecureMode, owner))
        , tick(new QTimer(owner))
        , dueTimer(new QTimer(owner))
    {
        dueTimer->setSingleShot(true);
        dueTimer->setTimerType(Qt::PreciseTimer);
        config.batch = std::max(1, config.batch);
        config.retain = std::max<quint64>(1, config.retain);
        config.heartbeatMs = std::max(10, config.heartbeatMs);
    }

    quint64 head() const { return generator.lastSeq(); }
    quint64 ringFront() const { return ring.empty() ? head() + 1 : ring.front().seq; }
    bool countDone() const { return (config.count != 0 && head() >= config.count) || generator.exhausted(); }
    void releaseDue();

    void generateUpTo(quint64 target);
    void onTick();
    void pump(Conn &c, qint64 now);
    /// The stall in progress is over (its time is up, or the connection closed): counts the
    /// silence it really served.
    static void endStall(Conn &c, qint64 now);
    void sendFrame(Conn &c, const QByteArray &frame, qint64 now);
    /// A replayed capture's malformed frames, sent once per server run where they were received.
    void sendRecordedMalformed(Conn &c, const std::vector<QByteArray> &frames, qint64 now);
    QByteArray malformedFrame(Conn &c, const GeneratedEvent &next);
    void onTcpConnection();
    void checkHandshake(QTcpSocket *socket);
    void onWebSocket();
    void onControl(Conn &c, const QString &text);
    void subscribe(Conn &c, std::optional<quint64> fromSeq);
    /// Subscribed connections besides @p c.
    int subscribedOthers(const Conn &c) const;
    void onClosed(quint64 id);
    QJsonObject connStats(const Conn &c) const;
    static void addTotals(QJsonObject &totals, const Conn &c);

    SimServer *q;
    SimServerConfig config;
    std::shared_ptr<EventStream> stream;
    EventStream &generator;
    bool timed = false; ///< the stream has its own timing (a replay)
    qint64 timedStartNs = 0; ///< 0 until the first subscription
    bool trailerSent = false; ///< like prefaces, once per server run
    quint64 prefaceSentUpTo = 0; ///< prefaces go out once, with the first delivery of their event
    std::deque<GeneratedEvent> ring;
    std::array<quint64, kEventTypeCount> generated {};
    // Children of the SimServer, so that moveToThread() takes them along.
    QTcpServer *tcp;
    QWebSocketServer *ws;
    QTimer *tick;
    QTimer *dueTimer; ///< wakes a timed stream exactly when its next event is due
    std::map<quint64, std::unique_ptr<Conn>> conns;
    std::deque<QJsonObject> closed;
    quint64 closedCount = 0;
    quint64 nextConnId = 1;
    quint64 authRejected = 0;
    qint64 lastAuthLogMs = -1000000; ///< refused upgrades are logged at most once a second
    quint64 authUnlogged = 0;
    qint64 pacingStartMs = 0;
    quint64 pacingBaseSeq = 0;
    bool countSignalled = false;
    // Fault schedule counts events sent on any connection: "every N events" is a property of the
    // stream, not of one connection (which a drop or stall ends anyway).
    quint64 sinceDrop = 0;
    quint64 sinceStall = 0;
    // Totals of connections that closed and fell out of `closed`.
    QJsonObject closedTotals;
};

} // namespace OddsTap

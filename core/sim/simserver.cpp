// SPDX-License-Identifier: MIT
#include "simserver.h"

#include "simserverimpl.h"

#include <core/common/logging.h>
#include <core/common/timeutil.h>

#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QThread>
#include <QTimer>
#include <QWebSocket>
#include <QWebSocketServer>

#include <array>
#include <deque>
#include <map>

namespace OddsTap {
namespace {

constexpr qint64 kHighWaterBytes = 256 * 1024; // per-connection send buffer before we stop writing
/// Replies the stream's flow control does not hold back (pongs, error envelopes) waiting unsent:
/// past this the client reads nothing of what it asks for, and is cut off.
constexpr qint64 kMaxUnsentBytes = 4 * 1024 * 1024;
constexpr int kTickMs = 2;

QJsonObject byType(const std::array<quint64, kEventTypeCount> &counts)
{
    QJsonObject o;
    for (const EventType t : { EventType::Fixture, EventType::Odds, EventType::Bet }) {
        o.insert(displayName(t), qint64(counts[std::size_t(t)]));
    }
    return o;
}

} // namespace

void SimServer::Impl::generateUpTo(quint64 target)
{
    if (config.count != 0) {
        target = std::min(target, config.count);
    }
    while (head() < target && !generator.exhausted()) {
        GeneratedEvent ev = generator.next();
        ++generated[std::size_t(ev.type)];
        ring.push_back(std::move(ev));
        if (ring.size() > config.retain) {
            ring.pop_front();
        }
    }
    if (countDone() && !countSignalled) {
        countSignalled = true;
        qCInfo(lcFeed) << "simulator: generated all" << config.count << "events";
        emit q->countReached(head());
    }
}

void SimServer::Impl::onTick()
{
    const qint64 now = monoMs();
    if (timed) {
        releaseDue();
    } else if (config.rate > 0) {
        const auto due = pacingBaseSeq + quint64(double(now - pacingStartMs) * config.rate / 1000.0);
        generateUpTo(std::min(due, head() + 200000)); // bounded catch-up after a stall of the loop
    }
    std::vector<quint64> toAbort;
    for (auto &[id, conn] : conns) {
        Conn &c = *conn;
        if (!c.socket || c.closed) {
            continue;
        }
        if (c.socket->bytesToWrite() > kHighWaterBytes + kMaxUnsentBytes && !c.dropping) {
            c.closedReason = QStringLiteral("client does not read: %1 bytes of replies unsent (pings or requests "
                                            "it sent without reading the answers)")
                                 .arg(c.socket->bytesToWrite());
            qCWarning(lcFeed).noquote() << "simulator: connection" << c.id << "from" << c.peer
                                        << "cut off:" << c.closedReason;
            toAbort.push_back(id);
            continue;
        }
        if (c.dropping) {
            if (c.socket->bytesToWrite() == 0) {
                toAbort.push_back(id); // everything written reached the kernel: now cut the line
            }
            continue;
        }
        if (c.stallStartMs > 0 && now >= c.stallUntilMs) {
            endStall(c, now);
        }
        pump(c, now);
        if (!c.closed && c.socket && c.subscribed && now >= c.stallUntilMs
            && now - c.lastSendMs >= config.heartbeatMs) {
            ++c.heartbeats;
            sendFrame(c, generator.controlEnvelope(EventType::Heartbeat, c.lastSentSeq), now);
        }
    }
    for (const quint64 id : toAbort) {
        auto it = conns.find(id);
        if (it != conns.end() && it->second->socket) {
            it->second->socket->abort();
        }
    }
}

void SimServer::Impl::releaseDue()
{
    if (timedStartNs == 0) {
        return; // the recorded timing starts with the first subscription
    }
    const double elapsed = double(monotonicNs() - timedStartNs) * config.speed;
    while (!generator.exhausted() && double(*generator.nextDueNs()) <= elapsed) {
        generateUpTo(head() + 1);
    }
    if (!generator.exhausted()) {
        const double waitNs = (double(*generator.nextDueNs()) - elapsed) / config.speed;
        dueTimer->start(int(std::max(0.0, waitNs / 1e6 + 0.5)));
    }
}

void SimServer::Impl::sendFrame(Conn &c, const QByteArray &frame, qint64 now)
{
    c.socket->sendTextMessage(QString::fromUtf8(frame));
    ++c.frames;
    c.lastSendMs = now;
}

void SimServer::Impl::sendRecordedMalformed(Conn &c, const std::vector<QByteArray> &frames, qint64 now)
{
    for (const QByteArray &frame : frames) {
        ++c.malformed;
        sendFrame(c, frame, now);
    }
}

QByteArray SimServer::Impl::malformedFrame(Conn &c, const GeneratedEvent &next)
{
    // Malformed envelopes carry the seq of an event this connection already delivered, like a
    // corrupted retransmission, so they never advance or break the stream.
    const QByteArray head = "{\"type\":\"odds\",\"seq\":" + QByteArray::number(c.lastSentSeq)
        + ",\"ts\":" + QByteArray::number(generator.nowMs(c.lastSentSeq)) + ",\"source\":\"" + generator.streamName()
        + "\",\"data\":{";
    switch (c.rng.below(4)) {
    case 0: // truncated JSON: any proper prefix of an object is invalid
        return next.json.left(qsizetype(1 + c.rng.below(quint64(next.json.size() - 1))));
    case 1: // wrong type
        return head
            + R"("fixture_id":"fx-1","market_type":"1x2","selection":"home","odd_value":"2.15","timestamp":1}})";
    case 2: // missing field
        return head + R"("market_type":"1x2","selection":"home","odd_value":2.15,"timestamp":1}})";
    default: // odds <= 1
        return head + R"("fixture_id":"fx-1","market_type":"1x2","selection":"home","odd_value":0.95,"timestamp":1}})";
    }
}

void SimServer::Impl::pump(Conn &c, qint64 now)
{
    if (!c.subscribed || c.dropping || now < c.stallUntilMs) {
        return;
    }
    const FaultPlan &f = config.faults;
    while (c.socket && c.socket->bytesToWrite() < kHighWaterBytes) {
        if (!c.preface.empty()) {
            sendFrame(c, c.preface.front(), now);
            c.preface.pop_front();
            continue;
        }
        QByteArray frame;
        quint64 frameLastSeq = 0;
        int n = 0;
        enum class Stop
        {
            None,
            Drop,
            Stall
        } stop = Stop::None;
        while (n < config.batch && stop == Stop::None) {
            const quint64 next = c.cursor + 1;
            if (next > head() && config.rate <= 0 && !countDone() && !timed) {
                generateUpTo(head() + quint64(std::max(config.batch, 256)));
            }
            if (next > head()) {
                break;
            }
            if (next < ringFront()) {
                c.closedReason = QStringLiteral("client too slow: fell behind the retained window");
                c.socket->close(QWebSocketProtocol::CloseCodePolicyViolated, c.closedReason);
                return;
            }
            const GeneratedEvent &ev = ring[std::size_t(next - ringFront())];
            c.cursor = next;
            if (!ev.preface.empty() && next > prefaceSentUpTo) {
                prefaceSentUpTo = next;
                sendRecordedMalformed(c, ev.preface, now);
            }
            // The final event of a bounded stream goes out clean, so that bounded runs end cleanly
            // and their counts reconcile exactly.
            const bool faulty = config.count == 0 || next != config.count;
            if (faulty && f.gap > 0 && c.rng.chance(f.gap)) {
                ++c.gaps; // lost in transit: the client must notice and resume
                continue;
            }
            if (faulty && f.malformed > 0 && c.rng.chance(f.malformed)) {
                ++c.malformed;
                sendFrame(c, malformedFrame(c, ev), now);
            }
            if (!frame.isEmpty()) {
                frame += ',';
            }
            frame += ev.json;
            ++c.sent[std::size_t(ev.type)];
            frameLastSeq = next;
            ++n;
            if (faulty && f.duplicate > 0 && c.rng.chance(f.duplicate)) {
                frame += ',';
                frame += ev.json;
                ++c.duplicates;
                ++n;
            }
            ++sinceDrop;
            ++sinceStall;
            if (!faulty) {
                // no drop or stall after the final event
            } else if ((f.dropEvery != 0 && sinceDrop >= f.dropEvery)
                || (f.dropProbability > 0 && c.rng.chance(f.dropProbability))) {
                stop = Stop::Drop;
            } else if (f.stallEvery != 0 && sinceStall >= f.stallEvery) {
                stop = Stop::Stall;
            }
        }
        if (!frame.isEmpty()) {
            if (config.batch > 1) {
                frame.prepend('[');
                frame.append(']');
            } else if (n == 2) {
                // A duplicate in single-envelope mode goes out as its own frame.
                const qsizetype half = (frame.size() - 1) / 2;
                sendFrame(c, frame.left(half), now);
                frame = frame.mid(half + 1);
            }
            sendFrame(c, frame, now);
            c.lastSentSeq = frameLastSeq; // only now delivered: malformed frames and heartbeats use it
        }
        if (stop == Stop::Drop) {
            ++c.drops;
            sinceDrop = 0;
            c.dropping = true;
            c.closedReason = QStringLiteral("fault: dropped");
            return;
        }
        if (stop == Stop::Stall) {
            ++c.stalls;
            sinceStall = 0;
            c.stallStartMs = now;
            c.stallUntilMs = now + f.stallMs;
            return;
        }
        if (n == 0) {
            if (!trailerSent && generator.exhausted() && c.cursor == head()) {
                trailerSent = true;
                sendRecordedMalformed(c, generator.trailer(), now);
            }
            return; // nothing more to send now
        }
    }
}

void SimServer::Impl::endStall(Conn &c, qint64 now)
{
    if (c.stallStartMs == 0) {
        return;
    }
    if (now < c.stallUntilMs) {
        ++c.stallsCutShort;
    }
    c.longestStallMs = std::max(c.longestStallMs, std::min(now, c.stallUntilMs) - c.stallStartMs);
    c.stallStartMs = 0;
}

void SimServer::Impl::addTotals(QJsonObject &totals, const Conn &c)
{
    auto add = [&totals](
                   const QString &key, quint64 v) { totals.insert(key, totals.value(key).toInteger() + qint64(v)); };
    add(QStringLiteral("frames_sent"), c.frames);
    add(QStringLiteral("heartbeats_sent"), c.heartbeats);
    add(QStringLiteral("malformed_sent"), c.malformed);
    add(QStringLiteral("duplicates_sent"), c.duplicates);
    add(QStringLiteral("gaps_injected"), c.gaps);
    add(QStringLiteral("snapshot_events_sent"), c.snapshotEvents);
    add(QStringLiteral("stalls"), c.stalls);
    add(QStringLiteral("stalls_cut_short"), c.stallsCutShort);
    totals.insert(QStringLiteral("longest_stall_ms"),
        std::max(totals.value(QStringLiteral("longest_stall_ms")).toInteger(), c.longestStallMs));
    add(QStringLiteral("drops"), c.drops);
    for (int t = 0; t < kEventTypeCount; ++t) {
        add(QStringLiteral("sent_") + displayName(EventType(t)), c.sent[std::size_t(t)]);
    }
}

QJsonObject SimServer::Impl::connStats(const Conn &c) const
{
    return QJsonObject {
        { QStringLiteral("id"), qint64(c.id) },
        { QStringLiteral("peer"), c.peer },
        { QStringLiteral("connected_at"), formatIso8601Utc(c.connectedAtMs) },
        { QStringLiteral("from_seq"), c.fromSeq ? QJsonValue(qint64(*c.fromSeq)) : QJsonValue() },
        { QStringLiteral("mode"), c.mode },
        { QStringLiteral("frames_sent"), qint64(c.frames) },
        { QStringLiteral("events_sent"), byType(c.sent) },
        { QStringLiteral("heartbeats_sent"), qint64(c.heartbeats) },
        { QStringLiteral("malformed_sent"), qint64(c.malformed) },
        { QStringLiteral("duplicates_sent"), qint64(c.duplicates) },
        { QStringLiteral("gaps_injected"), qint64(c.gaps) },
        { QStringLiteral("snapshot_events_sent"), qint64(c.snapshotEvents) },
        { QStringLiteral("stalls"), qint64(c.stalls) },
        { QStringLiteral("stalls_cut_short"), qint64(c.stallsCutShort) },
        { QStringLiteral("longest_stall_ms"), c.longestStallMs },
        { QStringLiteral("drops"), qint64(c.drops) },
        { QStringLiteral("last_seq_sent"), qint64(c.lastSentSeq) },
        { QStringLiteral("closed_reason"), c.closedReason },
    };
}

SimServer::SimServer(SimServerConfig config, QObject *parent)
    : QObject(parent)
    , d(std::make_unique<Impl>(this, std::move(config)))
{ }

SimServer::~SimServer()
{
    stop();
    // Children (sockets, servers) outlive `d` by a moment; cut their connections to us first.
    const auto objects = findChildren<QObject *>();
    for (QObject *child : objects) {
        QObject::disconnect(child, nullptr, this, nullptr);
    }
}

Result<quint16> SimServer::start()
{
    Q_ASSERT(QThread::currentThread() == thread());
    QHostAddress address;
    if (!address.setAddress(d->config.host)) {
        return Error { QStringLiteral("bad_host"),
            QStringLiteral("cannot listen on '%1': not an IP address").arg(d->config.host) };
    }
    if (!d->tcp->listen(address, d->config.port)) {
        return Error { QStringLiteral("listen_failed"),
            QStringLiteral("cannot listen on %1:%2: %3")
                .arg(d->config.host)
                .arg(d->config.port)
                .arg(d->tcp->errorString()) };
    }
    connect(d->tcp, &QTcpServer::newConnection, this, [this] { d->onTcpConnection(); });
    connect(d->ws, &QWebSocketServer::newConnection, this, [this] { d->onWebSocket(); });
    d->pacingStartMs = monoMs();
    d->pacingBaseSeq = d->head();
    d->tick->setTimerType(Qt::PreciseTimer);
    d->tick->setInterval(kTickMs);
    connect(d->tick, &QTimer::timeout, this, [this] { d->onTick(); });
    connect(d->dueTimer, &QTimer::timeout, this, [this] { d->onTick(); });
    d->tick->start();
    qCInfo(lcFeed).noquote() << "simulator: listening on" << d->config.host << d->tcp->serverPort();
    return d->tcp->serverPort();
}

void SimServer::stop()
{
    d->tick->stop();
    d->dueTimer->stop();
    d->tcp->close();
    for (auto &[id, c] : d->conns) {
        if (c->socket) {
            c->socket->abort();
        }
    }
}

quint16 SimServer::port() const
{
    return d->tcp->serverPort();
}

quint64 SimServer::lastSeq() const
{
    return d->head();
}

QJsonObject SimServer::stats() const
{
    QJsonObject totals = d->closedTotals;
    qint64 openCount = 0;
    QJsonArray connections;
    for (const QJsonObject &c : d->closed) {
        connections.append(c);
    }
    for (const auto &[id, c] : d->conns) {
        if (c->closed) {
            continue; // already in `closed` and in the totals
        }
        QJsonObject s = d->connStats(*c);
        s.insert(QStringLiteral("open"), true);
        connections.append(s);
        ++openCount;
        Impl::addTotals(totals, *c);
    }
    QJsonObject sent;
    for (const EventType t : { EventType::Fixture, EventType::Odds, EventType::Bet }) {
        const QString key = QStringLiteral("sent_") + displayName(t);
        sent.insert(displayName(t), totals.value(key).toInteger());
        totals.remove(key);
    }
    for (int t = 0; t < kEventTypeCount; ++t) {
        totals.remove(QStringLiteral("sent_") + displayName(EventType(t)));
    }
    quint64 generatedTotal = 0;
    for (const quint64 g : d->generated) {
        generatedTotal += g;
    }
    QJsonObject out {
        { QStringLiteral("last_seq"), qint64(d->head()) },
        { QStringLiteral("count_limit"), qint64(d->config.count) },
        { QStringLiteral("generated"), byType(d->generated) },
        { QStringLiteral("generated_total"), qint64(generatedTotal) },
        { QStringLiteral("events_sent"), sent },
        { QStringLiteral("auth_rejected"), qint64(d->authRejected) },
        { QStringLiteral("connections_total"), qint64(d->closedCount + openCount) },
        { QStringLiteral("connections_open"), qint64(openCount) },
        { QStringLiteral("faults"), d->config.faults.toString() },
        { QStringLiteral("seed"), QString::number(d->config.generator.seed) },
        { QStringLiteral("connections"), connections },
    };
    for (auto it = totals.constBegin(); it != totals.constEnd(); ++it) {
        out.insert(it.key(), it.value());
    }
    for (const char *key : { "frames_sent", "heartbeats_sent", "malformed_sent", "duplicates_sent", "gaps_injected",
             "snapshot_events_sent", "stalls", "stalls_cut_short", "longest_stall_ms", "drops" }) {
        if (!out.contains(QLatin1String(key))) {
            out.insert(QLatin1String(key), 0);
        }
    }
    return out;
}

} // namespace OddsTap

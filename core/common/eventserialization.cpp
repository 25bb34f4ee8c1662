// SPDX-License-Identifier: MIT
#include "eventserialization.h"

#include <QDataStream>
#include <QIODevice>

namespace OddsTap {
namespace {

constexpr quint32 kMagic = 0x0dd5ba7c;
constexpr quint16 kVersion = 1;

template <typename T> void putOptional(QDataStream &s, const std::optional<T> &v)
{
    s << bool(v.has_value()) << (v ? *v : T {});
}

template <typename T> void getOptional(QDataStream &s, std::optional<T> &v)
{
    bool has = false;
    T value {};
    s >> has >> value;
    v = has ? std::optional<T>(value) : std::nullopt;
}

void put(QDataStream &s, const Event &e)
{
    s << quint8(e.type) << e.seq << e.serverTsMs << e.sourceId << e.stream << e.receivedAtMs << e.receivedMonoNs;
    if (const FixtureData *f = e.fixture()) {
        s << quint8(1) << f->fixtureId << f->sportId << f->tournamentId << f->startTimeMs << quint8(f->status)
          << f->home << f->away << f->score;
    } else if (const OddsData *o = e.odds()) {
        s << quint8(2) << o->fixtureId << o->marketType << o->selection << o->oddValue << o->timestampMs
          << quint8(o->status);
    } else if (const BetData *b = e.bet()) {
        s << quint8(3) << b->betId << b->userId << b->fixtureId << b->marketType << b->selection << b->stake;
        putOptional(s, b->oddValue);
        s << b->potentialWin << b->timestampMs;
    } else if (const FeedErrorData *fe = e.feedError()) {
        s << quint8(4) << fe->code << fe->message;
    } else {
        s << quint8(0);
    }
}

void get(QDataStream &s, Event &e)
{
    quint8 type = 0;
    quint8 kind = 0;
    s >> type >> e.seq >> e.serverTsMs >> e.sourceId >> e.stream >> e.receivedAtMs >> e.receivedMonoNs >> kind;
    e.type = EventType(std::min<quint8>(type, quint8(kEventTypeCount - 1)));
    quint8 status = 0;
    switch (kind) {
    case 1: {
        FixtureData f;
        s >> f.fixtureId >> f.sportId >> f.tournamentId >> f.startTimeMs >> status >> f.home >> f.away >> f.score;
        f.status = FixtureStatus(std::min<quint8>(status, 4));
        e.data = std::move(f);
        break;
    }
    case 2: {
        OddsData o;
        s >> o.fixtureId >> o.marketType >> o.selection >> o.oddValue >> o.timestampMs >> status;
        o.status = PriceStatus(std::min<quint8>(status, 1));
        e.data = std::move(o);
        break;
    }
    case 3: {
        BetData b;
        s >> b.betId >> b.userId >> b.fixtureId >> b.marketType >> b.selection >> b.stake;
        getOptional(s, b.oddValue);
        s >> b.potentialWin >> b.timestampMs;
        e.data = std::move(b);
        break;
    }
    case 4: {
        FeedErrorData fe;
        s >> fe.code >> fe.message;
        e.data = std::move(fe);
        break;
    }
    default:
        e.data = std::monostate {};
    }
}

} // namespace

QByteArray serializeBatch(const EventBatch &b)
{
    QByteArray bytes;
    QDataStream s(&bytes, QIODevice::WriteOnly);
    s.setVersion(QDataStream::Qt_6_4);
    s << kMagic << kVersion << b.sourceId << b.frames << b.bytes << b.envelopes << b.duplicates << b.discarded
      << b.heartbeats << b.streamAdvances;
    putOptional(s, b.lastSeq);
    s << quint32(b.events.size());
    for (const Event &e : b.events) {
        put(s, e);
    }
    s << quint32(b.rejects.size());
    for (const Reject &r : b.rejects) {
        s << quint8(r.code) << r.message << r.raw << r.rawTruncated;
        putOptional(s, r.seq);
        putOptional(s, r.type ? std::optional<quint8>(quint8(*r.type)) : std::nullopt);
        s << qint32(r.batchIndex) << r.sourceId << r.receivedAtMs << r.receivedMonoNs;
    }
    s << quint32(b.gaps.size());
    for (const GapRecord &g : b.gaps) {
        s << g.sourceId << g.expectedSeq << g.receivedSeq << g.compacted << g.connection << g.atMs;
    }
    s << quint32(b.connectionEvents.size());
    for (const ConnectionEvent &c : b.connectionEvents) {
        s << c.sourceId << c.connection << quint8(c.state) << c.reason << qint32(c.delayMs) << c.lastSeq << c.atMs;
    }
    return bytes;
}

bool deserializeBatch(const QByteArray &bytes, EventBatch &b)
{
    QDataStream s(bytes);
    s.setVersion(QDataStream::Qt_6_4);
    quint32 magic = 0;
    quint16 version = 0;
    s >> magic >> version;
    if (magic != kMagic || version != kVersion) {
        return false;
    }
    b = {};
    s >> b.sourceId >> b.frames >> b.bytes >> b.envelopes >> b.duplicates >> b.discarded >> b.heartbeats
        >> b.streamAdvances;
    getOptional(s, b.lastSeq);
    quint32 n = 0;
    s >> n;
    b.events.resize(std::min<quint32>(n, 10000000));
    for (Event &e : b.events) {
        get(s, e);
    }
    s >> n;
    for (quint32 i = 0; i < n && s.status() == QDataStream::Ok; ++i) {
        Reject r;
        quint8 code = 0;
        std::optional<quint8> type;
        qint32 index = 0;
        s >> code >> r.message >> r.raw >> r.rawTruncated;
        getOptional(s, r.seq);
        getOptional(s, type);
        s >> index >> r.sourceId >> r.receivedAtMs >> r.receivedMonoNs;
        r.code = RejectCode(std::min<quint8>(code, quint8(kRejectCodeCount - 1)));
        r.type = type ? std::optional<EventType>(EventType(*type)) : std::nullopt;
        r.batchIndex = index;
        b.rejects.push_back(std::move(r));
    }
    s >> n;
    for (quint32 i = 0; i < n && s.status() == QDataStream::Ok; ++i) {
        GapRecord g;
        s >> g.sourceId >> g.expectedSeq >> g.receivedSeq >> g.compacted >> g.connection >> g.atMs;
        b.gaps.push_back(std::move(g));
    }
    s >> n;
    for (quint32 i = 0; i < n && s.status() == QDataStream::Ok; ++i) {
        ConnectionEvent c;
        quint8 state = 0;
        qint32 delay = 0;
        s >> c.sourceId >> c.connection >> state >> c.reason >> delay >> c.lastSeq >> c.atMs;
        c.state = SourceState(std::min<quint8>(state, quint8(kSourceStateCount - 1)));
        c.delayMs = delay;
        b.connectionEvents.push_back(std::move(c));
    }
    return s.status() == QDataStream::Ok && s.atEnd();
}

} // namespace OddsTap

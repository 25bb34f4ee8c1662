// SPDX-License-Identifier: MIT
#include "eventserialization.h"

#include <core/common/sharedstringindex.h>
#include <core/common/stringcache.h>

#include <QDataStream>
#include <QIODevice>
#include <QtEndian>

#include <cstring>
#include <type_traits>

namespace OddsTap {
namespace {

// Version 1 (QDataStream), still read so that a spool left by an older OddsTap is stored.
constexpr quint32 kMagicV1 = 0x0dd5ba7c;
constexpr quint16 kVersionV1 = 1;

template <typename T> void getOptional(QDataStream &s, std::optional<T> &v)
{
    bool has = false;
    T value {};
    s >> has >> value;
    v = has ? std::optional<T>(value) : std::nullopt;
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

bool deserializeV1(const QByteArray &bytes, EventBatch &b)
{
    QDataStream s(bytes);
    s.setVersion(QDataStream::Qt_6_4);
    quint32 magic = 0;
    quint16 version = 0;
    s >> magic >> version;
    if (magic != kMagicV1 || version != kVersionV1) {
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

// Version 2: plain little-endian binary. Strings go into a table per record and events refer to
// them by index, so a string shared by many events (source, stream, market, selection: the
// decoder interns them) is written once and comes back shared, not allocated once per event.
constexpr quint32 kMagicV2 = 0x3242544f; // "OTB2"

class Writer
{
public:
    explicit Writer(QByteArray &out)
        : m_out(out)
    { }
    template <typename T> void put(T value)
    {
        static_assert(std::is_arithmetic_v<T>);
        const T le = qToLittleEndian(value);
        m_out.append(reinterpret_cast<const char *>(&le), sizeof le);
    }
    void raw(const void *data, qsizetype size) { m_out.append(static_cast<const char *>(data), size); }
    void bytes(const QByteArray &b)
    {
        put(quint32(b.size()));
        m_out.append(b);
    }
    template <typename T> void optional(const std::optional<T> &v)
    {
        put(quint8(v.has_value()));
        put(v ? *v : T {});
    }

private:
    QByteArray &m_out;
};

/// The record's string table: distinct strings by storage, written once each.
class StringTable : public SharedStringIndex
{
public:
    void writeTo(Writer &w) const
    {
        w.put(quint32(size()));
        for (quint32 i = 0; i < size(); ++i) {
            const QString &s = at(i);
            w.put(quint32(s.size()));
            if constexpr (Q_BYTE_ORDER == Q_LITTLE_ENDIAN) {
                w.raw(s.constData(), s.size() * 2);
            } else {
                for (const QChar c : s) {
                    w.put(c.unicode());
                }
            }
        }
    }
};

class Reader
{
public:
    explicit Reader(const QByteArray &in)
        : m_p(in.constData())
        , m_end(in.constData() + in.size())
    { }
    bool ok() const { return m_ok; }
    bool atEnd() const { return m_p == m_end; }
    std::size_t remaining() const { return std::size_t(m_end - m_p); }
    void fail() { m_ok = false; }
    template <typename T> T get()
    {
        static_assert(std::is_arithmetic_v<T>);
        T v {};
        if (std::size_t(m_end - m_p) < sizeof v) {
            m_ok = false;
            return v;
        }
        std::memcpy(&v, m_p, sizeof v);
        m_p += sizeof v;
        return qFromLittleEndian(v);
    }
    template <typename T> std::optional<T> optional()
    {
        const bool has = get<quint8>() != 0;
        const T v = get<T>();
        return has ? std::optional<T>(v) : std::nullopt;
    }
    QByteArray bytes()
    {
        const quint32 n = get<quint32>();
        if (!m_ok || std::size_t(m_end - m_p) < n) {
            m_ok = false;
            return {};
        }
        QByteArray b(m_p, qsizetype(n));
        m_p += n;
        return b;
    }
    QString text(qsizetype units, StringCache *cache)
    {
        if (std::size_t(m_end - m_p) / 2 < std::size_t(units)) {
            m_ok = false;
            return {};
        }
        const char *p = m_p;
        m_p += units * 2;
        if constexpr (Q_BYTE_ORDER == Q_LITTLE_ENDIAN) {
            if (cache) {
                return cache->get(p, units);
            }
        }
        QString s(units, Qt::Uninitialized);
        std::memcpy(s.data(), p, std::size_t(units) * 2);
        if constexpr (Q_BYTE_ORDER == Q_BIG_ENDIAN) {
            for (QChar &c : s) {
                c = QChar(qFromLittleEndian(c.unicode()));
            }
        }
        return s;
    }
    /// Reads a string index; out of range makes the record invalid.
    const QString &string(const std::vector<QString> &table)
    {
        static const QString empty;
        const quint32 i = get<quint32>();
        if (i >= table.size()) {
            m_ok = false;
            return empty;
        }
        return table[i];
    }

private:
    const char *m_p;
    const char *m_end;
    bool m_ok = true;
};

void putEvent(Writer &w, StringTable &t, const Event &e)
{
    w.put(quint8(e.type));
    w.put(e.seq);
    w.put(e.serverTsMs);
    w.put(t.indexOf(e.sourceId));
    w.put(t.indexOf(e.stream));
    w.put(e.receivedAtMs);
    w.put(e.receivedMonoNs);
    if (const FixtureData *f = e.fixture()) {
        w.put(quint8(1));
        w.put(t.indexOf(f->fixtureId));
        w.put(f->sportId);
        w.put(f->tournamentId);
        w.put(f->startTimeMs);
        w.put(quint8(f->status));
        w.put(t.indexOf(f->home));
        w.put(t.indexOf(f->away));
        w.put(t.indexOf(f->score));
    } else if (const OddsData *o = e.odds()) {
        w.put(quint8(2));
        w.put(t.indexOf(o->fixtureId));
        w.put(t.indexOf(o->marketType));
        w.put(t.indexOf(o->selection));
        w.put(o->oddValue);
        w.put(o->timestampMs);
        w.put(quint8(o->status));
    } else if (const BetData *b = e.bet()) {
        w.put(quint8(3));
        w.put(t.indexOf(b->betId));
        w.put(t.indexOf(b->userId));
        w.put(t.indexOf(b->fixtureId));
        w.put(t.indexOf(b->marketType));
        w.put(t.indexOf(b->selection));
        w.put(b->stake);
        w.optional(b->oddValue);
        w.put(b->potentialWin);
        w.put(b->timestampMs);
    } else if (const FeedErrorData *fe = e.feedError()) {
        w.put(quint8(4));
        w.put(t.indexOf(fe->code));
        w.put(t.indexOf(fe->message));
    } else if (const BookData *bk = e.book()) {
        w.put(quint8(5));
        w.put(t.indexOf(bk->fixtureId));
        w.put(t.indexOf(bk->marketType));
        w.put(t.indexOf(bk->selection));
        w.put(bk->timestampMs);
        w.put(quint8(bk->image));
        w.optional(bk->tradedTotal);
        w.put(quint32(bk->levels.size()));
        for (const BookLevel &l : bk->levels) {
            w.put(quint8(l.side));
            w.put(l.price);
            w.put(l.size);
        }
    } else {
        w.put(quint8(0));
    }
}

/// The payload tag each event type is written with (putEvent): a record that pairs them otherwise
/// is damaged or crafted, and storage would read a payload the type does not have.
quint8 payloadTagOf(EventType type)
{
    switch (type) {
    case EventType::Fixture:
        return 1;
    case EventType::Odds:
        return 2;
    case EventType::Bet:
        return 3;
    case EventType::Error:
        return 4;
    case EventType::Book:
        return 5;
    case EventType::Heartbeat:
    case EventType::SnapshotBegin:
    case EventType::SnapshotEnd:
        break;
    }
    return 0;
}

void getEvent(Reader &r, const std::vector<QString> &t, Event &e)
{
    const quint8 type = r.get<quint8>();
    if (type >= quint8(kEventTypeCount)) {
        r.fail();
        return;
    }
    e.type = EventType(type);
    e.seq = r.get<quint64>();
    e.serverTsMs = r.get<qint64>();
    e.sourceId = r.string(t);
    e.stream = r.string(t);
    e.receivedAtMs = r.get<qint64>();
    e.receivedMonoNs = r.get<qint64>();
    const quint8 tag = r.get<quint8>();
    if (tag != payloadTagOf(e.type)) {
        r.fail();
        return;
    }
    switch (tag) {
    case 1: {
        FixtureData f;
        f.fixtureId = r.string(t);
        f.sportId = r.get<qint64>();
        f.tournamentId = r.get<qint64>();
        f.startTimeMs = r.get<qint64>();
        f.status = FixtureStatus(std::min<quint8>(r.get<quint8>(), 4));
        f.home = r.string(t);
        f.away = r.string(t);
        f.score = r.string(t);
        e.data = std::move(f);
        break;
    }
    case 2: {
        OddsData o;
        o.fixtureId = r.string(t);
        o.marketType = r.string(t);
        o.selection = r.string(t);
        o.oddValue = r.get<double>();
        o.timestampMs = r.get<qint64>();
        o.status = PriceStatus(std::min<quint8>(r.get<quint8>(), 1));
        e.data = std::move(o);
        break;
    }
    case 3: {
        BetData b;
        b.betId = r.string(t);
        b.userId = r.string(t);
        b.fixtureId = r.string(t);
        b.marketType = r.string(t);
        b.selection = r.string(t);
        b.stake = r.get<double>();
        b.oddValue = r.optional<double>();
        b.potentialWin = r.get<double>();
        b.timestampMs = r.get<qint64>();
        e.data = std::move(b);
        break;
    }
    case 4: {
        FeedErrorData fe;
        fe.code = r.string(t);
        fe.message = r.string(t);
        e.data = std::move(fe);
        break;
    }
    case 5: {
        BookData bk;
        bk.fixtureId = r.string(t);
        bk.marketType = r.string(t);
        bk.selection = r.string(t);
        bk.timestampMs = r.get<qint64>();
        bk.image = r.get<quint8>() != 0;
        bk.tradedTotal = r.optional<double>();
        const quint32 n = r.get<quint32>();
        constexpr std::size_t kLevelBytes = 17;
        if (std::size_t(n) > r.remaining() / kLevelBytes) {
            r.fail(); // a damaged count: the record is invalid, nothing is allocated for it
            break;
        }
        bk.levels.resize(n);
        for (BookLevel &l : bk.levels) {
            l.side = BookSide(std::min<quint8>(r.get<quint8>(), quint8(BookSide::Traded)));
            l.price = r.get<double>();
            l.size = r.get<double>();
        }
        e.data = std::move(bk);
        break;
    }
    default:
        e.data = std::monostate {};
    }
}

bool deserializeV2(const QByteArray &bytes, EventBatch &b, StringCache *cache)
{
    Reader r(bytes);
    if (r.get<quint32>() != kMagicV2) {
        return false;
    }
    const quint32 strings = r.get<quint32>();
    if (!r.ok() || strings > quint32(bytes.size() / 4)) {
        return false;
    }
    std::vector<QString> table;
    table.reserve(strings);
    for (quint32 i = 0; i < strings && r.ok(); ++i) {
        table.push_back(r.text(r.get<quint32>(), cache));
    }
    b = {};
    b.sourceId = r.string(table);
    b.frames = r.get<quint64>();
    b.bytes = r.get<quint64>();
    b.envelopes = r.get<quint64>();
    b.duplicates = r.get<quint64>();
    b.discarded = r.get<quint64>();
    b.heartbeats = r.get<quint64>();
    b.streamAdvances = r.get<quint64>();
    b.lastSeq = r.optional<quint64>();
    b.prevSeq = r.optional<quint64>();
    // Counts are checked against what is left, so a damaged length cannot allocate gigabytes.
    auto count = [&](std::size_t minBytes) {
        const quint32 n = r.get<quint32>();
        if (std::size_t(n) * minBytes > std::size_t(bytes.size())) {
            return quint32(0);
        }
        return n;
    };
    b.events.resize(count(42));
    for (Event &e : b.events) {
        getEvent(r, table, e);
    }
    const quint32 rejects = count(40);
    b.rejects.reserve(rejects);
    for (quint32 i = 0; i < rejects && r.ok(); ++i) {
        Reject j;
        j.code = RejectCode(std::min<quint8>(r.get<quint8>(), quint8(kRejectCodeCount - 1)));
        j.message = r.string(table);
        j.raw = r.bytes();
        j.rawTruncated = r.get<quint8>() != 0;
        j.seq = r.optional<quint64>();
        const auto type = r.optional<quint8>();
        j.type = type ? std::optional<EventType>(EventType(std::min<quint8>(*type, quint8(kEventTypeCount - 1))))
                      : std::nullopt;
        j.batchIndex = r.get<qint32>();
        j.sourceId = r.string(table);
        j.receivedAtMs = r.get<qint64>();
        j.receivedMonoNs = r.get<qint64>();
        b.rejects.push_back(std::move(j));
    }
    const quint32 gaps = count(33);
    for (quint32 i = 0; i < gaps && r.ok(); ++i) {
        GapRecord g;
        g.sourceId = r.string(table);
        g.expectedSeq = r.get<quint64>();
        g.receivedSeq = r.get<quint64>();
        g.compacted = r.get<quint8>() != 0;
        g.connection = r.get<quint32>();
        g.atMs = r.get<qint64>();
        b.gaps.push_back(std::move(g));
    }
    const quint32 connectionEvents = count(33);
    for (quint32 i = 0; i < connectionEvents && r.ok(); ++i) {
        ConnectionEvent c;
        c.sourceId = r.string(table);
        c.connection = r.get<quint32>();
        c.state = SourceState(std::min<quint8>(r.get<quint8>(), quint8(kSourceStateCount - 1)));
        c.reason = r.string(table);
        c.delayMs = r.get<qint32>();
        c.lastSeq = r.get<quint64>();
        c.atMs = r.get<qint64>();
        b.connectionEvents.push_back(std::move(c));
    }
    return r.ok() && r.atEnd();
}

} // namespace

QByteArray serializeBatch(const EventBatch &b)
{
    // The body first (collecting the strings), then magic + string table + body in one buffer.
    QByteArray body;
    body.reserve(qsizetype(b.events.size()) * 72 + 256);
    Writer w(body);
    StringTable table;
    w.put(table.indexOf(b.sourceId));
    for (const quint64 v :
        { b.frames, b.bytes, b.envelopes, b.duplicates, b.discarded, b.heartbeats, b.streamAdvances }) {
        w.put(v);
    }
    w.optional(b.lastSeq);
    w.optional(b.prevSeq);
    w.put(quint32(b.events.size()));
    for (const Event &e : b.events) {
        putEvent(w, table, e);
    }
    w.put(quint32(b.rejects.size()));
    for (const Reject &r : b.rejects) {
        w.put(quint8(r.code));
        w.put(table.indexOf(r.message));
        w.bytes(r.raw);
        w.put(quint8(r.rawTruncated));
        w.optional(r.seq);
        w.optional(r.type ? std::optional<quint8>(quint8(*r.type)) : std::nullopt);
        w.put(qint32(r.batchIndex));
        w.put(table.indexOf(r.sourceId));
        w.put(r.receivedAtMs);
        w.put(r.receivedMonoNs);
    }
    w.put(quint32(b.gaps.size()));
    for (const GapRecord &g : b.gaps) {
        w.put(table.indexOf(g.sourceId));
        w.put(g.expectedSeq);
        w.put(g.receivedSeq);
        w.put(quint8(g.compacted));
        w.put(g.connection);
        w.put(g.atMs);
    }
    w.put(quint32(b.connectionEvents.size()));
    for (const ConnectionEvent &c : b.connectionEvents) {
        w.put(table.indexOf(c.sourceId));
        w.put(c.connection);
        w.put(quint8(c.state));
        w.put(table.indexOf(c.reason));
        w.put(qint32(c.delayMs));
        w.put(c.lastSeq);
        w.put(c.atMs);
    }
    QByteArray out;
    out.reserve(body.size() + 4096);
    Writer head(out);
    head.put(kMagicV2);
    table.writeTo(head);
    out.append(body);
    return out;
}

bool deserializeBatch(const QByteArray &bytes, EventBatch &batch, StringCache *strings)
{
    return deserializeV2(bytes, batch, strings) || deserializeV1(bytes, batch);
}

} // namespace OddsTap

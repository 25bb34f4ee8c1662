// SPDX-License-Identifier: MIT
#include "eventserialization.h"

#include <core/common/sharedstringindex.h>
#include <core/common/stringcache.h>

#include <QDataStream>
#include <QIODevice>
#include <QtEndian>

#include <concepts>
#include <cstring>
#include <type_traits>
#include <variant>
#include <vector>

namespace OddsTap {
namespace {

// The payload's tag on the wire (0: none), fixed whatever the order of Event::data's alternatives.
template <typename T> constexpr quint8 kPayloadTag = 0;
template <> constexpr quint8 kPayloadTag<FixtureData> = 1;
template <> constexpr quint8 kPayloadTag<OddsData> = 2;
template <> constexpr quint8 kPayloadTag<BetData> = 3;
template <> constexpr quint8 kPayloadTag<FeedErrorData> = 4;
template <> constexpr quint8 kPayloadTag<BookData> = 5;

/// The payload tag an event of @p type is written with: a record that pairs them otherwise is
/// damaged or crafted, and storage would read a payload the type does not have.
quint8 payloadTagOf(EventType type)
{
    switch (type) {
    case EventType::Fixture:
        return kPayloadTag<FixtureData>;
    case EventType::Odds:
        return kPayloadTag<OddsData>;
    case EventType::Bet:
        return kPayloadTag<BetData>;
    case EventType::Error:
        return kPayloadTag<FeedErrorData>;
    case EventType::Book:
        return kPayloadTag<BookData>;
    case EventType::Heartbeat:
    case EventType::SnapshotBegin:
    case EventType::SnapshotEnd:
        break;
    }
    return 0;
}

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
    if (kind != payloadTagOf(e.type) || kind > kPayloadTag<FeedErrorData>) { // version 1 had no books
        s.setStatus(QDataStream::ReadCorruptData);
        return;
    }
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
    // An event takes at least 42 bytes: a damaged count cannot allocate gigabytes.
    if (std::size_t(n) * 42 > std::size_t(bytes.size())) {
        return false;
    }
    b.events.resize(n);
    for (Event &e : b.events) {
        if (s.status() != QDataStream::Ok) {
            return false;
        }
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
        r.type = type ? std::optional<EventType>(EventType(std::min<quint8>(*type, quint8(kEventTypeCount - 1))))
                      : std::nullopt;
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

// Every record's fields are listed once, below, and walked by Out to write the record and by In
// to read it back, so that the two cannot disagree on order or width. A list is a template over
// the record's const type (writing) or mutable type (reading).
template <typename T, typename Record>
concept RecordOf = std::same_as<std::remove_const_t<T>, Record>;

template <typename Io, RecordOf<FixtureData> T> void fields(Io &io, T &f)
{
    io.text(f.fixtureId);
    io.number(f.sportId);
    io.number(f.tournamentId);
    io.number(f.startTimeMs);
    io.enumeration(f.status, FixtureStatus::Cancelled);
    io.text(f.home);
    io.text(f.away);
    io.text(f.score);
}

template <typename Io, RecordOf<OddsData> T> void fields(Io &io, T &o)
{
    io.text(o.fixtureId);
    io.text(o.marketType);
    io.text(o.selection);
    io.number(o.oddValue);
    io.number(o.timestampMs);
    io.enumeration(o.status, PriceStatus::Suspended);
}

template <typename Io, RecordOf<BetData> T> void fields(Io &io, T &b)
{
    io.text(b.betId);
    io.text(b.userId);
    io.text(b.fixtureId);
    io.text(b.marketType);
    io.text(b.selection);
    io.number(b.stake);
    io.optional(b.oddValue);
    io.number(b.potentialWin);
    io.number(b.timestampMs);
}

template <typename Io, RecordOf<FeedErrorData> T> void fields(Io &io, T &fe)
{
    io.text(fe.code);
    io.text(fe.message);
}

template <typename Io, RecordOf<BookLevel> T> void fields(Io &io, T &l)
{
    io.enumeration(l.side, BookSide::Traded);
    io.number(l.price);
    io.number(l.size);
}

template <typename Io, RecordOf<BookData> T> void fields(Io &io, T &bk)
{
    io.text(bk.fixtureId);
    io.text(bk.marketType);
    io.text(bk.selection);
    io.number(bk.timestampMs);
    io.flag(bk.image);
    io.optional(bk.tradedTotal);
    io.sequence(bk.levels, 17);
}

template <typename Io, RecordOf<Event> T> void fields(Io &io, T &e)
{
    io.type(e.type);
    io.number(e.seq);
    io.number(e.serverTsMs);
    io.text(e.sourceId);
    io.text(e.stream);
    io.number(e.receivedAtMs);
    io.number(e.receivedMonoNs);
    io.payload(e);
}

template <typename Io, RecordOf<Reject> T> void fields(Io &io, T &j)
{
    io.enumeration(j.code, RejectCode(kRejectCodeCount - 1));
    io.text(j.message);
    io.bytes(j.raw);
    io.flag(j.rawTruncated);
    io.optional(j.seq);
    io.optionalEnumeration(j.type, EventType(kEventTypeCount - 1));
    io.number(j.batchIndex);
    io.text(j.sourceId);
    io.number(j.receivedAtMs);
    io.number(j.receivedMonoNs);
}

template <typename Io, RecordOf<GapRecord> T> void fields(Io &io, T &g)
{
    io.text(g.sourceId);
    io.number(g.expectedSeq);
    io.number(g.receivedSeq);
    io.gapFlags(g.compacted, g.givenUp);
    io.number(g.connection);
    io.number(g.atMs);
}

template <typename Io, RecordOf<ConnectionEvent> T> void fields(Io &io, T &c)
{
    io.text(c.sourceId);
    io.number(c.connection);
    io.enumeration(c.state, SourceState(kSourceStateCount - 1));
    io.text(c.reason);
    io.number(c.delayMs);
    io.number(c.lastSeq);
    io.number(c.atMs);
}

// The fewest bytes an element of each sequence takes, so that a damaged count is caught before
// anything is allocated for it.
template <typename Io, RecordOf<EventBatch> T> void fields(Io &io, T &b)
{
    io.text(b.sourceId);
    io.number(b.frames);
    io.number(b.bytes);
    io.number(b.envelopes);
    io.number(b.duplicates);
    io.number(b.discarded);
    io.number(b.heartbeats);
    io.number(b.streamAdvances);
    io.optional(b.lastSeq);
    io.optional(b.prevSeq);
    io.sequence(b.events, 42);
    io.sequence(b.rejects, 45);
    io.sequence(b.gaps, 33);
    io.sequence(b.connectionEvents, 33);
}

/// Writes a record's fields; strings go into the record's table.
class Out
{
public:
    Out(Writer &w, StringTable &table)
        : m_w(w)
        , m_table(table)
    { }
    void text(const QString &s) { m_w.put(m_table.indexOf(s)); }
    template <typename T> void number(const T &v) { m_w.put(v); }
    void flag(const bool &v) { m_w.put(quint8(v)); }
    /// A gap's two flags in the byte that held only `compacted` before `givenUp` was added.
    void gapFlags(const bool &compacted, const bool &givenUp)
    {
        m_w.put(quint8(quint8(compacted) | quint8(givenUp) << 1));
    }
    void bytes(const QByteArray &b) { m_w.bytes(b); }
    template <typename T> void optional(const std::optional<T> &v) { m_w.optional(v); }
    template <typename E> void enumeration(const E &v, E) { m_w.put(quint8(v)); }
    template <typename E> void optionalEnumeration(const std::optional<E> &v, E)
    {
        m_w.optional(v ? std::optional<quint8>(quint8(*v)) : std::nullopt);
    }
    void type(const EventType &t) { m_w.put(quint8(t)); }
    void payload(const Event &e)
    {
        std::visit(
            [this](const auto &data) {
                using T = std::decay_t<decltype(data)>;
                static_assert(std::is_same_v<T, std::monostate> || kPayloadTag<T> != 0,
                    "a new payload type needs its tag on the wire");
                m_w.put(kPayloadTag<T>);
                if constexpr (kPayloadTag<T> != 0) {
                    fields(*this, data);
                }
            },
            e.data);
    }
    template <typename T> void sequence(const std::vector<T> &v, std::size_t)
    {
        m_w.put(quint32(v.size()));
        for (const T &x : v) {
            fields(*this, x);
        }
    }

private:
    Writer &m_w;
    StringTable &m_table;
};

/// Reads a record's fields back. Bytes out of range make the record invalid (Reader::ok()); an
/// enumeration's value past its last is clamped, as in version 1.
class In
{
public:
    In(Reader &r, const std::vector<QString> &table)
        : m_r(r)
        , m_table(table)
    { }
    void text(QString &s) { s = m_r.string(m_table); }
    template <typename T> void number(T &v) { v = m_r.get<T>(); }
    void flag(bool &v) { v = m_r.get<quint8>() != 0; }
    void gapFlags(bool &compacted, bool &givenUp)
    {
        const quint8 v = m_r.get<quint8>();
        compacted = (v & 1) != 0;
        givenUp = (v & 2) != 0;
    }
    void bytes(QByteArray &b) { b = m_r.bytes(); }
    template <typename T> void optional(std::optional<T> &v) { v = m_r.optional<T>(); }
    template <typename E> void enumeration(E &v, E last) { v = clamped(m_r.get<quint8>(), last); }
    template <typename E> void optionalEnumeration(std::optional<E> &v, E last)
    {
        const std::optional<quint8> raw = m_r.optional<quint8>();
        v = raw ? std::optional<E>(clamped(*raw, last)) : std::nullopt;
    }
    void type(EventType &t)
    {
        const quint8 v = m_r.get<quint8>();
        if (v >= quint8(kEventTypeCount)) {
            m_r.fail();
        }
        t = EventType(std::min<quint8>(v, quint8(kEventTypeCount - 1)));
    }
    void payload(Event &e)
    {
        const quint8 tag = m_r.get<quint8>();
        if (tag != payloadTagOf(e.type)) {
            m_r.fail();
            return;
        }
        switch (tag) {
        case kPayloadTag<FixtureData>:
            return read<FixtureData>(e);
        case kPayloadTag<OddsData>:
            return read<OddsData>(e);
        case kPayloadTag<BetData>:
            return read<BetData>(e);
        case kPayloadTag<FeedErrorData>:
            return read<FeedErrorData>(e);
        case kPayloadTag<BookData>:
            return read<BookData>(e);
        default:
            e.data = std::monostate {};
        }
    }
    template <typename T> void sequence(std::vector<T> &v, std::size_t minBytes)
    {
        if (!m_r.ok()) {
            return;
        }
        const quint32 n = m_r.get<quint32>();
        if (std::size_t(n) > m_r.remaining() / minBytes) {
            m_r.fail(); // a damaged count: the record is invalid, nothing is allocated for it
            return;
        }
        v.resize(n);
        for (T &x : v) {
            if (!m_r.ok()) {
                return;
            }
            fields(*this, x);
        }
    }

private:
    template <typename E> static E clamped(quint8 v, E last) { return E(std::min(v, quint8(last))); }
    template <typename T> void read(Event &e)
    {
        T data;
        fields(*this, data);
        e.data = std::move(data);
    }

    Reader &m_r;
    const std::vector<QString> &m_table;
};

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
    In in(r, table);
    fields(in, b);
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
    Out writer(w, table);
    fields(writer, b);
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

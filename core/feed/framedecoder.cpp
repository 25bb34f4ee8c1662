// SPDX-License-Identifier: MIT
#include "framedecoder.h"

#include <core/common/jsonvalue.h>
#include <core/common/logging.h>
#include <core/common/timeutil.h>

#include <QHash>
#include <QLocale>

#include <simdjson.h>

#include <array>
#include <cmath>
#include <cstring>
#include <limits>

namespace OddsTap {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

struct Failure
{
    RejectCode code = RejectCode::MalformedJson;
    QString message;
};

Failure badType(const char *path, const char *expected, const element &v)
{
    return { RejectCode::BadType,
        QStringLiteral("%1 must be %2, got %3").arg(QLatin1String(path), QLatin1String(expected), describeJson(v)) };
}

/// The longest id or name a frame may carry, in bytes of UTF-8. Each is held in the live state,
/// the views and the database: a frame of 1 MiB names would otherwise make every fixture of a
/// capped live state hold megabytes.
constexpr std::size_t kMaxStringBytes = 256;
/// An error envelope's message: text for a person, longer.
constexpr std::size_t kMaxMessageBytes = 4096;

bool readString(const element &v, const char *path, bool nonEmpty, std::string_view &out, Failure &f,
    std::size_t maxBytes = kMaxStringBytes)
{
    if (v.type() != element_type::STRING) {
        f = badType(path, "a string", v);
        return false;
    }
    out = v.get_string().value_unsafe();
    if (out.size() > maxBytes) {
        f = {
            RejectCode::BadValue,
            QStringLiteral("%1 must be at most %2 bytes, got %3").arg(QLatin1String(path)).arg(maxBytes).arg(out.size())
        };
        return false;
    }
    if (nonEmpty && out.empty()) {
        f = { RejectCode::BadValue, QStringLiteral("%1 must not be empty").arg(QLatin1String(path)) };
        return false;
    }
    if (out.find('\0') != std::string_view::npos) {
        // Valid JSON, but no PostgreSQL text holds it: stored, it would stop every write after it.
        f = {
            RejectCode::BadValue,
            QStringLiteral("%1 holds a NUL character (\\u0000), which a database cannot store").arg(QLatin1String(path))
        };
        return false;
    }
    return true;
}

bool readInt(const element &v, const char *path, qint64 min, qint64 max, qint64 &out, Failure &f)
{
    qint64 x = 0;
    switch (v.type()) {
    case element_type::INT64:
        x = v.get_int64().value_unsafe();
        break;
    case element_type::UINT64: // only values above INT64_MAX come out as UINT64
        f = { RejectCode::OutOfRange,
            QStringLiteral("%1 must be at most %2, got %3")
                .arg(QLatin1String(path))
                .arg(max)
                .arg(v.get_uint64().value_unsafe()) };
        return false;
    default:
        f = badType(path, "an integer", v);
        return false;
    }
    if (x < min || x > max) {
        f = { RejectCode::OutOfRange,
            QStringLiteral("%1 must be between %2 and %3, got %4").arg(QLatin1String(path)).arg(min).arg(max).arg(x) };
        return false;
    }
    out = x;
    return true;
}

constexpr quint64 kMaxSeq = quint64(std::numeric_limits<qint64>::max()) - 1;

bool readSeq(const element &v, quint64 &out, Failure &f)
{
    switch (v.type()) {
    case element_type::UINT64: {
        // The protocol's seq is unsigned 64-bit, but every store (SQLite INTEGER, PostgreSQL
        // bigint) and the resume point are signed 64-bit: above 2^63-1 a seq would come back
        // negative from every query and export, and the seq after it (a gap's end, the next one
        // expected) must fit as well. No real stream gets there; refuse it explicitly.
        f = { RejectCode::OutOfRange,
            QStringLiteral("seq must be at most %1 (stored as a signed 64-bit integer, with room for the next), got %2")
                .arg(kMaxSeq)
                .arg(v.get_uint64().value_unsafe()) };
        return false;
    }
    case element_type::INT64: {
        const qint64 x = v.get_int64().value_unsafe();
        if (x < 0) {
            f = { RejectCode::OutOfRange, QStringLiteral("seq must be an unsigned 64-bit integer, got %1").arg(x) };
            return false;
        }
        if (quint64(x) > kMaxSeq) {
            f = { RejectCode::OutOfRange,
                QStringLiteral("seq must be at most %1 (stored as a signed 64-bit integer, with room for the next), "
                               "got %2")
                    .arg(kMaxSeq)
                    .arg(x) };
            return false;
        }
        out = quint64(x);
        return true;
    }
    default:
        f = badType("seq", "an unsigned 64-bit integer", v);
        return false;
    }
}

bool readNumber(const element &v, const char *path, double &out, Failure &f)
{
    switch (v.type()) {
    case element_type::INT64:
        out = double(v.get_int64().value_unsafe());
        break;
    case element_type::UINT64:
        out = double(v.get_uint64().value_unsafe());
        break;
    case element_type::DOUBLE:
        out = v.get_double().value_unsafe();
        break;
    default:
        f = badType(path, "a number", v);
        return false;
    }
    if (!std::isfinite(out)) {
        f = { RejectCode::OutOfRange, QStringLiteral("%1 must be finite").arg(QLatin1String(path)) };
        return false;
    }
    return true;
}

QString num(double d)
{
    return QString::number(d, 'g', QLocale::FloatingPointShortest);
}

bool readOdds(const element &v, const char *path, double &out, Failure &f)
{
    if (!readNumber(v, path, out, f)) {
        return false;
    }
    if (!(out > 1.0)) {
        f = { RejectCode::OutOfRange, QStringLiteral("%1 must be > 1.0, got %2").arg(QLatin1String(path), num(out)) };
        return false;
    }
    return true;
}

bool isNull(const element &v)
{
    return v.type() == element_type::NULL_VALUE;
}

// Collects the fields of an object named in `names` into `values` (one pass, unknown keys ignored,
// duplicates rejected), then checks that every field in `required` (bit i = names[i]) is present.
template <std::size_t N>
bool collect(const object &obj, const std::array<std::string_view, N> &names, const char *prefix, unsigned required,
    std::array<element, N> &values, unsigned &present, Failure &f)
{
    present = 0;
    for (const auto field : obj) {
        for (std::size_t i = 0; i < N; ++i) {
            if (field.key == names[i]) {
                if (present & (1U << i)) {
                    f = { RejectCode::DuplicateField,
                        QStringLiteral("%1%2 appears more than once").arg(QLatin1String(prefix), jsonText(names[i])) };
                    return false;
                }
                present |= 1U << i;
                values[i] = field.value;
                break;
            }
        }
    }
    const unsigned missing = required & ~present;
    if (missing != 0) {
        for (std::size_t i = 0; i < N; ++i) {
            if (missing & (1U << i)) {
                f = { RejectCode::MissingField,
                    QStringLiteral("missing required field %1%2").arg(QLatin1String(prefix), jsonText(names[i])) };
                return false;
            }
        }
    }
    return true;
}

constexpr bool has(unsigned present, unsigned bit)
{
    return (present & (1U << bit)) != 0;
}

// Small interning cache for the repeated strings of the hot path (stream ids, market types,
// selections, fixture ids): avoids one allocation per field per event here, and one free per
// field on the storage thread, which also ranks and serializes shared strings once. Bounded;
// cleared when full.
class Interner
{
public:
    explicit Interner(qsizetype maxEntries)
        : m_maxEntries(maxEntries)
    { }
    QString get(std::string_view s)
    {
        if (s.size() > kMaxLength) {
            return jsonText(s);
        }
        // fromRawData: the lookup key borrows the parser's bytes, no copy.
        const QByteArray key = QByteArray::fromRawData(s.data(), qsizetype(s.size()));
        auto it = m_map.constFind(key);
        if (it != m_map.constEnd()) {
            return it.value();
        }
        if (m_map.size() >= m_maxEntries) {
            m_map.clear();
        }
        QString value = jsonText(s);
        m_map.insert(QByteArray(s.data(), qsizetype(s.size())), value);
        return value;
    }

private:
    static constexpr std::size_t kMaxLength = 32;
    qsizetype m_maxEntries;
    QHash<QByteArray, QString> m_map;
};

} // namespace

struct FrameDecoder::Impl
{
    explicit Impl(DecoderLimits l)
        : limits(l)
        , parser(std::size_t(std::max<qsizetype>(l.maxFrameBytes, 64)))
    {
        buffer.resize(4096 + simdjson::SIMDJSON_PADDING);
        // Fixes the depth limit; capacity grows on demand up to maxFrameBytes. A failed allocation
        // here is not fatal: parse() allocates again and reports MEMALLOC per frame.
        if (parser.allocate(4096, std::size_t(std::max(l.maxDepth, 2))) != simdjson::SUCCESS) {
            qCWarning(lcFeed) << "decoder: initial parser allocation failed";
        }
    }

    bool decodeFixture(const element &data, Event &ev, Failure &f);
    bool decodeOdds(const element &data, Event &ev, Failure &f);
    bool decodeBet(const element &data, Event &ev, Failure &f);
    bool decodeFeedError(const element &data, Event &ev, Failure &f);
    bool decodeEnvelope(
        const element &env, Event &ev, std::optional<quint64> &seq, std::optional<EventType> &typeOut, Failure &f);

    DecoderLimits limits;
    simdjson::dom::parser parser;
    std::vector<char> buffer; // input copied here with simdjson's padding
    Interner interner { 4096 };
    Interner fixtureIds { 16384 }; ///< a busy book has thousands of live fixtures
};

bool FrameDecoder::Impl::decodeFixture(const element &data, Event &ev, Failure &f)
{
    static constexpr std::array<std::string_view, 8> kNames = { "fixture_id", "sport_id", "tournament_id", "start_time",
        "status", "home", "away", "score" };
    std::array<element, 8> v;
    unsigned present = 0;
    if (!collect(data.get_object().value_unsafe(), kNames, "data.", 0b11111, v, present, f)) {
        return false;
    }
    FixtureData fx;
    std::string_view s;
    if (!readString(v[0], "data.fixture_id", true, s, f)) {
        return false;
    }
    fx.fixtureId = fixtureIds.get(s);
    if (!readInt(v[1], "data.sport_id", 1, std::numeric_limits<qint64>::max(), fx.sportId, f)
        || !readInt(v[2], "data.tournament_id", 1, std::numeric_limits<qint64>::max(), fx.tournamentId, f)) {
        return false;
    }
    if (!readString(v[3], "data.start_time", true, s, f)) {
        return false;
    }
    const auto start = parseIso8601Utc(s);
    if (!start) {
        f = { RejectCode::BadValue,
            QStringLiteral("data.start_time must be an ISO 8601 UTC date-time like 2026-11-25T15:00:00Z, got \"%1\"")
                .arg(jsonText(s).left(40)) };
        return false;
    }
    if (*start < 0 || *start > kMaxTimestampMs) { // the range of every other timestamp
        f = { RejectCode::OutOfRange,
            QStringLiteral("data.start_time must be from 1970-01-01 to 9999-12-31, got \"%1\"")
                .arg(jsonText(s).left(40)) };
        return false;
    }
    fx.startTimeMs = *start;
    if (!readString(v[4], "data.status", false, s, f)) {
        return false;
    }
    const auto status = fixtureStatusFromWire(s);
    if (!status) {
        f = { RejectCode::BadValue,
            QStringLiteral("data.status must be one of scheduled, live, suspended, ended, cancelled, got \"%1\"")
                .arg(jsonText(s).left(40)) };
        return false;
    }
    fx.status = *status;
    static constexpr const char *kOptional[] = { "data.home", "data.away", "data.score" };
    QString *targets[] = { &fx.home, &fx.away, &fx.score };
    for (std::size_t i = 0; i < 3; ++i) {
        if (has(present, unsigned(5 + i)) && !isNull(v[5 + i])) {
            if (!readString(v[5 + i], kOptional[i], false, s, f)) {
                return false;
            }
            *targets[i] = jsonText(s);
        }
    }
    ev.data = std::move(fx);
    return true;
}

bool FrameDecoder::Impl::decodeOdds(const element &data, Event &ev, Failure &f)
{
    static constexpr std::array<std::string_view, 6> kNames = { "fixture_id", "market_type", "selection", "odd_value",
        "timestamp", "status" };
    std::array<element, 6> v;
    unsigned present = 0;
    if (!collect(data.get_object().value_unsafe(), kNames, "data.", 0b11111, v, present, f)) {
        return false;
    }
    OddsData od;
    std::string_view s;
    if (!readString(v[0], "data.fixture_id", true, s, f)) {
        return false;
    }
    od.fixtureId = fixtureIds.get(s);
    if (!readString(v[1], "data.market_type", true, s, f)) {
        return false;
    }
    od.marketType = interner.get(s);
    if (!readString(v[2], "data.selection", true, s, f)) {
        return false;
    }
    od.selection = interner.get(s);
    if (!readOdds(v[3], "data.odd_value", od.oddValue, f)
        || !readInt(v[4], "data.timestamp", 0, kMaxTimestampMs, od.timestampMs, f)) {
        return false;
    }
    if (has(present, 5) && !isNull(v[5])) {
        if (!readString(v[5], "data.status", false, s, f)) {
            return false;
        }
        const auto status = priceStatusFromWire(s);
        if (!status) {
            f = { RejectCode::BadValue,
                QStringLiteral("data.status must be open or suspended, got \"%1\"").arg(jsonText(s).left(40)) };
            return false;
        }
        od.status = *status;
    }
    ev.data = std::move(od);
    return true;
}

bool FrameDecoder::Impl::decodeBet(const element &data, Event &ev, Failure &f)
{
    static constexpr std::array<std::string_view, 9> kNames = { "bet_id", "user_id", "fixture_id", "market_type",
        "selection", "stake", "potential_win", "timestamp", "odd_value" };
    std::array<element, 9> v;
    unsigned present = 0;
    if (!collect(data.get_object().value_unsafe(), kNames, "data.", 0b11111111, v, present, f)) {
        return false;
    }
    BetData bet;
    static constexpr const char *kStringPaths[] = { "data.bet_id", "data.user_id", "data.fixture_id",
        "data.market_type", "data.selection" };
    QString *targets[] = { &bet.betId, &bet.userId, &bet.fixtureId, &bet.marketType, &bet.selection };
    std::string_view s;
    for (std::size_t i = 0; i < 5; ++i) {
        if (!readString(v[i], kStringPaths[i], true, s, f)) {
            return false;
        }
        *targets[i] = i >= 3 ? interner.get(s) : i == 2 ? fixtureIds.get(s) : jsonText(s);
    }
    if (!readNumber(v[5], "data.stake", bet.stake, f)) {
        return false;
    }
    if (!(bet.stake > 0.0)) {
        f = { RejectCode::OutOfRange, QStringLiteral("data.stake must be > 0, got %1").arg(num(bet.stake)) };
        return false;
    }
    if (!readNumber(v[6], "data.potential_win", bet.potentialWin, f)) {
        return false;
    }
    if (!(bet.potentialWin >= bet.stake)) {
        f = { RejectCode::OutOfRange,
            QStringLiteral("data.potential_win must be >= data.stake (%1), got %2")
                .arg(num(bet.stake), num(bet.potentialWin)) };
        return false;
    }
    if (!readInt(v[7], "data.timestamp", 0, kMaxTimestampMs, bet.timestampMs, f)) {
        return false;
    }
    if (has(present, 8) && !isNull(v[8])) {
        double odd = 0;
        if (!readOdds(v[8], "data.odd_value", odd, f)) {
            return false;
        }
        bet.oddValue = odd;
    }
    ev.data = std::move(bet);
    return true;
}

bool FrameDecoder::Impl::decodeFeedError(const element &data, Event &ev, Failure &f)
{
    static constexpr std::array<std::string_view, 2> kNames = { "code", "message" };
    std::array<element, 2> v;
    unsigned present = 0;
    if (!collect(data.get_object().value_unsafe(), kNames, "data.", 0b11, v, present, f)) {
        return false;
    }
    FeedErrorData err;
    std::string_view s;
    if (!readString(v[0], "data.code", true, s, f)) {
        return false;
    }
    err.code = jsonText(s);
    if (!readString(v[1], "data.message", false, s, f, kMaxMessageBytes)) {
        return false;
    }
    err.message = jsonText(s);
    ev.data = std::move(err);
    return true;
}

bool FrameDecoder::Impl::decodeEnvelope(
    const element &env, Event &ev, std::optional<quint64> &seq, std::optional<EventType> &typeOut, Failure &f)
{
    if (env.type() != element_type::OBJECT) {
        f = { RejectCode::NotAnObject,
            QStringLiteral("an envelope must be a JSON object, got %1").arg(describeJson(env)) };
        return false;
    }
    static constexpr std::array<std::string_view, 5> kNames = { "type", "seq", "ts", "source", "data" };
    std::array<element, 5> v;
    unsigned present = 0;
    if (!collect(env.get_object().value_unsafe(), kNames, "", 0, v, present, f)) {
        return false;
    }
    // seq first, so that a reject can name it whenever it is readable.
    if (has(present, 1)) {
        quint64 s = 0;
        if (!readSeq(v[1], s, f)) {
            return false;
        }
        seq = s;
        ev.seq = s;
    }
    if (!has(present, 0)) {
        f = { RejectCode::MissingField, QStringLiteral("missing required field type") };
        return false;
    }
    std::string_view typeText;
    if (!readString(v[0], "type", false, typeText, f)) {
        return false;
    }
    const auto type = eventTypeFromWire(typeText);
    if (!type || *type == EventType::Book) { // books come from exchange profiles only
        f = { RejectCode::UnknownType,
            QStringLiteral("type \"%1\" is not one of fixture, odds, bet, heartbeat, snapshot_begin, snapshot_end, "
                           "error")
                .arg(jsonText(typeText).left(40)) };
        return false;
    }
    ev.type = *type;
    typeOut = *type;
    if (!has(present, 1)) {
        f = { RejectCode::MissingField, QStringLiteral("missing required field seq") };
        return false;
    }
    if (!has(present, 2)) {
        f = { RejectCode::MissingField, QStringLiteral("missing required field ts") };
        return false;
    }
    if (!readInt(v[2], "ts", 0, kMaxTimestampMs, ev.serverTsMs, f)) {
        return false;
    }
    if (has(present, 3) && !isNull(v[3])) {
        std::string_view s;
        if (!readString(v[3], "source", false, s, f)) {
            return false;
        }
        ev.stream = interner.get(s);
    }
    const bool needsData =
        *type == EventType::Fixture || *type == EventType::Odds || *type == EventType::Bet || *type == EventType::Error;
    if (!needsData) {
        return true; // heartbeat and snapshot markers: any data is ignored
    }
    if (!has(present, 4)) {
        f = { RejectCode::MissingField, QStringLiteral("missing required field data") };
        return false;
    }
    if (v[4].type() != element_type::OBJECT) {
        f = badType("data", "an object", v[4]);
        return false;
    }
    switch (*type) {
    case EventType::Fixture:
        return decodeFixture(v[4], ev, f);
    case EventType::Odds:
        return decodeOdds(v[4], ev, f);
    case EventType::Bet:
        return decodeBet(v[4], ev, f);
    case EventType::Error:
        return decodeFeedError(v[4], ev, f);
    default:
        return true;
    }
}

FrameDecoder::FrameDecoder(DecoderLimits limits)
    : d(std::make_unique<Impl>(limits))
{ }

FrameDecoder::~FrameDecoder() = default;

const DecoderLimits &FrameDecoder::limits() const
{
    return d->limits;
}

std::size_t FrameDecoder::decode(QByteArrayView frame, const FrameContext &context, EventBatch &out)
{
    ++out.frames;
    out.bytes += quint64(frame.size());

    auto reject = [&](RejectCode code, QString message, QByteArray raw, std::optional<quint64> seq, int index,
                      bool truncated, std::optional<EventType> type = std::nullopt) {
        Reject r;
        r.code = code;
        r.message = std::move(message);
        r.raw = std::move(raw);
        r.rawTruncated = truncated;
        r.seq = seq;
        r.type = type;
        r.batchIndex = index;
        r.sourceId = context.sourceId;
        r.receivedAtMs = context.receivedAtMs;
        r.receivedMonoNs = context.receivedMonoNs;
        out.rejects.push_back(std::move(r));
    };
    auto rejectFrame = [&](RejectCode code, QString message) {
        reject(code, std::move(message), frame.toByteArray(), std::nullopt, -1, false);
        return std::size_t(0);
    };

    if (frame.size() > d->limits.maxFrameBytes) {
        reject(RejectCode::FrameTooLarge,
            QStringLiteral("frame of %1 bytes exceeds the limit of %2 bytes (raw text keeps the first %3 bytes)")
                .arg(frame.size())
                .arg(d->limits.maxFrameBytes)
                .arg(std::min(frame.size(), d->limits.maxRawBytes)),
            frame.first(std::min(frame.size(), d->limits.maxRawBytes)).toByteArray(), std::nullopt, -1, true);
        return 0;
    }

    // A UTF-8 byte order mark is not JSON, but harmless: tolerate one at the start.
    QByteArrayView body = frame;
    if (body.startsWith("\xEF\xBB\xBF")) {
        body = body.sliced(3);
    }
    bool blank = true;
    for (const char c : body) {
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
            blank = false;
            break;
        }
    }
    if (blank) {
        return rejectFrame(RejectCode::EmptyFrame, QStringLiteral("empty frame"));
    }

    const auto len = std::size_t(body.size());
    if (d->buffer.size() < len + simdjson::SIMDJSON_PADDING) {
        d->buffer.resize(len + simdjson::SIMDJSON_PADDING);
    }
    std::memcpy(d->buffer.data(), body.data(), len);
    std::memset(d->buffer.data() + len, 0, simdjson::SIMDJSON_PADDING);

    element root;
    const auto error = d->parser.parse(d->buffer.data(), len, false).get(root);
    if (error) {
        switch (error) {
        case simdjson::UTF8_ERROR:
            return rejectFrame(RejectCode::InvalidUtf8, QStringLiteral("frame is not valid UTF-8"));
        case simdjson::DEPTH_ERROR:
            return rejectFrame(
                RejectCode::TooDeep, QStringLiteral("JSON nesting deeper than %1 levels").arg(d->limits.maxDepth));
        case simdjson::CAPACITY:
            return rejectFrame(RejectCode::FrameTooLarge, QStringLiteral("frame exceeds the parser capacity"));
        case simdjson::NUMBER_ERROR:
        case simdjson::NUMBER_OUT_OF_RANGE:
            return rejectFrame(RejectCode::MalformedJson,
                QStringLiteral("malformed JSON: a number is invalid or outside the 64-bit range"));
        default:
            return rejectFrame(RejectCode::MalformedJson,
                QStringLiteral("malformed JSON: %1").arg(QLatin1String(simdjson::error_message(error))));
        }
    }

    auto decodeOne = [&](const element &env, int index) {
        Event ev;
        std::optional<quint64> seq;
        std::optional<EventType> type;
        Failure f;
        if (d->decodeEnvelope(env, ev, seq, type, f)) {
            ev.sourceId = context.sourceId;
            ev.receivedAtMs = context.receivedAtMs;
            ev.receivedMonoNs = context.receivedMonoNs;
            out.events.push_back(std::move(ev));
        } else if (index < 0) {
            reject(f.code, std::move(f.message), frame.toByteArray(), seq, -1, false, type);
        } else {
            const std::string text = simdjson::minify(env);
            reject(
                f.code, std::move(f.message), QByteArray(text.data(), qsizetype(text.size())), seq, index, false, type);
        }
    };

    if (root.type() == element_type::ARRAY) {
        const auto array = root.get_array().value_unsafe();
        const std::size_t count = array.size();
        if (count > std::size_t(d->limits.maxBatchLength)) {
            return rejectFrame(RejectCode::BatchTooLarge,
                QStringLiteral("batch of %1 envelopes exceeds the limit of %2")
                    .arg(count)
                    .arg(d->limits.maxBatchLength));
        }
        out.events.reserve(out.events.size() + count);
        int index = 0;
        for (const element env : array) {
            decodeOne(env, index++);
        }
        return count;
    }
    if (root.type() != element_type::OBJECT) {
        return rejectFrame(RejectCode::NotAnObject,
            QStringLiteral("a frame must be a JSON object or an array of objects, got %1").arg(describeJson(root)));
    }
    decodeOne(root, -1);
    return 1;
}

} // namespace OddsTap

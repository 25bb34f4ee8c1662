// SPDX-License-Identifier: MIT
#include "jsonmapping.h"

#include <core/common/jsonkeys.h>
#include <core/common/paths.h>

#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimeZone>

#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace OddsTap {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

Error configError(const QString &origin, const QString &what)
{
    return Error { QStringLiteral("usage"), QStringLiteral("mapping '%1': %2").arg(origin, what) };
}

/// The protocol's fields per event type, and which of them hold times.
const std::map<EventType, std::vector<const char *>> &protocolFields()
{
    static const std::map<EventType, std::vector<const char *>> fields {
        { EventType::Fixture,
            { "fixture_id", "sport_id", "tournament_id", "start_time", "status", "home", "away", "score" } },
        { EventType::Odds, { "fixture_id", "market_type", "selection", "odd_value", "timestamp", "status" } },
        { EventType::Bet,
            { "bet_id", "user_id", "fixture_id", "market_type", "selection", "stake", "odd_value", "potential_win",
                "timestamp" } },
        { EventType::Heartbeat, {} },
    };
    return fields;
}

Result<JsonMapping::Field> fieldOf(
    const QString &origin, const QString &where, const QString &name, const QJsonValue &v)
{
    JsonMapping::Field f;
    f.name = name.toStdString();
    QString pointer;
    if (v.isString()) {
        pointer = v.toString();
    } else if (v.isObject()) {
        const QJsonObject o = v.toObject();
        if (const QString unknown = unknownJsonKey(o, { "pointer", "values", "time" }); !unknown.isEmpty()) {
            return configError(
                origin, QStringLiteral("%1: unknown key \"%2\" (pointer, values, time)").arg(where, unknown));
        }
        pointer = o.value(QStringLiteral("pointer")).toString();
        const QJsonObject values = o.value(QStringLiteral("values")).toObject();
        for (auto it = values.begin(); it != values.end(); ++it) {
            if (!it.value().isString()) {
                return configError(origin, QStringLiteral("%1.values.%2 must be a string").arg(where, it.key()));
            }
            f.values.insert(it.key(), it.value().toString());
        }
        const QString time = o.value(QStringLiteral("time")).toString();
        if (time == QLatin1String("epoch_ms")) {
            f.time = JsonMapping::TimeFormat::EpochMs;
        } else if (time == QLatin1String("epoch_s")) {
            f.time = JsonMapping::TimeFormat::EpochSeconds;
        } else if (time == QLatin1String("iso")) {
            f.time = JsonMapping::TimeFormat::Iso;
        } else if (!time.isEmpty()) {
            return configError(
                origin, QStringLiteral("%1.time must be epoch_ms, epoch_s or iso, not '%2'").arg(where, time));
        }
    } else {
        return configError(
            origin, QStringLiteral("%1 must be a JSON Pointer or an object with \"pointer\"").arg(where));
    }
    if (!pointer.startsWith(QLatin1Char('/'))) {
        return configError(
            origin, QStringLiteral("%1: '%2' is not a JSON Pointer (they start with '/')").arg(where, pointer));
    }
    f.pointer = pointer.toStdString();
    return f;
}

/// A mapped value as protocol JSON text, converted where the field's time format says so; empty
/// with @p problem when it cannot be.
std::string valueText(const element &v, const JsonMapping::Field &f, bool protocolWantsIso, QString &problem)
{
    if (v.type() == element_type::STRING && !f.values.isEmpty()) {
        const std::string_view s = v.get_string().value_unsafe();
        const auto it = f.values.constFind(QString::fromUtf8(s.data(), qsizetype(s.size())));
        if (it != f.values.constEnd()) {
            const QByteArray quoted = QJsonDocument(QJsonArray { *it }).toJson(QJsonDocument::Compact);
            return quoted.mid(1, quoted.size() - 2).toStdString(); // ["live"] -> "live"
        }
    }
    if (f.time == JsonMapping::TimeFormat::AsIs) {
        return simdjson::minify(v);
    }
    qint64 ms = 0;
    if (f.time == JsonMapping::TimeFormat::Iso) {
        if (v.type() != element_type::STRING) {
            problem = QStringLiteral("must be an ISO 8601 time");
            return {};
        }
        const std::string_view s = v.get_string().value_unsafe();
        QDateTime t = QDateTime::fromString(QString::fromUtf8(s.data(), qsizetype(s.size())), Qt::ISODateWithMs);
        if (t.isValid() && t.timeSpec() == Qt::LocalTime) {
            t.setTimeZone(QTimeZone::utc()); // no offset: UTC, whatever the machine's zone
        }
        if (!t.isValid()) {
            problem = QStringLiteral("must be an ISO 8601 time");
            return {};
        }
        ms = t.toMSecsSinceEpoch();
    } else {
        double n = 0;
        if (v.get_double().get(n) != simdjson::SUCCESS || !std::isfinite(n)) {
            problem =
                QStringLiteral("must be a number of %1 since the epoch")
                    .arg(f.time == JsonMapping::TimeFormat::EpochMs ? QStringLiteral("ms") : QStringLiteral("seconds"));
            return {};
        }
        const double scaled = f.time == JsonMapping::TimeFormat::EpochSeconds ? n * 1000.0 : n;
        if (scaled < 0 || scaled > 32503680000000.0) {
            problem = QStringLiteral("is outside the years 1970 to 3000");
            return {};
        }
        ms = qint64(std::llround(scaled));
    }
    if (protocolWantsIso) {
        return "\"" + QDateTime::fromMSecsSinceEpoch(ms, QTimeZone::utc()).toString(Qt::ISODateWithMs).toStdString()
            + "\"";
    }
    return std::to_string(ms);
}

} // namespace

Result<std::shared_ptr<const JsonMapping>> JsonMapping::load(const QString &path)
{
    if (const QString why = notARegularFile(path); !why.isEmpty()) {
        return Error { QStringLiteral("io_error"), QStringLiteral("cannot read mapping: ") + why };
    }
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        return Error { QStringLiteral("io_error"),
            QStringLiteral("cannot read mapping '%1': %2").arg(path, f.errorString()) };
    }
    if (f.size() > 1024 * 1024) {
        return configError(path, QStringLiteral("larger than 1 MiB"));
    }
    return parse(f.readAll(), path);
}

Result<std::shared_ptr<const JsonMapping>> JsonMapping::parse(const QByteArray &json, const QString &origin)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
    if (!doc.isObject()) {
        return configError(origin,
            error.error != QJsonParseError::NoError
                ? QStringLiteral("not JSON: %1 at offset %2").arg(error.errorString()).arg(error.offset)
                : QStringLiteral("must be a JSON object"));
    }
    const QJsonObject root = doc.object();
    if (const QString unknown = unknownJsonKey(root, { "type", "seq", "ts", "messages" }); !unknown.isEmpty()) {
        return configError(origin, QStringLiteral("unknown key \"%1\" (type, seq, ts, messages)").arg(unknown));
    }
    auto m = std::make_shared<JsonMapping>();
    m->m_path = origin;
    const QString type = root.value(QStringLiteral("type")).toString();
    if (!type.startsWith(QLatin1Char('/'))) {
        return configError(
            origin, QStringLiteral("\"type\" must be the JSON Pointer of each message's type, like \"/kind\""));
    }
    m->m_typePointer = type.toStdString();
    if (root.contains(QStringLiteral("seq"))) {
        const QString seq = root.value(QStringLiteral("seq")).toString();
        if (!seq.startsWith(QLatin1Char('/'))) {
            return configError(origin, QStringLiteral("\"seq\" must be a JSON Pointer"));
        }
        m->m_seqPointer = seq.toStdString();
    }
    if (root.contains(QStringLiteral("ts"))) {
        auto ts = fieldOf(origin, QStringLiteral("ts"), QStringLiteral("ts"), root.value(QStringLiteral("ts")));
        if (!ts) {
            return ts.error();
        }
        m->m_ts = *ts;
    }
    const QJsonObject messages = root.value(QStringLiteral("messages")).toObject();
    if (messages.isEmpty()) {
        return configError(origin, QStringLiteral("\"messages\" must name at least one message type"));
    }
    for (auto it = messages.begin(); it != messages.end(); ++it) {
        const QString where = QStringLiteral("messages.%1").arg(it.key());
        const QJsonObject spec = it.value().toObject();
        if (const QString unknown = unknownJsonKey(spec, { "event", "fields" }); !unknown.isEmpty()) {
            return configError(origin, QStringLiteral("%1: unknown key \"%2\" (event, fields)").arg(where, unknown));
        }
        const QString event = spec.value(QStringLiteral("event")).toString();
        const auto eventType = eventTypeFromWire(event.toStdString());
        if (!eventType || !protocolFields().contains(*eventType)) {
            return configError(
                origin, QStringLiteral("%1.event must be fixture, odds, bet or heartbeat, not '%2'").arg(where, event));
        }
        Message message;
        message.type = *eventType;
        const std::vector<const char *> &known = protocolFields().at(*eventType);
        const QJsonObject fields = spec.value(QStringLiteral("fields")).toObject();
        for (auto f = fields.begin(); f != fields.end(); ++f) {
            if (std::none_of(known.begin(), known.end(), [&](const char *k) { return f.key() == QLatin1String(k); })) {
                return configError(
                    origin, QStringLiteral("%1.fields.%2 is not a field of a %3 event").arg(where, f.key(), event));
            }
            auto field = fieldOf(origin, QStringLiteral("%1.fields.%2").arg(where, f.key()), f.key(), f.value());
            if (!field) {
                return field.error();
            }
            message.fields.push_back(*field);
        }
        m->m_messages.insert(it.key(), std::move(message));
    }
    return std::shared_ptr<const JsonMapping>(std::move(m));
}

const JsonMapping::Message *JsonMapping::message(const QString &providerType) const
{
    const auto it = m_messages.constFind(providerType);
    return it == m_messages.constEnd() ? nullptr : &*it;
}

struct JsonMappingDecoder::Impl
{
    std::shared_ptr<const JsonMapping> mapping;
    DecoderLimits limits;
    FrameDecoder reference;
    simdjson::dom::parser parser;
    std::vector<char> buffer;
    EventBatch scratch;
    quint64 seq = 0;

    Impl(std::shared_ptr<const JsonMapping> m, DecoderLimits l)
        : mapping(std::move(m))
        , limits(l)
        , reference(l)
    {
        // The nesting limit is the protocol's; the capacity grows as frames need it.
        if (parser.allocate(4096, std::size_t(std::max(l.maxDepth, 2))) != simdjson::SUCCESS) {
            parser = simdjson::dom::parser {};
        }
    }

    void reject(EventBatch &out, const FrameContext &ctx, RejectCode code, QString message, QByteArray raw, int index,
        std::optional<quint64> seqOfIt = std::nullopt)
    {
        Reject r = Reject::of(ctx, code, std::move(message), raw, limits.maxRawBytes);
        r.seq = seqOfIt; // a message the mapping cannot read still holds its place in the stream
        r.batchIndex = index;
        out.rejects.push_back(std::move(r));
    }

    /// One provider message: an event, or a reject with the provider's text.
    /// @p whole: the frame as received, when it is this one message (its raw text exactly);
    /// a message of a batch keeps its text as the parser re-writes it.
    void one(const element &msg, int index, QByteArrayView whole, const FrameContext &ctx, EventBatch &out)
    {
        QByteArray raw = whole.toByteArray();
        if (raw.isEmpty()) {
            const std::string text = simdjson::minify(msg);
            raw = QByteArray(text.data(), qsizetype(text.size()));
        }
        if (msg.type() != element_type::OBJECT) {
            reject(out, ctx, RejectCode::NotAnObject, QStringLiteral("a message must be a JSON object"), raw, index);
            return;
        }
        const JsonMapping &m = *mapping;
        std::optional<quint64> ownSeq;
        if (element seqEl; !m.seqPointer().empty() && msg.at_pointer(m.seqPointer()).get(seqEl) == simdjson::SUCCESS) {
            if (std::uint64_t n = 0; seqEl.get_uint64().get(n) == simdjson::SUCCESS && n > 0) {
                ownSeq = n;
            }
        }
        element typeEl;
        if (msg.at_pointer(m.typePointer()).get(typeEl) != simdjson::SUCCESS) {
            reject(out, ctx, RejectCode::MissingField,
                QStringLiteral("the message type (at %1) is missing").arg(QString::fromStdString(m.typePointer())), raw,
                index, ownSeq);
            return;
        }
        QString type;
        if (typeEl.type() == element_type::STRING) {
            const std::string_view s = typeEl.get_string().value_unsafe();
            type = QString::fromUtf8(s.data(), qsizetype(s.size()));
        } else {
            type = QString::fromStdString(simdjson::minify(typeEl));
        }
        const JsonMapping::Message *spec = m.message(type);
        if (!spec) {
            reject(out, ctx, RejectCode::UnknownType,
                QStringLiteral("message type '%1' (at %2) is not in the mapping")
                    .arg(type.left(40), QString::fromStdString(m.typePointer())),
                raw, index, ownSeq);
            return;
        }
        // The protocol envelope this message stands for, checked by the reference decoder.
        std::string env = "{\"type\":\"";
        env += toWire(spec->type);
        env += "\"";
        if (spec->type != EventType::Heartbeat) {
            element seqEl;
            if (!m.seqPointer().empty()) {
                if (msg.at_pointer(m.seqPointer()).get(seqEl) == simdjson::SUCCESS) {
                    env += ",\"seq\":" + simdjson::minify(seqEl);
                }
            } else {
                // Numbered here: a message rejected from now on takes this number too (it holds
                // its place in the stream), or the next one would look like a gap.
                ownSeq = ++seq;
                env += ",\"seq\":" + std::to_string(*ownSeq);
            }
        }
        element tsEl;
        QString problem;
        if (!m.tsPointer().empty() && msg.at_pointer(m.tsPointer()).get(tsEl) == simdjson::SUCCESS) {
            const std::string ts = valueText(tsEl, m.ts(), false, problem);
            if (ts.empty()) {
                reject(out, ctx, RejectCode::BadValue,
                    QStringLiteral("ts (from %1) %2").arg(QString::fromStdString(m.tsPointer()), problem), raw, index,
                    ownSeq);
                return;
            }
            env += ",\"ts\":" + ts;
        } else {
            env += ",\"ts\":" + std::to_string(ctx.receivedAtMs);
        }
        if (spec->type != EventType::Heartbeat) {
            env += ",\"data\":{";
            bool first = true;
            for (const JsonMapping::Field &f : spec->fields) {
                element v;
                if (msg.at_pointer(f.pointer).get(v) != simdjson::SUCCESS) {
                    continue; // the protocol's own check names a required field that is missing
                }
                const bool wantsIso = f.name == "start_time";
                const std::string value = valueText(v, f, wantsIso, problem);
                if (value.empty()) {
                    reject(out, ctx, RejectCode::BadValue,
                        QStringLiteral("data.%1 (from %2) %3")
                            .arg(QString::fromStdString(f.name), QString::fromStdString(f.pointer), problem),
                        raw, index, ownSeq);
                    return;
                }
                env += (first ? "\"" : ",\"") + f.name + "\":" + value;
                first = false;
            }
            env += "}";
        }
        env += "}";
        scratch.events.clear();
        scratch.rejects.clear();
        reference.decode(QByteArrayView(env.data(), qsizetype(env.size())), ctx, scratch);
        for (Event &e : scratch.events) {
            out.events.push_back(std::move(e));
        }
        for (Reject &r : scratch.rejects) {
            // The protocol's words, then where the field came from, over the provider's own text.
            for (const JsonMapping::Field &f : spec->fields) {
                const QString protocolName = QStringLiteral("data.") + QString::fromStdString(f.name);
                if (r.message.startsWith(protocolName + QLatin1Char(' '))) {
                    r.message += QStringLiteral(" (mapped from %1)").arg(QString::fromStdString(f.pointer));
                    break;
                }
            }
            r.raw = raw.left(limits.maxRawBytes);
            r.rawTruncated = raw.size() > limits.maxRawBytes;
            r.batchIndex = index;
            out.rejects.push_back(std::move(r));
        }
    }
};

JsonMappingDecoder::JsonMappingDecoder(std::shared_ptr<const JsonMapping> mapping, DecoderLimits limits)
    : d(std::make_unique<Impl>(std::move(mapping), limits))
{ }

JsonMappingDecoder::~JsonMappingDecoder() = default;

void JsonMappingDecoder::resumeAfter(quint64 seq)
{
    if (d->mapping->seqPointer().empty()) {
        d->seq = seq;
    }
}

std::size_t JsonMappingDecoder::decode(QByteArrayView frame, const FrameContext &ctx, EventBatch &out)
{
    ++out.frames;
    out.bytes += quint64(frame.size());
    if (frame.size() > d->limits.maxFrameBytes) {
        d->reject(out, ctx, RejectCode::FrameTooLarge,
            QStringLiteral("frame of %1 bytes exceeds the limit of %2").arg(frame.size()).arg(d->limits.maxFrameBytes),
            frame.toByteArray(), -1);
        return 0;
    }
    if (frame.trimmed().isEmpty()) {
        d->reject(out, ctx, RejectCode::EmptyFrame, QStringLiteral("empty frame"), {}, -1);
        return 0;
    }
    const auto len = std::size_t(frame.size());
    if (d->buffer.size() < len + simdjson::SIMDJSON_PADDING) {
        d->buffer.resize(len + simdjson::SIMDJSON_PADDING);
    }
    std::memcpy(d->buffer.data(), frame.data(), len);
    std::memset(d->buffer.data() + len, 0, simdjson::SIMDJSON_PADDING);
    element root;
    if (const auto e = d->parser.parse(d->buffer.data(), len, false).get(root); e) {
        const RejectCode code = e == simdjson::UTF8_ERROR ? RejectCode::InvalidUtf8
            : e == simdjson::DEPTH_ERROR                  ? RejectCode::TooDeep
                                                          : RejectCode::MalformedJson;
        d->reject(out, ctx, code, QStringLiteral("malformed JSON: %1").arg(QLatin1String(simdjson::error_message(e))),
            frame.toByteArray(), -1);
        return 0;
    }
    const std::size_t before = out.events.size() + out.rejects.size();
    if (root.type() == element_type::ARRAY) {
        const auto array = root.get_array().value_unsafe();
        if (array.size() > std::size_t(d->limits.maxBatchLength)) {
            d->reject(out, ctx, RejectCode::BatchTooLarge,
                QStringLiteral("batch of %1 messages exceeds the limit of %2")
                    .arg(array.size())
                    .arg(d->limits.maxBatchLength),
                frame.toByteArray(), -1);
            return 0;
        }
        int index = 0;
        for (const element msg : array) {
            d->one(msg, index++, {}, ctx, out);
        }
        return out.events.size() + out.rejects.size() - before;
    }
    // One message: its event, or a reject of the whole frame (which the caller counts itself).
    const std::size_t events = out.events.size();
    d->one(root, -1, frame, ctx, out);
    return out.events.size() - events;
}

} // namespace OddsTap

// SPDX-License-Identifier: MIT
#include "betfairstream.h"

#include <core/providers/betfair/betfairreader.h>

#include <QDateTime>
#include <QTimeZone>

#include <cstring>

namespace OddsTap::Betfair {

using detail::Reader;
using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

struct StreamParser::Impl
{
    explicit Impl(StreamLimits l)
        : limits(l)
    {
        // Sized on the first line otherwise; a failure here shows there as a reject.
        if (parser.allocate(64 * 1024, std::size_t(limits.maxDepth)) != simdjson::SUCCESS) {
            parser = simdjson::dom::parser {};
        }
    }
    StreamLimits limits;
    simdjson::dom::parser parser;
    std::vector<char> buffer;
};

StreamParser::StreamParser(StreamLimits limits)
    : d(std::make_unique<Impl>(limits))
{ }

StreamParser::~StreamParser() = default;

bool StreamParser::parse(QByteArrayView line, StreamMessage &out, StreamError &error)
{
    out = StreamMessage {};
    // A CRLF-delimited stream or a file written on Windows: the line ends are not part of it.
    while (!line.isEmpty() && (line.back() == '\r' || line.back() == '\n')) {
        line.chop(1);
    }
    if (line.trimmed().isEmpty()) {
        error = { RejectCode::EmptyFrame, QStringLiteral("empty line") };
        return false;
    }
    if (line.size() > d->limits.maxLineBytes) {
        error = { RejectCode::FrameTooLarge,
            QStringLiteral("line of %1 bytes exceeds the limit of %2").arg(line.size()).arg(d->limits.maxLineBytes) };
        return false;
    }
    const auto len = std::size_t(line.size());
    if (d->buffer.size() < len + simdjson::SIMDJSON_PADDING) {
        d->buffer.resize(len + simdjson::SIMDJSON_PADDING);
    }
    std::memcpy(d->buffer.data(), line.data(), len);
    std::memset(d->buffer.data() + len, 0, simdjson::SIMDJSON_PADDING);
    if (d->parser.capacity() < len && d->parser.allocate(len, std::size_t(d->limits.maxDepth)) != simdjson::SUCCESS) {
        error = { RejectCode::FrameTooLarge, QStringLiteral("line of %1 bytes could not be parsed (memory)").arg(len) };
        return false;
    }
    element root;
    if (const auto e = d->parser.parse(d->buffer.data(), len, false).get(root); e) {
        switch (e) {
        case simdjson::UTF8_ERROR:
            error = { RejectCode::InvalidUtf8, QStringLiteral("line is not valid UTF-8") };
            break;
        case simdjson::DEPTH_ERROR:
            error = { RejectCode::TooDeep,
                QStringLiteral("JSON nesting deeper than %1 levels").arg(d->limits.maxDepth) };
            break;
        default:
            error = { RejectCode::MalformedJson,
                QStringLiteral("malformed JSON: %1").arg(QLatin1String(simdjson::error_message(e))) };
        }
        return false;
    }
    Reader r(d->limits);
    object o;
    if (!r.objectOf(root, QStringLiteral("the line"), o)) {
        error = { RejectCode::NotAnObject, r.error.message };
        return false;
    }
    element opEl;
    if (o["op"].get(opEl) != simdjson::SUCCESS) {
        error = { RejectCode::MissingField, QStringLiteral("op is missing") };
        return false;
    }
    QString op;
    if (!r.string(opEl, QStringLiteral("op"), op)) {
        error = r.error;
        return false;
    }
    if (op == QLatin1String("mcm")) {
        out.op = StreamMessage::Op::MarketChange;
    } else if (op == QLatin1String("ccm")) {
        out.op = StreamMessage::Op::CricketChange;
    } else if (op == QLatin1String("connection")) {
        out.op = StreamMessage::Op::Connection;
    } else if (op == QLatin1String("status")) {
        out.op = StreamMessage::Op::Status;
    } else {
        error = { RejectCode::UnknownType,
            QStringLiteral("op '%1' is not one OddsTap maps (mcm, ccm, connection, status)").arg(op.left(40)) };
        return false;
    }
    bool havePt = false;
    const bool read = r.fields(root, QString(), [&](std::string_view k, const element &value, const auto &at) {
        if (k == "clk") {
            return r.idText(value, at, out.clk);
        }
        if (k == "initialClk") {
            return r.idText(value, at, out.initialClk);
        }
        if (k == "pt") {
            havePt = true;
            return r.integer(value, at, 0, kMaxTimeMs, out.publishTimeMs);
        }
        if (k == "ct") {
            return r.string(value, at, out.changeType);
        }
        if (k == "statusCode") {
            return r.string(value, at, out.statusCode);
        }
        if (k == "errorCode") {
            return r.string(value, at, out.errorCode);
        }
        if (k == "errorMessage") {
            return r.string(value, at, out.errorMessage);
        }
        if (k == "connectionClosed") {
            return r.boolean(value, at, out.connectionClosed);
        }
        if (k == "mc" && out.op == StreamMessage::Op::MarketChange) {
            return r.items(value, at, d->limits.maxMarkets, out.markets,
                [&r](const element &m, const auto &marketAt, MarketChange &market) {
                    return r.marketChange(m, marketAt, market);
                });
        }
        if (k == "cc" && out.op == StreamMessage::Op::CricketChange) {
            return r.items(value, at, d->limits.maxMarkets, out.cricket,
                [&r](const element &c, const auto &cricketAt, CricketChange &cricket) {
                    return r.cricketChange(c, cricketAt, cricket);
                });
        }
        return true;
    });
    if (!read) {
        error = r.error;
        return false;
    }
    if (!havePt && (out.op == StreamMessage::Op::MarketChange || out.op == StreamMessage::Op::CricketChange)) {
        error = { RejectCode::MissingField, QStringLiteral("pt (publish time) is missing") };
        return false;
    }
    return true;
}

qint64 parseIsoTimeMs(QStringView text)
{
    QDateTime t = QDateTime::fromString(text.toString(), Qt::ISODateWithMs);
    if (t.isValid() && t.timeSpec() == Qt::LocalTime) {
        t.setTimeZone(QTimeZone::utc()); // a time without an offset is UTC, whatever the machine's zone
    }
    const qint64 ms = t.isValid() ? t.toMSecsSinceEpoch() : 0;
    return ms > 0 && ms <= kMaxTimeMs ? ms : 0;
}

} // namespace OddsTap::Betfair

// SPDX-License-Identifier: MIT
#include "framesio.h"

#include <core/common/timeutil.h>
#include <core/common/version.h>
#include <core/replay/capturefile.h>

#include <QFile>
#include <QIODevice>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStringDecoder>

#include <cctype>
#include <limits>
#include <optional>

namespace OddsTap {
namespace {

bool isUtf8(const QByteArray &bytes)
{
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    (void)decoder.decode(bytes);
    return !decoder.hasError();
}

QString wire(std::string_view text)
{
    return QString::fromLatin1(text.data(), qsizetype(text.size()));
}

std::optional<SourceState> stateFromWire(const QString &text)
{
    for (int i = 0; i < kSourceStateCount; ++i) {
        if (text == wire(toWire(SourceState(i)))) {
            return SourceState(i);
        }
    }
    return std::nullopt;
}

/// The whole number a field of @p line holds, read from its digits (a JSON number as a double
/// loses precision past 2^53, and nanoseconds since 1970 are past it): empty with the reason in
/// @p why when the field is absent, not a whole number, or outside [@p min, @p max].
std::optional<qint64> wholeNumber(
    const QByteArray &line, const QJsonObject &o, const QString &key, qint64 min, qint64 max, QString &why)
{
    why.clear();
    const QJsonValue v = o.value(key);
    if (v.isUndefined()) {
        return std::nullopt;
    }
    why = QStringLiteral("%1 must be a whole number from %2 to %3").arg(key).arg(min).arg(max);
    if (!v.isDouble()) {
        return std::nullopt;
    }
    // The value's own text: after the key, optional blanks, a colon, optional blanks.
    const QByteArray quoted = '"' + key.toUtf8() + '"';
    for (qsizetype at = line.indexOf(quoted); at >= 0; at = line.indexOf(quoted, at + 1)) {
        qsizetype i = at + quoted.size();
        const auto blanks = [&] {
            while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) {
                ++i;
            }
        };
        blanks();
        if (i >= line.size() || line[i] != ':') {
            continue; // the key's text inside a string value
        }
        ++i;
        blanks();
        qsizetype end = i + (i < line.size() && line[i] == '-' ? 1 : 0);
        while (end < line.size() && std::isdigit(static_cast<unsigned char>(line[end]))) {
            ++end;
        }
        if (end < line.size() && (line[end] == '.' || line[end] == 'e' || line[end] == 'E')) {
            return std::nullopt; // a fraction or an exponent: not the whole number asked for
        }
        bool ok = false;
        const qint64 n = line.mid(i, end - i).toLongLong(&ok);
        if (!ok || n < min || n > max) {
            return std::nullopt;
        }
        why.clear();
        return n;
    }
    return std::nullopt;
}

} // namespace

Result<FramesIoCounts> exportFramesNdjson(const QString &capturePath, QIODevice &out)
{
    auto opened = CaptureReader::open(capturePath);
    if (!opened) {
        return opened.error();
    }
    CaptureReader &reader = *opened.value();
    const CaptureInfo &info = reader.info();
    QJsonObject head { { QStringLiteral("format"), QStringLiteral("oddstap-frames") },
        { QStringLiteral("format_version"), 1 }, { QStringLiteral("oddstap_version"), info.header.oddstapVersion },
        { QStringLiteral("mode"), info.header.mode }, { QStringLiteral("notes"), info.header.notes },
        { QStringLiteral("started_at"), formatIso8601Utc(info.header.startedAtMs) } };
    QJsonObject sources;
    for (const CaptureSource &s : info.header.sources) {
        sources.insert(s.sourceId, s.url);
    }
    head.insert(QStringLiteral("sources"), sources);
    const auto writeLine = [&out](const QJsonObject &o) {
        QByteArray line = QJsonDocument(o).toJson(QJsonDocument::Compact);
        line += '\n';
        return out.write(line) == line.size();
    };
    if (!writeLine(QJsonObject { { QStringLiteral("capture"), head } })) {
        return Error { QStringLiteral("io_error"), QStringLiteral("cannot write: %1").arg(out.errorString()) };
    }
    FramesIoCounts counts;
    CaptureRecord r;
    while (reader.next(r)) {
        QJsonObject o { { QStringLiteral("source"), r.sourceId },
            { QStringLiteral("received_at"), formatIso8601Utc(r.wallNs() / 1000000) },
            { QStringLiteral("wall_ns"), r.wallNs() } };
        if (r.kind == CaptureRecord::Kind::Frame) {
            o.insert(QStringLiteral("connection"), qint64(r.frame.connection));
            o.insert(QStringLiteral("mono_ns"), r.frame.monoNs);
            if (!r.frame.binary && isUtf8(r.frame.bytes)) {
                o.insert(QStringLiteral("frame"), QString::fromUtf8(r.frame.bytes));
            } else {
                o.insert(QStringLiteral("frame_base64"), QString::fromLatin1(r.frame.bytes.toBase64()));
                o.insert(QStringLiteral("binary"), r.frame.binary);
            }
            ++counts.frames;
        } else {
            const ConnectionEvent &c = r.connection;
            o.insert(QStringLiteral("connection"), qint64(c.connection));
            o.insert(QStringLiteral("event"), QStringLiteral("connection"));
            o.insert(QStringLiteral("state"), wire(toWire(c.state)));
            o.insert(QStringLiteral("reason"), c.reason);
            o.insert(QStringLiteral("delay_ms"), c.delayMs);
            o.insert(QStringLiteral("last_seq"), qint64(c.lastSeq));
            ++counts.connectionEvents;
        }
        if (!writeLine(o)) {
            return Error { QStringLiteral("io_error"), QStringLiteral("cannot write: %1").arg(out.errorString()) };
        }
    }
    if (!reader.error().isEmpty()) {
        return Error { QStringLiteral("io_error"), reader.error() };
    }
    return counts;
}

Result<FramesIoCounts> importFramesNdjson(QIODevice &in, const QString &capturePath, const QString &notes)
{
    CaptureHeader header;
    header.oddstapVersion = QString::fromLatin1(kVersion);
    header.mode = QStringLiteral("import");
    header.notes = notes;
    header.startedAtMs = wallClockMs();
    std::unique_ptr<CaptureWriter> writer;
    FramesIoCounts counts;
    quint64 lineNo = 0;
    qint64 lastMono = 0;
    const auto bad = [&](const QString &why) {
        if (writer) { // the file is this import's own: nothing of it is kept, its journal neither
            writer.reset();
            for (const QLatin1String suffix :
                { QLatin1String(""), QLatin1String("-journal"), QLatin1String("-wal"), QLatin1String("-shm") }) {
                QFile::remove(capturePath + suffix);
            }
        }
        return Error { QStringLiteral("bad_input"), QStringLiteral("line %1: %2").arg(lineNo).arg(why) };
    };
    std::vector<CaptureSource> sources;
    bool headerSeen = false;
    while (!in.atEnd()) {
        QByteArray line = in.readLine();
        ++lineNo;
        while (line.endsWith('\n') || line.endsWith('\r')) {
            line.chop(1);
        }
        if (line.trimmed().isEmpty()) {
            continue;
        }
        QJsonParseError perr;
        const QJsonDocument doc = QJsonDocument::fromJson(line, &perr);
        if (!doc.isObject()) {
            if (line.startsWith("SQLite format 3")) {
                return bad(QStringLiteral("this is an SQLite file (a capture or a database), not NDJSON: a capture "
                                          "is read by 'info', 'replay' and 'export-frames' directly"));
            }
            const QString what = perr.error != QJsonParseError::NoError
                ? QStringLiteral("not JSON (%1 at character %2)").arg(perr.errorString()).arg(perr.offset + 1)
                : QStringLiteral("JSON, but not an object");
            return bad(QStringLiteral("%1. import-frames reads NDJSON: one JSON object per line with the frame "
                                      "and its receive time, as export-frames writes, e.g. "
                                      "{\"source\":\"src-1\",\"received_at\":\"2026-12-05T10:00:00.000Z\","
                                      "\"frame\":\"{...}\"}")
                           .arg(what));
        }
        const QJsonObject o = doc.object();
        if (o.contains(QStringLiteral("capture"))) {
            if (headerSeen || writer) {
                return bad(QStringLiteral("a capture header after the first record"));
            }
            headerSeen = true;
            const QJsonObject h = o.value(QStringLiteral("capture")).toObject();
            if (const int version = h.value(QStringLiteral("format_version")).toInt(1); version != 1) {
                return bad(QStringLiteral("format_version %1: this OddsTap reads version 1 of oddstap-frames")
                               .arg(h.value(QStringLiteral("format_version")).toVariant().toString()));
            }
            if (header.notes.isEmpty()) {
                header.notes = h.value(QStringLiteral("notes")).toString();
            }
            if (const auto started = parseIso8601Utc(h.value(QStringLiteral("started_at")).toString().toStdString())) {
                header.startedAtMs = *started;
            }
            const QJsonObject s = h.value(QStringLiteral("sources")).toObject();
            for (auto it = s.begin(); it != s.end(); ++it) {
                header.sources.push_back({ it.key(), it.value().toString() });
            }
            continue;
        }
        // Every field is checked, never coerced: a value that does not fit stops the import
        // (nothing of it kept) rather than changing what was received.
        constexpr qint64 kMaxNs = std::numeric_limits<qint64>::max(); // 2262
        QString why;
        qint64 wallNs = 0;
        if (const auto ns = wholeNumber(line, o, QStringLiteral("wall_ns"), 0, kMaxNs, why)) {
            wallNs = *ns;
        } else if (!why.isEmpty()) {
            return bad(why);
        } else if (const auto ms = wholeNumber(line, o, QStringLiteral("received_at_ms"), 0, kMaxNs / 1000000, why)) {
            wallNs = *ms * 1000000;
        } else if (!why.isEmpty()) {
            return bad(why);
        } else if (const auto at = parseIso8601Utc(o.value(QStringLiteral("received_at")).toString().toStdString());
                   at && *at >= 0 && *at <= kMaxNs / 1000000) {
            wallNs = *at * 1000000;
        } else {
            return bad(QStringLiteral("no receive time (wall_ns, received_at_ms or received_at as ISO 8601 UTC, from "
                                      "1970 to 2262)"));
        }
        const QJsonValue sourceValue = o.value(QStringLiteral("source"));
        if (!sourceValue.isUndefined() && (!sourceValue.isString() || sourceValue.toString().isEmpty())) {
            return bad(QStringLiteral("source must be a non-empty string"));
        }
        const QString source = sourceValue.toString(QStringLiteral("import-1"));
        const auto connectionNumber =
            wholeNumber(line, o, QStringLiteral("connection"), 0, std::numeric_limits<quint32>::max(), why);
        if (!why.isEmpty()) {
            return bad(why);
        }
        const auto connection = quint32(connectionNumber.value_or(1));
        if (!writer) {
            if (header.startedAtMs == 0 || !headerSeen) {
                header.startedAtMs = wallNs / 1000000;
            }
            auto created = CaptureWriter::create(capturePath, header);
            if (!created) {
                return created.error();
            }
            writer = std::move(created.value());
        }
        if (o.value(QStringLiteral("event")).toString() == QLatin1String("connection")) {
            const auto state = stateFromWire(o.value(QStringLiteral("state")).toString());
            if (!state) {
                return bad(
                    QStringLiteral("unknown connection state '%1'").arg(o.value(QStringLiteral("state")).toString()));
            }
            const auto delay =
                wholeNumber(line, o, QStringLiteral("delay_ms"), 0, std::numeric_limits<int>::max(), why);
            if (!why.isEmpty()) {
                return bad(why);
            }
            const auto lastSeq = wholeNumber(line, o, QStringLiteral("last_seq"), 0, kMaxNs, why);
            if (!why.isEmpty()) {
                return bad(why);
            }
            ConnectionEvent e { source, connection, *state, o.value(QStringLiteral("reason")).toString(),
                int(delay.value_or(0)), quint64(lastSeq.value_or(0)), wallNs / 1000000 };
            writer->addConnectionEvent(e);
            ++counts.connectionEvents;
            continue;
        }
        RawFrame f;
        f.wallNs = wallNs;
        f.connection = connection;
        if (o.contains(QStringLiteral("frame"))) {
            if (!o.value(QStringLiteral("frame")).isString()) {
                return bad(QStringLiteral("frame must be a string (the frame's text; binary frames go in "
                                          "frame_base64)"));
            }
            f.bytes = o.value(QStringLiteral("frame")).toString().toUtf8();
        } else if (o.contains(QStringLiteral("frame_base64"))) {
            const auto decoded = QByteArray::fromBase64Encoding(
                o.value(QStringLiteral("frame_base64")).toString().toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
            if (!decoded) {
                return bad(QStringLiteral("frame_base64 is not valid base64"));
            }
            f.bytes = *decoded;
            f.binary = o.value(QStringLiteral("binary")).toBool(false);
        } else {
            return bad(QStringLiteral("no \"frame\" (or \"frame_base64\")"));
        }
        // Without a monotonic time, the wall time stands in (replay timing follows it).
        const auto mono = wholeNumber(line, o, QStringLiteral("mono_ns"), 0, kMaxNs, why);
        if (!why.isEmpty()) {
            return bad(why);
        }
        f.monoNs = mono.value_or(wallNs);
        if (f.monoNs < lastMono) {
            f.monoNs = lastMono; // never backwards
        }
        lastMono = f.monoNs;
        writer->addFrame(source, f);
        ++counts.frames;
        if (counts.frames % 50000 == 0) {
            if (auto r = writer->commit(); !r) {
                return r.error();
            }
        }
    }
    if (!writer) {
        return bad(QStringLiteral("no frame in the input"));
    }
    if (auto r = writer->finish(wallClockMs()); !r) {
        return r.error();
    }
    return counts;
}

} // namespace OddsTap

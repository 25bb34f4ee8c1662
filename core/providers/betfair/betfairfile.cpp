// SPDX-License-Identifier: MIT
#include "betfairfile.h"

#include <core/common/compressedfile.h>
#include <core/common/linereader.h>
#include <core/providers/betfair/betfairstream.h>

#include <QFileInfo>
#include <QUrl>

#include <cstring>

namespace OddsTap::Betfair {

struct HistoricalFileReader::Input
{
    QString path;
    std::unique_ptr<QIODevice> device;
    std::unique_ptr<LineReader> lines;
    bool have = false;
    CaptureRecord head;
    qint64 lastPtMs = 0;
};

qint64 publishTimeOf(QByteArrayView line)
{
    static constexpr QByteArrayView kKey = "\"pt\":";
    const qsizetype at = line.indexOf(kKey);
    if (at < 0) {
        return 0;
    }
    qint64 v = 0;
    int digits = 0;
    for (qsizetype i = at + kKey.size(); i < line.size() && digits < 14; ++i) {
        const char c = line[i];
        if (c == ' ' && digits == 0) {
            continue;
        }
        if (c < '0' || c > '9') {
            break;
        }
        v = v * 10 + (c - '0');
        ++digits;
    }
    return digits > 0 && v <= kMaxTimeMs ? v : 0; // beyond: the decoder rejects the line
}

QString HistoricalFileReader::defaultSourceId(const QString &path)
{
    QString name = QFileInfo(path).fileName();
    for (const char *ext : { ".gz", ".bz2", ".ndjson", ".json", ".jsonl", ".txt" }) {
        if (name.endsWith(QLatin1String(ext), Qt::CaseInsensitive)) {
            name.chop(qsizetype(std::strlen(ext)));
        }
    }
    return QStringLiteral("bf-") + name;
}

HistoricalFileReader::~HistoricalFileReader() = default;

Result<std::unique_ptr<HistoricalFileReader>> HistoricalFileReader::open(
    const QStringList &paths, const QString &sourceId)
{
    if (paths.isEmpty()) {
        return Error { QStringLiteral("usage"), QStringLiteral("no Betfair file given") };
    }
    std::unique_ptr<HistoricalFileReader> r(new HistoricalFileReader);
    r->m_paths = paths;
    r->m_sourceId = sourceId.isEmpty() ? defaultSourceId(paths.first()) : sourceId;
    if (auto opened = r->openInputs(); !opened) {
        return opened.error();
    }
    // One pass for what the transport bar shows: the number of lines and the time they span.
    CaptureRecord rec;
    CaptureInfo &info = r->m_info;
    while (r->next(rec)) {
        if (info.frames == 0) {
            info.firstWallNs = rec.frame.wallNs;
        }
        info.lastWallNs = std::max(info.lastWallNs, rec.frame.wallNs);
        ++info.frames;
        info.payloadBytes += quint64(rec.frame.bytes.size());
    }
    if (!r->m_error.isEmpty()) {
        return Error { QStringLiteral("io_error"), r->m_error };
    }
    info.firstMonoNs = info.firstWallNs;
    info.lastMonoNs = info.lastWallNs;
    info.firstRecordWallNs = info.firstWallNs; // lines only
    info.lastRecordWallNs = info.lastWallNs;
    info.path = paths.first();
    info.formatVersion = 0;
    info.header.mode = QStringLiteral("betfair");
    info.header.startedAtMs = info.firstWallNs / 1000000;
    info.endedAtMs = info.lastWallNs / 1000000;
    info.header.notes = QStringLiteral("Betfair stream file(s): %1").arg(paths.join(QStringLiteral(", ")));
    info.header.sources.push_back(
        { r->m_sourceId, QUrl::fromLocalFile(QFileInfo(paths.first()).absoluteFilePath()).toString() });
    if (auto reopened = r->seek(0); !reopened) {
        return reopened.error();
    }
    return r;
}

Result<void> HistoricalFileReader::openInputs()
{
    m_inputs.clear();
    m_ord = 0;
    m_error.clear();
    for (const QString &path : m_paths) {
        auto device = openMaybeCompressed(path);
        if (!device) {
            return device.error();
        }
        auto in = std::make_unique<Input>();
        in->path = path;
        in->device = std::move(device.value());
        in->lines = std::make_unique<LineReader>(in->device.get(), kMaxCaptureFrameBytes);
        m_inputs.push_back(std::move(in));
        if (!advance(*m_inputs.back()) && !m_error.isEmpty()) {
            return Error { QStringLiteral("io_error"), m_error };
        }
    }
    return {};
}

bool HistoricalFileReader::advance(Input &in)
{
    LineReader::Line line;
    quint64 blanks = 0;
    while (in.lines->next(line)) {
        if (line.text.trimmed().isEmpty()) {
            // Blank lines between messages carry nothing; an endless run of them (a few KB that
            // decompress to gigabytes of newlines) is no stream file, and would hold the reader,
            // deaf to a stop, for minutes.
            if (++blanks > kMaxBlankLinesInARow) {
                m_error =
                    QStringLiteral("'%1' holds more than %2 blank lines in a row: it is not a Betfair stream file, "
                                   "or it is damaged")
                        .arg(in.path)
                        .arg(kMaxBlankLinesInARow);
                in.have = false;
                return false;
            }
            continue;
        }
        // A line without a readable pt keeps its place in the file (the decoder rejects it).
        const qint64 pt = publishTimeOf(line.text);
        in.lastPtMs = pt > 0 ? pt : in.lastPtMs;
        in.head.kind = CaptureRecord::Kind::Frame;
        in.head.sourceId = m_sourceId;
        in.head.frame.bytes = std::move(line.text);
        in.head.frame.wallNs = in.lastPtMs * 1000000;
        in.head.frame.monoNs = in.head.frame.wallNs;
        in.head.frame.connection = 1;
        in.head.frame.binary = false;
        in.have = true;
        return true;
    }
    if (in.lines->hasError()) {
        m_error = QStringLiteral("'%1' could not be read to the end: %2").arg(in.path, in.device->errorString());
    }
    in.have = false;
    return false;
}

Result<void> HistoricalFileReader::seek(qint64 wallNs)
{
    if (auto opened = openInputs(); !opened) {
        m_error = opened.error().message;
        return opened;
    }
    for (auto &in : m_inputs) {
        while (in->have && in->head.frame.wallNs < wallNs) {
            advance(*in);
        }
    }
    if (!m_error.isEmpty()) {
        return Error { QStringLiteral("io_error"), m_error };
    }
    return {};
}

bool HistoricalFileReader::next(CaptureRecord &out)
{
    Input *first = nullptr;
    for (auto &in : m_inputs) {
        if (in->have && (!first || in->head.frame.wallNs < first->head.frame.wallNs)) {
            first = in.get();
        }
    }
    if (!first || !m_error.isEmpty()) {
        return false;
    }
    out = std::move(first->head);
    out.ord = ++m_ord;
    advance(*first);
    return true;
}

} // namespace OddsTap::Betfair

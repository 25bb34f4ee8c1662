// SPDX-License-Identifier: MIT
#include "validatecommand.h"

#include "cliutil.h"

#include <core/common/linereader.h>
#include <core/common/timeutil.h>
#include <core/feed/decodestats.h>
#include <core/feed/framedecoder.h>

#include <QFile>
#include <QJsonDocument>

namespace OddsTap::Cli {

int runValidate(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Validates feed-protocol v1 frames, one per line (NDJSON). Prints one verdict per rejected frame or\n"
        "envelope (line, [index in batch], code, message), then a JSON summary. Blank lines are counted, not\n"
        "judged. Exit status: 0 all valid, 1 some rejected, 2 usage or I/O error."));
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("file"), QStringLiteral("NDJSON file, or - for standard input"));
    const DecoderLimits defaults;
    parser.addOption({ QStringLiteral("max-frame-bytes"),
        QStringLiteral("Reject frames larger than this (default %1).").arg(defaults.maxFrameBytes),
        QStringLiteral("bytes") });
    parser.addOption({ QStringLiteral("max-batch"),
        QStringLiteral("Reject batches longer than this (default %1).").arg(defaults.maxBatchLength),
        QStringLiteral("count") });
    parser.addOption({ QStringLiteral("quiet"), QStringLiteral("Print only the summary.") });
    int exitCode = kExitOk;
    if (!parseOrExplain(parser, arguments, exitCode)) {
        return exitCode;
    }
    const QStringList files = parser.positionalArguments();
    if (files.size() != 1) {
        err() << "oddstap-cli validate: expected exactly one FILE (or - for standard input), got " << files.size()
              << "\nTry 'oddstap-cli validate --help'.\n";
        return kExitUsage;
    }
    DecoderLimits limits;
    qint64 maxFrame = limits.maxFrameBytes;
    qint64 maxBatch = limits.maxBatchLength;
    if (!positiveOption(parser, QStringLiteral("max-frame-bytes"), maxFrame)
        || !positiveOption(parser, QStringLiteral("max-batch"), maxBatch)) {
        return kExitUsage;
    }
    limits.maxFrameBytes = qsizetype(maxFrame);
    limits.maxBatchLength = qsizetype(maxBatch);

    QFile input;
    const QString &path = files.first();
    const bool opened = path == QLatin1String("-") ? input.open(stdin, QIODevice::ReadOnly)
                                                   : (input.setFileName(path), input.open(QIODevice::ReadOnly));
    if (!opened) {
        err() << "oddstap-cli validate: cannot open '" << path << "': " << input.errorString() << "\n";
        return kExitUsage;
    }

    const bool quiet = parser.isSet(QStringLiteral("quiet"));
    FrameDecoder decoder(limits);
    DecodeStats stats;
    qint64 blankLines = 0;
    qint64 rejectedLines = 0;
    // Oversized lines are kept as a prefix one byte over the limit, so the decoder sees them as too large.
    LineReader reader(&input, limits.maxFrameBytes + 1);
    LineReader::Line line;
    EventBatch batch;
    const FrameContext context { QStringLiteral("validate"), wallClockMs(), monotonicNs() };
    while (reader.next(line)) {
        if (line.number == 1 && line.text.startsWith("\xEF\xBB\xBF")) {
            line.text.remove(0, 3); // a file-level byte order mark
        }
        if (!line.truncated && line.text.trimmed().isEmpty()) {
            ++blankLines;
            continue;
        }
        batch = {};
        decoder.decode(line.text, context, batch);
        if (line.truncated) {
            // The decoder only saw a prefix: report the real size.
            batch.bytes = quint64(line.fullLength);
            for (auto &r : batch.rejects) {
                r.message = QStringLiteral("frame of %1 bytes exceeds the limit of %2 bytes")
                                .arg(line.fullLength)
                                .arg(limits.maxFrameBytes);
            }
        }
        stats.add(batch);
        if (!batch.rejects.empty()) {
            ++rejectedLines;
        }
        if (!quiet) {
            for (const auto &r : batch.rejects) {
                out() << "line " << line.number;
                if (r.batchIndex >= 0) {
                    out() << " [" << r.batchIndex << "]";
                }
                const auto code = toWire(r.code);
                out() << ": " << QLatin1String(code.data(), qsizetype(code.size())) << ": " << r.message << "\n";
            }
        }
    }
    if (reader.hasError()) {
        err() << "oddstap-cli validate: read error on '" << path << "': " << input.errorString() << "\n";
        return kExitUsage;
    }
    QJsonObject summary = stats.toJson();
    summary.insert(QStringLiteral("file"), path);
    summary.insert(QStringLiteral("blank_lines"), blankLines);
    summary.insert(QStringLiteral("rejected_lines"), rejectedLines);
    summary.insert(QStringLiteral("valid"), stats.rejectedTotal() == 0);
    out() << QJsonDocument(summary).toJson(QJsonDocument::Indented);
    out().flush();
    return stats.rejectedTotal() == 0 ? kExitOk : kExitFindings;
}

} // namespace OddsTap::Cli

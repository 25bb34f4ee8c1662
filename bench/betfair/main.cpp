// SPDX-License-Identifier: MIT
// bench_betfair: Betfair Exchange Stream files into OddsTap. The sample files (tests/data/betfair)
// are written out again and again into one plain NDJSON file of at least --mb MB, then:
//   1. parsed into market state and mapped onto events (the reader, the parser, the market cache
//      and the mapping; no storage), on one core;
//   2. imported into a new SQLite database by `oddstap-cli import` (with --cli), the whole pipeline.
// Prints MB/s, lines/s, runner changes/s and peak RSS for each.
#include "../benchutil.h"

#include <core/common/compressedfile.h>
#include <core/providers/betfair/betfairdecoder.h>
#include <core/providers/betfair/betfairfile.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>

#include <cstdio>
#include <sys/resource.h>
#include <sys/wait.h>

using namespace OddsTap;

namespace {

QByteArray samples(const QString &dir)
{
    QByteArray all;
    for (const char *name : { "cricket-1.200806927.ndjson.gz", "cricket-score-1.200806927.ndjson.bz2",
             "racing-place-SELF-1.181223995.ndjson.gz", "BASIC-1.132153978" }) {
        auto device = openMaybeCompressed(dir + QLatin1Char('/') + QLatin1String(name));
        if (!device) {
            std::fprintf(stderr, "bench_betfair: %s\n", qPrintable(device.error().message));
            std::exit(2);
        }
        QByteArray text = device.value()->readAll();
        if (!text.endsWith('\n')) {
            text += '\n';
        }
        all += text;
    }
    return all;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Betfair stream files: parse and import rates."));
    parser.addHelpOption();
    parser.addOptions({
        { QStringLiteral("mb"), QStringLiteral("Size of the input to build (default 1024)."), QStringLiteral("MB"),
            QStringLiteral("1024") },
        { QStringLiteral("data"), QStringLiteral("The sample files' folder."), QStringLiteral("dir"),
            QStringLiteral(ODDSTAP_SOURCE_DIR "/tests/data/betfair") },
        { QStringLiteral("cli"), QStringLiteral("oddstap-cli, to measure the import into SQLite too."),
            QStringLiteral("path") },
        { QStringLiteral("dir"),
            QStringLiteral("Where to write the input and the database (default: a temporary folder)."),
            QStringLiteral("dir") },
    });
    parser.process(app);
    const qint64 targetBytes = parser.value(QStringLiteral("mb")).toLongLong() * 1024 * 1024;
    QTemporaryDir tmp(parser.isSet(QStringLiteral("dir"))
            ? parser.value(QStringLiteral("dir")) + QStringLiteral("/bench-betfair-XXXXXX")
            : QDir::tempPath() + QStringLiteral("/bench-betfair-XXXXXX"));
    const QString input = tmp.path() + QStringLiteral("/input.ndjson");
    const QByteArray one = samples(parser.value(QStringLiteral("data")));
    qint64 written = 0;
    int copies = 0;
    {
        QFile f(input);
        if (!f.open(QIODevice::WriteOnly)) {
            std::fprintf(stderr, "bench_betfair: cannot write %s\n", qPrintable(input));
            return 2;
        }
        while (written < targetBytes) {
            f.write(one);
            written += one.size();
            ++copies;
        }
    }
    std::printf("machine: %s\n", qPrintable(Bench::machine()));
    std::printf(
        "input: %d copies of the sample files, %.1f MB, %s\n", copies, double(written) / 1e6, qPrintable(input));

    // 1. Into state: read, parse, rebuild the markets, map onto events.
    {
        const auto start = std::chrono::steady_clock::now();
        const double cpu0 = Bench::processCpuSeconds();
        auto reader = Betfair::HistoricalFileReader::open({ input }, QStringLiteral("bench"));
        if (!reader) {
            std::fprintf(stderr, "bench_betfair: %s\n", qPrintable(reader.error().message));
            return 2;
        }
        const double scanSeconds = Bench::secondsSince(start);
        Betfair::StreamDecoder decoder;
        EventBatch out;
        CaptureRecord rec;
        quint64 events = 0;
        const auto parseStart = std::chrono::steady_clock::now();
        while (reader.value()->next(rec)) {
            decoder.decode(rec.frame.bytes, FrameContext { QStringLiteral("bench"), 0, 0 }, out);
            if (out.events.size() >= 4096) {
                events += out.events.size();
                out.events.clear();
            }
        }
        events += out.events.size();
        const double seconds = Bench::secondsSince(parseStart);
        const Betfair::DecodeCounts &c = decoder.counts();
        std::printf("\ninto state (reader + parser + market cache + mapping, one thread):\n");
        std::printf("  %.1f MB/s, %.0f lines/s, %.0f runner changes/s, %.0f events/s out\n",
            double(written) / 1e6 / seconds, double(c.lines) / seconds, double(c.runnerChanges) / seconds,
            double(events) / seconds);
        std::printf(
            "  %llu lines (%llu rejected), %llu runner changes, %llu events, %.2f s (+ %.2f s counting lines first)\n",
            static_cast<unsigned long long>(c.lines), static_cast<unsigned long long>(c.rejected),
            static_cast<unsigned long long>(c.runnerChanges), static_cast<unsigned long long>(events), seconds,
            scanSeconds);
        std::printf("  CPU %.2f s, peak RSS %.1f MiB\n", Bench::processCpuSeconds() - cpu0, Bench::peakRssMiB());
        if (c.rejected != 0) {
            std::fprintf(stderr, "bench_betfair: sample lines were rejected\n");
            return 1;
        }
    }

    // 2. Into SQLite through the whole pipeline of `oddstap-cli import`.
    if (parser.isSet(QStringLiteral("cli"))) {
        const QString db = tmp.path() + QStringLiteral("/bench.db");
        const auto start = std::chrono::steady_clock::now();
        QProcess cli;
        cli.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        cli.start(parser.value(QStringLiteral("cli")),
            { QStringLiteral("import"), input, QStringLiteral("--db"), db, QStringLiteral("--quiet"),
                QStringLiteral("--summary-json"), tmp.path() + QStringLiteral("/summary.json") });
        if (!cli.waitForFinished(-1) || cli.exitCode() != 0) {
            std::fprintf(stderr, "bench_betfair: import failed (exit %d)\n", cli.exitCode());
            return 1;
        }
        const double seconds = Bench::secondsSince(start);
        rusage children {};
        getrusage(RUSAGE_CHILDREN, &children);
        std::printf("\ninto SQLite (oddstap-cli import, the whole pipeline):\n");
        std::printf("  %.1f MB/s, %.2f s, database %.1f MB, peak RSS of the import %.1f MiB\n",
            double(written) / 1e6 / seconds, seconds, double(QFileInfo(db).size()) / 1e6,
            double(children.ru_maxrss) / 1024.0);
    }
    return 0;
}

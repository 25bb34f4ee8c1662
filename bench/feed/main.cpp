// SPDX-License-Identifier: MIT
// bench_feed: frames/s and events/s from the simulator to the client over loopback WebSocket,
// decoded and validated, for single-envelope and batched frames. Simulator and client each run on
// their own thread, as in the product.
#include "../benchutil.h"
#include "../sessionutil.h"
#include "../simthread.h"

#include <core/session/capturesession.h>
#include <core/sim/simserver.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QEventLoop>
#include <QLoggingCategory>

#include <cstdio>
#include <memory>

using namespace OddsTap;

namespace {

struct Figures
{
    double seconds = 0;
    quint64 frames = 0;
    quint64 events = 0;
    quint64 bytes = 0;
};

Figures run(quint64 count, int batch)
{
    // The simulator lives on its own thread.
    SimServerConfig config;
    config.rate = 0;
    config.count = count;
    config.batch = batch;
    config.retain = 200000;
    config.generator.seed = 42;
    config.generator.fixtures = 1000;
    Bench::SimThread sim(config);

    CaptureSession session(Bench::captureOf(sim, count));
    Figures f;
    f.seconds = Bench::runToEnd(session);
    const auto total = session.stats().total();
    f.frames = total.frames;
    f.events = total.acceptedTotal();
    f.bytes = total.bytes;
    return f;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    registerMetaTypes();
    QLoggingCategory::setFilterRules(QStringLiteral("oddstap.*.info=false"));
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Simulator -> client throughput over loopback."));
    parser.addHelpOption();
    parser.addOption({ QStringLiteral("events"), QStringLiteral("Events per run (default 1000000)."),
        QStringLiteral("n"), QStringLiteral("1000000") });
    parser.addOption({ QStringLiteral("batch"), QStringLiteral("Envelopes per batch frame (default 50)."),
        QStringLiteral("n"), QStringLiteral("50") });
    parser.process(app);
    const quint64 events = std::max<quint64>(10000, parser.value(QStringLiteral("events")).toULongLong());
    const int batch = std::max(2, parser.value(QStringLiteral("batch")).toInt());

    std::printf("bench_feed: %llu events per run, simulator and client in one process, loopback WebSocket\n",
        static_cast<unsigned long long>(events));
    std::printf("machine: %s\n", qPrintable(Bench::machine()));
    for (const int b : { 1, batch }) {
        const Figures f = run(events, b);
        std::printf("%-26s %10.0f frames/s %10.0f events/s %8.1f MB/s  (%llu events in %.2f s)\n",
            b == 1 ? "single-envelope frames" : qPrintable(QStringLiteral("batches of %1").arg(b)),
            double(f.frames) / f.seconds, double(f.events) / f.seconds, double(f.bytes) / f.seconds / 1e6,
            static_cast<unsigned long long>(f.events), f.seconds);
    }
    std::printf("peak RSS: %.1f MiB\n", Bench::peakRssMiB());
    return 0;
}

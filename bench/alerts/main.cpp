// SPDX-License-Identifier: MIT
// bench_alerts: what 1,000 alert rules cost. The engine alone over a decoded stream (ns per event),
// then the whole capture (simulator -> client -> pipeline, into SQLite) at full speed without
// rules and with them, alternated, and how long an alert takes from the event's receipt to being
// raised on the pipeline thread.
#include "../benchutil.h"
#include "../sessionutil.h"
#include "../simthread.h"

#include <core/alerts/alertengine.h>
#include <core/common/latencyhistogram.h>
#include <core/common/timeutil.h>
#include <core/feed/framedecoder.h>
#include <core/session/capturesession.h>
#include <core/sim/feedgenerator.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QLoggingCategory>
#include <QTemporaryDir>

#include <algorithm>
#include <cstdio>

using namespace OddsTap;

namespace {

constexpr int kFixtures = 1000;

/// 10 rules for every fixture (one of each kind and more) and 990 for single fixtures, as a trader
/// with watch lists has them.
QByteArray thousandRulesJson()
{
    QByteArray json = R"({"rules":[
        {"type":"price_move","percent":5,"within_s":30},
        {"type":"price_move","ticks":8,"within_s":30,"direction":"drift"},
        {"type":"price_cross","level":3.0},
        {"type":"suspended"}, {"type":"reopened"}, {"type":"in_play"},
        {"type":"stale","after_s":30},
        {"type":"overround","min":100,"max":115},
        {"type":"big_bet","stake":500},
        {"type":"score_without_price_move","within_s":10})";
    for (int k = 0; k < 990; ++k) {
        const QByteArray scope = R"(,"scope":{"fixture":"fx-)" + QByteArray::number(k % kFixtures + 1) + R"("}})";
        switch (k % 5) {
        case 0:
            json += R"(,{"type":"price_cross","level":)" + QByteArray::number(1.5 + (k % 30) / 10.0) + scope;
            break;
        case 1:
            json += R"(,{"type":"price_move","percent":)" + QByteArray::number(3 + k % 5) + R"(,"within_s":20)" + scope;
            break;
        case 2:
            json += R"(,{"type":"big_bet","stake":)" + QByteArray::number(100 + k) + scope;
            break;
        case 3:
            json += R"(,{"type":"stale","after_s":10)" + scope;
            break;
        default:
            json += R"(,{"type":"in_play")" + scope;
        }
    }
    return json + "]}";
}

std::vector<AlertRule> thousandRules()
{
    auto rules = parseAlertRules(thousandRulesJson());
    if (!rules) {
        std::fprintf(stderr, "%s\n", qPrintable(rules.error().message));
        std::exit(1);
    }
    return *rules;
}

struct Run
{
    double seconds = 0;
    double cpuSeconds = 0; ///< the whole process's (simulator included)
    quint64 events = 0;
    quint64 alerts = 0;
    LatencyHistogram raiseLatency; ///< event received -> alert raised on the pipeline thread
};

Run capture(quint64 count, const std::vector<AlertRule> &rules, const QString &db, double rate = 0)
{
    SimServerConfig config;
    config.rate = rate;
    config.count = count;
    config.retain = 200000;
    config.generator.seed = 42;
    config.generator.fixtures = kFixtures;
    Bench::SimThread sim(config);
    CaptureConfig capture = Bench::captureOf(sim, count);
    capture.storage = *StorageTarget::parse(db);
    capture.alertRules = rules;
    CaptureSession session(capture);
    Run r;
    QObject::connect(&session, &CaptureSession::alertsRaised, &session, [&r](const std::vector<Alert> &alerts) {
        const qint64 now = monotonicNs();
        for (const Alert &a : alerts) {
            r.raiseLatency.add(now - a.receivedMonoNs);
        }
    });
    const double cpuBefore = Bench::processCpuSeconds();
    r.seconds = Bench::runToEnd(session);
    r.cpuSeconds = Bench::processCpuSeconds() - cpuBefore;
    r.events = session.stats().total().acceptedTotal();
    r.alerts = session.stats().alerts;
    return r;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    registerMetaTypes();
    QLoggingCategory::setFilterRules(QStringLiteral("oddstap.*.info=false\noddstap.*.warning=false"));
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("What 1,000 alert rules cost."));
    parser.addHelpOption();
    parser.addOption({ QStringLiteral("events"), QStringLiteral("Events per capture (default 1000000)."),
        QStringLiteral("n"), QStringLiteral("1000000") });
    parser.addOption({ QStringLiteral("engine-only"), QStringLiteral("Measure the engine alone (for a profiler).") });
    parser.addOption({ QStringLiteral("capture-only"),
        QStringLiteral("Skip the engine alone: captures only (for a profiler of the pipeline thread).") });
    parser.addOption(
        { QStringLiteral("rounds"), QStringLiteral("Captures without and with rules, alternated (default 5)."),
            QStringLiteral("n"), QStringLiteral("5") });
    parser.addOption({ QStringLiteral("write-rules"),
        QStringLiteral("Write the 1,000 rules to this file and stop (for `oddstap --bench --rules`)."),
        QStringLiteral("file") });
    parser.process(app);
    if (parser.isSet(QStringLiteral("write-rules"))) {
        QFile out(parser.value(QStringLiteral("write-rules")));
        if (!out.open(QIODevice::WriteOnly) || out.write(thousandRulesJson()) < 0) {
            std::fprintf(stderr, "cannot write %s\n", qPrintable(out.fileName()));
            return 1;
        }
        return 0;
    }
    const quint64 count = parser.value(QStringLiteral("events")).toULongLong();
    const std::vector<AlertRule> rules = thousandRules();
    std::printf("machine: %s\nrules: %zu (10 for every fixture, 990 for single fixtures of %d)\n\n",
        qPrintable(Bench::machine()), rules.size(), kFixtures);

    // The engine alone, over the same stream decoded once.
    if (!parser.isSet(QStringLiteral("capture-only"))) {
        GeneratorConfig g;
        g.seed = 42;
        g.fixtures = kFixtures;
        g.clockBaseMs = 1798761600000;
        FeedGenerator gen(g);
        FrameDecoder decoder;
        EventBatch batch;
        const FrameContext ctx { QStringLiteral("bench"), 0, 0 };
        for (quint64 i = 0; i < count; ++i) {
            decoder.decode(gen.next().json, ctx, batch);
        }
        for (const auto &[name, set] :
            { std::pair { "no rules", std::vector<AlertRule> {} }, std::pair { "1,000 rules", rules } }) {
            AlertEngine engine(set);
            std::vector<Alert> fired;
            quint64 alerts = 0;
            const auto start = std::chrono::steady_clock::now();
            // In batches of 100, as the pipeline hands them (the seeded stream's prices each have
            // their own server time, so none is grouped with another: onEvents()).
            for (std::size_t i = 0; i < batch.events.size(); i += 100) {
                engine.onEvents(
                    std::span(batch.events).subspan(i, std::min<std::size_t>(100, batch.events.size() - i)), fired);
                alerts += fired.size();
                fired.clear();
            }
            const double s = Bench::secondsSince(start);
            std::printf("engine alone, %-11s: %.0f ns/event, %.2f M events/s, %llu alerts (%llu held back)\n", name,
                s * 1e9 / double(batch.events.size()), double(batch.events.size()) / s / 1e6,
                static_cast<unsigned long long>(alerts), static_cast<unsigned long long>(engine.suppressed()));
        }
    }

    if (parser.isSet(QStringLiteral("engine-only"))) {
        return 0;
    }
    // The whole capture into SQLite, alternated: one round's pair runs under the same conditions,
    // and the median of the rounds' ratios is the figure (a single pair varies by 10 % here).
    const int rounds = std::max(1, parser.value(QStringLiteral("rounds")).toInt());
    std::printf("\ncapture of %llu events into SQLite at full speed:\n", static_cast<unsigned long long>(count));
    std::vector<double> ratios;
    std::vector<double> cpuRatios;
    for (int round = 1; round <= rounds; ++round) {
        double without = 0;
        double cpuWithout = 0;
        for (const bool withRules : { false, true }) {
            QTemporaryDir dir;
            const Run r =
                capture(count, withRules ? rules : std::vector<AlertRule> {}, dir.filePath(QStringLiteral("bench.db")));
            const double rate = double(r.events) / r.seconds;
            const double cpuPerEvent = r.cpuSeconds / double(r.events);
            if (withRules) {
                ratios.push_back(rate / without);
                cpuRatios.push_back(cpuPerEvent / cpuWithout);
            } else {
                without = rate;
                cpuWithout = cpuPerEvent;
            }
            std::printf("  round %d, %-11s: %.0f events/s (%.2f s), CPU %.2f us/event, %llu alerts", round,
                withRules ? "1,000 rules" : "no rules", rate, r.seconds, cpuPerEvent * 1e6,
                static_cast<unsigned long long>(r.alerts));
            if (r.alerts > 0) {
                std::printf("; receipt -> raised p50 %.2f ms, p99 %.2f ms, max %.2f ms",
                    double(r.raiseLatency.percentileNs(50)) / 1e6, double(r.raiseLatency.percentileNs(99)) / 1e6,
                    double(r.raiseLatency.maxNs()) / 1e6);
            }
            std::printf("\n");
        }
    }
    std::sort(ratios.begin(), ratios.end());
    std::printf("with 1,000 rules, the rate without them: median %.1f %% slower (rounds: %.1f to %.1f %%)\n",
        (1 - ratios[ratios.size() / 2]) * 100, (1 - ratios.back()) * 100, (1 - ratios.front()) * 100);
    std::sort(cpuRatios.begin(), cpuRatios.end());
    std::printf(
        "CPU per event (the simulator's included): median %.1f %% more with the rules (rounds: %.1f to %.1f %%)\n",
        (cpuRatios[cpuRatios.size() / 2] - 1) * 100, (cpuRatios.front() - 1) * 100, (cpuRatios.back() - 1) * 100);
    // At a steady rate, as a busy live feed sends: how long an alert takes to be raised.
    {
        QTemporaryDir dir;
        const Run r = capture(250000, rules, dir.filePath(QStringLiteral("steady.db")), 50000);
        std::printf("\nat 50,000 events/s with 1,000 rules: %llu alerts; receipt -> raised p50 %.2f ms, p99 %.2f ms, "
                    "max %.2f ms\n",
            static_cast<unsigned long long>(r.alerts), double(r.raiseLatency.percentileNs(50)) / 1e6,
            double(r.raiseLatency.percentileNs(99)) / 1e6, double(r.raiseLatency.maxNs()) / 1e6);
    }
    std::printf("peak RSS %.1f MiB\n", Bench::peakRssMiB());
    return 0;
}

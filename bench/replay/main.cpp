// SPDX-License-Identifier: MIT
// bench_replay: how faithfully and how fast a capture plays back, and what recording costs.
//  1. timing at 1x into OddsTap: ReplaySource hands frames to the pipeline; for every pair of
//     consecutive frames, |replayed gap - recorded gap| (median, p99, max) and the drift at the end;
//  2. timing at 1x as the sportsbook: the capture served over WebSocket (SimServer + ReplayStream)
//     to a client that notes when each frame arrives; the same error figures;
//  3. --max into the pipeline (decode, validate, stream logic, live state; no database): frames/s;
//  4. recording overhead: simulator -> client as fast as possible, without and with --record; the
//     simulator either generates as it sends (its JSON encoding then takes about a third of the two
//     cores) or sends a stream it generated before the run, as a sportsbook on another machine
//     costs the client nothing but the bytes.
// The capture for 1-3 is synthetic but realistic: generated envelopes, Poisson arrivals with bursts
// and silences.
#include "../benchutil.h"
#include "../sessionutil.h"
#include "../simthread.h"

#include <core/common/timeutil.h>
#include <core/replay/capturefile.h>
#include <core/replay/replaysource.h>
#include <core/replay/replaystream.h>
#include <core/session/capturesession.h>
#include <core/sim/feedgenerator.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QEventLoop>
#include <QLoggingCategory>
#include <QTemporaryDir>
#include <QTimer>
#include <QWebSocket>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <unordered_map>

using namespace OddsTap;

namespace {

struct Capture
{
    QString path;
    quint64 frames = 0;
    qint64 durationNs = 0;
    std::unordered_map<quint64, qint64> monoBySeq; ///< recorded receive time of each seq
};

/// A capture of @p frames single-envelope frames at @p rate frames/s on average: exponential gaps,
/// a burst of 100 frames 50 us apart every 2,000 frames, a 300 ms silence every 5,000.
Capture makeCapture(const QString &path, quint64 frames, double rate, bool keepSeqTimes)
{
    Capture c;
    c.path = path;
    CaptureHeader header;
    header.oddstapVersion = QStringLiteral("bench");
    header.startedAtMs = wallClockMs();
    header.sources = { { QStringLiteral("bench"), QStringLiteral("ws://127.0.0.1:1") } };
    auto writer = CaptureWriter::create(path, header);
    if (!writer) {
        std::fprintf(stderr, "cannot create %s: %s\n", qPrintable(path), qPrintable(writer.error().message));
        std::exit(1);
    }
    GeneratorConfig g;
    g.seed = 7;
    g.fixtures = 500;
    g.clockBaseMs = header.startedAtMs;
    FeedGenerator gen(g);
    std::mt19937_64 rng(42);
    std::exponential_distribution<double> gap(rate);
    const qint64 wallBase = header.startedAtMs * 1000000;
    const qint64 monoBase = 1000000000;
    qint64 t = 0;
    for (const SourceState s : { SourceState::Connecting, SourceState::Connected, SourceState::Subscribed }) {
        ConnectionEvent e;
        e.sourceId = QStringLiteral("bench");
        e.connection = 1;
        e.state = s;
        e.atMs = header.startedAtMs;
        (*writer)->addConnectionEvent(e);
    }
    for (quint64 i = 0; i < frames; ++i) {
        if (i > 0) {
            if (i % 5000 == 0) {
                t += 300000000;
            } else if (i % 2000 < 100) {
                t += 50000;
            } else {
                t += qint64(gap(rng) * 1e9);
            }
        }
        const GeneratedEvent ev = gen.next();
        RawFrame f;
        f.bytes = ev.json;
        f.wallNs = wallBase + t;
        f.monoNs = monoBase + t;
        f.connection = 1;
        (*writer)->addFrame(QStringLiteral("bench"), f);
        if (keepSeqTimes) {
            c.monoBySeq.emplace(ev.seq, f.monoNs);
        }
        if (i % 50000 == 0 && !(*writer)->commit()) {
            std::fprintf(stderr, "write failed: %s\n", qPrintable((*writer)->error()));
            std::exit(1);
        }
    }
    if (!(*writer)->finish(wallClockMs())) {
        std::fprintf(stderr, "write failed: %s\n", qPrintable((*writer)->error()));
        std::exit(1);
    }
    c.frames = frames;
    c.durationNs = t;
    return c;
}

struct TimingFigures
{
    quint64 pairs = 0;
    double medianMs = 0;
    double p99Ms = 0;
    double maxMs = 0;
    double driftMs = 0; ///< replayed minus recorded elapsed time at the last frame
};

/// @p points: (recorded ns, replayed ns) per frame, in order.
TimingFigures gapErrors(const std::vector<std::pair<qint64, qint64>> &points)
{
    TimingFigures f;
    if (points.size() < 2) {
        return f;
    }
    std::vector<double> errors;
    errors.reserve(points.size());
    for (std::size_t i = 1; i < points.size(); ++i) {
        const qint64 rec = points[i].first - points[i - 1].first;
        const qint64 rep = points[i].second - points[i - 1].second;
        errors.push_back(std::abs(double(rep - rec)) / 1e6);
    }
    std::sort(errors.begin(), errors.end());
    f.pairs = errors.size();
    f.medianMs = errors[errors.size() / 2];
    f.p99Ms = errors[std::min(errors.size() - 1, std::size_t(double(errors.size()) * 0.99))];
    f.maxMs = errors.back();
    f.driftMs =
        double((points.back().second - points.front().second) - (points.back().first - points.front().first)) / 1e6;
    return f;
}

void printTiming(const char *what, const TimingFigures &f)
{
    std::printf("%-34s %8llu gaps  median %.3f ms  p99 %.3f ms  max %.3f ms  drift at end %+.3f ms\n", what,
        static_cast<unsigned long long>(f.pairs), f.medianMs, f.p99Ms, f.maxMs, f.driftMs);
}

/// Part 1: the frames as ReplaySource hands them to the pipeline (the moment each batch leaves).
TimingFigures timingIntoPipeline(const Capture &c)
{
    QThread thread;
    thread.setObjectName(QStringLiteral("replay"));
    auto inFlight = std::make_shared<std::atomic<int>>(0);
    ReplayConfig cfg;
    cfg.path = c.path;
    cfg.speed = 1.0;
    auto *source = new ReplaySource(cfg, {}, inFlight);
    std::vector<std::pair<qint64, qint64>> points;
    points.reserve(c.frames);
    // Direct: runs on the replay thread at the moment of the hand-off, like the session's queue.
    QObject::connect(
        source, &BatchSource::batchReady, source,
        [&points, inFlight](const BatchPtr &b) {
            const qint64 now = monotonicNs();
            if (b->received) {
                for (const ReceivedFrames::Frame &f : b->received->frames) {
                    points.emplace_back(f.monoNs, now);
                }
            }
            inFlight->fetch_sub(1);
        },
        Qt::DirectConnection);
    QEventLoop loop;
    QObject::connect(source, &ReplaySource::finished, &loop, &QEventLoop::quit, Qt::QueuedConnection);
    source->moveToThread(&thread);
    thread.start();
    QMetaObject::invokeMethod(source, [source] {
        source->setKeepRaw(true);
        source->start();
    });
    loop.exec();
    QMetaObject::invokeMethod(
        source, [source] { delete source; }, Qt::BlockingQueuedConnection);
    thread.quit();
    thread.wait();
    return gapErrors(points);
}

/// Part 2: served over WebSocket at 1x; a plain client notes when each frame arrives.
TimingFigures timingServed(const Capture &c)
{
    auto stream = ReplayStream::load(c.path, QString(), false);
    if (!stream) {
        std::fprintf(stderr, "cannot load: %s\n", qPrintable(stream.error().message));
        std::exit(1);
    }
    const quint64 lastSeq = (*stream)->firstSeq() + (*stream)->size() - 1;
    SimServerConfig config;
    config.stream = *stream;
    config.speed = 1.0;
    config.retain = c.frames + 10;
    Bench::SimThread sim(config);

    std::vector<std::pair<qint64, qint64>> points;
    points.reserve(c.frames);
    QWebSocket socket;
    QEventLoop loop;
    QObject::connect(&socket, &QWebSocket::connected, &socket,
        [&socket] { socket.sendTextMessage(QStringLiteral(R"({"op":"subscribe","from_seq":0})")); });
    QObject::connect(&socket, &QWebSocket::textMessageReceived, &socket, [&](const QString &message) {
        const qint64 now = monotonicNs();
        const qsizetype at = message.indexOf(QLatin1String("\"seq\":"));
        if (at < 0 || !message.startsWith(QLatin1String("{\"type\":\""))
            || message.contains(QLatin1String("heartbeat"))) {
            return;
        }
        qsizetype end = at + 6;
        while (end < message.size() && message.at(end).isDigit()) {
            ++end;
        }
        const quint64 seq = QStringView(message).mid(at + 6, end - at - 6).toULongLong();
        const auto it = c.monoBySeq.find(seq);
        if (it != c.monoBySeq.end()) {
            points.emplace_back(it->second, now);
        }
        if (seq >= lastSeq) {
            loop.quit();
        }
    });
    QObject::connect(&socket, &QWebSocket::disconnected, &loop, &QEventLoop::quit);
    socket.open(sim.url());
    QTimer::singleShot(int(c.durationNs / 1000000) + 30000, &loop, &QEventLoop::quit);
    loop.exec();
    socket.close();
    if (points.size() != c.frames) {
        std::fprintf(
            stderr, "served: received %zu of %llu frames\n", points.size(), static_cast<unsigned long long>(c.frames));
    }
    return gapErrors(points);
}

/// Part 3: as fast as possible through the pipeline, no database.
void maxIntoPipeline(const Capture &c)
{
    CaptureConfig config;
    ReplayConfig replay;
    replay.path = c.path;
    replay.speed = 0;
    config.replay = replay;
    config.snapshotIntervalMs = 100;
    CaptureSession session(config);
    const double s = Bench::runToEnd(session);
    const auto total = session.stats().total();
    std::printf("--max into the pipeline (no DB)      %llu frames in %.2f s: %.0f frames/s, %.0f events/s\n",
        static_cast<unsigned long long>(total.frames), s, double(total.frames) / s, double(total.acceptedTotal()) / s);
}

/// The simulator's stream, generated before the runs: serving it costs the server only framing and
/// sending. Each run takes its own cursor over the same events.
class PregeneratedStream : public EventStream
{
public:
    PregeneratedStream(std::shared_ptr<const std::vector<GeneratedEvent>> events, const GeneratorConfig &config)
        : m_events(std::move(events))
        , m_generator(config)
    { }
    static std::shared_ptr<const std::vector<GeneratedEvent>> generate(const GeneratorConfig &config, quint64 count)
    {
        FeedGenerator generator(config);
        auto events = std::make_shared<std::vector<GeneratedEvent>>();
        events->reserve(count);
        for (quint64 i = 0; i < count; ++i) {
            events->push_back(generator.next());
        }
        return events;
    }
    GeneratedEvent next() override { return (*m_events)[m_next++]; }
    quint64 lastSeq() const override { return m_next == 0 ? 0 : (*m_events)[m_next - 1].seq; }
    /// The bench's client subscribes from the start and never falls behind the retained events.
    std::vector<GeneratedEvent> snapshot() const override { return {}; }
    QByteArray controlEnvelope(EventType type, quint64 seq) const override
    {
        return m_generator.controlEnvelope(type, seq);
    }
    QByteArray errorEnvelope(quint64 seq, const char *code, const QString &message) const override
    {
        return m_generator.errorEnvelope(seq, code, message);
    }
    qint64 nowMs(quint64 seq) const override { return m_generator.nowMs(seq); }
    QByteArray streamName() const override { return m_generator.streamName(); }
    bool exhausted() const override { return m_next >= m_events->size(); }

private:
    std::shared_ptr<const std::vector<GeneratedEvent>> m_events;
    FeedGenerator m_generator; ///< for the control envelopes only
    std::size_t m_next = 0;
};

/// Part 4: live ingest without and with a recording: events/s, CPU per event, and receive ->
/// processed latency (the worst 100 ms window's p99, and the median of the windows' p99s).
struct IngestFigures
{
    double eventsPerSec = 0;
    double cpuUsPerEvent = 0; ///< the whole process: simulator, client, pipeline and recorder
    double p99MedianMs = 0;
    double p99WorstMs = 0;
    std::map<QString, double> cpuUsPerEventByThread; ///< the threads alive at the end, by name
    std::map<QString, double> switchesPerSecByThread; ///< thread switches a second, likewise
};

GeneratorConfig benchGenerator()
{
    GeneratorConfig g;
    g.seed = 42;
    g.fixtures = 1000;
    return g;
}

/// @p pregenerated: the simulator sends these instead of generating as it goes.
IngestFigures ingest(quint64 count, double rate, const QString &recordPath,
    const std::shared_ptr<const std::vector<GeneratedEvent>> &pregenerated)
{
    SimServerConfig simConfig;
    simConfig.rate = rate;
    simConfig.count = count;
    simConfig.retain = 200000;
    simConfig.generator = benchGenerator();
    if (pregenerated) {
        simConfig.stream = std::make_shared<PregeneratedStream>(pregenerated, simConfig.generator);
    }
    Bench::SimThread sim(simConfig);
    CaptureConfig capture = Bench::captureOf(sim, count);
    capture.recordPath = recordPath;
    CaptureSession session(capture);
    std::vector<double> p99s;
    // Each thread's CPU, read while it runs: the session's threads end with the session. The main
    // thread (named after the program) is the session's, which ran the earlier runs too.
    const std::map<QString, double> threadsBefore = Bench::threadCpuSeconds();
    const std::map<QString, double> switchesBefore = Bench::threadSwitches();
    std::map<QString, double> threadsLatest;
    std::map<QString, double> switchesLatest;
    const auto sampleThreads = [&threadsLatest, &switchesLatest] {
        for (const auto &[name, seconds] : Bench::threadCpuSeconds()) {
            threadsLatest[name] = std::max(threadsLatest[name], seconds);
        }
        for (const auto &[name, switches] : Bench::threadSwitches()) {
            switchesLatest[name] = std::max(switchesLatest[name], switches);
        }
    };
    QObject::connect(&session, &CaptureSession::snapshotReady, &session, [&](const SnapshotPtr &snap) {
        if (snap->metrics.receiveToProcessed.count > 0) {
            p99s.push_back(double(snap->metrics.receiveToProcessed.p99Ns) / 1e6);
        }
        sampleThreads();
    });
    const double cpuBefore = Bench::processCpuSeconds();
    const double s = Bench::runToEnd(session);
    const double cpu = Bench::processCpuSeconds() - cpuBefore;
    sampleThreads();
    IngestFigures f;
    const double events = double(session.stats().total().acceptedTotal());
    for (const auto &[name, seconds] : threadsLatest) {
        const auto before = threadsBefore.find(name);
        const double ran = seconds - (before == threadsBefore.end() ? 0.0 : before->second);
        if (events > 0) {
            f.cpuUsPerEventByThread[name] = ran * 1e6 / events;
        }
    }
    for (const auto &[name, switches] : switchesLatest) {
        const auto before = switchesBefore.find(name);
        f.switchesPerSecByThread[name] = (switches - (before == switchesBefore.end() ? 0.0 : before->second)) / s;
    }
    f.eventsPerSec = events / s;
    f.cpuUsPerEvent = events > 0 ? cpu * 1e6 / events : 0;
    if (!p99s.empty()) {
        std::sort(p99s.begin(), p99s.end());
        f.p99MedianMs = p99s[p99s.size() / 2];
        f.p99WorstMs = p99s.back();
    }
    return f;
}

double median(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    return values.empty() ? 0 : values[values.size() / 2];
}

/// Which runs recordingOverhead() makes: both, alternated, or one of them alone (to profile it).
enum class RecordArms
{
    Both,
    Without,
    With
};

void recordingOverhead(quint64 count, double rate, int rounds,
    const std::shared_ptr<const std::vector<GeneratedEvent>> &pregenerated, RecordArms arms)
{
    // Rounds alternate without and with, so that drift of the shared machine favours neither; the
    // change is the median over rounds of each pair's change (one pair varies by 10 % here).
    QTemporaryDir dir;
    std::vector<IngestFigures> without;
    std::vector<IngestFigures> with;
    std::vector<double> rateChange;
    std::vector<double> cpuChange;
    for (int round = 0; round < rounds; ++round) {
        if (arms != RecordArms::With) {
            without.push_back(ingest(count, rate, QString(), pregenerated));
        }
        if (arms != RecordArms::Without) {
            with.push_back(ingest(count, rate, dir.filePath(QStringLiteral("rec%1.odtc").arg(round)), pregenerated));
            QFile::remove(dir.filePath(QStringLiteral("rec%1.odtc").arg(round)));
        }
        if (arms != RecordArms::Both) {
            continue;
        }
        rateChange.push_back(with.back().eventsPerSec / without.back().eventsPerSec - 1);
        cpuChange.push_back(with.back().cpuUsPerEvent / without.back().cpuUsPerEvent - 1);
    }
    const QString offered =
        (rate > 0 ? QStringLiteral("%1 events/s offered").arg(rate) : QStringLiteral("as fast as possible"))
        + (pregenerated ? QStringLiteral(", stream generated before") : QStringLiteral(", generated as sent"));
    for (const auto &[name, runs] :
        { std::pair { "without recording", &without }, std::pair { "with --record", &with } }) {
        if (runs->empty()) {
            continue;
        }
        std::vector<double> perSec;
        std::vector<double> cpu;
        std::vector<double> p99;
        double worst = 0;
        for (const IngestFigures &f : *runs) {
            perSec.push_back(f.eventsPerSec);
            cpu.push_back(f.cpuUsPerEvent);
            p99.push_back(f.p99MedianMs);
            worst = std::max(worst, f.p99WorstMs);
        }
        std::map<QString, std::vector<double>> byThread;
        std::map<QString, std::vector<double>> switchesByThread;
        for (const IngestFigures &f : *runs) {
            for (const auto &[thread, us] : f.cpuUsPerEventByThread) {
                byThread[thread].push_back(us);
            }
            for (const auto &[thread, hz] : f.switchesPerSecByThread) {
                switchesByThread[thread].push_back(hz);
            }
        }
        QStringList threads;
        for (const auto &[thread, us] : byThread) {
            threads << QStringLiteral("%1 %2").arg(thread).arg(median(us), 0, 'f', 3);
        }
        QStringList switches;
        for (const auto &[thread, rates] : switchesByThread) {
            switches << QStringLiteral("%1 %2").arg(thread).arg(median(rates), 0, 'f', 0);
        }
        std::printf("live ingest, %s, %s: %.0f events/s, CPU %.2f us/event, receive->processed p99 median %.2f ms, "
                    "worst %.2f ms (medians of %d runs)\n  CPU us/event by thread: %s\n  thread switches/s by "
                    "thread: %s\n",
            qPrintable(offered), name, median(perSec), median(cpu), median(p99), worst, rounds,
            qPrintable(threads.join(QStringLiteral(", "))), qPrintable(switches.join(QStringLiteral(", "))));
    }
    if (arms != RecordArms::Both) {
        return;
    }
    std::printf("recording, %s: events/s %+.1f %%, CPU per event %+.1f %% (median of %d pairs; pairs %s)\n",
        qPrintable(offered), 100 * median(rateChange), 100 * median(cpuChange), rounds, qPrintable([&rateChange] {
            QStringList each;
            for (const double c : rateChange) {
                each << QString::asprintf("%+.1f", 100 * c);
            }
            return each.join(QLatin1Char(' '));
        }()));
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QLoggingCategory::setFilterRules(QStringLiteral("oddstap.*.info=false"));
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Replay timing error at 1x, --max throughput, recording overhead."));
    parser.addHelpOption();
    parser.addOption({ QStringLiteral("frames"), QStringLiteral("Frames of the 1x capture (default 20000)."),
        QStringLiteral("n"), QStringLiteral("20000") });
    parser.addOption({ QStringLiteral("rate"), QStringLiteral("Mean frames/s of the 1x capture (default 2000)."),
        QStringLiteral("n"), QStringLiteral("2000") });
    parser.addOption({ QStringLiteral("max-frames"), QStringLiteral("Frames for the --max run (default 1000000)."),
        QStringLiteral("n"), QStringLiteral("1000000") });
    parser.addOption(
        { QStringLiteral("ingest-events"), QStringLiteral("Events for the recording-overhead runs (default 300000)."),
            QStringLiteral("n"), QStringLiteral("300000") });
    parser.addOption({ QStringLiteral("record-rates"),
        QStringLiteral("Offered events/s of the recording-overhead runs, 0 as fast as possible (default 50000,0)."),
        QStringLiteral("list"), QStringLiteral("50000,0") });
    parser.addOption(
        { QStringLiteral("rounds"), QStringLiteral("Pairs of runs without and with recording, per rate (default 3)."),
            QStringLiteral("n"), QStringLiteral("3") });
    parser.addOption({ QStringLiteral("record-feed"),
        QStringLiteral("The simulator of the recording-overhead runs: generating (as it sends), pregenerated "
                       "(sends a stream generated before the runs), both (default)."),
        QStringLiteral("kind"), QStringLiteral("both") });
    parser.addOption({ QStringLiteral("record-arm"),
        QStringLiteral("The recording-overhead runs to make: both (default, alternated and compared), without, "
                       "with (one kind alone, to profile it)."),
        QStringLiteral("arm"), QStringLiteral("both") });
    parser.addOption({ QStringLiteral("only"), QStringLiteral("Run one part: timing, served, max, record."),
        QStringLiteral("part") });
    parser.process(app);
    const QString only = parser.value(QStringLiteral("only"));
    const auto want = [&only](const char *part) { return only.isEmpty() || only == QLatin1String(part); };

    QTemporaryDir dir;
    std::printf("machine: %s\n", qPrintable(Bench::machine()));
    if (want("timing") || want("served")) {
        const Capture c = makeCapture(dir.filePath(QStringLiteral("timing.odtc")),
            parser.value(QStringLiteral("frames")).toULongLong(), parser.value(QStringLiteral("rate")).toDouble(),
            true);
        std::printf("capture: %llu frames over %.1f s (mean %.0f frames/s, bursts 50 us apart, 300 ms silences)\n",
            static_cast<unsigned long long>(c.frames), double(c.durationNs) / 1e9,
            double(c.frames) / (double(c.durationNs) / 1e9));
        if (want("timing")) {
            printTiming("1x into the pipeline (hand-off)", timingIntoPipeline(c));
        }
        if (want("served")) {
            printTiming("1x served over WebSocket", timingServed(c));
        }
    }
    if (want("max")) {
        const auto start = std::chrono::steady_clock::now();
        const Capture c = makeCapture(dir.filePath(QStringLiteral("max.odtc")),
            parser.value(QStringLiteral("max-frames")).toULongLong(), 100000, false);
        const double s = Bench::secondsSince(start);
        std::printf("capture written: %llu frames in %.2f s (%.0f frames/s), %.1f MiB\n",
            static_cast<unsigned long long>(c.frames), s, double(c.frames) / s,
            double(QFileInfo(c.path).size()) / (1024.0 * 1024.0));
        maxIntoPipeline(c);
    }
    if (want("record")) {
        const quint64 n = parser.value(QStringLiteral("ingest-events")).toULongLong();
        const int rounds = parser.value(QStringLiteral("rounds")).toInt();
        const QString feed = parser.value(QStringLiteral("record-feed"));
        const QString arm = parser.value(QStringLiteral("record-arm"));
        const RecordArms arms = arm == QLatin1String("without") ? RecordArms::Without
            : arm == QLatin1String("with")                      ? RecordArms::With
                                                                : RecordArms::Both;
        std::shared_ptr<const std::vector<GeneratedEvent>> pregenerated;
        if (feed != QLatin1String("generating")) {
            pregenerated = PregeneratedStream::generate(benchGenerator(), n);
        }
        for (const QString &rate : parser.value(QStringLiteral("record-rates")).split(QLatin1Char(','))) {
            if (feed != QLatin1String("pregenerated")) {
                recordingOverhead(n, rate.toDouble(), std::max(1, rounds), nullptr, arms);
            }
            if (pregenerated) {
                recordingOverhead(n, rate.toDouble(), std::max(1, rounds), pregenerated, arms);
            }
        }
    }
    std::printf("peak RSS: %.1f MiB\n", Bench::peakRssMiB());
    return 0;
}

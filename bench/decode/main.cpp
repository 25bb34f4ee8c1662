// SPDX-License-Identifier: MIT
// bench_decode: frames/s, envelopes/s and MB/s of FrameDecoder on one core, for single-envelope
// frames and batch frames, with a QJsonDocument baseline on the same input for comparison.
#include "../benchutil.h"

#include <core/common/timeutil.h>
#include <core/feed/framedecoder.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>

#include <cstdio>

using namespace OddsTap;

namespace {

QByteArray oddsEnvelope(QRandomGenerator &rng, quint64 seq)
{
    static const char *markets[] = { "1x2", "ou_2.5", "ah_-1.5", "btts" };
    static const char *selections[] = { "home", "draw", "away", "over", "under", "yes", "no" };
    const double price = 1.01 + double(rng.bounded(2000)) / 100.0;
    return QByteArrayLiteral("{\"type\":\"odds\",\"seq\":") + QByteArray::number(seq) + ",\"ts\":"
        + QByteArray::number(1764072000000LL + qint64(seq)) + ",\"source\":\"sim-1\",\"data\":{\"fixture_id\":\"fx-"
        + QByteArray::number(rng.bounded(1000)) + "\",\"market_type\":\"" + markets[rng.bounded(4)]
        + "\",\"selection\":\"" + selections[rng.bounded(7)] + "\",\"odd_value\":" + QByteArray::number(price, 'f', 2)
        + ",\"timestamp\":" + QByteArray::number(1764071999000LL + qint64(seq)) + "}}";
}

struct Figures
{
    double seconds = 0;
    quint64 frames = 0;
    quint64 envelopes = 0;
    quint64 bytes = 0;
};

void print(const char *name, const Figures &f)
{
    std::printf("%-34s %12.0f frames/s %12.0f envelopes/s %9.1f MB/s  (%llu envelopes in %.2f s)\n", name,
        double(f.frames) / f.seconds, double(f.envelopes) / f.seconds, double(f.bytes) / f.seconds / 1e6,
        static_cast<unsigned long long>(f.envelopes), f.seconds);
}

Figures runDecoder(const QList<QByteArray> &frames, int rounds)
{
    FrameDecoder decoder;
    const FrameContext ctx { QStringLiteral("bench"), wallClockMs(), monotonicNs() };
    Figures f;
    EventBatch batch;
    const auto start = std::chrono::steady_clock::now();
    for (int r = 0; r < rounds; ++r) {
        for (const QByteArray &frame : frames) {
            decoder.decode(frame, ctx, batch);
            f.envelopes += batch.events.size() + batch.rejects.size();
            f.bytes += quint64(frame.size());
            batch.events.clear(); // keeps capacity, as a batching consumer would
            batch.rejects.clear();
        }
        f.frames += quint64(frames.size());
    }
    f.seconds = Bench::secondsSince(start);
    return f;
}

// Baseline: QJsonDocument parse plus the field reads of an odds envelope (no full validation).
Figures runQJson(const QList<QByteArray> &frames, int rounds)
{
    Figures f;
    double checksum = 0;
    const auto start = std::chrono::steady_clock::now();
    for (int r = 0; r < rounds; ++r) {
        for (const QByteArray &frame : frames) {
            const QJsonDocument doc = QJsonDocument::fromJson(frame);
            auto one = [&](const QJsonObject &env) {
                const QJsonObject data = env.value(QLatin1String("data")).toObject();
                OddsData od;
                od.fixtureId = data.value(QLatin1String("fixture_id")).toString();
                od.marketType = data.value(QLatin1String("market_type")).toString();
                od.selection = data.value(QLatin1String("selection")).toString();
                od.oddValue = data.value(QLatin1String("odd_value")).toDouble();
                od.timestampMs = data.value(QLatin1String("timestamp")).toInteger();
                checksum += od.oddValue + double(env.value(QLatin1String("seq")).toInteger());
                ++f.envelopes;
            };
            if (doc.isArray()) {
                for (const auto v : doc.array()) {
                    one(v.toObject());
                }
            } else {
                one(doc.object());
            }
            f.bytes += quint64(frame.size());
        }
        f.frames += quint64(frames.size());
    }
    f.seconds = Bench::secondsSince(start);
    if (checksum == 0) {
        std::printf("(checksum %f)\n", checksum);
    }
    return f;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Frame decoder throughput on one core."));
    parser.addHelpOption();
    parser.addOption({ QStringLiteral("envelopes"), QStringLiteral("Envelopes per measurement (default 2000000)."),
        QStringLiteral("n"), QStringLiteral("2000000") });
    parser.addOption({ QStringLiteral("batch"), QStringLiteral("Envelopes per batch frame (default 100)."),
        QStringLiteral("n"), QStringLiteral("100") });
    parser.addOption({ QStringLiteral("no-baseline"), QStringLiteral("Skip the QJsonDocument baseline.") });
    parser.process(app);
    const int total = std::max(1000, parser.value(QStringLiteral("envelopes")).toInt());
    const int batchSize = std::max(1, parser.value(QStringLiteral("batch")).toInt());

    // 100,000 distinct envelopes, cycled: large enough to defeat caches of whole frames.
    QRandomGenerator rng(42);
    const int distinct = std::min(total, 100000);
    QList<QByteArray> singles;
    singles.reserve(distinct);
    for (int i = 0; i < distinct; ++i) {
        singles.append(oddsEnvelope(rng, quint64(i + 1)));
    }
    QList<QByteArray> batches;
    for (int i = 0; i < distinct; i += batchSize) {
        QByteArray frame = "[";
        for (int j = i; j < std::min(distinct, i + batchSize); ++j) {
            if (j > i) {
                frame += ',';
            }
            frame += singles[j];
        }
        batches.append(frame + ']');
    }
    const int rounds = std::max(1, total / distinct);

    std::printf("bench_decode: %d odds envelopes per run (%d distinct, avg %lld bytes), batch size %d\n",
        rounds * distinct, distinct, static_cast<long long>(singles.first().size()), batchSize);
    std::printf("machine: %s\n", qPrintable(Bench::machine()));
    runDecoder(singles, 1); // warm-up
    print("FrameDecoder (simdjson), single", runDecoder(singles, rounds));
    print("FrameDecoder (simdjson), batched", runDecoder(batches, rounds));
    if (!parser.isSet(QStringLiteral("no-baseline"))) {
        print("QJsonDocument baseline, single", runQJson(singles, rounds));
        print("QJsonDocument baseline, batched", runQJson(batches, rounds));
    }
    std::printf("peak RSS: %.1f MiB\n", Bench::peakRssMiB());
    return 0;
}

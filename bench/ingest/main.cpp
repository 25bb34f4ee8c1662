// SPDX-License-Identifier: MIT
// bench_ingest: simulator at full speed -> client -> storage writer -> SQLite, end to end; the
// ceiling (a plain sqlite3 C loop inserting the same rows into the same schema); and latency
// receive -> committed at a steady rate.
#include "../benchutil.h"
#include "../sessionutil.h"
#include "../simthread.h"

#include <core/feed/framedecoder.h>
#include <core/session/capturesession.h>
#include <core/sim/simserver.h>
#include <core/storage/sqlitestorage.h>
#include <core/storage/storage.h>
#include <core/storage/walwritebuffer.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QLoggingCategory>
#include <QTemporaryDir>

#include <sqlite3.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <tuple>

using namespace OddsTap;

namespace {

struct RunFigures
{
    double seconds = 0;
    double cpuSeconds = 0; ///< all threads: simulator, client, session, writer
    quint64 stored = 0;
    QJsonObject summary;
};

RunFigures pipeline(const QString &db, quint64 count, double rate, int fixtures, qint64 durationMs)
{
    SimServerConfig config;
    config.rate = rate;
    config.count = rate > 0 ? 0 : count;
    config.retain = 50000; // resume needs only the recent window; no drops in this bench
    config.generator.seed = 42;
    config.generator.fixtures = fixtures;
    Bench::SimThread sim(config);
    CaptureConfig capture = Bench::captureOf(sim, rate > 0 ? 0 : count);
    capture.durationMs = durationMs;
    capture.storage = *StorageTarget::parse(db);
    capture.spool.directory = capture.storage->defaultSpoolDirectory();
    capture.spool.memoryBudgetEvents = 50000;
    CaptureSession session(capture);
    RunFigures f;
    const double cpuBefore = Bench::processCpuSeconds();
    f.seconds = Bench::runToEnd(session);
    f.cpuSeconds = Bench::processCpuSeconds() - cpuBefore;
    const auto &p = session.stats().persisted;
    f.stored = p.fixtureUpdates + p.odds + p.bets;
    f.summary = session.stats().toJson();
    return f;
}

// The ceiling: the same rows inserted by a plain sqlite3 C loop into the same schema, with the
// same pragmas and the same best practice the writer uses (50,000 rows per transaction, odds
// ordered by the index key within each transaction, SqliteStorage::kOddsRowsPerStatement odds per
// INSERT), from rows a C program would hold: UTF-8 strings, decoded, converted and sorted before
// the clock starts. The same loop with one row per INSERT is printed too: the textbook loop.
constexpr std::size_t kRawRowsPerTransaction = 50000;

struct RawRow
{
    EventType type;
    qint64 seq, ts, receivedAt, i1, i2, i3, timestamp;
    double d1, d2, d3;
    std::string source, s1, s2, s3, s4, s5, status;
};

// The rows of `count` simulator events as a C program would hold them, each transaction's odds
// ordered by the index key (after its other rows), as the writer orders them.
std::vector<RawRow> rawRows(quint64 count, int fixtures)
{
    GeneratorConfig gc;
    gc.seed = 42;
    gc.fixtures = fixtures;
    FeedGenerator gen(gc);
    FrameDecoder decoder;
    std::vector<RawRow> rows;
    rows.reserve(count);
    {
        EventBatch batch;
        for (quint64 i = 0; i < count; ++i) {
            batch.events.clear();
            decoder.decode(gen.next().json, FrameContext { QStringLiteral("raw"), 1, 1 }, batch);
            for (const Event &e : batch.events) {
                RawRow r { e.type, qint64(e.seq), e.serverTsMs, e.receivedAtMs, 0, 0, 0, 0, 0, 0, 0,
                    e.sourceId.toStdString(), {}, {}, {}, {}, {}, {} };
                if (const OddsData *o = e.odds()) {
                    r.s1 = o->fixtureId.toStdString();
                    r.s2 = o->marketType.toStdString();
                    r.s3 = o->selection.toStdString();
                    r.d1 = o->oddValue;
                    r.timestamp = o->timestampMs;
                    r.status = toWire(o->status);
                } else if (const BetData *b = e.bet()) {
                    r.s1 = b->betId.toStdString();
                    r.s2 = b->userId.toStdString();
                    r.s3 = b->fixtureId.toStdString();
                    r.s4 = b->marketType.toStdString();
                    r.s5 = b->selection.toStdString();
                    r.d1 = b->stake;
                    r.d2 = b->oddValue.value_or(0);
                    r.d3 = b->potentialWin;
                    r.timestamp = b->timestampMs;
                } else if (const FixtureData *f = e.fixture()) {
                    r.s1 = f->fixtureId.toStdString();
                    r.i1 = f->sportId;
                    r.i2 = f->tournamentId;
                    r.i3 = f->startTimeMs;
                    r.status = toWire(f->status);
                    r.s2 = f->home.toStdString();
                    r.s3 = f->away.toStdString();
                    r.s4 = f->score.toStdString();
                } else {
                    continue;
                }
                rows.push_back(std::move(r));
            }
        }
    }
    for (std::size_t from = 0; from < rows.size(); from += kRawRowsPerTransaction) {
        const auto first = rows.begin() + qsizetype(from);
        const auto last = rows.begin() + qsizetype(std::min(rows.size(), from + kRawRowsPerTransaction));
        std::stable_sort(first, last, [](const RawRow &a, const RawRow &b) {
            if (a.type != b.type) {
                return a.type != EventType::Odds && b.type == EventType::Odds;
            }
            if (a.type != EventType::Odds) {
                return false;
            }
            return std::tie(a.s1, a.s2, a.timestamp) < std::tie(b.s1, b.s2, b.timestamp);
        });
    }
    return rows;
}

double rawLoop(const QString &dbPath, const std::vector<RawRow> &rows, int oddsPerStatement)
{
    {
        auto storage = Storage::open(*StorageTarget::parse(dbPath), QStringLiteral("raw-schema"));
        if (!storage) {
            std::printf("raw loop: %s\n", qPrintable(storage.error().message));
            return 0;
        }
    }
    sqlite3 *db = nullptr;
    // Through the same WAL write buffer as the capture writer's connection, so that the ratio
    // compares like with like.
    sqlite3_open_v2(dbPath.toUtf8().constData(), &db, SQLITE_OPEN_READWRITE,
        SqliteStorage::walBufferAvailable() ? kWalWriteBufferVfs : nullptr);
    sqlite3_exec(db, SqliteStorage::kTuningPragmas, nullptr, nullptr, nullptr);
    sqlite3_stmt *odds = nullptr;
    sqlite3_stmt *oddsMany = nullptr;
    sqlite3_stmt *bets = nullptr;
    sqlite3_stmt *fx = nullptr;
    const QByteArray oddsSql = SqliteStorage::oddsInsertSql(1);
    const QByteArray oddsManySql = SqliteStorage::oddsInsertSql(oddsPerStatement);
    sqlite3_prepare_v2(db, oddsSql.constData(), -1, &odds, nullptr);
    sqlite3_prepare_v2(db, oddsManySql.constData(), -1, &oddsMany, nullptr);
    sqlite3_prepare_v2(db,
        "INSERT OR IGNORE INTO bets (source_id, seq, ts, received_at, bet_id, user_id, fixture_id, "
        "market_type, selection, stake, odd_value, potential_win, timestamp) VALUES (?1, ?2, ?3, ?4, "
        "?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        -1, &bets, nullptr);
    sqlite3_prepare_v2(db,
        "INSERT INTO fixture_updates (source_id, seq, ts, received_at, fixture_id, sport_id, "
        "tournament_id, start_time, status, home, away, score) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
        "?8, ?9, ?10, ?11, ?12)",
        -1, &fx, nullptr);
    auto text = [](sqlite3_stmt *s, int i, const std::string &t) {
        sqlite3_bind_text(s, i, t.data(), int(t.size()), SQLITE_STATIC);
    };
    auto bindOdds = [&text](sqlite3_stmt *s, int first, const RawRow &r) {
        text(s, first, r.source);
        sqlite3_bind_int64(s, first + 1, r.seq);
        sqlite3_bind_int64(s, first + 2, r.ts);
        sqlite3_bind_int64(s, first + 3, r.receivedAt);
        text(s, first + 4, r.s1);
        text(s, first + 5, r.s2);
        text(s, first + 6, r.s3);
        sqlite3_bind_double(s, first + 7, r.d1);
        sqlite3_bind_int64(s, first + 8, r.timestamp);
        text(s, first + 9, r.status);
    };
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t from = 0; from < rows.size(); from += kRawRowsPerTransaction) {
        const std::size_t end = std::min(rows.size(), from + kRawRowsPerTransaction);
        sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
        for (std::size_t i = from; i < end;) {
            const RawRow &r = rows[i];
            if (r.type == EventType::Odds) {
                // Each transaction's odds come last: whole statements while there are enough rows.
                const bool many = oddsPerStatement > 1 && end - i >= std::size_t(oddsPerStatement);
                sqlite3_stmt *s = many ? oddsMany : odds;
                const int n = many ? oddsPerStatement : 1;
                for (int k = 0; k < n; ++k) {
                    bindOdds(s, k * 10 + 1, rows[i + std::size_t(k)]);
                }
                sqlite3_step(s);
                sqlite3_reset(s);
                i += std::size_t(n);
                continue;
            }
            sqlite3_stmt *s = r.type == EventType::Bet ? bets : fx;
            text(s, 1, r.source);
            sqlite3_bind_int64(s, 2, r.seq);
            sqlite3_bind_int64(s, 3, r.ts);
            sqlite3_bind_int64(s, 4, r.receivedAt);
            if (r.type == EventType::Bet) {
                text(s, 5, r.s1);
                text(s, 6, r.s2);
                text(s, 7, r.s3);
                text(s, 8, r.s4);
                text(s, 9, r.s5);
                sqlite3_bind_double(s, 10, r.d1);
                sqlite3_bind_double(s, 11, r.d2);
                sqlite3_bind_double(s, 12, r.d3);
                sqlite3_bind_int64(s, 13, r.timestamp);
            } else {
                text(s, 5, r.s1);
                sqlite3_bind_int64(s, 6, r.i1);
                sqlite3_bind_int64(s, 7, r.i2);
                sqlite3_bind_int64(s, 8, r.i3);
                text(s, 9, r.status);
                text(s, 10, r.s2);
                text(s, 11, r.s3);
                text(s, 12, r.s4);
            }
            sqlite3_step(s);
            sqlite3_reset(s);
            ++i;
        }
        sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    }
    const double seconds = Bench::secondsSince(start);
    for (sqlite3_stmt *s : { odds, oddsMany, bets, fx }) {
        sqlite3_finalize(s);
    }
    sqlite3_close(db);
    return double(rows.size()) / seconds;
}

void printLatency(const QJsonObject &summary)
{
    const QJsonObject p = summary.value(QStringLiteral("persisted")).toObject();
    const QJsonObject l = p.value(QStringLiteral("receive_to_commit_ms")).toObject();
    std::printf("  spilled to disk: %lld batches, spool peak %.1f MiB\n",
        static_cast<long long>(p.value(QStringLiteral("spilled_batches")).toInteger()),
        double(p.value(QStringLiteral("spool_bytes_max")).toInteger()) / 1048576.0);
    std::printf("  receive -> committed: p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms; "
                "database write per batch: avg %.2f ms, max %.1f ms (%lld transactions)\n",
        l.value(QStringLiteral("p50")).toDouble(), l.value(QStringLiteral("p95")).toDouble(),
        l.value(QStringLiteral("p99")).toDouble(), l.value(QStringLiteral("max")).toDouble(),
        p.value(QStringLiteral("write_ms_avg")).toDouble(), p.value(QStringLiteral("write_ms_max")).toDouble(),
        static_cast<long long>(p.value(QStringLiteral("commits")).toInteger()));
}

// Machine noise moves the rates between runs; CPU per event moves much less. The writer's time
// inside Storage::write() against the whole run shows how busy the storage thread was with SQL.
void printCpu(const RunFigures &f)
{
    const QJsonObject p = f.summary.value(QStringLiteral("persisted")).toObject();
    const double writeSeconds = p.value(QStringLiteral("write_ms_avg")).toDouble()
        * double(p.value(QStringLiteral("commits")).toInteger()) / 1000;
    const double events = double(std::max<quint64>(1, f.stored));
    std::printf("  CPU, all threads: %.2f us/event (%.1f s); inside Storage::write: %.2f us/event (%.1f s, %.0f %% of "
                "the run)\n",
        f.cpuSeconds * 1e6 / events, f.cpuSeconds, writeSeconds * 1e6 / events, writeSeconds,
        100 * writeSeconds / std::max(0.001, f.seconds));
}

double median(std::vector<double> values)
{
    if (values.empty()) {
        return 0;
    }
    std::sort(values.begin(), values.end());
    const std::size_t n = values.size();
    return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

// A 2,000,000-event database is about 0.5 GB; rounds would otherwise pile them up on disk.
void removeDatabase(const QString &path)
{
    for (const QString &suffix : { QString(), QStringLiteral("-wal"), QStringLiteral("-shm") }) {
        QFile::remove(path + suffix);
    }
    if (const auto target = StorageTarget::parse(path)) {
        QDir(target->defaultSpoolDirectory()).removeRecursively();
    }
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    registerMetaTypes();
    QLoggingCategory::setFilterRules(QStringLiteral("oddstap.*.info=false"));
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("End-to-end ingest into SQLite."));
    parser.addHelpOption();
    parser.addOption({ QStringLiteral("events"), QStringLiteral("Events for the full-speed run (default 2000000)."),
        QStringLiteral("n"), QStringLiteral("2000000") });
    parser.addOption({ QStringLiteral("fixtures"), QStringLiteral("Fixtures (default 1000)."), QStringLiteral("n"),
        QStringLiteral("1000") });
    parser.addOption({ QStringLiteral("steady-rate"), QStringLiteral("Events/s of the latency run (default 20000)."),
        QStringLiteral("n"), QStringLiteral("20000") });
    parser.addOption({ QStringLiteral("steady-seconds"), QStringLiteral("Length of the latency run (default 20)."),
        QStringLiteral("s"), QStringLiteral("20") });
    parser.addOption({ QStringLiteral("pg"),
        QStringLiteral("Also run the pipeline into this PostgreSQL database (an empty one)."), QStringLiteral("url") });
    parser.addOption({ QStringLiteral("no-ceiling"),
        QStringLiteral("Skip the plain sqlite3 loop (profiling the pipeline alone).") });
    parser.addOption({ QStringLiteral("repeat"),
        QStringLiteral("Rounds of pipeline then ceiling, alternated so that both see the same phases of a noisy "
                       "machine; prints the medians (default 1)."),
        QStringLiteral("n"), QStringLiteral("1") });
    parser.process(app);
    const quint64 events = std::max<quint64>(10000, parser.value(QStringLiteral("events")).toULongLong());
    const int fixtures = std::max(1, parser.value(QStringLiteral("fixtures")).toInt());
    const double steadyRate = parser.value(QStringLiteral("steady-rate")).toDouble();
    const qint64 steadySeconds = parser.value(QStringLiteral("steady-seconds")).toLongLong();
    const int repeat = std::max(1, parser.value(QStringLiteral("repeat")).toInt());

    if (parser.isSet(QStringLiteral("pg"))) {
        // Checked first: a database with an earlier run's rows has this bench's source committed
        // up to its last seq, so the capture would resume after it and wait for events that the
        // simulator (which stops at --events) never sends.
        const auto target = StorageTarget::parse(parser.value(QStringLiteral("pg")));
        if (!target) {
            std::fprintf(stderr, "bench_ingest: --pg: %s\n", qPrintable(target.error().message));
            return 2;
        }
        auto storage = Storage::open(*target, QStringLiteral("pg-check"));
        if (!storage) {
            std::fprintf(stderr, "bench_ingest: --pg: %s\n", qPrintable(storage.error().message));
            return 2;
        }
        if (!(*storage)->committedSeqs().empty()) {
            std::fprintf(stderr,
                "bench_ingest: --pg: the database already holds an earlier capture (ingest_state is not empty); "
                "the bench needs an empty one (a fresh start_test_postgres, or drop its tables)\n");
            return 2;
        }
    }

    QTemporaryDir dir;
    std::printf("bench_ingest: SQLite, %llu events, %d fixtures, single-envelope frames\n",
        static_cast<unsigned long long>(events), fixtures);
    std::printf("machine: %s\n", qPrintable(Bench::machine()));

    std::vector<double> pipelineRates;
    std::vector<double> ceilingRates;
    std::vector<double> ratios;
    std::vector<RawRow> rows;
    for (int round = 1; round <= repeat; ++round) {
        if (repeat > 1) {
            std::printf("round %d of %d\n", round, repeat);
        }
        const QString pipelineDb = dir.filePath(QStringLiteral("pipeline-%1.db").arg(round));
        const RunFigures full = pipeline(pipelineDb, events, 0, fixtures, 0);
        const double pipelineRate = double(full.stored) / full.seconds;
        pipelineRates.push_back(pipelineRate);
        std::printf("pipeline (simulator -> client -> writer -> SQLite): %.0f events/s (%llu stored in %.2f s)\n",
            pipelineRate, static_cast<unsigned long long>(full.stored), full.seconds);
        printLatency(full.summary);
        printCpu(full);
        if (round == 1) {
            std::printf("  peak RSS so far: %.1f MiB\n", Bench::peakRssMiB());
        } else {
            std::printf("  peak RSS: measured in round 1 only (the ceiling's in-memory rows raised it since)\n");
        }
        removeDatabase(pipelineDb);
        if (!parser.isSet(QStringLiteral("no-ceiling"))) {
            if (rows.empty()) {
                rows = rawRows(events, fixtures); // after the first pipeline run: not in its peak RSS
            }
            auto loop = [&](int oddsPerStatement) {
                const QString rawDb = dir.filePath(QStringLiteral("raw-%1-%2.db").arg(round).arg(oddsPerStatement));
                const double rate = rawLoop(rawDb, rows, oddsPerStatement);
                removeDatabase(rawDb);
                return rate;
            };
            const double raw = loop(SqliteStorage::kOddsRowsPerStatement);
            const double oneByOne = loop(1);
            std::printf("ceiling (plain sqlite3 loop, same rows, same schema, %d odds per INSERT as the writer): "
                        "%.0f events/s (%.2f us/event)\n",
                SqliteStorage::kOddsRowsPerStatement, raw, raw > 0 ? 1e6 / raw : 0.0);
            std::printf("  the same loop with one row per INSERT: %.0f events/s (%.2f us/event)\n", oneByOne,
                oneByOne > 0 ? 1e6 / oneByOne : 0.0);
            std::printf("ratio pipeline / ceiling: %.2f (%.2f against one row per INSERT)\n",
                raw > 0 ? pipelineRate / raw : 0.0, oneByOne > 0 ? pipelineRate / oneByOne : 0.0);
            ceilingRates.push_back(raw);
            ratios.push_back(raw > 0 ? pipelineRate / raw : 0.0);
        }
    }
    if (repeat > 1) {
        std::printf("median of %d rounds: pipeline %.0f events/s", repeat, median(pipelineRates));
        if (!ratios.empty()) {
            std::printf(", ceiling %.0f events/s, ratio %.2f", median(ceilingRates), median(ratios));
        }
        std::printf("\n");
    }

    if (parser.isSet(QStringLiteral("pg"))) {
        const RunFigures pg = pipeline(parser.value(QStringLiteral("pg")), events, 0, fixtures, 0);
        std::printf("pipeline into PostgreSQL (COPY): %.0f events/s (%llu stored in %.2f s)\n",
            double(pg.stored) / pg.seconds, static_cast<unsigned long long>(pg.stored), pg.seconds);
        printLatency(pg.summary);
        printCpu(pg);
    }
    if (steadySeconds > 0 && steadyRate > 0) {
        const RunFigures steady =
            pipeline(dir.filePath(QStringLiteral("steady.db")), 0, steadyRate, fixtures, steadySeconds * 1000);
        std::printf("steady %.0f events/s for %lld s: %llu stored\n", steadyRate, static_cast<long long>(steadySeconds),
            static_cast<unsigned long long>(steady.stored));
        printLatency(steady.summary);
    }
    std::printf("peak RSS (whole run, includes the ceiling's in-memory rows): %.1f MiB\n", Bench::peakRssMiB());
    return 0;
}

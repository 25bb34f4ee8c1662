// SPDX-License-Identifier: MIT
// bench_export: builds an SQLite odds table of N rows (10,000,000 by default) through the
// storage writer's path, then exports it as CSV with the same code as `oddstap-cli export`,
// printing rows/s and the RSS before, during (sampled) and after the export.
#include "../benchutil.h"

#include <core/common/processinfo.h>
#include <core/export/csvexport.h>
#include <core/storage/storage.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QLoggingCategory>
#include <QTemporaryDir>

#include <cstdio>

using namespace OddsTap;

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    registerMetaTypes();
    QLoggingCategory::setFilterRules(QStringLiteral("oddstap.*.info=false"));
    QCommandLineParser parser;
    parser.addHelpOption();
    parser.addOption({ QStringLiteral("rows"), QStringLiteral("Odds rows (default 10000000)."), QStringLiteral("n"),
        QStringLiteral("10000000") });
    parser.addOption({ QStringLiteral("dir"),
        QStringLiteral("Where the database and CSV go (default: a temporary folder)."), QStringLiteral("path") });
    parser.process(app);
    const quint64 rows = std::max<quint64>(1000, parser.value(QStringLiteral("rows")).toULongLong());
    QTemporaryDir tmp;
    const QString dir = parser.isSet(QStringLiteral("dir")) ? parser.value(QStringLiteral("dir")) : tmp.path();
    const QString db = dir + QStringLiteral("/export-bench.db");
    QFile::remove(db);
    std::printf("bench_export: %llu odds rows, SQLite -> CSV\nmachine: %s\n", static_cast<unsigned long long>(rows),
        qPrintable(Bench::machine()));

    {
        auto storage = Storage::open(*StorageTarget::parse(db), QStringLiteral("bench-fill"));
        if (!storage) {
            std::printf("cannot open %s: %s\n", qPrintable(db), qPrintable(storage.error().message));
            return 1;
        }
        const auto start = std::chrono::steady_clock::now();
        const QString markets[] = { QStringLiteral("1x2"), QStringLiteral("ou_2.5"), QStringLiteral("btts") };
        const QString selections[] = { QStringLiteral("home"), QStringLiteral("draw"), QStringLiteral("away") };
        quint64 seq = 0;
        while (seq < rows) {
            EventBatch batch;
            batch.sourceId = QStringLiteral("bench");
            const quint64 n = std::min<quint64>(50000, rows - seq);
            batch.events.reserve(n);
            for (quint64 i = 0; i < n; ++i) {
                Event e;
                e.type = EventType::Odds;
                e.seq = ++seq;
                e.sourceId = batch.sourceId;
                e.serverTsMs = 1798761600000LL + qint64(seq);
                e.receivedAtMs = e.serverTsMs + 2;
                e.data = OddsData { QStringLiteral("fx-%1").arg(seq % 1000), markets[seq % 3],
                    selections[(seq / 3) % 3], 1.01 + double(seq % 5000) / 100.0, e.serverTsMs, PriceStatus::Open };
                batch.events.push_back(std::move(e));
            }
            batch.streamAdvances = n;
            batch.lastSeq = seq;
            if (auto r = (*storage)->write(batch); !r) {
                std::printf("write failed: %s\n", qPrintable(r.error().message));
                return 1;
            }
        }
        std::printf("table built in %.1f s\n", Bench::secondsSince(start));
    }

    auto storage = Storage::open(*StorageTarget::parse(db), QStringLiteral("bench-export"));
    if (!storage) {
        return 1;
    }
    QFile out(dir + QStringLiteral("/odds.csv"));
    if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
        return 1;
    }
    ExportRequest request;
    request.table = QStringLiteral("odds");
    const double rssBefore = residentMiB();
    double rssMax = rssBefore;
    const auto start = std::chrono::steady_clock::now();
    auto r = exportCsv(**storage, request, out, [&](quint64 n) {
        if (n % (1 << 20) < 8192) {
            rssMax = std::max(rssMax, residentMiB());
        }
        return true;
    });
    out.close();
    const double seconds = Bench::secondsSince(start);
    if (!r) {
        std::printf("export failed: %s\n", qPrintable(r.error().message));
        return 1;
    }
    std::printf("export: %llu rows, %.1f MiB of CSV in %.2f s = %.0f rows/s\n",
        static_cast<unsigned long long>(r->rows), double(r->bytes) / 1048576.0, seconds, double(r->rows) / seconds);
    std::printf(
        "RSS: %.1f MiB before the export, at most %.1f MiB during it (sampled every ~1 M rows), %.1f MiB after\n",
        rssBefore, rssMax, residentMiB());
    QFile::remove(dir + QStringLiteral("/odds.csv"));
    return 0;
}

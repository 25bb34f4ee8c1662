// SPDX-License-Identifier: MIT
#include "modes.h"

#include <core/common/processinfo.h>
#include <core/common/timeutil.h>
#include <core/session/appcontroller.h>
#include <core/storage/sqlitestorage.h>
#include <ui/mainwindow.h>
#include <ui/panels/alertspanel.h>
#include <ui/panels/fixturespanel.h>

#include <QTimer>

#include <cstdio>

namespace OddsTap {

void startBench(MainWindow &window, const AppConfig &config, double seconds, std::function<void(int)> done)
{
    window.lagProbe().trackLateIntervals();
    auto *poll = new QTimer(&window);
    poll->setInterval(1000);
    const qint64 startedMs = wallClockMs();
    auto rssAtOneMinute = std::make_shared<double>(0);
    auto minutesReported = std::make_shared<int>(0);
    // The most events that waited in memory for storage, sampled each second: what the RSS's
    // peaks follow when storage falls behind for a moment.
    auto queuedMax = std::make_shared<quint64>(0);
    auto minuteQueuedMax = std::make_shared<quint64>(0);
    // How far behind the views are: the age of the newest snapshot applied, sampled each second.
    auto minuteSnapshotAgeMax = std::make_shared<qint64>(0);
    const double rate = config.demoRate;
    const int fixtureCount = config.demoFixtures;
    QObject::connect(poll, &QTimer::timeout, &window, [=, &window] {
        const double elapsed = double(wallClockMs() - startedMs) / 1000.0;
        keepALiveFixtureSelected(window);
        *minuteQueuedMax = std::max(*minuteQueuedMax, window.lastMetrics().queuedEvents);
        *queuedMax = std::max(*queuedMax, *minuteQueuedMax);
        if (window.lastMetrics().atMs > 0) {
            *minuteSnapshotAgeMax = std::max(*minuteSnapshotAgeMax, wallClockMs() - window.lastMetrics().atMs);
        }
        if (*rssAtOneMinute == 0 && elapsed >= 60) {
            *rssAtOneMinute = residentMiB();
        }
        if (elapsed >= 60.0 * (*minutesReported + 1)) {
            ++*minutesReported;
            const ResidentParts parts = residentParts();
            const LargeBlocks large = largeHeapBlocks();
            std::printf(
                "  minute %d: RSS %.1f MiB (peak %.1f; anonymous %.1f, files %.1f, shared %.1f), heap in use %.1f MiB "
                "(%zu large blocks %.1f MiB, SQLite page caches %.1f MiB), fixtures held %lld, at most %llu events "
                "waiting for storage, %llu in memory at most so far, views up to %.1f s behind\n",
                *minutesReported, residentMiB(), peakResidentMiB(), parts.anonMiB, parts.fileMiB, parts.shmemMiB,
                heapInUseMiB(), large.count, large.mib,
                double(SqliteStorage::pageCacheBytesInProcess()) / (1024.0 * 1024.0),
                static_cast<long long>(window.findChild<FixturesPanel *>()->model().rowCount()),
                static_cast<unsigned long long>(*minuteQueuedMax),
                static_cast<unsigned long long>(window.lastMetrics().peakEventsInMemory),
                double(*minuteSnapshotAgeMax) / 1000.0);
            *minuteQueuedMax = 0;
            *minuteSnapshotAgeMax = 0;
            std::fflush(stdout);
        }
        if (elapsed < seconds) {
            return;
        }
        poll->stop();
        const LatencyHistogram &lag = window.lagProbe().lag();
        const MetricsSnapshot &m = window.lastMetrics();
        std::printf("oddstap bench: %.0f s, demo feed %.0f events/s over %d fixtures\n", elapsed, rate, fixtureCount);
        std::printf(
            "  GUI event-loop lag (50 ms timer lateness): p50 %.1f ms, p99 %.1f ms, max %.1f ms (%llu samples)\n",
            double(lag.percentileNs(50)) / 1e6, double(lag.percentileNs(99)) / 1e6, double(lag.maxNs()) / 1e6,
            static_cast<unsigned long long>(lag.count()));
        const LagProbe::LateIntervals &late = window.lagProbe().lateIntervals();
        if (late.wallNs > 0) {
            std::printf(
                "  %llu ticks %.0f ms late or more: of their %.1f s, the GUI thread ran %.0f %%, waited for a CPU "
                "%.0f %%, slept or was blocked %.0f %%\n",
                static_cast<unsigned long long>(late.count), double(LagProbe::kLateNs) / 1e6, double(late.wallNs) / 1e9,
                100.0 * double(late.ranNs) / double(late.wallNs),
                100.0 * double(late.waitedForCpuNs) / double(late.wallNs),
                100.0 * double(late.wallNs - late.ranNs - late.waitedForCpuNs) / double(late.wallNs));
        }
        const LatencyHistogram &apply = window.snapshotApplyTimes();
        std::printf("  snapshots applied: %llu, apply p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
            static_cast<unsigned long long>(window.snapshotsApplied()), double(apply.percentileNs(50)) / 1e6,
            double(apply.percentileNs(99)) / 1e6, double(apply.maxNs()) / 1e6);
        std::printf("  capture: %llu received, %llu stored (%.0f events/s average); last rate %.0f events/s\n",
            static_cast<unsigned long long>(m.received), static_cast<unsigned long long>(m.persisted),
            double(m.persisted) / elapsed, m.eventsPerSec);
        if (!config.alertRules.empty()) {
            const LatencyHistogram &a = window.findChild<AlertsPanel *>()->latency();
            std::printf(
                "  alerts (%zu rules): %llu shown; receipt -> Alerts panel p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
                config.alertRules.size(), static_cast<unsigned long long>(a.count()), double(a.percentileNs(50)) / 1e6,
                double(a.percentileNs(99)) / 1e6, double(a.maxNs()) / 1e6);
        }
        std::printf("  RSS: %.1f MiB now, %.1f MiB at 1 min, peak %.1f MiB; at most %llu events waited for storage\n",
            residentMiB(), *rssAtOneMinute, peakResidentMiB(), static_cast<unsigned long long>(*queuedMax));
        std::fflush(stdout);
        done(0);
    });
    poll->start();
}

} // namespace OddsTap

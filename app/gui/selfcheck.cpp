// SPDX-License-Identifier: MIT
#include "modes.h"

#include <core/common/timeutil.h>
#include <ui/charts/oddschart.h>
#include <ui/mainwindow.h>
#include <ui/panels/chartpanel.h>
#include <ui/panels/fixturespanel.h>
#include <ui/panels/marketpanel.h>

#include <QTimer>

#include <cstdio>

namespace OddsTap {

void startSelfCheck(MainWindow &window, std::function<void(int)> done)
{
    auto *poll = new QTimer(&window);
    poll->setInterval(100);
    const qint64 startedMs = wallClockMs();
    auto *fixtures = window.findChild<FixturesPanel *>();
    auto *market = window.findChild<MarketPanel *>();
    auto *chart = window.findChild<ChartPanel *>();
    // Stages a user would see, in order; the first one not reached is the reason for failure.
    auto stage = std::make_shared<QString>(QStringLiteral("fixtures"));
    QObject::connect(poll, &QTimer::timeout, &window, [=, &window] {
        const qint64 elapsed = wallClockMs() - startedMs;
        if (*stage == QLatin1String("fixtures") && fixtures->model().rowCount() > 0) {
            fixtures->selectLive();
            *stage = QStringLiteral("market");
        }
        if (*stage == QLatin1String("market") && market->model().rowCount() > 0) {
            *stage = QStringLiteral("chart");
        }
        if (*stage == QLatin1String("chart") && chart->chart()->drawnPoints() > 1) {
            std::printf("oddstap self-check: ok: %d fixtures, %d prices in the market view, %lld chart points, "
                        "%llu events received, %llu stored, in %.1f s\n",
                fixtures->model().rowCount(), market->model().rowCount(),
                static_cast<long long>(chart->chart()->drawnPoints()),
                static_cast<unsigned long long>(window.lastMetrics().received),
                static_cast<unsigned long long>(window.lastMetrics().persisted), double(elapsed) / 1000.0);
            std::fflush(stdout);
            poll->stop();
            done(0);
            return;
        }
        if (elapsed > 45000) {
            std::printf("oddstap self-check: FAILED: no live data in the %s view after %.0f s (%llu events received)\n",
                qPrintable(*stage), double(elapsed) / 1000.0,
                static_cast<unsigned long long>(window.lastMetrics().received));
            std::fflush(stdout);
            poll->stop();
            done(1);
        }
    });
    poll->start();
}

void keepALiveFixtureSelected(MainWindow &window)
{
    auto *fixtures = window.findChild<FixturesPanel *>();
    if (fixtures->model().rowCount() > 0 && window.findChild<MarketPanel *>()->model().rowCount() == 0) {
        fixtures->selectLive();
    }
}

} // namespace OddsTap

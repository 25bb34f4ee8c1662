// SPDX-License-Identifier: MIT
// bench_gui: what the GUI thread pays per tick. Renders the odds chart from a market with
// 1,000,000 price points (thinned per pixel column) for each time window, and applies
// snapshots of 1,000 changed fixtures to the fixtures model. Offscreen; prints milliseconds.
// The live figures (event-loop lag, RSS over time, capture rate) come from `oddstap --bench`.
#include "../benchutil.h"

#include <core/models/fixturetablemodel.h>
#include <core/models/pricehistory.h>
#include <ui/charts/oddschart.h>

#include <QApplication>
#include <QCommandLineParser>

#include <algorithm>
#include <cstdio>
#include <vector>

using namespace OddsTap;

int main(int argc, char *argv[])
{
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    parser.addOption({ QStringLiteral("points"), QStringLiteral("Price points in the market (default 1000000)."),
        QStringLiteral("n"), QStringLiteral("1000000") });
    parser.process(app);
    const int points = std::max(1000, parser.value(QStringLiteral("points")).toInt());
    std::printf("bench_gui: odds chart over %d price points (3 selections), fixtures model with 1,000 rows\n", points);
    std::printf("machine: %s\n", qPrintable(Bench::machine()));

    // A market's history: three selections, one price change every 10 ms of source time.
    PriceHistory history;
    history.clear(QStringLiteral("bench"), QStringLiteral("fx-1"), QStringLiteral("1x2"));
    std::vector<PricePoint> live;
    live.reserve(std::size_t(points));
    const qint64 t0 = 1798761600000LL;
    const QString names[] = { QStringLiteral("home"), QStringLiteral("draw"), QStringLiteral("away") };
    double prices[] = { 2.0, 3.4, 4.1 };
    quint64 rng = 42;
    for (int i = 0; i < points; ++i) {
        rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
        const int s = int((rng >> 33) % 3);
        prices[s] = std::clamp(prices[s] * (1.0 + (double((rng >> 13) % 2001) - 1000.0) / 100000.0), 1.01, 50.0);
        live.push_back({ QStringLiteral("1x2"), names[s], t0 + qint64(i) * 10, prices[s], PriceStatus::Open });
    }
    history.appendLive(live);

    OddsChartView chart;
    chart.resize(1000, 500);
    chart.show();
    QApplication::processEvents();
    const std::pair<OddsChartView::Window, const char *> windows[] = { { OddsChartView::Window::All, "all" },
        { OddsChartView::Window::OneHour, "1 h" }, { OddsChartView::Window::FiveMinutes, "5 min" } };
    for (const auto &[window, name] : windows) {
        chart.setWindow(window);
        std::vector<double> ms;
        for (int i = 0; i < 20; ++i) {
            const auto start = std::chrono::steady_clock::now();
            chart.render(history);
            chart.grab(); // paint it, as the screen would
            ms.push_back(Bench::secondsSince(start) * 1000.0);
        }
        std::sort(ms.begin(), ms.end());
        std::printf("  chart window %-5s: render + paint median %.1f ms, max %.1f ms, %lld points drawn\n", name,
            ms[ms.size() / 2], ms.back(), static_cast<long long>(chart.drawnPoints()));
    }

    FixtureTableModel fixtures;
    std::vector<FixtureState> all;
    for (int i = 0; i < 1000; ++i) {
        FixtureState f;
        f.sourceId = QStringLiteral("bench");
        f.fixture.fixtureId = QStringLiteral("fx-%1").arg(i);
        f.fixture.home = QStringLiteral("Home %1").arg(i);
        f.fixture.away = QStringLiteral("Away %1").arg(i);
        f.seq = quint64(i + 1);
        all.push_back(f);
    }
    fixtures.apply(all, t0);
    std::vector<double> ms;
    for (int tick = 0; tick < 100; ++tick) {
        for (FixtureState &f : all) {
            f.events += 5;
            f.lastEventAtMs = t0 + tick * 100;
        }
        const auto start = std::chrono::steady_clock::now();
        fixtures.apply(all, t0 + tick * 100);
        ms.push_back(Bench::secondsSince(start) * 1000.0);
    }
    std::sort(ms.begin(), ms.end());
    std::printf("  fixtures model, 1,000 changed rows per tick: apply median %.2f ms, max %.2f ms\n", ms[ms.size() / 2],
        ms.back());
    std::printf("peak RSS: %.1f MiB\n", Bench::peakRssMiB());
    return 0;
}

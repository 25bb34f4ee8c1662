// SPDX-License-Identifier: MIT
// oddstap: the desktop application. Wiring only: options, the controller, the window, and the
// self-check, bench and screenshot modes that packaging, CI and docs use.
#include <core/common/event.h>
#include <core/common/logging.h>
#include <core/common/processinfo.h>
#include <core/common/timeutil.h>
#include <core/common/version.h>
#include <ui/appcontroller.h>
#include <ui/charts/oddschart.h>
#include <ui/dialogs/exportdialog.h>
#include <ui/mainwindow.h>
#include <ui/panels/betspanel.h>
#include <ui/panels/chartpanel.h>
#include <ui/panels/errorlogpanel.h>
#include <ui/panels/fixturespanel.h>
#include <ui/panels/marketpanel.h>
#include <ui/panels/sourcespanel.h>
#include <ui/replaybar.h>

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QFileInfo>
#include <QTableView>
#include <QTimer>

#include <cstdio>
#include <functional>

using namespace OddsTap;

int main(int argc, char *argv[])
{
    // Modes that run without a display pick the offscreen platform themselves.
    for (int i = 1; i < argc; ++i) {
        if (qstrcmp(argv[i], "--self-check") == 0 && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")
            && qEnvironmentVariableIsEmpty("DISPLAY") && qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY")) {
            qputenv("QT_QPA_PLATFORM", "offscreen");
        }
    }
    QApplication::setOrganizationName(QStringLiteral("OddsTap"));
    QApplication::setApplicationName(QStringLiteral("oddstap"));
    QApplication::setApplicationVersion(QLatin1String(kVersion));
    qSetMessagePattern(QStringLiteral("%{time yyyy-MM-ddThh:mm:ss.zzz} [%{threadid}] %{category} %{type}: %{message}"));
    QApplication app(argc, argv);
    registerMetaTypes();

    QCommandLineParser parser;
    parser.setApplicationDescription(QApplication::translate("main", "OddsTap: live sportsbook feed monitor"));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOption({ QStringLiteral("db"),
        QApplication::translate(
            "main", "Store into this SQLite file or postgresql:// URL (default: settings, else %1).")
            .arg(AppConfig::defaultDatabasePath()),
        QStringLiteral("target") });
    parser.addOption({ QStringLiteral("self-check"),
        QApplication::translate("main",
            "Start on the demo feed offscreen, wait until live data shows in the "
            "fixtures, market and chart views, print a verdict and exit (0 = ok).") });
    parser.addOption({ QStringLiteral("bench"),
        QApplication::translate("main",
            "Run the demo feed for this many seconds and print GUI figures "
            "(event-loop lag, RSS, capture rate)."),
        QStringLiteral("seconds") });
    parser.addOption({ QStringLiteral("rate"), QApplication::translate("main", "Demo feed events/s (default 2000)."),
        QStringLiteral("n") });
    parser.addOption({ QStringLiteral("fixtures"), QApplication::translate("main", "Demo feed fixtures (default 200)."),
        QStringLiteral("n") });
    parser.addOption({ QStringLiteral("demo-faults"),
        QApplication::translate("main",
            "Faults the demo simulator injects, as oddstap-cli simulate --faults "
            "(e.g. malformed=0.001,drop_every=20000)."),
        QStringLiteral("spec") });
    parser.addOption({ QStringLiteral("screenshots"),
        QApplication::translate("main",
            "After --screenshot-after seconds, save the window and every panel as PNG "
            "files into this folder and exit."),
        QStringLiteral("dir") });
    parser.addOption({ QStringLiteral("screenshot-after"),
        QApplication::translate("main", "Seconds to run before the screenshots (default 20)."), QStringLiteral("s"),
        QStringLiteral("20") });
    parser.addOption({ QStringLiteral("replay"),
        QApplication::translate("main",
            "Replay this capture file (oddstap-cli capture --record) with a transport bar, "
            "into a temporary database; nothing is saved."),
        QStringLiteral("file") });
    parser.process(app);

    AppConfig config = AppConfig::fromSettings();
    const bool selfCheck = parser.isSet(QStringLiteral("self-check"));
    const bool bench = parser.isSet(QStringLiteral("bench"));
    const bool shots = parser.isSet(QStringLiteral("screenshots"));
    if (selfCheck || bench || shots) {
        config.sources.clear(); // these modes always run on the demo feed (or the replay)
    }
    if (parser.isSet(QStringLiteral("replay"))) {
        config.replayPath = QFileInfo(parser.value(QStringLiteral("replay"))).absoluteFilePath();
        if (!QFileInfo(config.replayPath).isFile()) {
            std::fprintf(stderr, "oddstap: --replay: '%s' is not a file\n", qPrintable(config.replayPath));
            return 2;
        }
        if (selfCheck || bench) {
            std::fprintf(stderr, "oddstap: --replay works with --screenshots, not --self-check or --bench\n");
            return 2;
        }
        config.sources.clear();
    }
    if (parser.isSet(QStringLiteral("db"))) {
        const auto target = StorageTarget::parse(parser.value(QStringLiteral("db")));
        if (!target) {
            std::fprintf(stderr, "oddstap: --db: %s\n", qPrintable(target.error().message));
            return 2;
        }
        config.storage = *target;
    }
    bool ok = true;
    if (parser.isSet(QStringLiteral("rate"))) {
        config.demoRate = parser.value(QStringLiteral("rate")).toDouble(&ok);
        if (!ok || config.demoRate <= 0) {
            std::fprintf(stderr, "oddstap: --rate must be a positive number\n");
            return 2;
        }
    }
    if (parser.isSet(QStringLiteral("fixtures"))) {
        config.demoFixtures = parser.value(QStringLiteral("fixtures")).toInt(&ok);
        if (!ok || config.demoFixtures <= 0) {
            std::fprintf(stderr, "oddstap: --fixtures must be a positive number\n");
            return 2;
        }
    }

    if (parser.isSet(QStringLiteral("demo-faults"))) {
        const auto plan = FaultPlan::parse(parser.value(QStringLiteral("demo-faults")));
        if (!plan) {
            std::fprintf(stderr, "oddstap: --demo-faults: %s\n", qPrintable(plan.error().message));
            return 2;
        }
        config.demoFaults = *plan;
    }
    AppController controller(config);
    MainWindow window(&controller);
    window.show();

    int exitCode = 0;
    const qint64 startedMs = wallClockMs();
    QTimer poll;
    if (selfCheck) {
        // Stages a user would see, in order; the first one not reached is the reason for failure.
        QString stage = QStringLiteral("fixtures");
        poll.setInterval(100);
        QObject::connect(&poll, &QTimer::timeout, &window, [&] {
            const qint64 elapsed = wallClockMs() - startedMs;
            if (stage == QLatin1String("fixtures")
                && window.findChild<OddsTap::FixturesPanel *>()->model().rowCount() > 0) {
                window.findChild<OddsTap::FixturesPanel *>()->selectLive();
                stage = QStringLiteral("market");
            }
            if (stage == QLatin1String("market")
                && window.findChild<OddsTap::MarketPanel *>()->model().rowCount() > 0) {
                stage = QStringLiteral("chart");
            }
            if (stage == QLatin1String("chart")
                && window.findChild<OddsTap::ChartPanel *>()->chart()->drawnPoints() > 1) {
                std::printf("oddstap self-check: ok: %d fixtures, %d prices in the market view, %lld chart points, "
                            "%llu events received, %llu stored, in %.1f s\n",
                    window.findChild<OddsTap::FixturesPanel *>()->model().rowCount(),
                    window.findChild<OddsTap::MarketPanel *>()->model().rowCount(),
                    static_cast<long long>(window.findChild<OddsTap::ChartPanel *>()->chart()->drawnPoints()),
                    static_cast<unsigned long long>(window.lastMetrics().received),
                    static_cast<unsigned long long>(window.lastMetrics().persisted), double(elapsed) / 1000.0);
                std::fflush(stdout);
                poll.stop();
                controller.stop();
                return;
            }
            if (elapsed > 45000) {
                std::printf("oddstap self-check: FAILED: no live data in the %s view after %.0f s (%llu events "
                            "received)\n",
                    qPrintable(stage), double(elapsed) / 1000.0,
                    static_cast<unsigned long long>(window.lastMetrics().received));
                std::fflush(stdout);
                exitCode = 1;
                poll.stop();
                controller.stop();
            }
        });
        poll.start();
    } else if (bench || shots) {
        const double seconds = bench ? parser.value(QStringLiteral("bench")).toDouble()
                                     : parser.value(QStringLiteral("screenshot-after")).toDouble();
        double rssAtOneMinute = 0;
        poll.setInterval(1000);
        QObject::connect(&poll, &QTimer::timeout, &window, [&] {
            const double elapsed = double(wallClockMs() - startedMs) / 1000.0;
            if (window.findChild<OddsTap::FixturesPanel *>()->model().rowCount() > 0
                && window.findChild<OddsTap::MarketPanel *>()->model().rowCount() == 0) {
                window.findChild<OddsTap::FixturesPanel *>()->selectLive();
            }
            if (rssAtOneMinute == 0 && elapsed >= 60) {
                rssAtOneMinute = residentMiB();
            }
            if (elapsed < seconds) {
                return;
            }
            poll.stop();
            if (shots) {
                const QString dir = parser.value(QStringLiteral("screenshots"));
                QDir().mkpath(dir);
                if (window.replayBar()) {
                    window.grab().save(dir + QStringLiteral("/replay-window.png"));
                    window.replayBar()->grab().save(dir + QStringLiteral("/replay-bar.png"));
                    std::printf("oddstap: screenshots of the replay saved in %s\n", qPrintable(dir));
                    std::fflush(stdout);
                    controller.stop();
                    return;
                }
                window.grab().save(dir + QStringLiteral("/main-window.png"));
                for (QDockWidget *d : window.findChildren<QDockWidget *>()) {
                    d->raise();
                }
                QApplication::processEvents();
                for (QDockWidget *d : window.findChildren<QDockWidget *>()) {
                    d->raise();
                    QApplication::processEvents();
                    d->grab().save(dir + QLatin1Char('/') + d->objectName().remove(QStringLiteral("Dock"))
                        + QStringLiteral(".png"));
                }
                window.centralWidget()->grab().save(dir + QStringLiteral("/chart.png"));
                if (std::unique_ptr<ExportDialog> dialog { window.makeExportDialog() }) {
                    dialog->setDestination(QStringLiteral("odds.csv"));
                    dialog->show();
                    QApplication::processEvents();
                    dialog->grab().save(dir + QStringLiteral("/export-dialog.png"));
                }
                std::printf("oddstap: screenshots saved in %s\n", qPrintable(dir));
            } else {
                const LatencyHistogram &lag = window.eventLoopLag();
                const MetricsSnapshot &m = window.lastMetrics();
                std::printf("oddstap bench: %.0f s, demo feed %.0f events/s over %d fixtures\n", elapsed,
                    config.demoRate, config.demoFixtures);
                std::printf("  GUI event-loop lag (50 ms timer lateness): p50 %.1f ms, p99 %.1f ms, max %.1f ms (%llu "
                            "samples)\n",
                    double(lag.percentileNs(50)) / 1e6, double(lag.percentileNs(99)) / 1e6, double(lag.maxNs()) / 1e6,
                    static_cast<unsigned long long>(lag.count()));
                std::printf("  snapshots applied: %llu, slowest apply %.1f ms\n",
                    static_cast<unsigned long long>(window.snapshotsApplied()),
                    double(window.snapshotApplyMaxNs()) / 1e6);
                std::printf("  capture: %llu received, %llu stored (%.0f events/s average); last rate %.0f events/s\n",
                    static_cast<unsigned long long>(m.received), static_cast<unsigned long long>(m.persisted),
                    double(m.persisted) / elapsed, m.eventsPerSec);
                std::printf("  RSS: %.1f MiB now, %.1f MiB at 1 min, peak %.1f MiB\n", residentMiB(), rssAtOneMinute,
                    peakResidentMiB());
            }
            std::fflush(stdout);
            controller.stop();
        });
        poll.start();
    }
    if (selfCheck || bench || shots) {
        QObject::connect(&controller, &AppController::stopped, &app, [&] { QApplication::exit(exitCode); });
    } else {
        // Closing the window stops the sources and lets storage commit what arrived, then quits
        // (at most 15 s: whatever is not committed then is fetched again by resume next time).
        QApplication::setQuitOnLastWindowClosed(false);
        static bool closing = false;
        QObject::connect(&app, &QApplication::lastWindowClosed, &controller, [&] {
            closing = true;
            controller.stop();
            QTimer::singleShot(15000, &app, [] { QApplication::exit(0); });
        });
        QObject::connect(&controller, &AppController::stopped, &app, [] {
            if (closing) {
                QApplication::exit(0);
            }
        });
    }
    controller.start();
    const int rc = QApplication::exec();
    return selfCheck || bench || shots ? exitCode : rc;
}

// SPDX-License-Identifier: MIT
// oddstap: the desktop application. Wiring only: options, the controller and the window; the
// self-check, bench and screenshot modes are in modes.h.
#include "modes.h"

#include <core/alerts/alertwebhook.h>
#include <core/common/event.h>
#include <core/common/logging.h>
#include <core/common/standardstreams.h>
#include <core/common/threadend.h>
#include <core/common/threadpriority.h>
#include <core/common/version.h>
#include <core/metrics/metricsserver.h>
#include <core/session/appcontroller.h>
#include <ui/mainwindow.h>
#include <ui/settings.h>
#include <ui/theme.h>

#include <QApplication>
#include <QCommandLineParser>
#include <QDateTime>
#include <QFileInfo>
#include <QIcon>
#include <QTimer>

#include <csignal>
#include <cstdio>
#ifdef __GLIBC__
#include <malloc.h>
#endif

using namespace OddsTap;

namespace {

/// --from and --speed of a replay into @p config; false (with the reason on stderr) when wrong.
bool replayStartAndSpeed(const QString &from, const QString &speed, AppConfig &config)
{
    if (!from.isEmpty()) {
        bool isNumber = false;
        qint64 ms = from.toLongLong(&isNumber);
        if (!isNumber) {
            const QDateTime t = QDateTime::fromString(from, Qt::ISODateWithMs);
            ms = t.isValid() ? t.toMSecsSinceEpoch() : -1;
        }
        if (ms <= 0) {
            std::fprintf(stderr, "oddstap: --from: '%s' is neither an ISO 8601 time nor epoch ms\n", qPrintable(from));
            return false;
        }
        config.replayFromWallNs = ms * 1000000;
    }
    if (!speed.isEmpty()) {
        bool ok = false;
        config.replaySpeed = speed.toDouble(&ok);
        if (!ok || !(config.replaySpeed >= 0.1 && config.replaySpeed <= 1000)) {
            std::fprintf(stderr, "oddstap: --speed must be a number from 0.1 to 1000, got '%s'\n", qPrintable(speed));
            return false;
        }
    }
    return true;
}

} // namespace

int main(int argc, char *argv[])
{
    OddsTap::openMissingStandardStreams(); // before anything opens a descriptor
    // A peer that closes while we write (Redis through hiredis, which writes with write()) must be
    // an error on that connection, not the end of the process.
    std::signal(SIGPIPE, SIG_IGN);
    OddsTap::keepOpenSslUntilTheEnd(); // see core/common/threadend.h: threads end after main() returns
    // Storage works through its backlog on whatever the GUI thread leaves: painting comes first.
    OddsTap::setBackgroundNice(10);
#ifdef __GLIBC__
    // Blocks of 128 KiB and more (a batch's events) are mapped each for itself and given back to
    // the system when freed. By default glibc raises that threshold as such blocks are freed, and
    // after storage fell behind the desktop kept the memory of the events that had waited
    // (docs/benchmarks.md, "Memory over time"). Mapping costs the pipeline some of its peak rate,
    // which the desktop can spend (its feeds come far below it); oddstap-cli, whose captures run
    // at that rate, keeps glibc's default.
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
    // What runs without a display picks the offscreen platform itself: the self-check, and the
    // options that only print (QApplication aborts when it finds no display).
    const bool noDisplay = qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM") && qEnvironmentVariableIsEmpty("DISPLAY")
        && qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY");
    for (int i = 1; i < argc && noDisplay; ++i) {
        for (const char *headless : { "--self-check", "--help", "-h", "--help-all", "--version", "-v" }) {
            if (qstrcmp(argv[i], headless) == 0) {
                qputenv("QT_QPA_PLATFORM", "offscreen");
            }
        }
    }
    QApplication::setOrganizationName(QStringLiteral("OddsTap"));
    QApplication::setApplicationName(QStringLiteral("oddstap"));
    QApplication::setApplicationVersion(QLatin1String(kVersion));
    qSetMessagePattern(QStringLiteral("%{time yyyy-MM-ddThh:mm:ss.zzz} [%{threadid}] %{category} %{type}: %{message}"));
    QApplication app(argc, argv);
    QApplication::setDesktopFileName(QLatin1String(kDesktopId));
    QIcon icon;
    for (const char *size : { "32x32", "64x64", "256x256" }) {
        icon.addFile(QStringLiteral(":/icons/%1/oddstap.png").arg(QLatin1String(size)));
    }
    QApplication::setWindowIcon(icon);
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
    parser.addOption({ QStringLiteral("metrics"),
        QApplication::translate("main",
            "Serve Prometheus metrics at http://HOST:PORT/metrics (HOST defaults to 127.0.0.1; the error log "
            "shows the URL)."),
        QStringLiteral("[host:]port") });
    parser.addOption({ QStringLiteral("replay"),
        QApplication::translate("main",
            "Replay this capture file (oddstap-cli capture --record), or Betfair stream files (repeat "
            "the option: merged on their publish times), with a transport bar, into a temporary "
            "database; nothing is saved."),
        QStringLiteral("file") });
    parser.addOption({ QStringLiteral("from"),
        QApplication::translate("main",
            "With --replay: start at this time (ISO 8601 UTC or epoch ms); what came before is replayed at once."),
        QStringLiteral("time") });
    parser.addOption({ QStringLiteral("speed"),
        QApplication::translate(
            "main", "With --replay: the pace, from 0.1 to 1000 times the recorded one (default 1)."),
        QStringLiteral("x") });
    parser.addOption({ QStringLiteral("rules"),
        QApplication::translate("main",
            "Alert rules (JSON, docs/alerts.md), run on every event, live and in replays; the Alerts panel "
            "lists what they fire."),
        QStringLiteral("file") });
    parser.addOption({ QStringLiteral("fixture-map"),
        QApplication::translate("main",
            "Which sources' fixtures are one match, for the comparison panel and arbitrage rules (JSON, "
            "docs/comparison.md; default: equal fixture ids)."),
        QStringLiteral("file") });
    parser.addOption({ QStringLiteral("webhook"),
        QApplication::translate("main",
            "With --rules: also POST live alerts as JSON to this http:// or https:// URL (docs/alerts.md). Visible in "
            "ps: a URL with a secret in it goes in --webhook-file."),
        QStringLiteral("url") });
    parser.addOption({ QStringLiteral("webhook-file"),
        QApplication::translate("main", "A file holding the --webhook URL (kept out of ps)."),
        QStringLiteral("file") });
    parser.addOption({ QStringLiteral("latency-alert-ms"),
        QApplication::translate("main",
            "Alert when a source's feed latency (server time to receipt) p99 passes this (default 2000; 0: never)."),
        QStringLiteral("ms") });
    parser.addOption({ QStringLiteral("demo-books"),
        QApplication::translate(
            "main", "Run the demo as N books over the same matches, each with its own margin and noise (default 1)."),
        QStringLiteral("n") });
    parser.addPositionalArgument(QStringLiteral("files"),
        QApplication::translate(
            "main", "Files to replay, as --replay (what a file manager passes when a capture is opened)."),
        QStringLiteral("[file...]"));
    parser.process(app);
    const QStringList replayFiles = parser.values(QStringLiteral("replay")) + parser.positionalArguments();

    Theme::apply(Settings::theme());
    AppConfig config = Settings::appConfig();
    const bool selfCheck = parser.isSet(QStringLiteral("self-check"));
    const bool bench = parser.isSet(QStringLiteral("bench"));
    const bool shots = parser.isSet(QStringLiteral("screenshots"));
    if (selfCheck || bench || shots) {
        config.sources.clear(); // these modes always run on the demo feed (or the replay)
        config.demo = true;
    }
    if (!replayFiles.isEmpty()) {
        for (const QString &value : replayFiles) {
            const QString path = QFileInfo(value).absoluteFilePath();
            if (!QFileInfo(path).isFile()) {
                std::fprintf(stderr, "oddstap: --replay: '%s' is not a file\n", qPrintable(path));
                return 2;
            }
            (config.replayPath.isEmpty() ? config.replayPath : config.replayCompanions.emplaceBack()) = path;
        }
        if (selfCheck || bench) {
            std::fprintf(stderr, "oddstap: --replay works with --screenshots, not --self-check or --bench\n");
            return 2;
        }
        config.sources.clear();
        if (!replayStartAndSpeed(parser.value(QStringLiteral("from")), parser.value(QStringLiteral("speed")), config)) {
            return 2;
        }
    } else if (parser.isSet(QStringLiteral("from")) || parser.isSet(QStringLiteral("speed"))) {
        std::fprintf(stderr, "oddstap: --from and --speed need --replay\n");
        return 2;
    }
    if (parser.isSet(QStringLiteral("rules"))) {
        auto rules = readAlertRules(parser.value(QStringLiteral("rules")));
        if (!rules) {
            std::fprintf(stderr, "oddstap: --rules: %s\n", qPrintable(rules.error().message));
            return 2;
        }
        config.alertRules = std::move(*rules);
        config.alertRulesPath = QFileInfo(parser.value(QStringLiteral("rules"))).absoluteFilePath();
    }
    if (parser.isSet(QStringLiteral("fixture-map"))) {
        auto map = FixtureMap::read(parser.value(QStringLiteral("fixture-map")));
        if (!map) {
            std::fprintf(stderr, "oddstap: --fixture-map: %s\n", qPrintable(map.error().message));
            return 2;
        }
        config.fixtureMap = std::move(*map);
    }
    if (parser.isSet(QStringLiteral("webhook")) || parser.isSet(QStringLiteral("webhook-file"))) {
        if (!parser.isSet(QStringLiteral("rules"))) {
            std::fprintf(stderr, "oddstap: --webhook needs --rules\n");
            return 2;
        }
        auto webhook = AlertWebhook::urlFrom(
            parser.value(QStringLiteral("webhook")), parser.value(QStringLiteral("webhook-file")));
        if (!webhook) {
            std::fprintf(stderr, "oddstap: %s\n", qPrintable(webhook.error().message));
            return 2;
        }
        config.webhook = *webhook;
    }
    if (parser.isSet(QStringLiteral("latency-alert-ms"))) {
        bool valid = false;
        config.latencyAlertMs = parser.value(QStringLiteral("latency-alert-ms")).toLongLong(&valid);
        if (!valid || config.latencyAlertMs < 0) {
            std::fprintf(stderr, "oddstap: --latency-alert-ms must be a number of milliseconds (0: never)\n");
            return 2;
        }
    }
    if (parser.isSet(QStringLiteral("demo-books"))) {
        bool valid = false;
        config.demoBooks = parser.value(QStringLiteral("demo-books")).toInt(&valid);
        if (!valid || config.demoBooks < 1 || config.demoBooks > 10) {
            std::fprintf(stderr, "oddstap: --demo-books must be from 1 to 10\n");
            return 2;
        }
    }
    if (parser.isSet(QStringLiteral("db"))) {
        const auto target = StorageTarget::parse(parser.value(QStringLiteral("db")));
        if (!target) {
            std::fprintf(stderr, "oddstap: --db: %s\n", qPrintable(target.error().message));
            return 2;
        }
        config.storage = *target;
        config.demoDatabase.reset(); // the demo stores where it was told
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
    if (parser.isSet(QStringLiteral("metrics"))) {
        const auto address = parseMetricsAddress(parser.value(QStringLiteral("metrics")));
        if (!address) {
            std::fprintf(stderr, "oddstap: %s\n", qPrintable(address.error().message));
            return 2;
        }
        config.metrics = *address;
    }
    AppController controller(config);
    MainWindow window(&controller);
    window.show();

    int exitCode = 0;
    bool finished = false; ///< the check, bench or screenshots came to their end
    const auto finish = [&exitCode, &finished, &controller](int code) {
        exitCode = code;
        finished = true;
        controller.stop();
    };
    if (selfCheck) {
        startSelfCheck(window, finish);
    } else if (bench) {
        startBench(window, config, parser.value(QStringLiteral("bench")).toDouble(), finish);
    } else if (shots) {
        startScreenshots(window, parser.value(QStringLiteral("screenshots")),
            parser.value(QStringLiteral("screenshot-after")).toDouble(), finish);
    }
    if (selfCheck || bench || shots) {
        // The session may stop before the mode's end (storage that cannot open, a foreign
        // database): that is a failure, never a silent 0.
        QString lastProblem;
        QObject::connect(&controller, &AppController::problem, &app,
            [&lastProblem](const QString &message) { lastProblem = message; });
        QObject::connect(&controller, &AppController::stopped, &app, [&](const QString &reason) {
            if (!finished) {
                const bool saidAlready = lastProblem.isEmpty() || lastProblem.contains(reason);
                std::printf("oddstap %s: FAILED: the session stopped before the end: %s%s%s\n",
                    selfCheck   ? "self-check"
                        : bench ? "bench"
                                : "screenshots",
                    qPrintable(reason), saidAlready ? "" : "; ", saidAlready ? "" : qPrintable(lastProblem));
                std::fflush(stdout);
                exitCode = 1;
            }
            QApplication::exit(exitCode);
        });
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

// SPDX-License-Identifier: MIT
#include "capturecommand.h"

#include "capturesummary.h"
#include "cliutil.h"
#include "signalwatcher.h"
#include "sourcetokens.h"

#include <core/alerts/alertcsv.h>
#include <core/alerts/alertwebhook.h>
#include <core/common/logging.h>
#include <core/common/paths.h>
#include <core/common/timeutil.h>
#include <core/providers/betfair/betfairstreamclient.h>
#include <core/replay/capturefile.h>
#include <core/session/capturesession.h>

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QLoggingCategory>
#include <QTimer>

#include <unistd.h>

namespace OddsTap::Cli {

namespace {

/// Exit codes of `capture` (documented in --help and the README).
enum CaptureExit : int
{
    kCaptureDone = 0, ///< count reached, duration elapsed, or stopped by SIGINT/SIGTERM
    kCaptureAuthFailed = 3, ///< every source ended in an authentication failure
    kCaptureNothing = 4, ///< stopped without ever receiving a frame
    kCaptureUnpersisted = 5, ///< the database stayed unavailable: some events were not committed
    kCaptureRecordFailed = 6, ///< --record could not be written, or a ring save failed (the capture went on)
    kCaptureEventsLost = 7, ///< spooled events could not be read back: lost, and recorded as gaps
    kCaptureFeedHole = 8, ///< the feed never sent some seqs, even after resumes: given up, recorded as gaps
};

QtMessageHandler g_previousHandler = nullptr;

/// While the live status line is drawn, a log line first clears it, so the two never run into
/// each other; the next status tick draws the line again below.
void logAboveStatusLine(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    std::fputs("\r\033[K", stderr);
    if (g_previousHandler) {
        g_previousHandler(type, context, message);
    } else {
        std::fputs(qPrintable(qFormatLogMessage(type, context, message) + QLatin1Char('\n')), stderr);
    }
}

} // namespace

int runCapture(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Connects to one or more feed sources (feed-protocol v1), keeps them alive (backoff, heartbeats,\n"
        "resume), validates every envelope and stores it exactly once (SQLite by default), counting what\n"
        "arrives: accepted by type, rejected by code, duplicates, gaps, reconnects, persisted by table.\n"
        "Each source resumes after the last seq committed in the database (with --publish: confirmed by the\n"
        "broker). The auth token comes from\n"
        "--token-file or ODDSTAP_TOKEN, never argv.\n\n"
        "Exit status: 0 done (count reached, duration elapsed, or SIGINT/SIGTERM); 2 usage, configuration or\n"
        "database error; 3 every source failed authentication; 4 stopped without receiving any frame;\n"
        "5 the database stayed unavailable (or fell behind) and some events were not committed (the next\n"
        "run fetches them); 6 --record: the capture file could not be written to the end, or a ring save\n"
        "(SIGUSR1) failed (the capture itself went on); 7 spooled events could not be read back from disk: lost, and "
        "recorded as gaps; 8 the feed never sent some seqs: resumes kept meeting the same gap (5 times over\n"
        "30 s at least), so they were given up, recorded as gaps, and the stream went on after them."));
    parser.addHelpOption();
    const QList<QCommandLineOption> options {
        { QStringLiteral("url"),
            QStringLiteral("Feed URL, ws:// or wss://, or a live Betfair stream "
                           "betfair://HOST:PORT?marketIds=...&eventTypeIds=... "
                           "(repeatable; docs/providers.md)."),
            QStringLiteral("url") },
        { QStringLiteral("source-id"), QStringLiteral("Source id of the matching --url (default src-1, src-2, ...)."),
            QStringLiteral("id") },
        { QStringLiteral("profile"),
            QStringLiteral("How the matching --url's messages map onto events: reference (default) or mapping:FILE "
                           "(a JSON feed of another shape, docs/providers.md)."),
            QStringLiteral("profile") },
        { QStringLiteral("token-file"),
            QStringLiteral("File holding the Bearer token of the --url it follows (a token goes to its own source "
                           "only). ODDSTAP_TOKEN serves a single --url."),
            QStringLiteral("file") },
        { QStringLiteral("ca-file"), QStringLiteral("Extra CA certificates (PEM) for wss:// and betfair://."),
            QStringLiteral("file") },
        { QStringLiteral("count"),
            QStringLiteral("Stop after N stream envelopes (fixture/odds/bet, accepted or rejected; heartbeats and "
                           "duplicates excluded)."),
            QStringLiteral("n") },
        { QStringLiteral("duration"), QStringLiteral("Stop after this many seconds."), QStringLiteral("s") },
        { QStringLiteral("until-seq"),
            QStringLiteral("Stop once every source has committed (or, with --no-store, holds) this seq."),
            QStringLiteral("seq") },
        { QStringLiteral("from-seq"),
            QStringLiteral("Resume from this seq on the first subscribe (0 = from the start). Default: after the "
                           "last seq committed, or the feed's present for a new source."),
            QStringLiteral("seq") },
        { QStringLiteral("heartbeat-ms"), QStringLiteral("The server's heartbeat interval (default 1000)."),
            QStringLiteral("ms"), QStringLiteral("1000") },
        { QStringLiteral("backoff-initial-ms"), QStringLiteral("First reconnect delay ceiling (default 500)."),
            QStringLiteral("ms"), QStringLiteral("500") },
        { QStringLiteral("backoff-max-ms"), QStringLiteral("Reconnect delay cap (default 30000)."),
            QStringLiteral("ms"), QStringLiteral("30000") },
        { QStringLiteral("db"),
            QStringLiteral("SQLite file or postgresql://user@host:port/db (default: %1).")
                .arg(StorageTarget::defaultSqlitePath()),
            QStringLiteral("path|url") },
        { QStringLiteral("no-store"), QStringLiteral("Do not store: validate and count only.") },
        { QStringLiteral("publish"),
            QStringLiteral("Collector: send validated events and rejects to RabbitMQ for `oddstap-cli consume` writers "
                           "instead of storing them: amqp://user@host:port/vhost (password from "
                           "ODDSTAP_AMQP_PASSWORD, default guest). Committed means confirmed by the broker; each "
                           "source resumes after its last confirmed seq, kept under --publish-state. "
                           "docs/broker.md."),
            QStringLiteral("amqp-url") },
        { QStringLiteral("publish-state"),
            QStringLiteral("With --publish: where the resume points and the spool are kept (default: one directory\n"
                           "per broker under the data directory)."),
            QStringLiteral("dir") },
        { QStringLiteral("spool-dir"),
            QStringLiteral("Where the storage queue spills when the database falls behind (default: beside the "
                           "SQLite file, or under the data directory for PostgreSQL)."),
            QStringLiteral("dir") },
        { QStringLiteral("memory-budget"),
            QStringLiteral("Events the storage queue keeps in memory before spilling to disk (default 50000)."),
            QStringLiteral("events") },
        { QStringLiteral("summary-json"), QStringLiteral("Write the summary as JSON to this file."),
            QStringLiteral("file") },
        { QStringLiteral("summary"),
            QStringLiteral("What the end of the run prints on standard output: 'text' (a few lines), 'json' (every "
                           "count) or 'none'. Default: text on a terminal, json otherwise."),
            QStringLiteral("text|json|none") },
        { QStringLiteral("quiet"),
            QStringLiteral("No live status line, no info log lines, and no summary on standard output (--summary "
                           "and --summary-json still apply).") },
        { QStringLiteral("record"),
            QStringLiteral("Also record every raw frame and connection event into this new capture file (see "
                           "'oddstap-cli info' and 'replay')."),
            QStringLiteral("file") },
        { QStringLiteral("ring"),
            QStringLiteral("Keep the last N minutes of raw frames in memory; kill -USR1 saves them into a new capture\n"
                           "file in --ring-dir (after an incident), and capture goes on."),
            QStringLiteral("minutes") },
        { QStringLiteral("ring-dir"), QStringLiteral("Where --ring saves (default: the current directory)."),
            QStringLiteral("dir") },
        { QStringLiteral("notes"), QStringLiteral("Free-text notes stored in the capture file's metadata."),
            QStringLiteral("text") },
        { QStringLiteral("rules"),
            QStringLiteral("Alert rules (JSON, docs/alerts.md), evaluated on every event as it arrives."),
            QStringLiteral("file") },
        { QStringLiteral("fixture-map"),
            QStringLiteral("Which sources' fixtures are one match, for arbitrage rules (JSON, docs/comparison.md;\n"
                           "default: equal fixture ids)."),
            QStringLiteral("file") },
        { QStringLiteral("webhook"),
            QStringLiteral(
                "With --rules: also POST the alerts as JSON ({\"alerts\": [...]}) to this http:// or https://\n"
                "URL, for a chat or a bot (docs/alerts.md). Visible in ps: a URL with a secret in it goes in\n"
                "--webhook-file."),
            QStringLiteral("url") },
        { QStringLiteral("webhook-file"), QStringLiteral("A file holding the --webhook URL (kept out of ps)."),
            QStringLiteral("file") },
        { QStringLiteral("alerts"),
            QStringLiteral("With --rules: write the alerts to this CSV file as they fire (default: one line each on\n"
                           "standard error). 'oddstap-cli backtest' lists the same from a recording."),
            QStringLiteral("file") },
        { QStringLiteral("metrics"),
            QStringLiteral("Serve Prometheus metrics at http://HOST:PORT/metrics (HOST defaults to 127.0.0.1; PORT 0\n"
                           "picks a free one). Prints 'metrics on URL' once listening. Names: docs/metrics.md."),
            QStringLiteral("[host:]port") },
        { QStringLiteral("redis"),
            QStringLiteral("Keep the live state (fixtures, every selection's latest price) in this Redis as well,\n"
                           "with a change channel: redis://host[:port][/db] (a password from ODDSTAP_REDIS_PASSWORD).\n"
                           "Layout: docs/redis-cache.md."),
            QStringLiteral("url") },
    };
    parser.addOptions(options);
    int exitCode = kExitOk;
    if (!parseOrExplain(parser, arguments, exitCode)) {
        return exitCode;
    }
    auto usage = [](const QString &message) {
        err() << "oddstap-cli capture: " << message << "\nTry 'oddstap-cli capture --help'.\n";
        return int(kExitUsage);
    };
    if (!parser.positionalArguments().isEmpty()) {
        return usage(QStringLiteral("unexpected argument '%1'").arg(parser.positionalArguments().first()));
    }
    const QStringList urls = parser.values(QStringLiteral("url"));
    const QStringList ids = parser.values(QStringLiteral("source-id"));
    if (urls.isEmpty()) {
        return usage(QStringLiteral("at least one --url is required"));
    }
    if (ids.size() > urls.size()) {
        return usage(QStringLiteral("%1 --source-id given for %2 --url").arg(ids.size()).arg(urls.size()));
    }
    const QStringList profileNames = parser.values(QStringLiteral("profile"));
    if (profileNames.size() > urls.size()) {
        return usage(QStringLiteral("%1 --profile given for %2 --url").arg(profileNames.size()).arg(urls.size()));
    }
    std::vector<FeedProfile> profiles;
    for (const QString &name : profileNames) {
        auto profile = parseFeedProfile(name);
        if (!profile) {
            return usage(QStringLiteral("--profile: ") + profile.error().message);
        }
        if (profile->kind == ProfileKind::Betfair) {
            return usage(QStringLiteral("--profile betfair: a betfair:// URL is a Betfair stream by itself; "
                                        "'oddstap-cli import' reads Betfair files"));
        }
        profiles.push_back(*profile);
    }
    QStringList valueOptions; ///< the options that take the next argument as their value
    for (const QCommandLineOption &option : options) {
        if (!option.valueName().isEmpty()) {
            valueOptions += option.names();
        }
    }
    const auto tokens = sourceTokens(arguments, valueOptions, urls.size(), parser.values(QStringLiteral("token-file")));
    if (!tokens) {
        return usage(tokens.error().message);
    }
    qint64 heartbeat = 1000;
    qint64 backoffInitial = 500;
    qint64 backoffMax = 30000;
    if (!positiveOption(parser, QStringLiteral("heartbeat-ms"), heartbeat)
        || !positiveOption(parser, QStringLiteral("backoff-initial-ms"), backoffInitial)
        || !positiveOption(parser, QStringLiteral("backoff-max-ms"), backoffMax)) {
        return kExitUsage;
    }
    CaptureConfig config;
    for (qsizetype i = 0; i < urls.size(); ++i) {
        FeedSourceConfig source;
        source.sourceId = i < ids.size() ? ids.at(i) : QStringLiteral("src-%1").arg(i + 1);
        source.url = QUrl(urls.at(i), QUrl::StrictMode);
        source.profile = std::size_t(i) < profiles.size() ? profiles[std::size_t(i)] : FeedProfile {};
        source.token = (*tokens)[std::size_t(i)];
        source.appKey = qgetenv("ODDSTAP_BETFAIR_APP_KEY").trimmed();
        source.caFile = parser.value(QStringLiteral("ca-file"));
        source.heartbeatMs = int(heartbeat);
        source.backoffInitialMs = int(std::min<qint64>(backoffInitial, 3600000));
        source.backoffMaxMs = int(std::clamp<qint64>(backoffMax, source.backoffInitialMs, 3600000));
        if (parser.isSet(QStringLiteral("from-seq"))) {
            bool ok = false;
            source.resumeFromSeq = parser.value(QStringLiteral("from-seq")).toULongLong(&ok);
            if (!ok) {
                return usage(QStringLiteral("--from-seq must be an unsigned integer"));
            }
        }
        const QString problem = validateSourceConfig(source);
        if (!problem.isEmpty()) {
            return usage(problem);
        }
        if (source.url.scheme() == QLatin1String("amqp")) {
            return usage(QStringLiteral("--url takes a feed (ws:// or wss://); to store what collectors publish to "
                                        "a broker, run `oddstap-cli consume`"));
        }
        for (const FeedSourceConfig &other : config.sources) {
            if (other.sourceId == source.sourceId) {
                return usage(QStringLiteral("source id '%1' is used twice").arg(source.sourceId));
            }
        }
        config.sources.push_back(source);
    }
    qint64 count = 0;
    qint64 duration = 0;
    qint64 untilSeq = 0;
    if (!positiveOption(parser, QStringLiteral("count"), count)
        || !positiveOption(parser, QStringLiteral("duration"), duration)
        || !positiveOption(parser, QStringLiteral("until-seq"), untilSeq)) {
        return kExitUsage;
    }
    config.count = quint64(count);
    config.untilSeq = quint64(untilSeq);
    config.durationMs = duration * 1000;
    const int destinations = int(parser.isSet(QStringLiteral("no-store"))) + int(parser.isSet(QStringLiteral("db")))
        + int(parser.isSet(QStringLiteral("publish")));
    if (destinations > 1) {
        return usage(QStringLiteral("--db, --publish and --no-store contradict each other: choose one"));
    }
    if (parser.isSet(QStringLiteral("publish-state")) && !parser.isSet(QStringLiteral("publish"))) {
        return usage(QStringLiteral("--publish-state needs --publish"));
    }
    if (!parser.isSet(QStringLiteral("no-store"))) {
        auto target = parser.isSet(QStringLiteral("publish"))
            ? StorageTarget::broker(
                parser.value(QStringLiteral("publish")), parser.value(QStringLiteral("publish-state")))
            : StorageTarget::parse(parser.isSet(QStringLiteral("db")) ? parser.value(QStringLiteral("db"))
                                                                      : StorageTarget::defaultSqlitePath());
        if (!target) {
            return usage(target.error().message);
        }
        config.storage = *target;
        config.spool.directory = parser.isSet(QStringLiteral("spool-dir")) ? parser.value(QStringLiteral("spool-dir"))
                                                                           : target->defaultSpoolDirectory();
        qint64 budget = qint64(config.spool.memoryBudgetEvents);
        if (!positiveOption(parser, QStringLiteral("memory-budget"), budget)) {
            return kExitUsage;
        }
        config.spool.memoryBudgetEvents = std::size_t(budget);
    }

    SessionReport report;
    report.command = QStringLiteral("capture");
    if (parser.isSet(QStringLiteral("record")) || parser.isSet(QStringLiteral("ring"))) {
        if (const QString refusal = CaptureSession::recordingRefusal(config.sources, {}); !refusal.isEmpty()) {
            return usage(QStringLiteral("--record and --ring: ") + refusal);
        }
    }
    if (parser.isSet(QStringLiteral("record"))) {
        config.recordPath = parser.value(QStringLiteral("record"));
        if (const QString refused = CaptureWriter::refusedName(config.recordPath); !refused.isEmpty()) {
            return usage(refused);
        }
        // The rule of every output path, checked before anything is captured: a recording whose
        // directory cannot be made failed only once the capture had run its course.
        if (const QString why = makeParentDirectory(config.recordPath); !why.isEmpty()) {
            return usage(QStringLiteral("--record: ") + why);
        }
        config.recordNotes = parser.value(QStringLiteral("notes"));
    } else if (parser.isSet(QStringLiteral("notes")) && !parser.isSet(QStringLiteral("ring"))) {
        return usage(QStringLiteral("--notes needs --record or --ring"));
    }
    if (parser.isSet(QStringLiteral("ring"))) {
        bool ok = false;
        const double minutes = parser.value(QStringLiteral("ring")).toDouble(&ok);
        if (!ok || !(minutes > 0 && minutes <= 24 * 60)) {
            return usage(QStringLiteral("--ring needs minutes from 0 to 1440, got '%1'")
                             .arg(parser.value(QStringLiteral("ring"))));
        }
        config.ringKeepMs = qint64(minutes * 60000.0);
        config.recordNotes = parser.value(QStringLiteral("notes"));
        const QString dir =
            parser.isSet(QStringLiteral("ring-dir")) ? parser.value(QStringLiteral("ring-dir")) : QDir::currentPath();
        // The rule of every output path (--db, --record, --ring-dir): missing directories are made.
        if (const QString why = makeDirectory(dir); !why.isEmpty()) {
            return usage(QStringLiteral("--ring-dir: %1").arg(why));
        }
        if (!QFileInfo(dir).isWritable()) {
            return usage(QStringLiteral("--ring-dir '%1' is not writable").arg(dir));
        }
        report.ringDir = dir;
    } else if (parser.isSet(QStringLiteral("ring-dir"))) {
        return usage(QStringLiteral("--ring-dir needs --ring"));
    }

    if (parser.isSet(QStringLiteral("rules"))) {
        auto rules = readAlertRules(parser.value(QStringLiteral("rules")));
        if (!rules) {
            return usage(QStringLiteral("--rules: ") + rules.error().message);
        }
        config.alertRules = std::move(*rules);
    } else if (parser.isSet(QStringLiteral("alerts"))) {
        return usage(QStringLiteral("--alerts needs --rules"));
    }
    if (parser.isSet(QStringLiteral("fixture-map"))) {
        auto map = FixtureMap::read(parser.value(QStringLiteral("fixture-map")));
        if (!map) {
            return usage(QStringLiteral("--fixture-map: ") + map.error().message);
        }
        config.fixtureMap = std::move(*map);
    }
    report.alertsPath = parser.value(QStringLiteral("alerts"));
    if (parser.isSet(QStringLiteral("webhook")) || parser.isSet(QStringLiteral("webhook-file"))) {
        if (!parser.isSet(QStringLiteral("rules"))) {
            return usage(QStringLiteral("--webhook needs --rules"));
        }
        auto webhook = AlertWebhook::urlFrom(
            parser.value(QStringLiteral("webhook")), parser.value(QStringLiteral("webhook-file")));
        if (!webhook) {
            return usage(webhook.error().message);
        }
        report.webhook = *webhook;
    }

    if (parser.isSet(QStringLiteral("metrics"))) {
        auto address = parseMetricsAddress(parser.value(QStringLiteral("metrics")));
        if (!address) {
            return usage(address.error().message);
        }
        config.metrics = *address;
    }

    if (parser.isSet(QStringLiteral("redis"))) {
        auto redis = RedisTarget::parse(parser.value(QStringLiteral("redis")));
        if (!redis) {
            return usage(redis.error().message);
        }
        config.redis = *redis;
    }

    report.quiet = parser.isSet(QStringLiteral("quiet"));
    report.summaryFormat = parser.value(QStringLiteral("summary"));
    if (parser.isSet(QStringLiteral("summary"))
        && !QStringList { QStringLiteral("text"), QStringLiteral("json"), QStringLiteral("none") }.contains(
            report.summaryFormat)) {
        return usage(QStringLiteral("--summary is text, json or none, got '%1'").arg(report.summaryFormat));
    }
    report.summaryJson = parser.value(QStringLiteral("summary-json"));
    if (!report.summaryJson.isEmpty() && !isStreamTarget(report.summaryJson)) {
        // Found at the end, a summary that cannot be written is the run's summary lost.
        if (const QString why = makeParentDirectory(report.summaryJson); !why.isEmpty()) {
            return usage(QStringLiteral("--summary-json: ") + why);
        }
    }
    return runSession(config, report);
}

int runSession(const CaptureConfig &config, const SessionReport &report)
{
    QString summaryFormat = report.summaryFormat;
    if (summaryFormat.isEmpty()) {
        summaryFormat = report.quiet  ? QStringLiteral("none")
            : ::isatty(STDOUT_FILENO) ? QStringLiteral("text")
                                      : QStringLiteral("json");
    }
    if (report.quiet) {
        // Warnings and errors still print: they are what a quiet run is for.
        QLoggingCategory::setFilterRules(QStringLiteral("oddstap.*.info=false\noddstap.*.debug=false"));
    }
    const QString prefix = QStringLiteral("oddstap-cli ") + report.command + QStringLiteral(": ");
    QFile alertsFile;
    if (!report.alertsPath.isEmpty()) {
        alertsFile.setFileName(report.alertsPath);
        if (!alertsFile.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
            err() << prefix << "--alerts: cannot write '" << alertsFile.fileName() << "': " << alertsFile.errorString()
                  << "\n";
            return kExitUsage;
        }
        alertsFile.write(alertCsvHeader());
        alertsFile.flush();
    }
    CaptureSession session(config);
    std::unique_ptr<AlertWebhook> webhook;
    if (!report.webhook.isEmpty()) {
        webhook = std::make_unique<AlertWebhook>(report.webhook);
        QObject::connect(&session, &CaptureSession::alertsRaised, webhook.get(), &AlertWebhook::post);
        QObject::connect(webhook.get(), &AlertWebhook::problem, webhook.get(),
            [](const QString &message) { qCWarning(lcSession).noquote() << message; });
    }
    // Each alert as it fires: a CSV line in --alerts (flushed, for whoever tails it), else a line on
    // standard error.
    QObject::connect(
        &session, &CaptureSession::alertsRaised, &session, [&alertsFile](const std::vector<Alert> &alerts) {
            for (const Alert &a : alerts) {
                if (alertsFile.isOpen()) {
                    alertsFile.write(alertCsvLine(a));
                } else {
                    err() << "alert: " << alertCsvLine(a);
                }
            }
            if (alertsFile.isOpen()) {
                alertsFile.flush();
            } else {
                err().flush();
            }
        });
    SignalWatcher watcher;
    QJsonArray ringSaves; // each save asked for with SIGUSR1, as it ended
    QObject::connect(&watcher, &SignalWatcher::terminationRequested, &session,
        [&session](int sig) { session.stop(QStringLiteral("signal %1").arg(sig)); });
    if (!report.ringDir.isEmpty()) {
        // kill -USR1 <pid>: save what the ring holds, after an incident, without stopping.
        QObject::connect(&watcher, &SignalWatcher::userRequested, &session,
            [&session, &report, &config, lastStamp = QString(), sameSecond = 0]() mutable {
                // Named by the second; a second save within it gets "-2" and so on (the file is
                // made later, on the recorder's thread, so the name cannot wait to be checked).
                const QString stamp = QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMdd-HHmmss"));
                sameSecond = stamp == lastStamp ? sameSecond + 1 : 1;
                lastStamp = stamp;
                const QString name = sameSecond == 1 ? QStringLiteral("ring-%1.odtc").arg(stamp)
                                                     : QStringLiteral("ring-%1-%2.odtc").arg(stamp).arg(sameSecond);
                session.saveRing(QDir(report.ringDir).filePath(name), config.recordNotes);
            });
        QObject::connect(&session, &CaptureSession::ringSaved, &session,
            [prefix, &ringSaves](const QString &path, quint64 frames, const QString &error) {
                QJsonObject save { { QStringLiteral("file"), path }, { QStringLiteral("frames"), qint64(frames) } };
                if (!error.isEmpty()) {
                    save.insert(QStringLiteral("error"), error);
                }
                ringSaves.append(save);
                if (error.isEmpty()) {
                    err() << prefix << "saved the ring: " << frames << " frames into " << path << "\n";
                } else {
                    err() << prefix << "could not save the ring into " << path << ": " << error << "\n";
                }
                err().flush();
            });
    }

    // Live status: one line, redrawn in place, only on a terminal.
    const bool live = !report.quiet && ::isatty(STDERR_FILENO) == 1;
    QTimer statusTimer;
    QElapsedTimer clock;
    clock.start();
    quint64 lastAccepted = 0;
    qint64 lastMs = 0;
    double rate = 0;
    QObject::connect(&statusTimer, &QTimer::timeout, &session, [&] {
        const quint64 accepted = session.stats().total().acceptedTotal();
        const qint64 now = clock.elapsed();
        rate = double(accepted - lastAccepted) * 1000.0 / double(std::max<qint64>(1, now - lastMs));
        lastAccepted = accepted;
        lastMs = now;
        err() << "\r\033[K" << captureStatusLine(session.stats(), rate);
        err().flush();
    });
    if (live) {
        statusTimer.start(250);
        g_previousHandler = qInstallMessageHandler(logAboveStatusLine);
    }
    QObject::connect(&session, &CaptureSession::finished, &session, [] { QCoreApplication::quit(); });
    QString recordPath;
    quint64 recordedFrames = 0;
    QString recordError;
    QObject::connect(&session, &CaptureSession::recordingFinished, &session,
        [&](const QString &path, quint64 frames, const QString &error) {
            recordPath = path;
            recordedFrames = frames;
            recordError = error;
        });
    session.start();
    if (const QString url = session.metricsUrl(); !url.isEmpty()) {
        err() << "metrics on " << url << "\n";
        err().flush();
    }
    QCoreApplication::exec();
    statusTimer.stop();
    if (webhook && !webhook->waitIdle(AlertWebhook::kTimeoutMs)) {
        qCWarning(lcSession).noquote() << "webhook" << webhook->displayUrl()
                                       << "did not take the last alerts in time: they were not sent";
    }
    if (live) {
        qInstallMessageHandler(g_previousHandler);
        err() << "\r\033[K";
    }

    if (session.failed()) {
        err() << prefix << session.stopReason() << "\n";
        return kExitUsage;
    }
    const CaptureStats &stats = session.stats();
    QJsonObject summary = stats.toJson();
    summary.insert(QStringLiteral("stop_reason"), session.stopReason());
    if (webhook) {
        summary.insert(QStringLiteral("webhook"),
            QJsonObject { { QStringLiteral("url"), webhook->displayUrl() },
                { QStringLiteral("sent"), qint64(webhook->sent()) },
                { QStringLiteral("failed"), qint64(webhook->failed()) },
                { QStringLiteral("dropped"), qint64(webhook->dropped()) } });
    }
    summary.insert(QStringLiteral("duration_ms"), clock.elapsed());
    summary.insert(QStringLiteral("live_state"),
        QJsonObject { { QStringLiteral("fixtures"), session.liveState().fixtureCount() },
            { QStringLiteral("prices"), session.liveState().priceCount() } });
    if (config.storage) {
        summary.insert(QStringLiteral("database"), config.storage->display());
    }
    if (!config.recordPath.isEmpty()) {
        QJsonObject rec { { QStringLiteral("file"), recordPath.isEmpty() ? config.recordPath : recordPath },
            { QStringLiteral("frames"), qint64(recordedFrames) } };
        if (!recordError.isEmpty()) {
            rec.insert(QStringLiteral("error"), recordError);
        }
        summary.insert(QStringLiteral("recording"), rec);
    }
    if (!report.ringDir.isEmpty()) {
        summary.insert(QStringLiteral("ring_saves"), ringSaves);
    }
    if (config.replay) {
        summary.insert(QStringLiteral("replay"), QJsonObject { { QStringLiteral("file"), config.replay->path } });
    }
    const QByteArray json = QJsonDocument(summary).toJson(QJsonDocument::Indented);
    if (!report.summaryJson.isEmpty()) {
        if (const QString why = writeWholeFile(report.summaryJson, json); !why.isEmpty()) {
            err() << prefix << "summary: " << why << "\n";
            return kExitUsage;
        }
    }
    if (summaryFormat == QLatin1String("json")) {
        out() << json;
    } else if (summaryFormat == QLatin1String("text")) {
        out() << humanCaptureSummary(summary);
    }
    out().flush();
    bool allAuthFailed = !stats.sources.empty();
    for (const auto &[id, s] : stats.sources) {
        allAuthFailed = allAuthFailed && s.authFailures > 0 && s.frames == 0;
    }
    if (allAuthFailed) {
        const bool tokenGiven = std::any_of(
            config.sources.begin(), config.sources.end(), [](const FeedSourceConfig &s) { return !s.token.isEmpty(); });
        err() << prefix
              << (tokenGiven ? "authentication failed: the server rejected the token (HTTP 401)\n"
                             : "authentication failed: the server asks for a token (HTTP 401) and none was given (a "
                               "--token-file after the --url, or ODDSTAP_TOKEN)\n");
        return kCaptureAuthFailed;
    }
    if (!stats.storageFatal.isEmpty()) {
        err() << prefix << stats.storageFatal << "\n";
        return kExitUsage;
    }
    if (stats.lostEvents > 0) {
        err() << prefix << stats.lostEvents << " events in " << stats.lostBatches
              << " spooled batches could not be read back from the spool's disk: they are lost and recorded in "
                 "the gaps table (connection 0). Check the disk of the spool directory.\n";
        return kCaptureEventsLost;
    }
    if (stats.drainTimedOut && stats.queuedAtEnd == 0 && stats.total().rejectedTotal() == stats.persisted.rejects) {
        // The last transaction ended after the wait gave up: nothing is left to fetch again.
        err() << prefix << "storage caught up after the wait for it ended: every event was committed\n";
    } else if (stats.drainTimedOut) {
        if (stats.storageDownAtEnd) {
            const bool broker = config.storage && config.storage->kind == StorageTarget::Kind::Broker;
            err() << prefix
                  << (broker ? "the broker stayed unavailable (or kept publishers blocked); "
                             : "the database stayed unavailable; ")
                  << stats.queuedAtEnd << " uncommitted events will be fetched again on the next start\n";
        } else {
            err() << prefix << "storage did not catch up in time (the database was available but behind); "
                  << stats.queuedAtEnd << " uncommitted events will be fetched again on the next start\n";
        }
        return kCaptureUnpersisted;
    }
    if (stats.total().frames == 0 && session.reachedUntilSeq()) {
        err() << prefix << "the database holds seq " << config.untilSeq
              << " of every source already: nothing to capture\n";
        return kCaptureDone;
    }
    if (stats.total().frames == 0) {
        const CaptureStats::Source total = stats.total();
        QStringList problems;
        for (const auto &[id, s] : stats.sources) {
            if (!s.lastProblem.isEmpty()) {
                problems << (stats.sources.size() > 1 ? id + QStringLiteral(": ") : QString()) + s.lastProblem;
            }
        }
        err() << prefix << "no frame received"
              << (problems.isEmpty() ? QString() : QStringLiteral(": ") + problems.join(QStringLiteral("; ")))
              << " (after " << total.connections << (total.connections == 1 ? " attempt" : " attempts") << "; "
              << captureStatusLine(stats, 0) << ")\n";
        return kCaptureNothing;
    }
    if (const quint64 never = stats.total().seqsGivenUp; never > 0) {
        QStringList where;
        for (const auto &[id, s] : stats.sources) {
            for (const auto &[first, end] : s.givenUpRanges) {
                where << (first + 1 == end ? QStringLiteral("%1 seq %2").arg(id).arg(first)
                                           : QStringLiteral("%1 seqs %2 to %3").arg(id).arg(first).arg(end - 1));
            }
        }
        err() << prefix << never << " seqs never came from the feed (" << where.join(QStringLiteral(", "))
              << "): resumes from before them kept meeting the same gap, so the server no longer has them. They "
                 "were given up and the stream went on after them; the gaps table records them (given up). Ask the "
                 "provider for that range.\n";
        return kCaptureFeedHole;
    }
    if (!config.recordPath.isEmpty() && (!recordError.isEmpty() || recordPath.isEmpty())) {
        err() << prefix
              << "the recording failed: " << (recordError.isEmpty() ? QStringLiteral("not finished") : recordError)
              << "\n";
        return kCaptureRecordFailed;
    }
    // A save asked for and not made is an incident's recording missing: the exit says so, whatever
    // the capture did.
    int failedSaves = 0;
    for (const QJsonValue &save : ringSaves) {
        if (save.toObject().contains(QStringLiteral("error"))) {
            ++failedSaves;
        }
    }
    if (failedSaves > 0) {
        err() << prefix << failedSaves << " of " << ringSaves.size()
              << " ring saves failed (each is named above, with why; the summary's ring_saves lists them)\n";
        return kCaptureRecordFailed;
    }
    return kCaptureDone;
}

} // namespace OddsTap::Cli

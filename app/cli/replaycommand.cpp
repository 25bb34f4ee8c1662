// SPDX-License-Identifier: MIT
#include "replaycommand.h"

#include "capturecommand.h"
#include "cliutil.h"
#include "signalwatcher.h"

#include <core/common/paths.h>
#include <core/common/timeutil.h>
#include <core/providers/betfair/betfairstreamserver.h>
#include <core/replay/capturefile.h>
#include <core/replay/capturereport.h>
#include <core/replay/dbdiff.h>
#include <core/replay/framesio.h>
#include <core/replay/recordreader.h>
#include <core/replay/replaystream.h>
#include <core/session/capturesession.h>
#include <core/sim/simserver.h>

#include <QCoreApplication>
#include <QFile>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QRegularExpression>
#include <QSaveFile>
#include <QTimer>

namespace OddsTap::Cli {

namespace {

int usageError(const QString &command, const QString &message)
{
    err() << "oddstap-cli " << command << ": " << message << "\nTry 'oddstap-cli " << command << " --help'.\n";
    err().flush();
    return kExitUsage;
}

int runtimeError(const QString &command, const QString &message)
{
    err() << "oddstap-cli " << command << ": " << message << "\n";
    err().flush();
    return kExitUsage;
}

/// A point in a capture: ISO 8601 UTC, epoch ms, or an offset from its first frame ("+90s", "+5m",
/// "+1500ms", "+1h"). Returns wall ns.
std::optional<qint64> parsePoint(const QString &text, const CaptureInfo &info, QString &why)
{
    static const QRegularExpression offset(QStringLiteral("^\\+(\\d+(?:\\.\\d+)?)(ms|s|m|h)$"));
    if (const auto m = offset.match(text); m.hasMatch()) {
        const double v = m.captured(1).toDouble();
        const QString unit = m.captured(2);
        const double ms = unit == QLatin1String("ms") ? v
            : unit == QLatin1String("s")              ? v * 1e3
            : unit == QLatin1String("m")              ? v * 60e3
                                                      : v * 3600e3;
        return info.firstWallNs + qint64(ms * 1e6);
    }
    bool ok = false;
    const qint64 ms = text.toLongLong(&ok);
    if (ok && ms > 0) {
        return ms * 1000000;
    }
    if (const auto iso = parseIso8601Utc(text.toStdString())) {
        return *iso * 1000000;
    }
    why = QStringLiteral("'%1' is not a time: use ISO 8601 UTC (2026-11-25T15:04:05Z), epoch ms, or an offset "
                         "from the first frame (+90s, +5m, +1500ms)")
              .arg(text);
    return std::nullopt;
}

/// --host and --serve PORT; false (the reason printed) when the port is not one.
bool serveAddress(const QCommandLineParser &parser, QString &host, quint16 &port)
{
    host = parser.isSet(QStringLiteral("host")) ? parser.value(QStringLiteral("host")) : QStringLiteral("127.0.0.1");
    bool ok = false;
    const int value = parser.value(QStringLiteral("serve")).toInt(&ok);
    if (!ok || value < 0 || value > 65535) {
        usageError(QStringLiteral("replay"),
            QStringLiteral("--serve needs a port from 0 to 65535, got '%1'")
                .arg(parser.value(QStringLiteral("serve"))));
        return false;
    }
    port = quint16(value);
    return true;
}

/// Betfair files served as the Exchange Stream serves them (TLS, CRLF lines), for a client under test.
int runServeBetfair(const QCommandLineParser &parser, const ReplayConfig &replay)
{
    const QString command = QStringLiteral("replay");
    if (replay.toWallNs > 0) {
        return usageError(command, QStringLiteral("--to does not apply to --serve yet"));
    }
    for (const char *referenceOnly : { "loop", "faults", "source", "heartbeat-ms" }) {
        if (parser.isSet(QLatin1String(referenceOnly))) {
            return usageError(command,
                QStringLiteral("--%1 does not apply to serving Betfair files").arg(QLatin1String(referenceOnly)));
        }
    }
    Betfair::StreamServerConfig config;
    config.paths = replay.paths();
    config.speed = replay.speed;
    if (!serveAddress(parser, config.host, config.port)) {
        return kExitUsage;
    }
    if (parser.isSet(QStringLiteral("tls-cert")) != parser.isSet(QStringLiteral("tls-key"))) {
        return usageError(command, QStringLiteral("--tls-cert and --tls-key go together"));
    }
    config.tlsCertFile = parser.value(QStringLiteral("tls-cert"));
    config.tlsKeyFile = parser.value(QStringLiteral("tls-key"));
    // The credentials a client must present, when set.
    config.appKey = qgetenv("ODDSTAP_BETFAIR_APP_KEY").trimmed();
    config.session = qgetenv("ODDSTAP_TOKEN").trimmed();
    Betfair::StreamServer server(config);
    const auto listening = server.start();
    if (!listening) {
        return runtimeError(command, listening.error().message);
    }
    out() << "listening on " << (config.tlsCertFile.isEmpty() ? "betfair+tcp://" : "betfair://") << config.host << ":"
          << *listening << "\n";
    out() << "serving " << server.lines() << " lines of " << config.paths.join(QStringLiteral(", ")) << " at "
          << (replay.speed > 0 ? QString::number(replay.speed) + QStringLiteral("x") : QStringLiteral("full speed"))
          << " by their publish times; timing starts with each subscription\n";
    out().flush();
    QObject::connect(&server, &Betfair::StreamServer::endReached, &server, [](quint64 lines) {
        out() << "a client has been sent all " << lines << " lines; heartbeats until interrupted\n";
        out().flush();
    });
    SignalWatcher watcher;
    QObject::connect(&watcher, &SignalWatcher::terminationRequested, &server, [] { QCoreApplication::quit(); });
    QCoreApplication::exec();
    return kExitOk;
}

int runServe(const QCommandLineParser &parser, const ReplayConfig &replay, const CaptureInfo &info)
{
    const QString command = QStringLiteral("replay");
    if (replay.fromWallNs > 0 || replay.toWallNs > 0) {
        return usageError(command, QStringLiteral("--from and --to do not apply to --serve yet"));
    }
    SimServerConfig config;
    if (!serveAddress(parser, config.host, config.port)) {
        return kExitUsage;
    }
    bool ok = false;
    if (parser.isSet(QStringLiteral("heartbeat-ms"))) {
        config.heartbeatMs = parser.value(QStringLiteral("heartbeat-ms")).toInt(&ok);
        if (!ok || config.heartbeatMs < 10) {
            return usageError(command, QStringLiteral("--heartbeat-ms must be an integer >= 10"));
        }
    }
    if (parser.isSet(QStringLiteral("faults"))) {
        auto faults = FaultPlan::parse(parser.value(QStringLiteral("faults")));
        if (!faults) {
            return usageError(command, faults.error().message);
        }
        config.faults = *faults;
    }
    // Loading runs the recording through the stream logic; its gap lines describe the recording,
    // not this server, so they stay quiet (the report line below says what is served).
    QLoggingCategory::setFilterRules(QStringLiteral("oddstap.feed.warning=false"));
    auto stream =
        ReplayStream::load(replay.path, parser.value(QStringLiteral("source")), parser.isSet(QStringLiteral("loop")));
    QLoggingCategory::setFilterRules(QString());
    if (!stream) {
        return runtimeError(command, stream.error().message);
    }
    const std::shared_ptr<ReplayStream> served = stream.value();
    config.stream = served;
    config.speed = replay.speed;
    config.rate = 0;
    config.retain = std::max<quint64>(100000, served->size() + 1);
    config.count = parser.isSet(QStringLiteral("loop")) ? 0 : served->firstSeq() + served->size() - 1;
    SimServer server(config);
    const auto listening = server.start();
    if (!listening) {
        return runtimeError(command, listening.error().message);
    }
    out() << "listening on ws://" << config.host << ":" << *listening << "\n";
    out() << "serving " << served->size() << " events of source '" << served->sourceId() << "' (seq "
          << served->firstSeq() << ".." << served->firstSeq() + served->size() - 1 << ", "
          << double(served->durationNs()) / 1e9 << " s as recorded, " << served->prefaceFrames()
          << " malformed frames) from " << info.path << " at "
          << (replay.speed > 0 ? QString::number(replay.speed) + QStringLiteral("x") : QStringLiteral("full speed"))
          << (parser.isSet(QStringLiteral("loop")) ? ", looping" : "") << "; timing starts with the first subscriber\n";
    out().flush();
    QObject::connect(&server, &SimServer::countReached, &server, [](quint64 lastSeq) {
        out() << "end of the capture (seq " << lastSeq << "); still serving resumes until interrupted\n";
        out().flush();
    });
    SignalWatcher watcher;
    QObject::connect(&watcher, &SignalWatcher::terminationRequested, &server, [&server] {
        server.stop();
        QCoreApplication::quit();
    });
    QCoreApplication::exec();
    return kExitOk;
}

} // namespace

int runInfo(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Session quality report of a capture file: duration, frames and events by type, rate peaks,\n"
        "malformed frames, gaps, duplicates, reconnects, longest silence. The frames go through the same\n"
        "stream logic as a live capture.\n\nExit status: 0 done; 2 usage error or unreadable file."));
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("file"), QStringLiteral("The capture file."));
    parser.addOption({ QStringLiteral("json"), QStringLiteral("Print the report as JSON.") });
    int exitCode = kExitOk;
    if (!parseOrExplain(parser, arguments, exitCode)) {
        return exitCode;
    }
    const QString command = QStringLiteral("info");
    if (parser.positionalArguments().size() != 1) {
        return usageError(command, QStringLiteral("expected one capture file"));
    }
    // The report counts gaps and reconnects itself: the stream logic's per-event log lines are noise
    // here (QT_LOGGING_RULES still overrides this).
    QLoggingCategory::setFilterRules(QStringLiteral("oddstap.feed.info=false\noddstap.feed.warning=false"));
    const auto report = analyseCapture(parser.positionalArguments().first());
    if (!report) {
        return runtimeError(command, report.error().message);
    }
    if (parser.isSet(QStringLiteral("json"))) {
        out() << QJsonDocument(report->toJson()).toJson(QJsonDocument::Indented);
    } else {
        // Source ids, URLs and notes come from the file: a terminal control sequence among them
        // is shown, not obeyed.
        QString text = report->toText();
        QString shown;
        shown.reserve(text.size());
        for (const QChar c : text) {
            if ((c.unicode() < 0x20 && c != QLatin1Char('\n')) || c.unicode() == 0x7f
                || (c.unicode() >= 0x80 && c.unicode() < 0xa0)) {
                shown += QStringLiteral("\\x%1").arg(c.unicode(), 2, 16, QLatin1Char('0'));
            } else {
                shown += c;
            }
        }
        out() << shown;
    }
    out().flush();
    return kExitOk;
}

static int runReplayOrImport(const QStringList &arguments, bool importing)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Replays a capture file, or Betfair Exchange Stream files (historical NDJSON, plain, .gz or .bz2;\n"
        "several files, such as a market and its score stream, are merged on their publish times).\n"
        "Into OddsTap (default): the recorded frames and connection events go through the same pipeline as\n"
        "live (validation, gaps, duplicates, storage) with their recorded receive times, so a replay into a\n"
        "fresh database holds the same rows as the live capture did ('oddstap-cli diff').\n"
        "As the sportsbook (--serve PORT): a WebSocket server speaking feed-protocol v1 (subscribe, from_seq\n"
        "resume, heartbeats, snapshots) that sends the recorded stream of one source with its recorded timing.\n\n"
        "Exit status: as 'capture' (0 done; 2 usage, unreadable capture or database error; 4 nothing replayed;\n"
        "5 database unavailable at the end)."));
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("file"),
        QStringLiteral("The capture file, or one or more Betfair files."), QStringLiteral("file..."));
    parser.addOptions({
        { QStringLiteral("db"),
            QStringLiteral("SQLite file or postgresql:// URL to replay into (default: %1).")
                .arg(StorageTarget::defaultSqlitePath()),
            QStringLiteral("path|url") },
        { QStringLiteral("no-store"), QStringLiteral("Do not store: validate and count only.") },
        { QStringLiteral("speed"), QStringLiteral("Time scale of the recorded timing (default 1; 0.1 to 1000)."),
            QStringLiteral("x") },
        { QStringLiteral("max"), QStringLiteral("As fast as possible (no timing).") },
        { QStringLiteral("from"),
            QStringLiteral("Start at this time: ISO 8601 UTC, epoch ms, or an offset from the first frame (+90s)."),
            QStringLiteral("time") },
        { QStringLiteral("to"), QStringLiteral("Stop after this time (same forms as --from)."),
            QStringLiteral("time") },
        { QStringLiteral("memory-budget"),
            QStringLiteral("Events the storage queue keeps in memory before spilling to disk (default 50000)."),
            QStringLiteral("events") },
        { QStringLiteral("summary-json"), QStringLiteral("Write the summary as JSON to this file."),
            QStringLiteral("file") },
        { QStringLiteral("quiet"), QStringLiteral("No live status line and no summary on stdout.") },
        { QStringLiteral("serve"), QStringLiteral("Serve the capture as a feed on this port (127.0.0.1)."),
            QStringLiteral("port") },
        { QStringLiteral("host"), QStringLiteral("With --serve: the address to listen on (default 127.0.0.1)."),
            QStringLiteral("ip") },
        { QStringLiteral("source"),
            QStringLiteral("With --serve: which recorded source to serve (default: the only or first one)."),
            QStringLiteral("id") },
        { QStringLiteral("loop"), QStringLiteral("With --serve: start over at the end (seqs keep increasing).") },
        { QStringLiteral("faults"),
            QStringLiteral("With --serve: inject faults, as 'simulate --faults' (drop_every=N,malformed=P,...)."),
            QStringLiteral("spec") },
        { QStringLiteral("heartbeat-ms"), QStringLiteral("With --serve: heartbeat interval (default 1000)."),
            QStringLiteral("ms") },
        { QStringLiteral("tls-cert"),
            QStringLiteral(
                "With --serve of Betfair files: serve TLS with this certificate (PEM), as the exchange does."),
            QStringLiteral("file") },
        { QStringLiteral("tls-key"), QStringLiteral("With --serve of Betfair files: the certificate's RSA key (PEM)."),
            QStringLiteral("file") },
    });
    int exitCode = kExitOk;
    if (!parseOrExplain(parser, arguments, exitCode)) {
        return exitCode;
    }
    const QString command = importing ? QStringLiteral("import") : QStringLiteral("replay");
    if (parser.positionalArguments().isEmpty()) {
        return usageError(command, QStringLiteral("expected a capture file or Betfair files"));
    }
    QStringList paths = parser.positionalArguments();
    auto reader = openRecords(paths);
    if (!reader) {
        return runtimeError(command, reader.error().message);
    }
    const CaptureInfo info = reader.value()->info();
    const FeedProfile profile = reader.value()->profile();
    reader.value().reset();
    const QString path = paths.takeFirst();

    double speed = 1.0;
    if (parser.isSet(QStringLiteral("speed"))) {
        bool ok = false;
        speed = parser.value(QStringLiteral("speed")).toDouble(&ok);
        if (!ok || !(speed >= 0.1 && speed <= 1000)) {
            return usageError(command,
                QStringLiteral("--speed must be a number from 0.1 to 1000, got '%1'")
                    .arg(parser.value(QStringLiteral("speed"))));
        }
    }
    if (parser.isSet(QStringLiteral("max")) || importing) {
        if (parser.isSet(QStringLiteral("speed"))) {
            return usageError(command, QStringLiteral("--speed and --max contradict each other"));
        }
        speed = 0;
    }
    ReplayConfig replay;
    replay.path = path;
    replay.companions = paths;
    replay.speed = speed;
    QString why;
    if (parser.isSet(QStringLiteral("from"))) {
        const auto t = parsePoint(parser.value(QStringLiteral("from")), info, why);
        if (!t) {
            return usageError(command, QStringLiteral("--from: ") + why);
        }
        if (profile.kind == ProfileKind::Betfair) {
            // Its lines are changes to what came before: started later, the markets would be
            // rebuilt from half their history and the seqs would not match a full import's.
            return usageError(command,
                QStringLiteral("--from does not apply to Betfair files, which hold changes from their first line; "
                               "the desktop's 'oddstap --replay FILE --from T' plays them to T at once"));
        }
        replay.fromWallNs = *t;
    }
    if (parser.isSet(QStringLiteral("to"))) {
        const auto t = parsePoint(parser.value(QStringLiteral("to")), info, why);
        if (!t) {
            return usageError(command, QStringLiteral("--to: ") + why);
        }
        replay.toWallNs = *t;
    }
    if (replay.fromWallNs > 0 && replay.toWallNs > 0 && replay.toWallNs < replay.fromWallNs) {
        return usageError(command, QStringLiteral("--to is before --from"));
    }
    // A window outside the recording would replay nothing and end as a feed that sent nothing.
    if (info.lastWallNs > 0
        && (replay.fromWallNs > info.lastWallNs || (replay.toWallNs > 0 && replay.toWallNs < info.firstWallNs))) {
        return usageError(command,
            QStringLiteral("the --from/--to window holds no frame: the capture runs from %1 to %2 (UTC)")
                .arg(formatIso8601Utc(info.firstWallNs / 1000000), formatIso8601Utc(info.lastWallNs / 1000000)));
    }

    if (parser.isSet(QStringLiteral("serve"))) {
        if (parser.isSet(QStringLiteral("db")) || parser.isSet(QStringLiteral("no-store"))) {
            return usageError(
                command, QStringLiteral("--serve sends the capture to clients: --db and --no-store do not apply"));
        }
        if (profile.kind == ProfileKind::Betfair) {
            return runServeBetfair(parser, replay);
        }
        return runServe(parser, replay, info);
    }
    for (const char *serveOnly : { "loop", "faults", "source", "host", "heartbeat-ms", "tls-cert", "tls-key" }) {
        if (parser.isSet(QLatin1String(serveOnly))) {
            return usageError(command, QStringLiteral("--%1 needs --serve").arg(QLatin1String(serveOnly)));
        }
    }

    CaptureConfig config;
    config.replay = replay;
    if (parser.isSet(QStringLiteral("no-store")) && parser.isSet(QStringLiteral("db"))) {
        return usageError(command, QStringLiteral("--db and --no-store contradict each other"));
    }
    if (!parser.isSet(QStringLiteral("no-store"))) {
        auto target = StorageTarget::parse(parser.isSet(QStringLiteral("db")) ? parser.value(QStringLiteral("db"))
                                                                              : StorageTarget::defaultSqlitePath());
        if (!target) {
            return usageError(command, target.error().message);
        }
        config.storage = *target;
        config.spool.directory = target->defaultSpoolDirectory();
        qint64 budget = qint64(config.spool.memoryBudgetEvents);
        if (!positiveOption(parser, QStringLiteral("memory-budget"), budget)) {
            return kExitUsage;
        }
        config.spool.memoryBudgetEvents = std::size_t(budget);
    }
    SessionReport report;
    report.command = command;
    report.quiet = parser.isSet(QStringLiteral("quiet"));
    report.summaryJson = parser.value(QStringLiteral("summary-json"));
    return runSession(config, report);
}

int runReplay(const QStringList &arguments)
{
    return runReplayOrImport(arguments, false);
}

int runImport(const QStringList &arguments)
{
    return runReplayOrImport(arguments, true);
}

int runDiff(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Compares two OddsTap databases (SQLite files or postgresql:// URLs) or two capture files and\n"
        "reports the first divergence (table, key, column, both values), or says they are identical.\n"
        "Row ids are never compared. By default received_at, rejects.batch_index (how the server framed\n"
        "the envelopes) and the gaps and connection_events tables (how the connection went) are left out\n"
        "too; --strict compares them. The report says what was left out.\n\nExit status: 0 identical; 1 they differ; 2 "
        "usage error or unreadable input."));
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("a"), QStringLiteral("Database or capture A."));
    parser.addPositionalArgument(QStringLiteral("b"), QStringLiteral("Database or capture B."));
    parser.addOptions({
        { QStringLiteral("strict"), QStringLiteral("Also compare receive times, gaps and connection events.") },
        { QStringLiteral("json"), QStringLiteral("Print the result as JSON.") },
    });
    int exitCode = kExitOk;
    if (!parseOrExplain(parser, arguments, exitCode)) {
        return exitCode;
    }
    const QString command = QStringLiteral("diff");
    if (parser.positionalArguments().size() != 2) {
        return usageError(command, QStringLiteral("expected two databases or two captures"));
    }
    DiffOptions options;
    options.strict = parser.isSet(QStringLiteral("strict"));
    const auto result = diffStores(parser.positionalArguments().at(0), parser.positionalArguments().at(1), options);
    if (!result) {
        return runtimeError(command, result.error().message);
    }
    if (parser.isSet(QStringLiteral("json"))) {
        out() << QJsonDocument(result->toJson()).toJson(QJsonDocument::Indented);
    } else {
        out() << result->toText();
    }
    out().flush();
    return result->identical() ? kExitOk : kExitFindings;
}

int runExportFrames(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Writes every frame and connection event of a capture as NDJSON, one per line, with its receive\n"
        "time (docs/capture-format.md). 'import-frames' reads it back.\n\nExit status: 0 done; 2 error."));
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("file"), QStringLiteral("The capture file."));
    parser.addOptions({
        { QStringLiteral("output"), QStringLiteral("Write to this file instead of stdout."), QStringLiteral("file") },
    });
    int exitCode = kExitOk;
    if (!parseOrExplain(parser, arguments, exitCode)) {
        return exitCode;
    }
    const QString command = QStringLiteral("export-frames");
    if (parser.positionalArguments().size() != 1) {
        return usageError(command, QStringLiteral("expected one capture file"));
    }
    const QString path = parser.positionalArguments().first();
    if (parser.isSet(QStringLiteral("output")) && !isStreamTarget(parser.value(QStringLiteral("output")))) {
        if (const QString why = makeParentDirectory(parser.value(QStringLiteral("output"))); !why.isEmpty()) {
            return runtimeError(command, why);
        }
        QSaveFile file(parser.value(QStringLiteral("output")));
        if (!file.open(QIODevice::WriteOnly)) {
            return runtimeError(
                command, QStringLiteral("cannot write '%1': %2").arg(file.fileName(), file.errorString()));
        }
        const auto counts = exportFramesNdjson(path, file);
        if (!counts) {
            file.cancelWriting();
            return runtimeError(command, counts.error().message);
        }
        if (!file.commit()) {
            return runtimeError(
                command, QStringLiteral("cannot write '%1': %2").arg(file.fileName(), file.errorString()));
        }
        err() << "exported " << counts->frames << " frames and " << counts->connectionEvents
              << " connection events into " << file.fileName() << "\n";
        return kExitOk;
    }
    // stdout, or a device or pipe named by --output (isStreamTarget()), written as it is.
    QFile stdoutFile;
    if (parser.isSet(QStringLiteral("output"))) {
        stdoutFile.setFileName(parser.value(QStringLiteral("output")));
        if (!stdoutFile.open(QIODevice::WriteOnly)) {
            return runtimeError(
                command, QStringLiteral("cannot write '%1': %2").arg(stdoutFile.fileName(), stdoutFile.errorString()));
        }
    } else if (!stdoutFile.open(stdout, QIODevice::WriteOnly)) {
        return runtimeError(command, QStringLiteral("cannot write to stdout"));
    }
    const auto counts = exportFramesNdjson(path, stdoutFile);
    stdoutFile.flush();
    if (!counts) {
        return runtimeError(command, counts.error().message);
    }
    return kExitOk;
}

int runImportFrames(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Reads NDJSON frames (as 'export-frames' writes them, or from another tool: one object per line\n"
        "with \"frame\" and a receive time) into a new capture file.\n\nExit status: 0 done; 2 error (the line "
        "is named; no partial capture is left)."));
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("input"), QStringLiteral("NDJSON file, or - for stdin."));
    parser.addPositionalArgument(QStringLiteral("capture"), QStringLiteral("The new capture file."));
    parser.addOption(
        { QStringLiteral("notes"), QStringLiteral("Notes for the capture's metadata."), QStringLiteral("text") });
    int exitCode = kExitOk;
    if (!parseOrExplain(parser, arguments, exitCode)) {
        return exitCode;
    }
    const QString command = QStringLiteral("import-frames");
    if (parser.positionalArguments().size() != 2) {
        return usageError(command, QStringLiteral("expected an NDJSON input and a capture file to create"));
    }
    const QString inputPath = parser.positionalArguments().at(0);
    const QString capturePath = parser.positionalArguments().at(1);
    if (const QString refused = CaptureWriter::refusedName(capturePath); !refused.isEmpty()) {
        return usageError(command, refused);
    }
    QFile input;
    if (inputPath == QLatin1String("-") ? !input.open(stdin, QIODevice::ReadOnly)
                                        : (input.setFileName(inputPath), !input.open(QIODevice::ReadOnly))) {
        return runtimeError(command, QStringLiteral("cannot read '%1': %2").arg(inputPath, input.errorString()));
    }
    const auto counts = importFramesNdjson(input, capturePath, parser.value(QStringLiteral("notes")));
    if (!counts) {
        return runtimeError(command, counts.error().message);
    }
    out() << "imported " << counts->frames << " frames and " << counts->connectionEvents << " connection events into "
          << capturePath << "\n";
    out().flush();
    return kExitOk;
}

} // namespace OddsTap::Cli

// SPDX-License-Identifier: MIT
// oddstap-cli: the headless front end. Dispatches subcommands; each lives in its own file.
#include "backtestcommand.h"
#include "brokercommands.h"
#include "capturecommand.h"
#include "cliutil.h"
#include "exportcommand.h"
#include "replaycommand.h"
#include "simulatecommand.h"
#include "statscommand.h"
#include "validatecommand.h"

#include <core/common/event.h>
#include <core/common/standardstreams.h>
#include <core/common/threadend.h>
#include <core/common/version.h>

#include <QCoreApplication>

#include <csignal>
#include <functional>
#include <map>

namespace {

using OddsTap::Cli::err;
using OddsTap::Cli::out;

struct Command
{
    const char *summary;
    std::function<int(const QStringList &)> run;
};

const std::map<QString, Command> &commands()
{
    static const std::map<QString, Command> table = {
        { QStringLiteral("backtest"),
            { "Run alert rules over a capture or Betfair files: when each would have fired",
                &OddsTap::Cli::runBacktest } },
        { QStringLiteral("capture"),
            { "Connect to feed sources, validate, store into SQLite or PostgreSQL", &OddsTap::Cli::runCapture } },
        { QStringLiteral("consume"),
            { "Broker writer: store what collectors publish to RabbitMQ into PostgreSQL", &OddsTap::Cli::runConsume } },
        { QStringLiteral("dead-letters"),
            { "List or requeue the messages broker writers could not store", &OddsTap::Cli::runDeadLetters } },
        { QStringLiteral("diff"),
            { "Compare two databases or two captures; report the first divergence", &OddsTap::Cli::runDiff } },
        { QStringLiteral("export"), { "Export a table as CSV (RFC 4180), streamed", &OddsTap::Cli::runExport } },
        { QStringLiteral("export-frames"),
            { "Write a capture's frames as NDJSON (one per line, with receive time)",
                &OddsTap::Cli::runExportFrames } },
        { QStringLiteral("import-frames"),
            { "Read NDJSON frames into a new capture file", &OddsTap::Cli::runImportFrames } },
        { QStringLiteral("import"),
            { "Import a capture or Betfair stream files into a database, as fast as it takes them",
                &OddsTap::Cli::runImport } },
        { QStringLiteral("info"), { "Session quality report of a capture file", &OddsTap::Cli::runInfo } },
        { QStringLiteral("replay"),
            { "Replay a capture into OddsTap, or serve it as a feed (--serve)", &OddsTap::Cli::runReplay } },
        { QStringLiteral("simulate"), { "Run the built-in sportsbook feed server", &OddsTap::Cli::runSimulate } },
        { QStringLiteral("stats"), { "Row counts per table of a database, as JSON", &OddsTap::Cli::runStats } },
        { QStringLiteral("validate"),
            { "Validate NDJSON feed frames against feed-protocol v1", &OddsTap::Cli::runValidate } },
    };
    return table;
}

void printUsage(QTextStream &s)
{
    s << "Usage: oddstap-cli <command> [options]\n\nOddsTap " << OddsTap::kVersion
      << ": live sportsbook feed capture, headless.\n\nCommands:\n";
    for (const auto &[name, cmd] : commands()) {
        s << "  " << name.leftJustified(15) << cmd.summary << "\n";
    }
    s << "\nGlobal options:\n  -h, --help     Show this help\n  -v, --version  Show the version\n"
      << "\n'oddstap-cli <command> --help' describes a command.\n";
    s.flush();
}

} // namespace

int main(int argc, char *argv[])
{
    OddsTap::openMissingStandardStreams(); // before anything opens a descriptor
    // A peer that closes while we write (Redis through hiredis, which writes with write()) must be
    // an error on that connection, not the end of the process.
    std::signal(SIGPIPE, SIG_IGN);
    OddsTap::keepOpenSslUntilTheEnd(); // see core/common/threadend.h: threads end after main() returns
    QCoreApplication::setOrganizationName(QStringLiteral("OddsTap"));
    QCoreApplication::setApplicationName(QStringLiteral("oddstap-cli"));
    QCoreApplication::setApplicationVersion(QLatin1String(OddsTap::kVersion));
    qSetMessagePattern(QStringLiteral("%{time yyyy-MM-ddThh:mm:ss.zzz} [%{threadid}] %{category} %{type}: %{message}"));
    QCoreApplication app(argc, argv);
    OddsTap::registerMetaTypes();

    QStringList args = QCoreApplication::arguments();
    if (args.size() < 2) {
        printUsage(err());
        return OddsTap::Cli::kExitUsage;
    }
    const QString first = args.at(1);
    if (first == QLatin1String("--version") || first == QLatin1String("-v")) {
        out() << "oddstap-cli " << OddsTap::kVersion << "\n";
        return OddsTap::Cli::kExitOk;
    }
    if (first == QLatin1String("--help") || first == QLatin1String("-h") || first == QLatin1String("help")) {
        printUsage(out());
        return OddsTap::Cli::kExitOk;
    }
    const auto it = commands().find(first);
    if (it == commands().end()) {
        err() << "oddstap-cli: unknown command '" << first << "'\n";
        QString nearest;
        int best = 3; // more than two edits away is not a typo
        for (const auto &[name, command] : commands()) {
            if (const int d = OddsTap::Cli::editDistance(first, name); d < best) {
                best = d;
                nearest = name;
            }
        }
        if (!nearest.isEmpty()) {
            err() << "Did you mean 'oddstap-cli " << nearest << "'?\n";
        }
        err() << "\n";
        printUsage(err());
        return OddsTap::Cli::kExitUsage;
    }
    args.removeAt(0);
    args[0] = QStringLiteral("oddstap-cli ") + first;
    const int code = it->second.run(args);
    out().flush();
    err().flush();
    return code;
}

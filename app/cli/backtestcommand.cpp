// SPDX-License-Identifier: MIT
#include "backtestcommand.h"

#include "cliutil.h"

#include <core/alerts/alertcsv.h>
#include <core/alerts/backtest.h>

#include <QFile>

namespace OddsTap::Cli {

int runBacktest(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Runs alert rules over a recorded stream, a capture file or Betfair stream files (merged on their\n"
        "publish times), and lists when each rule would have fired, as CSV: the same alerts, at the same\n"
        "times, as `capture --rules` raised live (both run on the stream's own clock). docs/alerts.md.\n"
        "Exit status: 0 ok (with or without alerts); 2 usage error, or an unreadable rules file or input."));
    parser.addHelpOption();
    parser.addOption(
        { QStringLiteral("rules"), QStringLiteral("The rules file (JSON, docs/alerts.md)."), QStringLiteral("file") });
    parser.addOption({ QStringLiteral("fixture-map"),
        QStringLiteral("Which sources' fixtures are one match, for arbitrage rules (docs/comparison.md)."),
        QStringLiteral("file") });
    parser.addOption({ QStringLiteral("out"), QStringLiteral("Write the CSV here instead of standard output."),
        QStringLiteral("file") });
    parser.addPositionalArgument(QStringLiteral("input"), QStringLiteral("A capture file, or Betfair stream files."),
        QStringLiteral("input..."));
    int exitCode = kExitOk;
    if (!parseOrExplain(parser, arguments, exitCode)) {
        return exitCode;
    }
    if (!parser.isSet(QStringLiteral("rules")) || parser.positionalArguments().isEmpty()) {
        err() << "oddstap-cli backtest: --rules and an input are required\n";
        return kExitUsage;
    }
    auto rules = readAlertRules(parser.value(QStringLiteral("rules")));
    if (!rules) {
        err() << "oddstap-cli backtest: " << rules.error().message << "\n";
        return kExitUsage;
    }
    QFile out;
    const bool toFile = parser.isSet(QStringLiteral("out"));
    if (toFile) {
        out.setFileName(parser.value(QStringLiteral("out")));
        if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
            err() << "oddstap-cli backtest: cannot write " << out.fileName() << ": " << out.errorString() << "\n";
            return kExitUsage;
        }
    } else if (!out.open(stdout, QIODevice::WriteOnly)) {
        return kExitUsage;
    }
    out.write(alertCsvHeader());
    FixtureMap fixtureMap;
    if (parser.isSet(QStringLiteral("fixture-map"))) {
        auto map = FixtureMap::read(parser.value(QStringLiteral("fixture-map")));
        if (!map) {
            err() << "oddstap-cli backtest: --fixture-map: " << map.error().message << "\n";
            return kExitUsage;
        }
        fixtureMap = std::move(*map);
    }
    const auto summary = backtestRecording(parser.positionalArguments(), std::move(*rules), std::move(fixtureMap),
        nullptr, [&out](const Alert &a) { out.write(alertCsvLine(a)); });
    if (!summary) {
        if (toFile) {
            out.remove(); // no list that looks complete
        }
        err() << "oddstap-cli backtest: " << summary.error().message << "\n";
        return kExitUsage;
    }
    out.flush();
    err() << "oddstap-cli backtest: " << summary->alerts << " alerts from " << summary->events << " events ("
          << summary->suppressed << " held back by cooldowns)\n";
    return kExitOk;
}

} // namespace OddsTap::Cli

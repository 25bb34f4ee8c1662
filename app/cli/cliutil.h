// SPDX-License-Identifier: MIT
#pragma once

#include <QCommandLineParser>
#include <QTextStream>

#include <cstdio>

namespace OddsTap::Cli {

/// Exit codes shared by every subcommand.
enum ExitCode : int
{
    kExitOk = 0,
    kExitFindings = 1, ///< ran fine, found something (rejects, differences)
    kExitUsage = 2, ///< bad command line, unreadable input, I/O error
};

inline QTextStream &out()
{
    static QTextStream s(stdout);
    return s;
}

inline QTextStream &err()
{
    static QTextStream s(stderr);
    return s;
}

/// Parses a subcommand's arguments; prints help or the error and returns false (with exitCode set).
inline bool parseOrExplain(QCommandLineParser &parser, const QStringList &arguments, int &exitCode)
{
    if (!parser.parse(arguments)) {
        err() << "oddstap-cli: " << parser.errorText() << "\n"
              << "Try '" << arguments.value(0) << " --help'.\n";
        err().flush();
        exitCode = kExitUsage;
        return false;
    }
    if (parser.isSet(QStringLiteral("help"))) {
        out() << parser.helpText();
        out().flush();
        exitCode = kExitOk;
        return false;
    }
    return true;
}

/// Reads a positive integer option; prints a clear error on bad input.
inline bool positiveOption(const QCommandLineParser &parser, const QString &name, qint64 &value)
{
    if (!parser.isSet(name)) {
        return true;
    }
    bool ok = false;
    const qint64 v = parser.value(name).toLongLong(&ok);
    if (!ok || v <= 0) {
        err() << "oddstap-cli: --" << name << " must be a positive integer, got '" << parser.value(name) << "'\n";
        err().flush();
        return false;
    }
    value = v;
    return true;
}

} // namespace OddsTap::Cli

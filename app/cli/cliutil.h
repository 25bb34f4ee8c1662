// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/paths.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QRegularExpression>
#include <QTextStream>

#include <algorithm>
#include <cstdio>
#include <vector>

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

/// The long options a parser knows, read off its help text (QCommandLineParser lists them nowhere else).
inline QStringList knownOptions(const QCommandLineParser &parser)
{
    QStringList names;
    static const QRegularExpression option(QStringLiteral("--([A-Za-z0-9][A-Za-z0-9-]*)"));
    for (auto it = option.globalMatch(parser.helpText()); it.hasNext();) {
        names << it.next().captured(1);
    }
    names.removeDuplicates();
    return names;
}

/// Edits (insert, delete, replace) between two short words: the typo a suggestion is for.
inline int editDistance(const QString &a, const QString &b)
{
    std::vector<int> row(std::size_t(b.size()) + 1);
    for (std::size_t j = 0; j < row.size(); ++j) {
        row[j] = int(j);
    }
    for (qsizetype i = 1; i <= a.size(); ++i) {
        int diagonal = row[0];
        row[0] = int(i);
        for (qsizetype j = 1; j <= b.size(); ++j) {
            const int above = row[std::size_t(j)];
            row[std::size_t(j)] =
                std::min({ above + 1, row[std::size_t(j - 1)] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1) });
            diagonal = above;
        }
    }
    return row.back();
}

/// Whether a subcommand takes arguments besides its options (files), or options only.
enum class Positional
{
    Allowed,
    None
};

/// Parses a subcommand's arguments; prints help or the error and returns false (with exitCode set).
/// `arguments[0]` names the subcommand ("oddstap-cli capture"), in the usage line and in errors.
/// With Positional::None a stray argument is an error: `stats a.db` reported on the default
/// database, the file given without --db silently ignored.
inline bool parseOrExplain(QCommandLineParser &parser, const QStringList &arguments, int &exitCode,
    Positional positional = Positional::Allowed)
{
    const QString command = arguments.value(0);
    if (!parser.parse(arguments)) {
        err() << command << ": " << parser.errorText() << "\n";
        const QStringList known = knownOptions(parser);
        for (const QString &unknown : parser.unknownOptionNames()) {
            QString nearest;
            int best = 3; // more than two edits away is not a typo
            for (const QString &name : known) {
                if (const int d = editDistance(unknown, name); d < best) {
                    best = d;
                    nearest = name;
                }
            }
            if (!nearest.isEmpty()) {
                err() << "Did you mean '--" << nearest << "'?\n";
            }
        }
        err() << "Try '" << command << " --help'.\n";
        err().flush();
        exitCode = kExitUsage;
        return false;
    }
    if (parser.isSet(QStringLiteral("help"))) {
        // Qt names the program by its path; the usage line names the subcommand instead.
        QString help = parser.helpText();
        const qsizetype lineEnd = help.indexOf(QLatin1Char('\n'));
        const QString program = QCoreApplication::arguments().value(0);
        if (const qsizetype at = help.left(lineEnd).indexOf(program); at >= 0 && !program.isEmpty()) {
            help.replace(at, program.size(), command);
        }
        out() << help;
        out().flush();
        exitCode = kExitOk;
        return false;
    }
    if (positional == Positional::None && !parser.positionalArguments().isEmpty()) {
        const QString stray = parser.positionalArguments().first();
        err() << command << ": unexpected argument '" << stray << "': this command takes options only"
              << (stray.endsWith(QLatin1String(".db")) ? QStringLiteral(" (a database goes after --db)") : QString())
              << "\nTry '" << command << " --help'.\n";
        err().flush();
        exitCode = kExitUsage;
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

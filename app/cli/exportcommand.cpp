// SPDX-License-Identifier: MIT
#include "exportcommand.h"

#include "cliutil.h"
#include "signalwatcher.h"

#include <core/common/paths.h>
#include <core/common/timeutil.h>
#include <core/export/csvexport.h>

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>

#include <cerrno>
#include <unistd.h>

namespace OddsTap::Cli {

int runExport(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Exports one table as CSV (RFC 4180, UTF-8), streamed in constant memory.\n"
        "Times are ISO 8601 UTC with milliseconds (2026-11-25T15:04:05.123Z), or epoch ms with --epoch-ms.\n"
        "Text starting with = + - @ tab or CR is prefixed with ' so spreadsheets show it as text (--raw: off).\n"
        "Row order: from SQLite in storage (commit) order, so memory stays constant; from PostgreSQL by\n"
        "source_id, seq. Sort in your tool when the order matters.\n"
        "The file is written as FILE.partial and renamed when complete; on an error or Ctrl-C it is removed.\n"
        "Exit status: 0 done; 2 usage error, unreadable database, unwritable file or disk full; 3 cancelled."));
    parser.addHelpOption();
    parser.addOption({ QStringLiteral("db"),
        QStringLiteral("SQLite file or postgresql:// URL (default: %1).").arg(StorageTarget::defaultSqlitePath()),
        QStringLiteral("path|url") });
    parser.addOption({ QStringLiteral("table"),
        QStringLiteral("One of: %1.").arg(exportTables().join(QStringLiteral(", "))), QStringLiteral("name") });
    parser.addOption(
        { QStringLiteral("fixture"), QStringLiteral("Only this fixture_id (repeatable)."), QStringLiteral("id") });
    parser.addOption({ QStringLiteral("market"), QStringLiteral("Only this market_type (odds, bets, books, alerts)."),
        QStringLiteral("m") });
    parser.addOption({ QStringLiteral("selection"), QStringLiteral("Only this selection (odds, bets, books, alerts)."),
        QStringLiteral("s") });
    parser.addOption({ QStringLiteral("source"), QStringLiteral("Only this source_id."), QStringLiteral("id") });
    parser.addOption({ QStringLiteral("from"), QStringLiteral("From this time, inclusive (ISO 8601 UTC or epoch ms)."),
        QStringLiteral("time") });
    parser.addOption({ QStringLiteral("to"), QStringLiteral("Up to this time, exclusive."), QStringLiteral("time") });
    parser.addOption({ QStringLiteral("columns"), QStringLiteral("Comma-separated columns, in this order."),
        QStringLiteral("a,b,c") });
    parser.addOption(
        { QStringLiteral("out"), QStringLiteral("Output file, or - for stdout (default)."), QStringLiteral("file") });
    parser.addOption(
        { QStringLiteral("delimiter"), QStringLiteral("comma (default), semicolon or tab."), QStringLiteral("d") });
    parser.addOption({ QStringLiteral("lf"), QStringLiteral("LF line ends instead of CRLF.") });
    parser.addOption({ QStringLiteral("bom"), QStringLiteral("Start with a UTF-8 BOM (for Excel).") });
    parser.addOption({ QStringLiteral("epoch-ms"), QStringLiteral("Times as epoch milliseconds.") });
    parser.addOption({ QStringLiteral("raw"), QStringLiteral("No formula-injection guard.") });
    int exitCode = kExitOk;
    if (!parseOrExplain(parser, arguments, exitCode, Positional::None)) {
        return exitCode;
    }
    auto fail = [](const QString &message) {
        err() << "oddstap-cli export: " << message << "\n";
        err().flush();
        return int(kExitUsage);
    };
    ExportRequest request;
    request.table = parser.value(QStringLiteral("table"));
    if (request.table.isEmpty()) {
        return fail(QStringLiteral("--table is required (one of: %1)").arg(exportTables().join(QStringLiteral(", "))));
    }
    request.fixtures = parser.values(QStringLiteral("fixture"));
    request.market = parser.value(QStringLiteral("market"));
    request.selection = parser.value(QStringLiteral("selection"));
    request.source = parser.value(QStringLiteral("source"));
    for (const char *name : { "from", "to" }) {
        const QString text = parser.value(QLatin1String(name));
        if (text.isEmpty()) {
            continue;
        }
        bool isNumber = false;
        std::optional<qint64> ms = text.toLongLong(&isNumber);
        if (!isNumber) {
            ms = parseIso8601Utc(text.toStdString());
        }
        if (!ms) {
            return fail(QStringLiteral("--%1: '%2' is neither ISO 8601 UTC (2026-11-25T15:04:05.123Z) nor epoch ms")
                            .arg(QLatin1String(name), text));
        }
        (qstrcmp(name, "from") == 0 ? request.fromMs : request.toMs) = ms;
    }
    if (parser.isSet(QStringLiteral("columns"))) {
        request.columns = parser.value(QStringLiteral("columns")).split(QLatin1Char(','), Qt::SkipEmptyParts);
        for (QString &c : request.columns) {
            c = c.trimmed();
        }
    }
    const QString delimiter = parser.value(QStringLiteral("delimiter"));
    if (delimiter.isEmpty() || delimiter == QLatin1String("comma") || delimiter == QLatin1String(",")) {
        request.csv.delimiter = ',';
    } else if (delimiter == QLatin1String("semicolon") || delimiter == QLatin1String(";")) {
        request.csv.delimiter = ';';
    } else if (delimiter == QLatin1String("tab") || delimiter == QLatin1String("\\t")) {
        request.csv.delimiter = '\t';
    } else {
        return fail(QStringLiteral("--delimiter must be comma, semicolon or tab, not '%1'").arg(delimiter));
    }
    request.csv.crlf = !parser.isSet(QStringLiteral("lf"));
    request.csv.bom = parser.isSet(QStringLiteral("bom"));
    request.csv.epochMs = parser.isSet(QStringLiteral("epoch-ms"));
    request.csv.formulaGuard = !parser.isSet(QStringLiteral("raw"));
    if (auto v = validateExportRequest(request); !v) {
        return fail(v.error().message);
    }

    auto target = StorageTarget::parse(
        parser.isSet(QStringLiteral("db")) ? parser.value(QStringLiteral("db")) : StorageTarget::defaultSqlitePath());
    if (!target) {
        return fail(target.error().message);
    }
    if (target->kind == StorageTarget::Kind::Sqlite && !QFileInfo::exists(target->path)) {
        return fail(QStringLiteral("no database at '%1'").arg(target->path));
    }
    auto storage = Storage::openForReading(*target, QStringLiteral("oddstap-export"));
    if (!storage) {
        return fail(storage.error().message);
    }

    const QString outPath = parser.value(QStringLiteral("out"));
    // stdout, or a device or a pipe (isStreamTarget()): written as it is, with no partial file.
    const bool toStdout = outPath.isEmpty() || outPath == QLatin1String("-") || isStreamTarget(outPath);
    const QString partial = outPath + QStringLiteral(".partial");
    QFile file;
    if (toStdout && isStreamTarget(outPath)) {
        file.setFileName(outPath);
        if (!file.open(QIODevice::WriteOnly)) {
            return fail(QStringLiteral("cannot write '%1': %2").arg(outPath, file.errorString()));
        }
    } else if (toStdout) {
        if (!file.open(stdout, QIODevice::WriteOnly)) {
            return fail(QStringLiteral("cannot write to stdout"));
        }
    } else {
        if (const QString why = makeParentDirectory(outPath); !why.isEmpty()) {
            return fail(why);
        }
        file.setFileName(partial);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
            return fail(QStringLiteral("cannot write '%1': %2").arg(outPath, file.errorString()));
        }
    }
    SignalWatcher watcher;
    bool interrupted = false;
    QObject::connect(&watcher, &SignalWatcher::terminationRequested, &watcher, [&interrupted] { interrupted = true; });
    const bool terminal = isatty(STDERR_FILENO) != 0;
    const auto started = monotonicNs();
    auto result = exportCsv(**storage, request, file, [&](quint64 rows) {
        QCoreApplication::processEvents(); // lets SIGINT/SIGTERM through
        if (terminal) {
            const double seconds = double(monotonicNs() - started) / 1e9;
            err() << "\r\033[K" << rows << " rows, " << qint64(double(rows) / std::max(seconds, 1e-3)) << " rows/s";
            err().flush();
        }
        return !interrupted;
    });
    if (terminal) {
        err() << "\r\033[K";
    }
    // The last rows may still be in the file's buffer: written now, where a full disk or a reader
    // that left can still fail the export (close() would drop the error, and a short file would
    // be renamed into place as if complete).
    if (result && !result->cancelled) {
        errno = 0;
        if (!file.flush() || (!toStdout && ::fsync(file.handle()) != 0)) {
            // fsync: some file systems (NFS, FUSE, quotas) report a failed write only there.
            result = csvWriteError(file);
        }
    }
    file.close();
    if (!result || result->cancelled) {
        if (!toStdout) {
            QFile::remove(partial); // never leave a truncated file that looks complete
        }
        if (!result) {
            return fail(result.error().message);
        }
        err() << "oddstap-cli export: cancelled after " << result->rows << " rows"
              << (!toStdout ? QStringLiteral("; nothing was written to '%1'").arg(outPath)
                         : outPath.isEmpty() || outPath == QLatin1String("-")
                         ? QStringLiteral("; the rows before that went to standard output")
                         : QStringLiteral("; the rows before that went to '%1'").arg(outPath))
              << "\n";
        return 3;
    }
    if (!toStdout) {
        if (auto moved = replaceFile(partial, outPath); !moved) {
            return fail(moved.error().message);
        }
    }
    const double seconds = double(monotonicNs() - started) / 1e9;
    err() << "oddstap-cli export: " << result->rows << " rows of " << request.table << " (" << result->bytes
          << " bytes) in " << QString::number(seconds, 'f', 2) << " s"
          << (toStdout ? QString() : QStringLiteral(" -> ") + outPath) << "\n";
    return kExitOk;
}

} // namespace OddsTap::Cli

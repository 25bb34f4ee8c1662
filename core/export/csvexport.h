// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/result.h>
#include <core/storage/storage.h>

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <functional>
#include <optional>

class QIODevice;

namespace OddsTap {

/// How a CSV file is written (RFC 4180 by default).
struct CsvOptions
{
    char delimiter = ',';
    bool crlf = true; ///< RFC 4180 line ends; false: LF
    bool bom = false; ///< a UTF-8 BOM first (for Excel)
    bool epochMs = false; ///< times as epoch milliseconds instead of ISO 8601 UTC
    bool formulaGuard = true; ///< prefix text starting with = + - @ tab CR with ' (--raw turns it off)
};

/// Which rows and columns of which table.
struct ExportRequest
{
    QString table; ///< one of exportTables()
    QStringList fixtures; ///< fixture_id in any of these (empty: all)
    QString market;
    QString selection;
    QString source;
    std::optional<qint64> fromMs; ///< inclusive, on the table's time column
    std::optional<qint64> toMs; ///< exclusive
    QStringList columns; ///< empty: every column of the table
    CsvOptions csv;
};

struct ExportStats
{
    quint64 rows = 0;
    quint64 bytes = 0;
    bool cancelled = false;
};

/// The column kinds that decide formatting.
enum class CsvKind
{
    Text,
    Integer,
    Real,
    Time,
};

struct CsvColumn
{
    QString name;
    CsvKind kind;
};

/// The exportable tables and their columns, in order; empty for an unknown table.
std::vector<CsvColumn> exportColumns(const QString &table);
QStringList exportTables();

/// Appends one field to `out`, quoted and escaped as RFC 4180 asks, with the formula guard on
/// text when asked. `text` is UTF-8.
void appendCsvField(QByteArray &out, QByteArrayView text, CsvKind kind, const CsvOptions &options);
/// A double in its shortest exact form ("2.15", never "2.1499999999").
QByteArray shortestNumber(double value);

/// OWASP's CSV-injection rule: a text cell a spreadsheet could take for a formula (it starts,
/// after any spaces or NULs, with = + - @, a tab, CR or LF, or their fullwidth forms).
bool needsFormulaGuard(QByteArrayView text);

/// Moves a finished `partial` file over `target` in one step (POSIX rename(2)): the old target
/// stays whole until the new one replaces it, and stays if the move fails. The partial file is
/// removed on failure.
Result<void> replaceFile(const QString &partial, const QString &target);

/// Checks the request (table, columns, filters that the table has); the message names the problem.
Result<void> validateExportRequest(const ExportRequest &request);

/// The error of a write to `out` that just failed, with errno cleared before it: the system's
/// reason (Qt says "Unknown error" for a full disk met while emptying its buffer, and for EPIPE).
Error csvWriteError(const QIODevice &out);

/// Streams the rows to `out` in constant memory. `progress` is called every few thousand rows
/// with the rows so far; returning false cancels (stats.cancelled, no error).
Result<ExportStats> exportCsv(Storage &storage, const ExportRequest &request, QIODevice &out,
    const std::function<bool(quint64 rows)> &progress = {});

} // namespace OddsTap

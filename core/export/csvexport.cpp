// SPDX-License-Identifier: MIT
#include "csvexport.h"

#include <core/common/timeutil.h>

#include <QFile>
#include <QIODevice>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace OddsTap {
namespace {

struct TableSpec
{
    const char *name;
    std::vector<CsvColumn> columns;
    const char *timeColumn; ///< what --from/--to filter
    const char *order; ///< on a server that sorts on disk
    const char *storageOrder; ///< in SQLite: the primary key, so rows stream without a sort
    bool hasMarket;
};

CsvColumn textCol(const char *name)
{
    return { QLatin1String(name), CsvKind::Text };
}
CsvColumn intCol(const char *name)
{
    return { QLatin1String(name), CsvKind::Integer };
}
CsvColumn realCol(const char *name)
{
    return { QLatin1String(name), CsvKind::Real };
}
CsvColumn timeCol(const char *name)
{
    return { QLatin1String(name), CsvKind::Time };
}
/// A stream table's columns: the source, the seq, the server's and the receipt time, then @p rest.
std::vector<CsvColumn> streamRow(std::initializer_list<CsvColumn> rest)
{
    std::vector<CsvColumn> columns { textCol("source_id"), intCol("seq"), timeCol("ts"), timeCol("received_at") };
    columns.insert(columns.end(), rest);
    return columns;
}

const std::vector<TableSpec> &tables()
{
    static const std::vector<TableSpec> specs {
        { "fixtures",
            { textCol("source_id"), textCol("fixture_id"), intCol("seq"), timeCol("ts"), timeCol("received_at"),
                intCol("sport_id"), intCol("tournament_id"), timeCol("start_time"), textCol("status"), textCol("home"),
                textCol("away"), textCol("score") },
            "ts", "source_id, fixture_id", "source_id, fixture_id", false },
        { "fixture_updates",
            streamRow({ textCol("fixture_id"), intCol("sport_id"), intCol("tournament_id"), timeCol("start_time"),
                textCol("status"), textCol("home"), textCol("away"), textCol("score") }),
            "ts", "source_id, seq", "id", false },
        { "odds",
            streamRow({ textCol("fixture_id"), textCol("market_type"), textCol("selection"), realCol("odd_value"),
                timeCol("timestamp"), textCol("status") }),
            "timestamp", "source_id, seq", "id", true },
        { "bets",
            streamRow({ textCol("bet_id"), textCol("user_id"), textCol("fixture_id"), textCol("market_type"),
                textCol("selection"), realCol("stake"), realCol("odd_value"), realCol("potential_win"),
                timeCol("timestamp") }),
            "timestamp", "source_id, seq", "id", true },
        // Order-book changes (exchange profiles): back, lay and traded as "price:size" pairs.
        { "books",
            streamRow({ textCol("fixture_id"), textCol("market_type"), textCol("selection"), timeCol("timestamp"),
                intCol("image"), realCol("traded_total"), textCol("back"), textCol("lay"), textCol("traded") }),
            "timestamp", "source_id, seq", "id", true },
        { "rejects",
            { textCol("source_id"), intCol("seq"), intCol("batch_index"), timeCol("received_at"), textCol("code"),
                textCol("message"), textCol("raw"), intCol("raw_truncated") },
            "received_at", "received_at, id", "id", false },
        { "feed_errors", streamRow({ textCol("code"), textCol("message") }), "received_at", "received_at, id", "id",
            false },
        { "gaps",
            { textCol("source_id"), intCol("connection"), intCol("expected_seq"), intCol("received_seq"),
                intCol("missing"), intCol("compacted"), timeCol("detected_at") },
            "detected_at", "detected_at, id", "id", false },
        { "connection_events",
            { textCol("source_id"), intCol("connection"), textCol("state"), textCol("reason"), intCol("delay_ms"),
                intCol("last_seq"), timeCol("at") },
            "at", "at, id", "id", false },
        // Alerts fired during captures: ts is the stream's time of the alert, seq the event that raised it.
        { "alerts",
            { textCol("source_id"), textCol("fixture_id"), textCol("market_type"), textCol("selection"),
                textCol("rule"), intCol("rule_index"), textCol("kind"), intCol("seq"), timeCol("ts"),
                timeCol("received_at"), textCol("before_value"), textCol("after_value") },
            "ts", "ts, id", "id", true },
    };
    return specs;
}

const TableSpec *findTable(const QString &name)
{
    for (const TableSpec &t : tables()) {
        if (name == QLatin1String(t.name)) {
            return &t;
        }
    }
    return nullptr;
}

Error usage(const QString &message)
{
    return Error { QStringLiteral("usage"), message };
}

} // namespace

std::vector<CsvColumn> exportColumns(const QString &table)
{
    const TableSpec *t = findTable(table);
    return t ? t->columns : std::vector<CsvColumn> {};
}

QStringList exportTables()
{
    QStringList out;
    for (const TableSpec &t : tables()) {
        out << QLatin1String(t.name);
    }
    return out;
}

namespace {
/// `2026-11-25T15:04:05.123Z` without QDateTime (which costs a microsecond per call).
void appendIso8601(QByteArray &out, qint64 ms)
{
    qint64 days = ms >= 0 ? ms / 86400000 : (ms - 86399999) / 86400000;
    qint64 rest = ms - days * 86400000;
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    days += 719468;
    const qint64 era = (days >= 0 ? days : days - 146096) / 146097;
    const qint64 doe = days - era * 146097;
    const qint64 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    qint64 year = yoe + era * 400;
    const qint64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const qint64 mp = (5 * doy + 2) / 153;
    const qint64 day = doy - (153 * mp + 2) / 5 + 1;
    const qint64 month = mp < 10 ? mp + 3 : mp - 9;
    year += month <= 2 ? 1 : 0;
    char b[32];
    auto put = [&b](int at, qint64 v, int width) {
        for (int i = width - 1; i >= 0; --i) {
            b[at + i] = char('0' + v % 10);
            v /= 10;
        }
    };
    put(0, year, 4);
    b[4] = '-';
    put(5, month, 2);
    b[7] = '-';
    put(8, day, 2);
    b[10] = 'T';
    put(11, rest / 3600000, 2);
    rest %= 3600000;
    b[13] = ':';
    put(14, rest / 60000, 2);
    rest %= 60000;
    b[16] = ':';
    put(17, rest / 1000, 2);
    b[19] = '.';
    put(20, rest % 1000, 3);
    b[23] = 'Z';
    out.append(b, 24);
}
} // namespace

QByteArray shortestNumber(double value)
{
    char buffer[64];
    const auto r = std::to_chars(buffer, buffer + sizeof buffer, value);
    return QByteArray(buffer, r.ptr - buffer);
}

bool needsFormulaGuard(QByteArrayView text)
{
    // Spreadsheets skip leading spaces before evaluating, and some drop NUL bytes: look past both.
    qsizetype i = 0;
    while (i < text.size() && (text[i] == ' ' || text[i] == '\0')) {
        ++i;
    }
    if (i == text.size()) {
        return false;
    }
    const char c = text[i];
    if (c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r' || c == '\n') {
        return true;
    }
    // U+FF1D, U+FF0B, U+FF0D, U+FF20 (fullwidth = + - @), which some spreadsheets fold to ASCII.
    if (text.size() - i >= 3 && uchar(text[i]) == 0xEF && uchar(text[i + 1]) == 0xBC) {
        const uchar d = uchar(text[i + 2]);
        return d == 0x9D || d == 0x8B || d == 0x8D || d == 0xA0;
    }
    return false;
}

Result<void> replaceFile(const QString &partial, const QString &target)
{
    if (::rename(QFile::encodeName(partial).constData(), QFile::encodeName(target).constData()) != 0) {
        const QString why = QString::fromLocal8Bit(std::strerror(errno));
        QFile::remove(partial);
        return Error { QStringLiteral("io_error"),
            QStringLiteral("cannot move '%1' over '%2': %3 (the old file is unchanged)").arg(partial, target, why) };
    }
    return {};
}

void appendCsvField(QByteArray &out, QByteArrayView text, CsvKind kind, const CsvOptions &options)
{
    // A guarded cell is always quoted too, as OWASP advises: the quote keeps the prefix with it.
    const bool guard = kind == CsvKind::Text && options.formulaGuard && needsFormulaGuard(text);
    bool quote = guard;
    for (const char c : text) {
        if (c == options.delimiter || c == '"' || c == '\n' || c == '\r') {
            quote = true;
            break;
        }
    }
    if (!quote && !guard) {
        out.append(text);
        return;
    }
    if (quote) {
        out.append('"');
    }
    if (guard) {
        out.append('\'');
    }
    for (const char c : text) {
        if (c == '"') {
            out.append('"');
        }
        out.append(c);
    }
    if (quote) {
        out.append('"');
    }
}

Error csvWriteError(const QIODevice &out)
{
    const int code = errno;
    const QString why = code == EPIPE ? QStringLiteral("the reader at the other end of the pipe has gone")
        : code != 0                   ? QString::fromLocal8Bit(std::strerror(code))
                                      : out.errorString();
    return Error { QStringLiteral("io"), QStringLiteral("cannot write the CSV: %1").arg(why) };
}

Result<void> validateExportRequest(const ExportRequest &request)
{
    const TableSpec *t = findTable(request.table);
    if (!t) {
        return usage(QStringLiteral("unknown table '%1' (one of: %2)")
                         .arg(request.table, exportTables().join(QStringLiteral(", "))));
    }
    for (const QString &c : request.columns) {
        const bool known =
            std::any_of(t->columns.begin(), t->columns.end(), [&](const CsvColumn &k) { return k.name == c; });
        if (!known) {
            QStringList names;
            for (const CsvColumn &k : t->columns) {
                names << k.name;
            }
            return usage(QStringLiteral("table %1 has no column '%2' (columns: %3)")
                             .arg(request.table, c, names.join(QStringLiteral(","))));
        }
    }
    if ((!request.market.isEmpty() || !request.selection.isEmpty()) && !t->hasMarket) {
        return usage(QStringLiteral("--market and --selection apply to odds, bets, books and alerts, not %1")
                         .arg(request.table));
    }
    const bool hasFixture = std::any_of(
        t->columns.begin(), t->columns.end(), [](const CsvColumn &c) { return c.name == QLatin1String("fixture_id"); });
    if (!request.fixtures.isEmpty() && !hasFixture) {
        return usage(QStringLiteral("--fixture does not apply to %1").arg(request.table));
    }
    if (request.fromMs && request.toMs && *request.toMs <= *request.fromMs) {
        return usage(QStringLiteral("--to must be after --from"));
    }
    return {};
}

Result<ExportStats> exportCsv(
    Storage &storage, const ExportRequest &request, QIODevice &out, const std::function<bool(quint64)> &progress)
{
    if (auto v = validateExportRequest(request); !v) {
        return v.error();
    }
    const TableSpec &t = *findTable(request.table);
    std::vector<CsvColumn> columns;
    if (request.columns.isEmpty()) {
        columns = t.columns;
    } else {
        for (const QString &name : request.columns) {
            for (const CsvColumn &c : t.columns) {
                if (c.name == name) {
                    columns.push_back(c);
                }
            }
        }
    }
    QStringList select;
    for (const CsvColumn &c : columns) {
        // Flags are booleans in PostgreSQL ("t"): both back ends export them as 0 and 1.
        const bool flag = c.name == QLatin1String("image") || c.name == QLatin1String("compacted")
            || c.name == QLatin1String("raw_truncated");
        select << (flag ? QStringLiteral("CAST(%1 AS INTEGER) AS %1").arg(c.name) : c.name);
    }
    QStringList where;
    QStringList params;
    if (!request.fixtures.isEmpty()) {
        QStringList marks;
        for (const QString &f : request.fixtures) {
            marks << QStringLiteral("?");
            params << f;
        }
        where << QStringLiteral("fixture_id IN (%1)").arg(marks.join(QStringLiteral(", ")));
    }
    if (!request.market.isEmpty()) {
        where << QStringLiteral("market_type = ?");
        params << request.market;
    }
    if (!request.selection.isEmpty()) {
        where << QStringLiteral("selection = ?");
        params << request.selection;
    }
    if (!request.source.isEmpty()) {
        where << QStringLiteral("source_id = ?");
        params << request.source;
    }
    // Times are bound as text and cast, so both back ends compare integers.
    if (request.fromMs) {
        where << QStringLiteral("%1 >= CAST(? AS BIGINT)").arg(QLatin1String(t.timeColumn));
        params << QString::number(*request.fromMs);
    }
    if (request.toMs) {
        where << QStringLiteral("%1 < CAST(? AS BIGINT)").arg(QLatin1String(t.timeColumn));
        params << QString::number(*request.toMs);
    }
    QString sql = QStringLiteral("SELECT %1 FROM %2").arg(select.join(QStringLiteral(", ")), QLatin1String(t.name));
    if (!where.isEmpty()) {
        sql += QStringLiteral(" WHERE ") + where.join(QStringLiteral(" AND "));
    }
    // Constant memory: SQLite would sort an unindexed ORDER BY in this process, so there the rows
    // come in storage (commit) order; PostgreSQL sorts on its own disk.
    sql += QStringLiteral(" ORDER BY ") + QLatin1String(storage.sortsOutOfProcess() ? t.order : t.storageOrder);

    const CsvOptions &o = request.csv;
    const QByteArrayView eol = o.crlf ? QByteArrayView("\r\n") : QByteArrayView("\n");
    QByteArray buffer;
    buffer.reserve(1 << 20);
    if (o.bom) {
        buffer.append("\xEF\xBB\xBF");
    }
    for (std::size_t i = 0; i < columns.size(); ++i) {
        if (i > 0) {
            buffer.append(o.delimiter);
        }
        appendCsvField(buffer, columns[i].name.toUtf8(), CsvKind::Text, o);
    }
    buffer.append(eol);
    ExportStats stats;
    std::optional<Error> writeError;
    auto flush = [&] {
        errno = 0;
        if (out.write(buffer) != buffer.size()) {
            writeError = csvWriteError(out);
            return false;
        }
        stats.bytes += quint64(buffer.size());
        buffer.clear();
        return true;
    };
    auto r = storage.query(sql, params, [&](const RowView &row) {
        for (std::size_t i = 0; i < columns.size(); ++i) {
            if (i > 0) {
                buffer.append(o.delimiter);
            }
            const std::optional<QByteArrayView> &v = row[i];
            if (!v) {
                continue; // NULL: an empty field
            }
            switch (columns[i].kind) {
            case CsvKind::Text:
                appendCsvField(buffer, *v, CsvKind::Text, o);
                break;
            case CsvKind::Integer:
                buffer.append(*v);
                break;
            case CsvKind::Real:
                // Both back ends already print the shortest exact form (SQLite's through
                // Storage::query, PostgreSQL's by default since version 12).
                buffer.append(*v);
                break;
            case CsvKind::Time: {
                if (o.epochMs) {
                    buffer.append(*v);
                } else {
                    qint64 ms = 0;
                    std::from_chars(v->data(), v->data() + v->size(), ms);
                    appendIso8601(buffer, ms);
                }
                break;
            }
            }
        }
        buffer.append(eol);
        ++stats.rows;
        if (buffer.size() >= (1 << 20) && !flush()) {
            return false;
        }
        if (progress && stats.rows % 8192 == 0 && !progress(stats.rows)) {
            stats.cancelled = true;
            return false;
        }
        return true;
    });
    if (writeError) {
        return *writeError;
    }
    if (!r) {
        return r.error();
    }
    if (!stats.cancelled && !flush()) {
        return *writeError;
    }
    if (progress && !stats.cancelled) {
        progress(stats.rows);
    }
    return stats;
}

} // namespace OddsTap

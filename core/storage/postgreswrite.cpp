// SPDX-License-Identifier: MIT
// PostgresStorage's write side: one transaction per call, every table loaded by COPY from the
// shared batch walk, odds in index order, and the daily partitions created ahead.
#include "postgresstorage.h"

#include <core/common/logging.h>
#include <core/common/timeutil.h>
#include <core/storage/batchwalk.h>
#include <core/storage/booktext.h>
#include <core/storage/oddsrows.h>

#include <libpq-fe.h>

#include <algorithm>
#include <charconv>
#include <string>

namespace OddsTap {
namespace {

constexpr qint64 kDayMs = 86400000;
constexpr int kDaysAhead = 2;

// COPY text format: backslash, newline, carriage return and tab are escaped; \N is NULL.
template <typename Out> void appendEscaped(Out &out, std::string_view utf8)
{
    for (const char c : utf8) {
        switch (c) {
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            out += c;
        }
    }
}

void appendText(QByteArray &out, const QString &text)
{
    const QByteArray utf8 = text.toUtf8();
    appendEscaped(out, std::string_view(utf8.constData(), std::size_t(utf8.size())));
}

std::string escapedForCopy(std::string &&utf8)
{
    if (utf8.find_first_of("\\\n\r\t") == std::string::npos) {
        return std::move(utf8);
    }
    std::string out;
    out.reserve(utf8.size() + 8);
    appendEscaped(out, utf8);
    return out;
}

void appendUtf8(QByteArray &out, const std::string &text)
{
    out.append(text.data(), qsizetype(text.size()));
}

void appendInteger(QByteArray &out, qint64 v)
{
    char buffer[24];
    const auto r = std::to_chars(buffer, buffer + sizeof buffer, v);
    out.append(buffer, r.ptr - buffer);
}

void appendDouble(QByteArray &out, double v)
{
    char buffer[32];
    const auto r = std::to_chars(buffer, buffer + sizeof buffer, v); // shortest exact form
    out.append(buffer, r.ptr - buffer);
}

void appendTextOrNull(QByteArray &out, const QString &text)
{
    if (text.isEmpty()) {
        out += "\\N";
    } else {
        appendText(out, text);
    }
}

void appendWire(QByteArray &out, std::string_view s)
{
    out.append(s.data(), qsizetype(s.size()));
}

void appendCommon(QByteArray &out, const Event &e)
{
    appendText(out, e.sourceId);
    out += '\t' + QByteArray::number(e.seq) + '\t' + QByteArray::number(e.serverTsMs) + '\t'
        + QByteArray::number(e.receivedAtMs);
}

QByteArray partitionName(const char *table, qint64 day)
{
    const QString date = formatIso8601Utc(day * kDayMs).left(10).remove(QLatin1Char('-'));
    return QByteArray(table) + "_p" + date.toLatin1();
}

} // namespace

Result<void> PostgresStorage::ensurePartitions(qint64 upToMs)
{
    const qint64 today = wallClockMs() / kDayMs;
    const qint64 last = std::max(today, upToMs / kDayMs) + kDaysAhead;
    for (qint64 day = today - 1; day <= last; ++day) {
        if (m_partitionDays.count(day)) {
            continue;
        }
        for (const char *table : { "odds", "fixture_updates", "books" }) {
            const QByteArray sql = "CREATE TABLE IF NOT EXISTS " + partitionName(table, day) + " PARTITION OF " + table
                + " FOR VALUES FROM (" + QByteArray::number(day * kDayMs) + ") TO ("
                + QByteArray::number((day + 1) * kDayMs) + ")";
            if (auto r =
                    exec(sql, QStringLiteral("creating partition %1").arg(QLatin1String(partitionName(table, day))));
                !r) {
                if (r.error().message.contains(QLatin1String("already exists"))) {
                    // Another writer created it at the same moment (IF NOT EXISTS does not cover the race).
                    qCDebug(lcStorage).noquote() << r.error().message;
                } else {
                    // Rows for that day already sit in the DEFAULT partition: they stay there, nothing is lost.
                    qCWarning(lcStorage).noquote() << r.error().message;
                }
            }
        }
        m_partitionDays.insert(day);
    }
    return {};
}

/// The rows of a transaction other than odds, as lines of the COPY of their table. Appending
/// cannot fail: a row that the server refuses fails the COPY.
class PostgresStorage::CopySink final : public BatchSink
{
public:
    QByteArray fixtures, bets, errors, rejects, gaps, connections, books;

    bool fixture(const Event &e, const FixtureData &f) override
    {
        appendCommon(fixtures, e);
        fixtures += '\t';
        appendText(fixtures, f.fixtureId);
        fixtures += '\t' + QByteArray::number(f.sportId) + '\t' + QByteArray::number(f.tournamentId) + '\t'
            + QByteArray::number(f.startTimeMs) + '\t';
        appendWire(fixtures, toWire(f.status));
        for (const QString *t : { &f.home, &f.away, &f.score }) {
            fixtures += '\t';
            appendTextOrNull(fixtures, *t);
        }
        fixtures += '\n';
        return true;
    }

    bool bet(const Event &e, const BetData &b) override
    {
        appendCommon(bets, e);
        for (const QString *t : { &b.betId, &b.userId, &b.fixtureId, &b.marketType, &b.selection }) {
            bets += '\t';
            appendText(bets, *t);
        }
        bets += '\t';
        appendDouble(bets, b.stake);
        bets += '\t';
        if (b.oddValue) {
            appendDouble(bets, *b.oddValue);
        } else {
            bets += "\\N";
        }
        bets += '\t';
        appendDouble(bets, b.potentialWin);
        bets += '\t' + QByteArray::number(b.timestampMs) + '\n';
        return true;
    }

    bool feedError(const Event &e, const FeedErrorData &fe) override
    {
        appendCommon(errors, e);
        errors += '\t';
        appendText(errors, fe.code);
        errors += '\t';
        appendText(errors, fe.message);
        errors += '\n';
        return true;
    }

    bool book(const Event &e, const BookData &b) override
    {
        appendCommon(books, e);
        for (const QString *t : { &b.fixtureId, &b.marketType, &b.selection }) {
            books += '\t';
            appendText(books, *t);
        }
        books += '\t';
        appendInteger(books, b.timestampMs);
        books += b.image ? "\tt\t" : "\tf\t";
        if (b.tradedTotal) {
            appendDouble(books, *b.tradedTotal);
        } else {
            books += "\\N";
        }
        for (const BookSide side : { BookSide::Back, BookSide::Lay, BookSide::Traded }) {
            books += '\t';
            appendUtf8(books, bookSideText(b, side)); // digits, '.', ':', 'e' and spaces: nothing to escape
        }
        books += '\n';
        return true;
    }

    bool reject(const Reject &r) override
    {
        appendText(rejects, r.sourceId);
        rejects += '\t' + (r.seq ? QByteArray::number(*r.seq) : QByteArray("\\N")) + '\t'
            + (r.batchIndex >= 0 ? QByteArray::number(r.batchIndex) : QByteArray("\\N")) + '\t'
            + QByteArray::number(r.receivedAtMs) + '\t';
        appendWire(rejects, toWire(r.code));
        rejects += '\t';
        appendText(rejects, r.message);
        rejects += "\t\\\\x" + r.raw.toHex() + '\t' + (r.rawTruncated ? "t" : "f") + '\n';
        return true;
    }

    bool gap(const GapRecord &g) override
    {
        appendText(gaps, g.sourceId);
        gaps += '\t' + QByteArray::number(g.connection) + '\t' + QByteArray::number(g.expectedSeq) + '\t'
            + QByteArray::number(g.receivedSeq) + '\t' + QByteArray::number(g.missing()) + '\t'
            + (g.compacted ? "t" : "f") + '\t' + QByteArray::number(g.atMs) + '\n';
        return true;
    }

    bool connectionEvent(const ConnectionEvent &c) override
    {
        appendText(connections, c.sourceId);
        connections += '\t' + QByteArray::number(c.connection) + '\t';
        appendWire(connections, toWire(c.state));
        connections += '\t';
        appendText(connections, c.reason);
        connections += '\t' + QByteArray::number(c.delayMs) + '\t' + QByteArray::number(c.lastSeq) + '\t'
            + QByteArray::number(c.atMs) + '\n';
        return true;
    }
};

Result<void> PostgresStorage::prepareSession()
{
    if (m_tempTablesReady) {
        return {};
    }
    const auto r = exec("CREATE TEMP TABLE IF NOT EXISTS incoming_bets (LIKE bets) ON COMMIT DELETE ROWS; "
                        "CREATE TEMP TABLE IF NOT EXISTS incoming_fixtures (LIKE fixtures) ON COMMIT DELETE ROWS; "
                        "ALTER TABLE incoming_fixtures DROP CONSTRAINT IF EXISTS incoming_fixtures_pkey",
        QStringLiteral("preparing the session"));
    m_tempTablesReady = bool(r);
    return r;
}

Result<void> PostgresStorage::lockPartitions(const std::vector<const EventBatch *> &batches)
{
    QStringList keys;
    for (const EventBatch *b : batches) {
        if (!b->partitionKey.isEmpty() && !keys.contains(b->partitionKey)) {
            keys << b->partitionKey;
        }
    }
    // A text[] literal: every key quoted, with its quotes and backslashes escaped.
    QByteArray array = "{";
    for (const QString &key : keys) {
        QByteArray k = key.toUtf8();
        k.replace('\\', "\\\\").replace('"', "\\\"");
        array += (array.size() > 1 ? ",\"" : "\"") + k + '"';
    }
    array += '}';
    const QString what = QStringLiteral("reading the partition state");
    if (auto r = execParams("INSERT INTO partition_state (partition_key, last_seq, updated_at, message_ids) "
                            "SELECT k, 0, 0, '' FROM unnest($1::text[]) AS k ON CONFLICT (partition_key) DO NOTHING",
            { array }, what);
        !r) {
        return r.error();
    }
    const auto res = execParams("SELECT partition_key, last_seq, message_ids FROM partition_state WHERE "
                                "partition_key = ANY($1::text[]) FOR UPDATE",
        { array }, what);
    if (!res) {
        return res.error();
    }
    PGresult *rows = res->get();
    for (int i = 0; i < PQntuples(rows); ++i) {
        PartitionMark &mark = m_partitions[QString::fromUtf8(PQgetvalue(rows, i, 0))];
        mark.seq = QByteArray(PQgetvalue(rows, i, 1)).toULongLong();
        mark.messageIds = QByteArray(PQgetvalue(rows, i, 2)).split(' ');
        mark.messageIds.removeAll(QByteArray());
    }
    return {};
}

Result<WriteResult> PostgresStorage::write(
    const std::vector<const EventBatch *> &batches, const std::vector<Alert> &alerts)
{
    const qint64 started = monotonicNs();
    if (auto r = holdClaimedSources(); !r) {
        return r.error();
    }
    WriteResult result;
    auto fail = [this](const Error &e) -> Result<WriteResult> {
        if (PQstatus(m_conn) == CONNECTION_OK) {
            PGresult *res = PQexec(m_conn, "ROLLBACK");
            PQclear(res);
        }
        return e;
    };
    // A broker writer's batches: the transaction starts here, so that how far each partition is
    // stored is read under a row lock (another writer that took the partition over meanwhile
    // waits for this commit, and this one sees its last).
    const bool partitioned =
        std::any_of(batches.begin(), batches.end(), [](const EventBatch *b) { return !b->partitionKey.isEmpty(); });
    bool inTransaction = false;
    if (partitioned) {
        qint64 latest = 0;
        for (const EventBatch *b : batches) {
            for (const Event &e : b->events) {
                latest = std::max(latest, e.receivedAtMs);
            }
        }
        if (auto r = ensurePartitions(latest); !r) {
            return r.error();
        }
        if (auto r = prepareSession(); !r) {
            return r.error();
        }
        if (auto r = exec("BEGIN", QStringLiteral("starting a transaction")); !r) {
            return r.error();
        }
        inTransaction = true;
        if (auto r = lockPartitions(batches); !r) {
            return fail(r.error());
        }
    }
    // A requeued dead letter is stored once: one delivered again after its commit is left out.
    std::vector<const EventBatch *> toStore;
    toStore.reserve(batches.size());
    QByteArray deadLetterIds;
    for (const EventBatch *b : batches) {
        if (!b->deadLetterId.isEmpty()) {
            const auto stored = deadLetterStored(b->deadLetterId);
            if (!stored) {
                return fail(stored.error());
            }
            if (*stored) {
                result.duplicateSeqs += quint64(b->events.size());
                continue;
            }
            appendText(deadLetterIds, b->deadLetterId);
            deadLetterIds += '\t' + QByteArray::number(wallClockMs()) + '\n';
        }
        toStore.push_back(b);
    }
    CopySink sink;
    BatchWalk walk = walkBatches(toStore, m_committed, sink, result, m_partitions);
    const QByteArray &fixtures = sink.fixtures;
    const QByteArray &bets = sink.bets;
    const QByteArray &errors = sink.errors;
    const QByteArray &rejects = sink.rejects;
    const QByteArray &gaps = sink.gaps;
    const QByteArray &connections = sink.connections;
    OddsRows &oddsRows = walk.odds;
    SeqMap &newSeqs = walk.newSeqs;
    const qint64 maxReceived = walk.maxReceivedAtMs;
    result.odds = oddsRows.size();
    QByteArray odds;
    // Odds in index-key order, as for SQLite: the B-tree inserts stay on the same pages (measured
    // with perf: the server's time went mostly to descending the odds index).
    odds.reserve(qsizetype(result.odds) * 96);
    for (const OddsRows::Row &row : oddsRows.sorted(escapedForCopy)) {
        appendUtf8(odds, oddsRows.text(row.source));
        odds += '\t';
        appendInteger(odds, qint64(row.seq));
        odds += '\t';
        appendInteger(odds, row.serverTsMs);
        odds += '\t';
        appendInteger(odds, row.receivedAtMs);
        for (const quint32 t : { row.fixture, row.market, row.selection }) {
            odds += '\t';
            appendUtf8(odds, oddsRows.text(t));
        }
        odds += '\t';
        appendDouble(odds, row.oddValue);
        odds += '\t';
        appendInteger(odds, row.timestampMs);
        odds += '\t';
        appendWire(odds, toWire(row.status));
        odds += '\n';
    }
    if (auto r = ensurePartitions(maxReceived); !r) {
        return fail(r.error());
    }
    if (!inTransaction) {
        if (auto r = prepareSession(); !r) {
            return r.error();
        }
        if (auto r = exec("BEGIN", QStringLiteral("starting a transaction")); !r) {
            return r.error();
        }
    }
    static const QByteArray kFixtureColumns = "(source_id, seq, ts, received_at, fixture_id, sport_id, tournament_id, "
                                              "start_time, status, home, away, score)";
    static const QByteArray kBetColumns = "(source_id, seq, ts, received_at, bet_id, user_id, fixture_id, market_type, "
                                          "selection, stake, odd_value, potential_win, timestamp)";
    struct Load
    {
        const QByteArray *data;
        QByteArray sql;
        const char *what;
    };
    const Load loads[] = {
        { &odds,
            "COPY odds (source_id, seq, ts, received_at, fixture_id, market_type, selection, odd_value, timestamp, "
            "status) FROM STDIN",
            "storing odds" },
        { &fixtures, "COPY fixture_updates " + kFixtureColumns + " FROM STDIN", "storing fixture updates" },
        { &fixtures, "COPY incoming_fixtures " + kFixtureColumns + " FROM STDIN", "staging fixtures" },
        { &bets, "COPY incoming_bets " + kBetColumns + " FROM STDIN", "staging bets" },
        { &sink.books,
            "COPY books (source_id, seq, ts, received_at, fixture_id, market_type, selection, timestamp, image, "
            "traded_total, back, lay, traded) FROM STDIN",
            "storing book changes" },
        { &errors, "COPY feed_errors (source_id, seq, ts, received_at, code, message) FROM STDIN",
            "storing feed errors" },
        { &rejects,
            "COPY rejects (source_id, seq, batch_index, received_at, code, message, raw, raw_truncated) FROM STDIN",
            "storing rejects" },
        { &gaps,
            "COPY gaps (source_id, connection, expected_seq, received_seq, missing, compacted, detected_at) FROM STDIN",
            "storing gaps" },
        { &connections,
            "COPY connection_events (source_id, connection, state, reason, delay_ms, last_seq, at) FROM STDIN",
            "storing connection events" },
        { &deadLetterIds, "COPY stored_dead_letters (id, stored_at) FROM STDIN", "storing requeued dead letters" },
    };
    for (const Load &load : loads) {
        if (!load.data->isEmpty()) {
            if (auto r = copy(load.sql, *load.data, QLatin1String(load.what)); !r) {
                return fail(r.error());
            }
        }
    }
    if (!fixtures.isEmpty()) {
        const QByteArray sql = "INSERT INTO fixtures " + kFixtureColumns
            + " SELECT DISTINCT ON (source_id, fixture_id) " + kFixtureColumns.mid(1, kFixtureColumns.size() - 2)
            + " FROM incoming_fixtures ORDER BY source_id, fixture_id, "
              "seq DESC ON CONFLICT (source_id, fixture_id) DO UPDATE SET seq = excluded.seq, ts = excluded.ts, "
              "received_at = excluded.received_at, sport_id = excluded.sport_id, tournament_id = "
              "excluded.tournament_id, start_time = excluded.start_time, status = excluded.status, home = "
              "excluded.home, away = excluded.away, score = excluded.score WHERE excluded.seq > fixtures.seq";
        if (auto r = exec(sql, QStringLiteral("updating fixtures")); !r) {
            return fail(r.error());
        }
    }
    if (!bets.isEmpty()) {
        qint64 inserted = 0;
        qint64 staged = 0;
        if (auto r = exec("SELECT 1 FROM incoming_bets", QStringLiteral("counting bets"), &staged); !r) {
            return fail(r.error());
        }
        if (auto r = exec("INSERT INTO bets " + kBetColumns + " SELECT " + kBetColumns.mid(1, kBetColumns.size() - 2)
                    + " FROM incoming_bets ON CONFLICT (source_id, "
                      "bet_id) DO NOTHING",
                QStringLiteral("storing bets"), &inserted);
            !r) {
            return fail(r.error());
        }
        result.bets = quint64(inserted);
        result.duplicateBets = quint64(staged - inserted);
    }
    // Alerts in statements of up to 500 rows: few in a live run (rate-limited per rule and
    // fixture), but up to StorageWriter::kMaxPendingAlerts after an outage. Not COPY: a stored one
    // is left out by its unique key.
    constexpr std::size_t kAlertsPerStatement = 500;
    constexpr int kAlertColumns = 12;
    for (std::size_t first = 0; first < alerts.size(); first += kAlertsPerStatement) {
        const std::size_t n = std::min(kAlertsPerStatement, alerts.size() - first);
        QByteArray sql = "INSERT INTO alerts (source_id, fixture_id, market_type, selection, rule, rule_index, kind, "
                         "seq, ts, received_at, before_value, after_value) VALUES ";
        std::vector<QByteArray> params;
        params.reserve(n * kAlertColumns);
        for (std::size_t i = 0; i < n; ++i) {
            const Alert &a = alerts[first + i];
            const int p = int(i) * kAlertColumns;
            sql += i == 0 ? "(" : ",(";
            for (int k = 1; k <= kAlertColumns; ++k) {
                sql += (k == 1 ? "$" : ",$") + QByteArray::number(p + k);
                // Numbers are sent as text: say which, where the column alone would not.
                sql += k == 6 ? "::integer" : (k >= 8 && k <= 10) ? "::bigint" : "";
            }
            sql += ')';
            for (QByteArray value : { a.sourceId.toUtf8(), a.fixtureId.toUtf8(), a.marketType.toUtf8(),
                     a.selection.toUtf8(), a.rule.toUtf8(), QByteArray::number(a.ruleIndex),
                     alertKindName(a.kind).toUtf8(), QByteArray::number(a.seq), QByteArray::number(a.atMs),
                     QByteArray::number(a.receivedAtMs), a.before.toUtf8(), a.after.toUtf8() }) {
                params.push_back(std::move(value));
            }
        }
        sql += " ON CONFLICT DO NOTHING";
        const auto res = execParams(sql.constData(), params, QStringLiteral("storing alerts"));
        if (!res) {
            return fail(res.error());
        }
        const quint64 added = QByteArray(PQcmdTuples(res->get())).toULongLong();
        result.alerts += added;
        result.duplicateAlerts += n - std::min<quint64>(n, added);
    }
    for (const auto &[source, seq] : newSeqs) {
        QByteArray escaped = source.toUtf8();
        escaped.replace('\'', "''");
        const QByteArray sql = "INSERT INTO ingest_state VALUES ('" + escaped + "', " + QByteArray::number(seq) + ", "
            + QByteArray::number(wallClockMs())
            + ") ON CONFLICT (source_id) DO UPDATE SET last_seq = excluded.last_seq, updated_at = excluded.updated_at";
        if (auto r = exec(sql, QStringLiteral("storing the ingest state")); !r) {
            return fail(r.error());
        }
    }
    for (const auto &[key, mark] : walk.newPartitions) {
        // The row exists and is locked (lockPartitions()); GREATEST: never backwards.
        if (auto r = execParams("UPDATE partition_state SET last_seq = GREATEST(last_seq, $2::bigint), message_ids = "
                                "CASE WHEN $2::bigint >= last_seq THEN $3 ELSE message_ids END, updated_at = "
                                "$4::bigint WHERE partition_key = $1",
                { key.toUtf8(), QByteArray::number(mark.seq), mark.messageIds.join(' '),
                    QByteArray::number(wallClockMs()) },
                QStringLiteral("storing the partition state"));
            !r) {
            return fail(r.error());
        }
    }
    if (auto r = exec("COMMIT", QStringLiteral("committing")); !r) {
        return fail(r.error());
    }
    for (const auto &[source, seq] : newSeqs) {
        m_committed[source] = seq;
    }
    for (const auto &[key, mark] : walk.newPartitions) {
        m_partitions[key] = mark;
    }
    result.committedSeqs = std::move(newSeqs);
    result.writeNs = monotonicNs() - started;
    return result;
}

} // namespace OddsTap

// SPDX-License-Identifier: MIT
// SqliteStorage's write side: one transaction per call, the rows of every table through the shared
// batch walk, odds in index order, and the WAL checkpoints that keep the file in bounds.
#include "sqlitestorage.h"

#include <core/common/logging.h>
#include <core/common/timeutil.h>
#include <core/storage/batchwalk.h>
#include <core/storage/booktext.h>
#include <core/storage/oddsrows.h>

#include <sqlite3.h>

#include <algorithm>
#include <atomic>

namespace OddsTap {
namespace {

std::atomic<qint64> g_pageCacheBytes { 0 }; // SqliteStorage::pageCacheBytesInProcess()

void bindWire(sqlite3_stmt *s, int i, std::string_view text)
{
    sqlite3_bind_text(s, i, text.data(), int(text.size()), SQLITE_STATIC);
}

} // namespace

quint64 SqliteStorage::backgroundCheckpoints() const
{
    return m_checkpointer ? m_checkpointer->checkpoints() : 0;
}

void SqliteStorage::startCheckpointer()
{
    m_checkpointer = WalCheckpointer::Handle::start(m_path);
    if (!m_checkpointer) {
        return;
    }
    // The hook replaces SQLite's auto-checkpoint (which is itself a WAL hook).
    sqlite3_wal_hook(m_db, &SqliteStorage::onWalCommit, this);
}

int SqliteStorage::onWalCommit(void *self, sqlite3 *db, const char *schema, int frames)
{
    auto *storage = static_cast<SqliteStorage *>(self);
    storage->m_walFrames = frames;
    if (frames < storage->m_checkpointedFrames) {
        storage->m_checkpointedFrames = 0; // the WAL started over: everything before is in the database
    }
    if (frames > storage->m_maxWalFrames) {
        sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
        storage->m_checkpointedFrames = frames;
    } else if (frames - storage->m_checkpointedFrames >= storage->m_backlogCheckpointFrames) {
        storage->m_checkpointer->poke();
        storage->m_checkpointedFrames = frames;
    }
    return SQLITE_OK;
}

void SqliteStorage::idle()
{
    if (m_checkpointer && m_walFrames > m_checkpointedFrames) {
        m_checkpointer->poke();
        m_checkpointedFrames = m_walFrames;
    }
}

/// The rows of a transaction other than odds, each stepped through its prepared statement.
class SqliteStorage::RowSink final : public BatchSink
{
public:
    RowSink(SqliteStorage &storage, WriteResult &result)
        : m_s(storage)
        , m_result(result)
    { }

    bool fixture(const Event &e, const FixtureData &f) override
    {
        for (sqlite3_stmt *s : { m_s.m_insFixtureUpdate, m_s.m_upsertFixture }) {
            m_s.bindCommon(s, e);
            m_s.bindText(s, 5, f.fixtureId);
            sqlite3_bind_int64(s, 6, f.sportId);
            sqlite3_bind_int64(s, 7, f.tournamentId);
            sqlite3_bind_int64(s, 8, f.startTimeMs);
            bindWire(s, 9, toWire(f.status));
            m_s.bindTextOrNull(s, 10, f.home);
            m_s.bindTextOrNull(s, 11, f.away);
            m_s.bindTextOrNull(s, 12, f.score);
            if (!step(s)) {
                return false;
            }
        }
        return true;
    }

    bool bet(const Event &e, const BetData &b) override
    {
        sqlite3_stmt *s = m_s.m_insBet;
        m_s.bindCommon(s, e);
        m_s.bindText(s, 5, b.betId);
        m_s.bindText(s, 6, b.userId);
        m_s.bindText(s, 7, b.fixtureId);
        m_s.bindText(s, 8, b.marketType);
        m_s.bindText(s, 9, b.selection);
        sqlite3_bind_double(s, 10, b.stake);
        if (b.oddValue) {
            sqlite3_bind_double(s, 11, *b.oddValue);
        } else {
            sqlite3_bind_null(s, 11);
        }
        sqlite3_bind_double(s, 12, b.potentialWin);
        sqlite3_bind_int64(s, 13, b.timestampMs);
        if (!step(s)) {
            return false;
        }
        if (sqlite3_changes(m_s.m_db) == 0) {
            ++m_result.duplicateBets; // same bet_id from the same source: stored once
        } else {
            ++m_result.bets;
        }
        return true;
    }

    bool feedError(const Event &e, const FeedErrorData &fe) override
    {
        sqlite3_stmt *s = m_s.m_insFeedError;
        m_s.bindCommon(s, e);
        m_s.bindText(s, 5, fe.code);
        m_s.bindText(s, 6, fe.message);
        return step(s);
    }

    bool book(const Event &e, const BookData &b) override
    {
        sqlite3_stmt *s = m_s.m_insBook;
        m_s.bindCommon(s, e);
        m_s.bindText(s, 5, b.fixtureId);
        m_s.bindText(s, 6, b.marketType);
        m_s.bindText(s, 7, b.selection);
        sqlite3_bind_int64(s, 8, b.timestampMs);
        sqlite3_bind_int(s, 9, b.image ? 1 : 0);
        if (b.tradedTotal) {
            sqlite3_bind_double(s, 10, *b.tradedTotal);
        } else {
            sqlite3_bind_null(s, 10);
        }
        int index = 11;
        for (const BookSide side : { BookSide::Back, BookSide::Lay, BookSide::Traded }) {
            const std::string text = bookSideText(b, side);
            sqlite3_bind_text(s, index++, text.data(), int(text.size()), SQLITE_TRANSIENT);
        }
        return step(s);
    }

    bool reject(const Reject &r) override
    {
        sqlite3_stmt *s = m_s.m_insReject;
        m_s.bindText(s, 1, r.sourceId);
        if (r.seq) {
            sqlite3_bind_int64(s, 2, qint64(*r.seq));
        } else {
            sqlite3_bind_null(s, 2);
        }
        if (r.batchIndex >= 0) {
            sqlite3_bind_int(s, 3, r.batchIndex);
        } else {
            sqlite3_bind_null(s, 3);
        }
        sqlite3_bind_int64(s, 4, r.receivedAtMs);
        bindWire(s, 5, toWire(r.code));
        m_s.bindText(s, 6, r.message);
        sqlite3_bind_blob(s, 7, r.raw.constData(), int(r.raw.size()), SQLITE_STATIC);
        sqlite3_bind_int(s, 8, r.rawTruncated ? 1 : 0);
        return step(s);
    }

    bool gap(const GapRecord &g) override
    {
        sqlite3_stmt *s = m_s.m_insGap;
        m_s.bindText(s, 1, g.sourceId);
        sqlite3_bind_int64(s, 2, g.connection);
        sqlite3_bind_int64(s, 3, qint64(g.expectedSeq));
        sqlite3_bind_int64(s, 4, qint64(g.receivedSeq));
        sqlite3_bind_int64(s, 5, qint64(g.missing()));
        sqlite3_bind_int(s, 6, g.compacted ? 1 : 0);
        sqlite3_bind_int64(s, 7, g.atMs);
        return step(s);
    }

    bool connectionEvent(const ConnectionEvent &c) override
    {
        sqlite3_stmt *s = m_s.m_insConnectionEvent;
        m_s.bindText(s, 1, c.sourceId);
        sqlite3_bind_int64(s, 2, c.connection);
        bindWire(s, 3, toWire(c.state));
        m_s.bindText(s, 4, c.reason);
        sqlite3_bind_int(s, 5, c.delayMs);
        sqlite3_bind_int64(s, 6, qint64(c.lastSeq));
        sqlite3_bind_int64(s, 7, c.atMs);
        return step(s);
    }

    static bool step(sqlite3_stmt *s)
    {
        const int rc = sqlite3_step(s);
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
        return rc == SQLITE_DONE;
    }

private:
    SqliteStorage &m_s;
    WriteResult &m_result;
};

QString SqliteStorage::fileGone() const
{
    // One stat of the path against the open file per transaction: a database deleted, renamed or
    // replaced under the writer takes every later commit with it when the process ends.
    int moved = 0;
    if (sqlite3_file_control(m_db, "main", SQLITE_FCNTL_HAS_MOVED, &moved) != SQLITE_OK || moved == 0) {
        return {};
    }
    return QStringLiteral("the database file '%1' was deleted, renamed or replaced while capturing into it: what "
                          "was written since its last commit went into the removed file. Nothing more is written; "
                          "the next capture resumes from what the database at that path holds")
        .arg(m_path);
}

Result<WriteResult> SqliteStorage::write(
    const std::vector<const EventBatch *> &batches, const std::vector<Alert> &alerts)
{
    const qint64 started = monotonicNs();
    WriteResult result;
    if (!m_checkpointer) {
        startCheckpointer();
    }
    if (auto gone = fileGone(); !gone.isEmpty()) {
        return Error { QStringLiteral("storage_gone"), gone };
    }
    if (const QString damage = m_checkpointer ? m_checkpointer->damage() : QString(); !damage.isEmpty()) {
        return Error { QStringLiteral("storage_corrupt"),
            QStringLiteral("the database '%1' is damaged (found by its WAL checkpoint: %2)").arg(m_path, damage) };
    }
    if (auto r = exec("BEGIN IMMEDIATE", QStringLiteral("starting a transaction")); !r) {
        return r.error();
    }
    auto fail = [this](const QString &what) -> Result<WriteResult> {
        Error e = sqlError(what);
        char *err = nullptr;
        sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, &err);
        sqlite3_free(err);
        return e;
    };
    RowSink sink(*this, result);
    BatchWalk walk = walkBatches(batches, m_committed, sink, result);
    if (!walk.failed.isEmpty()) {
        return fail(walk.failed);
    }
    // Odds are the bulk: inserted last, ordered by the index key (fixture, market, time), which keeps
    // the B-tree writes local. Measured: ~3x faster than arrival order with 1,000 fixtures.
    OddsRows &odds = walk.odds;
    SeqMap &newSeqs = walk.newSeqs;
    auto bindRow = [&odds](sqlite3_stmt *s, int first, const OddsRows::Row &row) {
        auto bindUtf8 = [&odds, s](int i, quint32 index) {
            const std::string &t = odds.text(index);
            sqlite3_bind_text(s, i, t.data(), int(t.size()), SQLITE_STATIC);
        };
        bindUtf8(first, row.source);
        sqlite3_bind_int64(s, first + 1, qint64(row.seq));
        sqlite3_bind_int64(s, first + 2, row.serverTsMs);
        sqlite3_bind_int64(s, first + 3, row.receivedAtMs);
        bindUtf8(first + 4, row.fixture);
        bindUtf8(first + 5, row.market);
        bindUtf8(first + 6, row.selection);
        sqlite3_bind_double(s, first + 7, row.oddValue);
        sqlite3_bind_int64(s, first + 8, row.timestampMs);
        bindWire(s, first + 9, toWire(row.status));
    };
    const std::vector<OddsRows::Row> &rows = odds.sorted();
    constexpr auto kMany = std::size_t(kOddsRowsPerStatement);
    for (std::size_t i = 0; i < rows.size();) {
        const bool useMany = rows.size() - i >= kMany;
        sqlite3_stmt *s = useMany ? m_insOddsMany : m_insOdds;
        const std::size_t n = useMany ? kMany : 1;
        for (std::size_t k = 0; k < n; ++k) {
            bindRow(s, int(k) * 10 + 1, rows[i + k]);
        }
        // Every parameter is bound above: no sqlite3_clear_bindings on the hottest statements.
        const int rc = sqlite3_step(s);
        sqlite3_reset(s);
        if (rc != SQLITE_DONE) {
            return fail(QStringLiteral("storing odds"));
        }
        i += n;
        result.odds += n;
    }
    for (const Alert &a : alerts) {
        sqlite3_stmt *s = m_insAlert;
        bindText(s, 1, a.sourceId);
        bindText(s, 2, a.fixtureId);
        bindText(s, 3, a.marketType);
        bindText(s, 4, a.selection);
        bindText(s, 5, a.rule);
        sqlite3_bind_int(s, 6, a.ruleIndex);
        bindText(s, 7, alertKindName(a.kind));
        sqlite3_bind_int64(s, 8, qint64(a.seq));
        sqlite3_bind_int64(s, 9, a.atMs);
        sqlite3_bind_int64(s, 10, a.receivedAtMs);
        bindText(s, 11, a.before);
        bindText(s, 12, a.after);
        if (!RowSink::step(s)) {
            return fail(QStringLiteral("storing alerts"));
        }
        const auto added = quint64(sqlite3_changes(m_db));
        result.alerts += added;
        result.duplicateAlerts += 1 - added;
    }
    for (const auto &[source, seq] : newSeqs) {
        sqlite3_stmt *s = m_upsertIngest;
        bindText(s, 1, source);
        sqlite3_bind_int64(s, 2, qint64(seq));
        sqlite3_bind_int64(s, 3, wallClockMs());
        if (!RowSink::step(s)) {
            return fail(QStringLiteral("storing the ingest state"));
        }
    }
    if (auto r = exec("COMMIT", QStringLiteral("committing")); !r) {
        char *err = nullptr;
        sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, &err);
        sqlite3_free(err);
        return r.error();
    }
    if (auto gone = fileGone(); !gone.isEmpty()) {
        // Committed into a file no longer there: as good as lost, so not counted as stored.
        return Error { QStringLiteral("storage_gone"), gone };
    }
    for (const auto &[source, seq] : newSeqs) {
        m_committed[source] = seq;
    }
    int cacheUsed = 0;
    int cacheHighwater = 0;
    if (sqlite3_db_status(m_db, SQLITE_DBSTATUS_CACHE_USED, &cacheUsed, &cacheHighwater, 0) == SQLITE_OK) {
        setPageCacheUse(cacheUsed);
    }
    result.committedSeqs = std::move(newSeqs);
    result.writeNs = monotonicNs() - started;
    result.walBytes = qint64(m_walFrames) * (m_pageSize + 24);
    return result;
}

qint64 SqliteStorage::pageCacheBytesInProcess()
{
    return g_pageCacheBytes.load(std::memory_order_relaxed);
}

void SqliteStorage::setPageCacheUse(qint64 bytes)
{
    g_pageCacheBytes.fetch_add(bytes - m_pageCacheBytes, std::memory_order_relaxed);
    m_pageCacheBytes = bytes;
}

} // namespace OddsTap

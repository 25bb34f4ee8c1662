// SPDX-License-Identifier: MIT
// SqliteStorage's check of a database file before capturing into it, and what to say when it is
// damaged.
#include "sqlitestorage.h"

#include <sqlite3.h>

#include <atomic>

namespace OddsTap {

namespace {
std::atomic<qint64> g_fullCheckMaxBytes { SqliteStorage::kFullCheckMaxBytes };
} // namespace

qint64 SqliteStorage::fullCheckMaxBytes()
{
    return g_fullCheckMaxBytes.load(std::memory_order_relaxed);
}

void SqliteStorage::setFullCheckMaxBytes(qint64 bytes)
{
    g_fullCheckMaxBytes.store(bytes, std::memory_order_relaxed);
}

Result<void> SqliteStorage::quickCheck(const QStringList &tables)
{
    QStringList problems;
    QList<QByteArray> statements;
    if (tables.isEmpty()) {
        statements << QByteArrayLiteral("PRAGMA quick_check(5)");
    }
    for (const QString &table : tables) {
        statements << "PRAGMA quick_check(" + table.toUtf8() + ")";
    }
    for (const QByteArray &sql : std::as_const(statements)) {
        sqlite3_stmt *stmt = nullptr;
        int rc = sqlite3_prepare_v2(m_db, sql.constData(), -1, &stmt, nullptr);
        if (rc == SQLITE_OK) {
            while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
                const QString line = QString::fromUtf8(reinterpret_cast<const char *>(sqlite3_column_text(stmt, 0)));
                if (line != QLatin1String("ok")) {
                    problems << line;
                }
            }
        }
        sqlite3_finalize(stmt);
        if (rc != SQLITE_DONE) {
            const Error e = sqlError(QStringLiteral("checking the database"));
            if (e.code != QLatin1String("storage_corrupt")) {
                return e;
            }
            problems << e.message;
        }
    }
    if (!problems.isEmpty()) {
        return Error { QStringLiteral("storage_corrupt"),
            QStringLiteral("the database '%1' is damaged (%2). %3")
                .arg(m_path, problems.join(QStringLiteral("; ")), recoveryAdvice(m_path)) };
    }
    return {};
}

QString SqliteStorage::recoveryAdvice(const QString &path)
{
    return QStringLiteral("OddsTap will not write into a damaged database. To keep what it holds, copy out what is "
                          "readable (sqlite3 '%1' .recover | sqlite3 recovered.db, or oddstap-cli export --db '%1' "
                          "table by table), then capture into a new file: the feed resumes from what that file holds")
        .arg(path);
}

} // namespace OddsTap

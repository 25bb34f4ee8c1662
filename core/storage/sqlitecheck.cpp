// SPDX-License-Identifier: MIT
// SqliteStorage's check of a database file before capturing into it, and what to say when it is
// damaged.
#include "sqlitestorage.h"

#include <core/replay/capturefile.h>

#include <QFile>
#include <QFileInfo>
#include <QtEndian>

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

std::optional<Error> SqliteStorage::notADatabase(const QString &path)
{
    QFile file(path);
    if (file.size() == 0 || !file.open(QIODevice::ReadOnly)) {
        return std::nullopt; // a new database, or SQLite's own error says why
    }
    // SQLite's header: its magic string, and the application id (big-endian) at offset 68. A
    // journal or WAL beside the file may hold a first page an interrupted write tore: SQLite
    // repairs it from there, or says what is wrong.
    const QByteArray header = file.read(100);
    const bool repairable =
        QFileInfo(path + QStringLiteral("-journal")).size() > 0 || QFileInfo(path + QStringLiteral("-wal")).size() > 0;
    if (!header.startsWith(QByteArrayView("SQLite format 3\0", 16)) && !repairable) {
        return Error { QStringLiteral("storage_foreign"),
            QStringLiteral("'%1' is not an SQLite database (a text or other file?): choose an OddsTap database, or a "
                           "new file's name to capture into")
                .arg(path) };
    }
    if (header.size() >= 72 && qFromBigEndian<qint32>(header.constData() + 68) == kCaptureApplicationId) {
        return Error { QStringLiteral("storage_foreign"),
            QStringLiteral("'%1' is an OddsTap capture (a recording), not a database: read it with 'oddstap-cli "
                           "info', 'replay' or 'export-frames'")
                .arg(path) };
    }
    return std::nullopt;
}

QString SqliteStorage::recoveryAdvice(const QString &path)
{
    return QStringLiteral("OddsTap will not write into a damaged database. To keep what it holds, copy out what is "
                          "readable (sqlite3 '%1' .recover | sqlite3 recovered.db, or oddstap-cli export --db '%1' "
                          "table by table), then capture into a new file: the feed resumes from what that file holds")
        .arg(path);
}

} // namespace OddsTap

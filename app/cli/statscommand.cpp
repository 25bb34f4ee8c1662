// SPDX-License-Identifier: MIT
#include "statscommand.h"

#include "cliutil.h"

#include <core/storage/storage.h>

#include <QFileInfo>
#include <QJsonDocument>

namespace OddsTap::Cli {

int runStats(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Prints the row count of every table and the committed seq of every source, as JSON\n"
                       "(a database broker writers fill: partition_seq, how far each source/partition is stored).\n"
                       "Exit status: 0 ok; 2 usage error, or a database that is missing, locked, corrupt or foreign."));
    parser.addHelpOption();
    parser.addOption({ QStringLiteral("db"),
        QStringLiteral("SQLite file or postgresql:// URL (default: %1).").arg(StorageTarget::defaultSqlitePath()),
        QStringLiteral("path|url") });
    int exitCode = kExitOk;
    if (!parseOrExplain(parser, arguments, exitCode, Positional::None)) {
        return exitCode;
    }
    auto target = StorageTarget::parse(
        parser.isSet(QStringLiteral("db")) ? parser.value(QStringLiteral("db")) : StorageTarget::defaultSqlitePath());
    if (!target) {
        err() << "oddstap-cli stats: " << target.error().message << "\n";
        return kExitUsage;
    }
    if (target->kind == StorageTarget::Kind::Sqlite && !QFileInfo::exists(target->path)) {
        err() << "oddstap-cli stats: no database at '" << target->path << "'\n";
        return kExitUsage;
    }
    auto storage = Storage::openForReading(*target, QStringLiteral("oddstap-stats"));
    if (!storage) {
        err() << "oddstap-cli stats: " << storage.error().message << "\n";
        return kExitUsage;
    }
    auto counts = (*storage)->tableCounts();
    if (!counts) {
        err() << "oddstap-cli stats: " << counts.error().message << "\n";
        return kExitUsage;
    }
    QJsonObject committed;
    for (const auto &[source, seq] : (*storage)->committedSeqs()) {
        committed.insert(source, qint64(seq));
    }
    QJsonObject result { { QStringLiteral("database"), target->display() },
        { QStringLiteral("schema_version"), (*storage)->schemaVersion() }, { QStringLiteral("tables"), *counts },
        { QStringLiteral("committed_seq"), committed } };
    // A database the broker writers fill: how far each source's partitions are stored.
    QJsonObject partitions;
    const auto read =
        (*storage)->query(QStringLiteral("SELECT partition_key, last_seq FROM partition_state ORDER BY partition_key"),
            {}, [&partitions](const RowView &row) {
                if (row.size() == 2 && row[0] && row[1]) {
                    partitions.insert(QString::fromUtf8(row[0]->toByteArray()), row[1]->toByteArray().toLongLong());
                }
                return true;
            });
    if (!read) {
        err() << "oddstap-cli stats: " << read.error().message << "\n";
        return kExitUsage;
    }
    if (!partitions.isEmpty()) {
        result.insert(QStringLiteral("partition_seq"), partitions);
    }
    out() << QJsonDocument(result).toJson(QJsonDocument::Indented);
    return kExitOk;
}

} // namespace OddsTap::Cli

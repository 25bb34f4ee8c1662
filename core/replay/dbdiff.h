// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/result.h>

#include <QJsonObject>
#include <QStringList>

#include <map>
#include <optional>

namespace OddsTap {

struct DiffOptions
{
    /// Also compare what depends on when and how frames arrived: received_at and detection times,
    /// the gaps and connection_events tables, and frame receive times of captures. A replay of a
    /// capture into a fresh database is identical even then; a re-capture of a served replay is not.
    bool strict = false;
};

/// The first place where two databases (or two captures) differ.
struct Divergence
{
    QString table;
    QString key; ///< e.g. "source_id=sim-1, seq=48213"
    QString column; ///< empty when a whole row is missing on one side
    std::optional<QString> a; ///< the value in A (nullopt: NULL or no such row)
    std::optional<QString> b;
    QString what; ///< "value differs", "row only in A", "row only in B"
};

struct DiffResult
{
    QString kind; ///< "database" or "capture"
    std::optional<Divergence> first;
    QStringList compared; ///< tables (or record kinds) compared, in order
    QStringList leftOut; ///< volatile columns and tables not compared, with why
    std::map<QString, quint64> rows; ///< per table, rows compared (A side)
    bool identical() const { return !first.has_value(); }
    QString toText() const;
    QJsonObject toJson() const;
};

/// Compares two OddsTap databases (SQLite files or postgresql:// URLs, in any combination) or two
/// capture files, streaming both sides in key order. Row ids are never compared.
Result<DiffResult> diffStores(const QString &a, const QString &b, const DiffOptions &options);

} // namespace OddsTap

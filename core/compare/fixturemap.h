// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/result.h>

#include <QHash>
#include <QString>

namespace OddsTap {

/// Which fixtures of different sources are the same match. Sources name one match with ids of
/// their own; a mapping file gives each match a key and every source's id for it. A fixture the
/// map does not name is compared under its own id, so sources that share ids (several books of
/// one simulator) need no file.
///
/// File: `{"fixtures": [{"key": "ARS-CHE", "ids": {"book-a": "fx-1", "betfair": "1.23"}}]}`.
class FixtureMap
{
public:
    static Result<FixtureMap> parse(const QByteArray &json);
    static Result<FixtureMap> read(const QString &path);

    /// The key @p fixtureId of @p sourceId is compared under.
    QString key(const QString &sourceId, const QString &fixtureId) const;
    /// The id @p sourceId gives the match of @p key (the key itself when the map does not say).
    QString fixtureIdIn(const QString &key, const QString &sourceId) const;
    /// Whether the map names this fixture (then its teams are not checked against the others').
    bool names(const QString &sourceId, const QString &fixtureId) const;
    qsizetype size() const { return m_keys.size(); }

private:
    QHash<QString, QString> m_keys; ///< source id + U+001F + fixture id -> key
    QHash<QString, QHash<QString, QString>> m_ids; ///< key -> source id -> fixture id
};

} // namespace OddsTap

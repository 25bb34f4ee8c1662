// SPDX-License-Identifier: MIT
#include "fixturemap.h"

#include <core/common/paths.h>

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>

namespace OddsTap {
namespace {

QString pairKey(const QString &sourceId, const QString &fixtureId)
{
    return sourceId + QChar(0x1f) + fixtureId;
}

Error invalid(const QString &message)
{
    return Error { QStringLiteral("bad_fixture_map"), message };
}

/// 1 to 200 characters, none of them a control character (U+001F joins a source and its id).
bool validText(const QString &s)
{
    return !s.isEmpty() && s.size() <= 200
        && std::none_of(s.begin(), s.end(), [](QChar c) { return c.category() == QChar::Other_Control; });
}

bool validText(const QJsonValue &v)
{
    return v.isString() && validText(v.toString());
}

} // namespace

Result<FixtureMap> FixtureMap::parse(const QByteArray &json)
{
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        return invalid(
            QStringLiteral("not JSON at offset %1: %2").arg(parseError.offset).arg(parseError.errorString()));
    }
    const QJsonValue list = doc.object().value(QStringLiteral("fixtures"));
    if (!list.isArray()) {
        return invalid(QStringLiteral("expected an object with a \"fixtures\" array"));
    }
    const QJsonArray array = list.toArray();
    if (array.size() > 1000000) {
        return invalid(QStringLiteral("more than 1,000,000 fixtures"));
    }
    FixtureMap map;
    for (int i = 0; i < array.size(); ++i) {
        const QJsonObject o = array[i].toObject();
        const QJsonValue key = o.value(QStringLiteral("key"));
        const QJsonValue ids = o.value(QStringLiteral("ids"));
        if (!validText(key) || !ids.isObject() || ids.toObject().isEmpty()) {
            return invalid(QStringLiteral("fixture %1: needs a \"key\" (a string of 1 to 200 characters) and an "
                                          "\"ids\" object (source id -> fixture id)")
                               .arg(i + 1));
        }
        const QString k = key.toString();
        if (map.m_ids.contains(k)) {
            return invalid(QStringLiteral("fixture %1: the key '%2' is given twice").arg(i + 1).arg(k));
        }
        QHash<QString, QString> &bySource = map.m_ids[k];
        const QJsonObject idObject = ids.toObject();
        for (auto it = idObject.begin(); it != idObject.end(); ++it) {
            if (!validText(it.key()) || !validText(it.value())) {
                return invalid(QStringLiteral("fixture %1 ('%2'): every source and id must be a string of 1 to 200 "
                                              "characters, without control characters")
                                   .arg(i + 1)
                                   .arg(k));
            }
            const QString pair = pairKey(it.key(), it.value().toString());
            if (map.m_keys.contains(pair)) {
                return invalid(QStringLiteral("fixture %1 ('%2'): %3's fixture '%4' is already mapped to '%5'")
                                   .arg(i + 1)
                                   .arg(k, it.key(), it.value().toString(), map.m_keys.value(pair)));
            }
            map.m_keys.insert(pair, k);
            bySource.insert(it.key(), it.value().toString());
        }
    }
    return map;
}

Result<FixtureMap> FixtureMap::read(const QString &path)
{
    const auto json = readSettingsDocument(path, QStringLiteral("bad_fixture_map"));
    if (!json) {
        return json.error();
    }
    auto map = parse(*json);
    if (!map) {
        return Error { map.error().code, QStringLiteral("%1: %2").arg(path, map.error().message) };
    }
    return map;
}

QString FixtureMap::key(const QString &sourceId, const QString &fixtureId) const
{
    if (m_keys.isEmpty()) {
        return fixtureId;
    }
    return m_keys.value(pairKey(sourceId, fixtureId), fixtureId);
}

QString FixtureMap::fixtureIdIn(const QString &key, const QString &sourceId) const
{
    const auto it = m_ids.constFind(key);
    return it == m_ids.constEnd() ? key : it->value(sourceId, key);
}

bool FixtureMap::names(const QString &sourceId, const QString &fixtureId) const
{
    return m_keys.contains(pairKey(sourceId, fixtureId));
}

} // namespace OddsTap

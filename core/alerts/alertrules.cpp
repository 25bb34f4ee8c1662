// SPDX-License-Identifier: MIT
#include "alertrules.h"

#include <core/common/jsonkeys.h>
#include <core/common/paths.h>

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

#include <algorithm>
#include <array>
#include <cmath>

namespace OddsTap {
namespace {

constexpr std::array<const char *, kAlertKindCount> kKindNames = { "price_move", "price_cross", "suspended", "reopened",
    "in_play", "stale", "overround", "big_bet", "score_without_price_move", "arbitrage" };

Error invalid(int index, const QString &message)
{
    return Error { QStringLiteral("bad_rules"), QStringLiteral("rule %1: %2").arg(index + 1).arg(message) };
}

/// A number field: absent leaves @p out as it is; present must be a finite number in [min, max].
bool number(const QJsonObject &o, const char *key, double min, double max, double &out, QString &error)
{
    const QJsonValue v = o.value(QLatin1String(key));
    if (v.isUndefined()) {
        return true;
    }
    if (!v.isDouble() || !std::isfinite(v.toDouble()) || v.toDouble() < min || v.toDouble() > max) {
        error = QStringLiteral("%1 must be a number from %2 to %3").arg(QLatin1String(key)).arg(min).arg(max);
        return false;
    }
    out = v.toDouble();
    return true;
}

bool text(const QJsonObject &o, const char *key, QString &out, QString &error)
{
    const QJsonValue v = o.value(QLatin1String(key));
    if (v.isUndefined()) {
        return true;
    }
    if (!v.isString() || v.toString().size() > 200) {
        error = QStringLiteral("%1 must be a string (up to 200 characters)").arg(QLatin1String(key));
        return false;
    }
    if (v.toString().contains(QChar(0))) {
        // Alerts carry their rule's name into the database, where no text holds a NUL.
        error = QStringLiteral("%1 holds a NUL character (\\u0000)").arg(QLatin1String(key));
        return false;
    }
    out = v.toString();
    return true;
}

} // namespace

QString alertKindName(AlertKind kind)
{
    return QLatin1String(kKindNames[std::size_t(kind)]);
}

std::optional<AlertKind> alertKindFromName(const QString &name)
{
    for (std::size_t i = 0; i < kKindNames.size(); ++i) {
        if (name == QLatin1String(kKindNames[i])) {
            return AlertKind(i);
        }
    }
    return std::nullopt;
}

Result<std::vector<AlertRule>> parseAlertRules(const QByteArray &json)
{
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        return Error { QStringLiteral("bad_rules"),
            QStringLiteral("not JSON at offset %1: %2").arg(parseError.offset).arg(parseError.errorString()) };
    }
    const QJsonValue list = doc.object().value(QStringLiteral("rules"));
    if (!list.isArray()) {
        return Error { QStringLiteral("bad_rules"), QStringLiteral("expected an object with a \"rules\" array") };
    }
    constexpr double kDay = 86400;
    std::vector<AlertRule> rules;
    const QJsonArray array = list.toArray();
    if (array.size() > 100000) {
        return Error { QStringLiteral("bad_rules"), QStringLiteral("more than 100,000 rules") };
    }
    for (int i = 0; i < array.size(); ++i) {
        if (!array[i].isObject()) {
            return invalid(i, QStringLiteral("must be an object"));
        }
        const QJsonObject o = array[i].toObject();
        // A misspelt field would be a limit silently not applied (a rule firing on everything).
        if (const QString unknown = unknownJsonKey(o,
                { "type", "name", "percent", "ticks", "within_s", "after_s", "cooldown_s", "direction", "level", "min",
                    "max", "stake", "max_age_s", "scope" });
            !unknown.isEmpty()) {
            return invalid(i, QStringLiteral("unknown field \"%1\"").arg(unknown));
        }
        AlertRule r;
        const auto kind = alertKindFromName(o.value(QStringLiteral("type")).toString());
        if (!kind) {
            QStringList names;
            for (const char *n : kKindNames) {
                names << QLatin1String(n);
            }
            return invalid(i, QStringLiteral("type must be one of %1").arg(names.join(QStringLiteral(", "))));
        }
        r.kind = *kind;
        if (r.kind != AlertKind::Arbitrage && o.contains(QStringLiteral("max_age_s"))) {
            return invalid(i, QStringLiteral("max_age_s is for arbitrage rules"));
        }
        QString error;
        r.name = alertKindName(r.kind);
        double windowS = 0;
        double cooldownS = 60;
        double ticks = 0;
        const bool ok = text(o, "name", r.name, error) && number(o, "percent", 0, 1000, r.percent, error)
            && number(o, "ticks", 0, 350, ticks, error) && number(o, "within_s", 0, kDay, windowS, error)
            && number(o, "after_s", 0, kDay, windowS, error) && number(o, "max_age_s", 0.001, kDay, windowS, error)
            && number(o, "level", 1, 1000, r.level, error) && number(o, "min", 0, 1000, r.minPercent, error)
            && number(o, "max", 0, 1000, r.maxPercent, error) && number(o, "stake", 0, 1e12, r.stake, error)
            && number(o, "cooldown_s", 0, kDay, cooldownS, error);
        if (!ok) {
            return invalid(i, error);
        }
        r.ticks = int(ticks);
        // Rounded: 1.005 s is 1005 ms, not the 1004 that truncating 1004.9999... would make it.
        r.windowMs = std::llround(windowS * 1000);
        r.cooldownMs = std::llround(cooldownS * 1000);
        const QString direction = o.value(QStringLiteral("direction")).toString(QStringLiteral("either"));
        if (direction == QLatin1String("shorten")) {
            r.direction = MoveDirection::Shorten;
        } else if (direction == QLatin1String("drift")) {
            r.direction = MoveDirection::Drift;
        } else if (direction != QLatin1String("either")) {
            return invalid(i, QStringLiteral("direction must be shorten, drift or either"));
        }
        switch (r.kind) {
        case AlertKind::PriceMove:
            if ((r.percent <= 0 && r.ticks <= 0) || r.windowMs <= 0) {
                return invalid(i, QStringLiteral("price_move needs percent or ticks, and within_s"));
            }
            break;
        case AlertKind::PriceCross:
            if (!o.contains(QStringLiteral("level"))) {
                return invalid(i, QStringLiteral("price_cross needs level"));
            }
            break;
        case AlertKind::Stale:
        case AlertKind::ScoreWithoutPriceMove:
            if (r.windowMs <= 0) {
                return invalid(i,
                    QStringLiteral("%1 needs %2")
                        .arg(alertKindName(r.kind),
                            r.kind == AlertKind::Stale ? QStringLiteral("after_s") : QStringLiteral("within_s")));
            }
            break;
        case AlertKind::Overround:
            if (r.maxPercent <= r.minPercent) {
                return invalid(i, QStringLiteral("overround needs min below max (percent)"));
            }
            break;
        case AlertKind::BigBet:
            if (r.stake <= 0) {
                return invalid(i, QStringLiteral("big_bet needs stake"));
            }
            break;
        case AlertKind::Arbitrage:
            if (!o.contains(QStringLiteral("max_age_s"))) {
                r.windowMs = 5000; // a leg older than a few seconds may be gone when the bet lands
            }
            break;
        case AlertKind::Suspended:
        case AlertKind::Reopened:
        case AlertKind::InPlay:
            break;
        }
        const QJsonValue scope = o.value(QStringLiteral("scope"));
        if (!scope.isUndefined()) {
            if (!scope.isObject()) {
                return invalid(i, QStringLiteral("scope must be an object"));
            }
            const QJsonObject s = scope.toObject();
            if (const QString unknown =
                    unknownJsonKey(s, { "source", "fixture", "market", "selection", "sport", "watched" });
                !unknown.isEmpty()) {
                return invalid(i,
                    QStringLiteral("scope: unknown field \"%1\" (source, fixture, market, selection, sport, watched)")
                        .arg(unknown));
            }
            double sport = -1;
            const QJsonValue watched = s.value(QStringLiteral("watched"));
            if (!watched.isUndefined() && !watched.isBool()) {
                return invalid(i, QStringLiteral("scope: watched must be true or false"));
            }
            r.scope.watched = watched.toBool(false);
            if (!text(s, "source", r.scope.sourceId, error) || !text(s, "fixture", r.scope.fixtureId, error)
                || !text(s, "market", r.scope.marketType, error) || !text(s, "selection", r.scope.selection, error)
                || !number(s, "sport", 0, 1e9, sport, error)) {
                return invalid(i, QStringLiteral("scope: ") + error);
            }
            if (sport >= 0) {
                r.scope.sportId = qint64(sport);
            }
            if (r.kind == AlertKind::Arbitrage && (!r.scope.sourceId.isEmpty() || !r.scope.selection.isEmpty())) {
                return invalid(i,
                    QStringLiteral("an arbitrage spans sources and selections: scope it by sport, "
                                   "fixture or market"));
            }
        }
        rules.push_back(std::move(r));
    }
    return rules;
}

Result<std::vector<AlertRule>> readAlertRules(const QString &path)
{
    const auto json = readSettingsDocument(path, QStringLiteral("bad_rules"));
    if (!json) {
        return json.error();
    }
    auto rules = parseAlertRules(*json);
    if (!rules) {
        return Error { rules.error().code, QStringLiteral("%1: %2").arg(path, rules.error().message) };
    }
    return rules;
}

QByteArray serializeAlertRules(const std::vector<AlertRule> &rules)
{
    QJsonArray list;
    for (const AlertRule &r : rules) {
        QJsonObject o;
        o.insert(QStringLiteral("name"), r.name);
        o.insert(QStringLiteral("type"), alertKindName(r.kind));
        const double windowS = double(r.windowMs) / 1000;
        switch (r.kind) {
        case AlertKind::PriceMove:
            if (r.percent > 0) {
                o.insert(QStringLiteral("percent"), r.percent);
            }
            if (r.ticks > 0) {
                o.insert(QStringLiteral("ticks"), r.ticks);
            }
            o.insert(QStringLiteral("within_s"), windowS);
            if (r.direction != MoveDirection::Either) {
                o.insert(QStringLiteral("direction"),
                    r.direction == MoveDirection::Shorten ? QStringLiteral("shorten") : QStringLiteral("drift"));
            }
            break;
        case AlertKind::PriceCross:
            o.insert(QStringLiteral("level"), r.level);
            break;
        case AlertKind::Stale:
            o.insert(QStringLiteral("after_s"), windowS);
            break;
        case AlertKind::ScoreWithoutPriceMove:
            o.insert(QStringLiteral("within_s"), windowS);
            break;
        case AlertKind::Overround:
            o.insert(QStringLiteral("min"), r.minPercent);
            o.insert(QStringLiteral("max"), r.maxPercent);
            break;
        case AlertKind::BigBet:
            o.insert(QStringLiteral("stake"), r.stake);
            break;
        case AlertKind::Arbitrage:
            o.insert(QStringLiteral("max_age_s"), windowS);
            if (r.minPercent > 0) {
                o.insert(QStringLiteral("min"), r.minPercent);
            }
            break;
        case AlertKind::Suspended:
        case AlertKind::Reopened:
        case AlertKind::InPlay:
            break;
        }
        o.insert(QStringLiteral("cooldown_s"), double(r.cooldownMs) / 1000);
        QJsonObject scope;
        for (const auto &[key, value] :
            { std::pair { "source", &r.scope.sourceId }, std::pair { "fixture", &r.scope.fixtureId },
                std::pair { "market", &r.scope.marketType }, std::pair { "selection", &r.scope.selection } }) {
            if (!value->isEmpty()) {
                scope.insert(QLatin1String(key), *value);
            }
        }
        if (r.scope.sportId) {
            scope.insert(QStringLiteral("sport"), double(*r.scope.sportId));
        }
        if (r.scope.watched) {
            scope.insert(QStringLiteral("watched"), true);
        }
        if (!scope.isEmpty()) {
            o.insert(QStringLiteral("scope"), scope);
        }
        list.append(o);
    }
    return QJsonDocument(QJsonObject { { QStringLiteral("rules"), list } }).toJson(QJsonDocument::Indented);
}

Result<void> writeAlertRules(const QString &path, const std::vector<AlertRule> &rules)
{
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly)) {
        return Error { QStringLiteral("io_error"), QStringLiteral("cannot write %1: %2").arg(path, f.errorString()) };
    }
    const QByteArray json = serializeAlertRules(rules);
    if (f.write(json) != json.size() || !f.commit()) {
        return Error { QStringLiteral("io_error"), QStringLiteral("cannot write %1: %2").arg(path, f.errorString()) };
    }
    return {};
}

} // namespace OddsTap

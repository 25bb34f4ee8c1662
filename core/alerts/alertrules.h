// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/result.h>

#include <QString>

#include <optional>
#include <vector>

namespace OddsTap {

/// What a rule watches for.
enum class AlertKind : std::uint8_t
{
    PriceMove, ///< a price moved by N % or N ticks within M seconds (steamer, drifter)
    PriceCross, ///< a price crossed a level
    Suspended, ///< a market (or fixture) was suspended
    Reopened, ///< a suspended market reopened
    InPlay, ///< a fixture went in play
    Stale, ///< no update for a fixture for N seconds
    Overround, ///< a market's overround left a range
    BigBet, ///< a bet above a stake
    ScoreWithoutPriceMove, ///< a score changed and no price followed within N seconds
    Arbitrage, ///< the best fresh prices across sources sum to an overround below 100 %
};
inline constexpr int kAlertKindCount = 10;

/// The rules file's name of a kind ("price_move") and back.
QString alertKindName(AlertKind kind);
std::optional<AlertKind> alertKindFromName(const QString &name);

/// Which prices a price move counts.
enum class MoveDirection : std::uint8_t
{
    Either,
    Shorten, ///< the price fell (a steamer: money came in)
    Drift, ///< the price rose (a drifter)
};

/// What a rule looks at; an empty field matches everything.
struct AlertScope
{
    QString sourceId;
    std::optional<qint64> sportId;
    QString fixtureId;
    QString marketType;
    QString selection;
    bool watched = false; ///< only fixtures on the watch list (AlertEngine::setWatchList)
    friend bool operator==(const AlertScope &, const AlertScope &) = default;
};

/// One rule of a rules file (docs/alerts.md).
struct AlertRule
{
    QString name;
    AlertKind kind = AlertKind::PriceMove;
    AlertScope scope;
    double percent = 0; ///< PriceMove: by at least this many percent (0: not by percent)
    int ticks = 0; ///< PriceMove: by at least this many ticks of the exchange ladder (0: not by ticks)
    MoveDirection direction = MoveDirection::Either;
    /// PriceMove, ScoreWithoutPriceMove: within this time; Stale: after this silence; Arbitrage: the
    /// oldest a leg may be
    qint64 windowMs = 0;
    double level = 0; ///< PriceCross
    double minPercent = 0; ///< Overround: the range, in percent; Arbitrage: the least margin
    double maxPercent = 0;
    double stake = 0; ///< BigBet
    /// Fired once per fixture within this time at most, so a volatile market does not flood.
    qint64 cooldownMs = 60000;
    friend bool operator==(const AlertRule &, const AlertRule &) = default;
};

/// Reads a rules file: `{"rules": [{"name": ..., "type": "price_move", ...}, ...]}`. Every field
/// is checked; the error names the rule and the field.
Result<std::vector<AlertRule>> parseAlertRules(const QByteArray &json);
Result<std::vector<AlertRule>> readAlertRules(const QString &path);
/// The rules as a readable rules file: indented JSON, each rule with only the fields its type uses,
/// which parseAlertRules() reads back to the same rules.
QByteArray serializeAlertRules(const std::vector<AlertRule> &rules);
/// Writes a rules file whole or not at all (a temporary file renamed over it).
Result<void> writeAlertRules(const QString &path, const std::vector<AlertRule> &rules);

} // namespace OddsTap

// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/event.h>

#include <QString>

#include <optional>
#include <vector>

namespace OddsTap {

/// One source's latest price for a selection.
struct SourceQuote
{
    QString sourceId;
    double price = 0;
    PriceStatus status = PriceStatus::Open;
    qint64 updatedAtMs = 0; ///< when it was last received (changed or not): receipt clocks, not the sources'
};

/// One selection across sources.
struct ComparedSelection
{
    QString selection;
    std::vector<SourceQuote> quotes; ///< one per source that prices it, in the order they first did
    int best = -1; ///< index of the best usable quote (highest price); -1: none usable
    double average = 0; ///< of the usable quotes; 0: none
    int usable = 0; ///< quotes fresh and open
    double stakeShare = 0; ///< of a total stake, when the market is an arbitrage (0 otherwise)

    const SourceQuote *bestQuote() const { return best < 0 ? nullptr : &quotes[std::size_t(best)]; }
};

/// One market across sources, assessed at a moment: the best usable price of each selection, the
/// overround those best prices imply, and whether backing every selection at its best locks a
/// profit (an arbitrage: the overround is below 100 %).
struct ComparedMarket
{
    QString marketType;
    std::vector<ComparedSelection> selections;
    /// Sum of 1 / best price over the selections (a fraction: MarketBook states it in percent), when
    /// every selection has a usable quote and the market is known whole: a type MarketBook knows
    /// has all its selections; another, some source quotes all of them at 100 % or more.
    std::optional<double> bestOverround;

    /// At least 0.01 % to gain: below that it is the prices' rounding, not a margin.
    bool arbitrage() const { return bestOverround && *bestOverround < 0.9999; }
    /// What an arbitrage returns on the total staked, in percent (0 when none).
    double marginPercent() const { return arbitrage() ? (1.0 / *bestOverround - 1.0) * 100.0 : 0; }
    /// Sets @p sourceId's quote for @p selection (adding either when new); returns the selection.
    ComparedSelection &update(const QString &selection, SourceQuote quote);
};

/// Whether a quote counts for the best price at @p nowMs: open, a real price, and received no
/// more than @p maxAgeMs before (a leg that old may be gone by the time a bet lands).
bool quoteUsable(const SourceQuote &q, qint64 nowMs, qint64 maxAgeMs);

/// Recomputes best, average, stakes and the best overround of @p market at @p nowMs.
void assessMarket(ComparedMarket &market, qint64 nowMs, qint64 maxAgeMs);

/// "98.70 %: home 2.1 book-a 47.6, away 2.2 book-b 52.4": an arbitrage's legs and stakes per 100.
QString arbitrageText(const ComparedMarket &market);

} // namespace OddsTap

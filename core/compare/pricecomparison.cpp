// SPDX-License-Identifier: MIT
#include "pricecomparison.h"

#include <core/common/marketbook.h>

#include <QStringList>

#include <algorithm>

namespace OddsTap {

ComparedSelection &ComparedMarket::update(const QString &selection, SourceQuote quote)
{
    auto s = std::find_if(
        selections.begin(), selections.end(), [&](const ComparedSelection &c) { return c.selection == selection; });
    if (s == selections.end()) {
        // In the market's order (home, draw, away); other selections as they first came.
        const int rank = MarketBook::selectionRank(marketType, selection);
        s = selections.insert(
            std::find_if(selections.begin(), selections.end(),
                [&](const ComparedSelection &c) { return MarketBook::selectionRank(marketType, c.selection) > rank; }),
            ComparedSelection {});
        s->selection = selection;
    }
    auto q = std::find_if(
        s->quotes.begin(), s->quotes.end(), [&](const SourceQuote &c) { return c.sourceId == quote.sourceId; });
    if (q == s->quotes.end()) {
        s->quotes.push_back(std::move(quote));
    } else {
        *q = std::move(quote);
    }
    return *s;
}

namespace {

/// Whether some source quotes every selection seen, at an overround of 100 % or more. Until then
/// the market may be missing selections (a feed sends a market's prices one by one when it opens):
/// two of three selections' prices add up to well under 100 % and look like an arbitrage. No
/// book quotes under 100 %, so a whole book confirms the market's selections.
bool wholeBookSeen(const ComparedMarket &market)
{
    for (const SourceQuote &q : market.selections.front().quotes) {
        double own = 0;
        bool whole = true;
        for (const ComparedSelection &s : market.selections) {
            const auto it = std::find_if(s.quotes.begin(), s.quotes.end(),
                [&](const SourceQuote &other) { return other.sourceId == q.sourceId; });
            if (it == s.quotes.end() || it->price <= 1.0) {
                whole = false;
                break;
            }
            own += 1.0 / it->price;
        }
        if (whole && own >= 1.0) {
            return true;
        }
    }
    return false;
}

} // namespace

bool quoteUsable(const SourceQuote &q, qint64 nowMs, qint64 maxAgeMs)
{
    return q.status == PriceStatus::Open && q.price > 1.0 && nowMs - q.updatedAtMs <= maxAgeMs;
}

void assessMarket(ComparedMarket &market, qint64 nowMs, qint64 maxAgeMs)
{
    double overround = 0;
    bool complete = !market.selections.empty();
    MarketBook shape(market.marketType);
    for (ComparedSelection &s : market.selections) {
        s.best = -1;
        s.usable = 0;
        s.stakeShare = 0;
        double sum = 0;
        for (std::size_t i = 0; i < s.quotes.size(); ++i) {
            const SourceQuote &q = s.quotes[i];
            if (!quoteUsable(q, nowMs, maxAgeMs)) {
                continue;
            }
            ++s.usable;
            sum += q.price;
            if (s.best < 0 || q.price > s.quotes[std::size_t(s.best)].price) {
                s.best = int(i);
            }
        }
        s.average = s.usable > 0 ? sum / s.usable : 0;
        const SourceQuote *b = s.bestQuote();
        shape.add(s.selection, b ? std::optional<double>(b->price) : std::nullopt);
        if (b) {
            overround += 1.0 / b->price;
        } else {
            complete = false;
        }
    }
    // A type whose selections are known is whole when all are priced; another one when a source
    // has been seen quoting every selection at a whole book's overround.
    const std::optional<bool> shapeWhole = shape.shapeWhole();
    complete = complete && market.selections.size() >= 2 && (shapeWhole ? *shapeWhole : wholeBookSeen(market));
    market.bestOverround = complete ? std::optional<double>(overround) : std::nullopt;
    if (market.arbitrage()) {
        // Stakes in proportion to 1 / price pay the same whichever selection wins.
        for (ComparedSelection &s : market.selections) {
            s.stakeShare = (1.0 / s.bestQuote()->price) / overround;
        }
    }
}

QString arbitrageText(const ComparedMarket &market)
{
    QStringList legs;
    for (const ComparedSelection &s : market.selections) {
        if (const SourceQuote *b = s.bestQuote()) {
            legs << QStringLiteral("%1 %2 %3 %4")
                        .arg(s.selection, formatPrice(b->price), b->sourceId,
                            QString::number(s.stakeShare * 100, 'f', 1));
        }
    }
    const QString overround = market.bestOverround ? MarketBook::text(*market.bestOverround * 100, 2) : QString();
    return overround + QStringLiteral(": ") + legs.join(QStringLiteral(", "));
}

} // namespace OddsTap

// SPDX-License-Identifier: MIT
#pragma once

#include <QString>
#include <QStringView>

#include <optional>

namespace OddsTap {

/// A market's book: the sum of 100 / price over its selections, in percent. 106.7 is a 6.7 % margin;
/// under 100 backing every selection locks a profit. Every view and rule states a book this way.
///
/// A book is only stated when it is whole, because prices arrive one selection at a time: two of a
/// match's three prices add up to well under 100 % and would read as a thin book or an arbitrage.
/// It is whole when every selection seen is open and priced, and
/// - for a type the feed protocol names (1x2, ml, ou_*, ah_*, btts), its selections are all there;
/// - for any other type (a provider's own, a race's runners), at least two are, and the market was
///   once seen at 100 % or more with no fewer selections: no book quotes under 100 %, so that
///   confirms the market's selections.
class MarketBook
{
public:
    explicit MarketBook(QStringView marketType);

    /// One selection seen in the market, with its price while open (none while suspended).
    void add(QStringView selection, std::optional<double> openPrice);

    /// The book in percent when whole, else none. @p wholeWith is the caller's memory of this
    /// market between calls (the most selections it was seen whole with at 100 % or more; 0 at first).
    std::optional<double> percent(int &wholeWith) const;

    /// For a type the table knows, whether every one of its selections has been added; none for
    /// another type (the caller judges by what it has seen).
    std::optional<bool> shapeWhole() const;

    /// Formats a book for a view: "106.7 %".
    static QString text(double percent, int decimals = 1);

private:
    int m_shape = -1; ///< the type's entry in the table of known types; -1: unknown, or a name it lacks
    int m_known = 0; ///< selections of that type seen
    int m_seen = 0;
    bool m_allOpen = true;
    double m_sum = 0;
};

} // namespace OddsTap

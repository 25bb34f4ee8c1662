// SPDX-License-Identifier: MIT
#pragma once

#include <QString>
#include <QStringView>
#include <QtGlobal>

#include <optional>

namespace OddsTap {

/// A price as a trader writes it: two decimals at least (2.00 -> 2.02, never 2 -> 2.02), more
/// when it has them (1.333); a number no price is (a hostile feed's 1e300) in short.
QString formatPrice(double price);

/// What a caller keeps of one market between two readings of its book (see MarketBook::read()).
struct BookMemory
{
    /// Which selections were open at the latest reading of 100 % or more (their names, hashed
    /// in no order); 0: no such reading yet.
    quint64 openWhenWhole = 0;
};

/// A market's book: the sum of 100 / price over its selections, in percent. 106.7 is a 6.7 % margin;
/// under 100 backing every selection locks a profit. Every view and rule states a book this way.
///
/// A book is only stated when the market is whole, because prices arrive one selection at a time:
/// two of a match's three prices add up to well under 100 % and would read as a thin book or an
/// arbitrage.
/// - A type the feed protocol names (1x2: home, draw, away; ml and ah_*: home, away; ou_*: over,
///   under; btts: yes, no) is whole when each of its selections is there once, priced and open.
///   A selection twice (home and Home: the callers keep names as spelled) is no book at all.
/// - Any other type (a provider's own, a race's runners) leaves suspended selections out, and needs
///   two open ones. A book of 100 % or more is stated (the market may still lack a selection: a
///   lower bound), and confirms which selections are open. A book under 100 % is stated only with
///   the same selections open as at the latest such reading.
class MarketBook
{
public:
    explicit MarketBook(QStringView marketType);

    /// One selection held for the market, with its price while open (none while suspended).
    void add(QStringView selection, std::optional<double> openPrice);

    /// The book in percent when the market is whole, else none. For a type the table does not know
    /// this reads and updates @p memory, the caller's record of this market.
    std::optional<double> read(BookMemory &memory) const;

    /// For a type the table knows, whether each of its selections has been added once; none for
    /// another type (the caller judges by what it has seen).
    std::optional<bool> shapeWhole() const;

    /// Where a selection stands in its market for a trader: a known type's selections in their
    /// order (home, draw, away; over, under; yes, no) from 0, anything else after them (kOther).
    static int selectionRank(QStringView marketType, QStringView selection);
    static constexpr int kOther = 3;
    /// Whether @p a comes before @p b in a market of @p marketType: by selectionRank(), then name.
    static bool selectionBefore(QStringView marketType, QStringView a, QStringView b);

    /// Formats a book for a view: "106.7 %".
    static QString text(double percent, int decimals = 1);

private:
    int m_shape = -1; ///< the type's entry in the table of known types; -1: unknown, or not its names
    unsigned m_slots = 0; ///< the known type's selections added, a bit each
    bool m_twice = false; ///< a selection of the known type came twice
    int m_open = 0;
    quint64 m_openSet = 0; ///< the open selections' names, hashed in no order (BookMemory)
    bool m_anySuspended = false;
    double m_sum = 0; ///< over the open selections
};

} // namespace OddsTap

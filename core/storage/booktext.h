// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/event.h>

#include <charconv>
#include <string>

namespace OddsTap {

/// One side of a book change as the books table and CSV export hold it: "2.5:100 2.52:30.5", the
/// prices and the money at each in the change's order, numbers in their shortest exact form.
inline std::string bookSideText(const BookData &book, BookSide side)
{
    std::string out;
    char buffer[32];
    for (const BookLevel &l : book.levels) {
        if (l.side != side) {
            continue;
        }
        if (!out.empty()) {
            out += ' ';
        }
        out.append(buffer, std::to_chars(buffer, buffer + sizeof buffer, l.price).ptr);
        out += ':';
        out.append(buffer, std::to_chars(buffer, buffer + sizeof buffer, l.size).ptr);
    }
    return out;
}

} // namespace OddsTap

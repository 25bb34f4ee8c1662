// SPDX-License-Identifier: MIT
// What the decoders of untrusted JSON share: text out of simdjson and a description of a value
// for a reject's message ("must be a number, got the string \"abc\"").
#pragma once

#include <QString>

#include <simdjson.h>

#include <string_view>

namespace OddsTap {

inline QString jsonText(std::string_view s)
{
    return QString::fromUtf8(s.data(), qsizetype(s.size()));
}

/// "an array", "the integer 5", "the string \"abc\"" (long strings cut at 40 characters).
QString describeJson(const simdjson::dom::element &v);

} // namespace OddsTap

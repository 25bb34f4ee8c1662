// SPDX-License-Identifier: MIT
#pragma once

#include <QJsonObject>

#include <algorithm>
#include <initializer_list>

namespace OddsTap {

/// The first key of @p o not in @p known, or empty. Files a user writes (rules, mappings) are
/// checked key by key: a misspelt key would otherwise leave what it meant out without a word.
inline QString unknownJsonKey(const QJsonObject &o, std::initializer_list<const char *> known)
{
    for (auto it = o.begin(); it != o.end(); ++it) {
        if (std::none_of(known.begin(), known.end(), [&](const char *k) { return it.key() == QLatin1String(k); })) {
            return it.key();
        }
    }
    return {};
}

} // namespace OddsTap

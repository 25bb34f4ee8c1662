// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

#include <span>

namespace OddsTap {

/// The sports of the feed's sport_id, as the built-in simulator generates them and the views
/// name them: the one table both read.
enum class Sport : int
{
    Football = 1,
    Basketball = 2,
    Tennis = 3,
    IceHockey = 4,
};

struct SportInfo
{
    Sport sport;
    const char *name; ///< for the views, translated in the "OddsTap::Sports" context
};

/// Every sport this table knows, in id order.
std::span<const SportInfo> knownSports();
/// The name the views show for a sport_id ("Basketball"), or "Sport N" for one the table lacks.
QString sportName(qint64 sportId);

} // namespace OddsTap

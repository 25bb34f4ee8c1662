// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

#include <span>

namespace OddsTap {

/// The sports of the feed's sport_id, as the built-in simulator generates them (the first four), the
/// provider profiles map them and the views name them: the one table all of them read.
enum class Sport : int
{
    Football = 1,
    Basketball = 2,
    Tennis = 3,
    IceHockey = 4,
    Cricket = 5,
    HorseRacing = 6,
    GreyhoundRacing = 7,
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

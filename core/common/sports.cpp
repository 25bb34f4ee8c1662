// SPDX-License-Identifier: MIT
#include "sports.h"

#include <QCoreApplication>

#include <array>

namespace OddsTap {
namespace {

constexpr std::array kSports {
    SportInfo { Sport::Football, QT_TRANSLATE_NOOP("OddsTap::Sports", "Football") },
    SportInfo { Sport::Basketball, QT_TRANSLATE_NOOP("OddsTap::Sports", "Basketball") },
    SportInfo { Sport::Tennis, QT_TRANSLATE_NOOP("OddsTap::Sports", "Tennis") },
    SportInfo { Sport::IceHockey, QT_TRANSLATE_NOOP("OddsTap::Sports", "Ice hockey") },
    SportInfo { Sport::Cricket, QT_TRANSLATE_NOOP("OddsTap::Sports", "Cricket") },
    SportInfo { Sport::HorseRacing, QT_TRANSLATE_NOOP("OddsTap::Sports", "Horse racing") },
    SportInfo { Sport::GreyhoundRacing, QT_TRANSLATE_NOOP("OddsTap::Sports", "Greyhound racing") },
};

} // namespace

std::span<const SportInfo> knownSports()
{
    return kSports;
}

QString sportName(qint64 sportId)
{
    for (const SportInfo &s : kSports) {
        if (qint64(s.sport) == sportId) {
            return QCoreApplication::translate("OddsTap::Sports", s.name);
        }
    }
    return QCoreApplication::translate("OddsTap::Sports", "Sport %1").arg(sportId);
}

} // namespace OddsTap

// SPDX-License-Identifier: MIT
// How the live models spell times, ages, money and wire values in their cells: one spelling for
// every view.
#pragma once

#include <QDateTime>
#include <QLocale>
#include <QString>

#include <algorithm>
#include <string_view>

namespace OddsTap::CellFormat {

/// Local time of day with milliseconds, the views' time column.
inline QString timeOfDay(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toLocalTime().toString(QStringLiteral("HH:mm:ss.zzz"));
}

/// "12 s", "3 min", "2 h" since `thenMs`; empty when there was no such time.
inline QString age(qint64 nowMs, qint64 thenMs)
{
    if (thenMs <= 0) {
        return {};
    }
    const qint64 s = std::max<qint64>(0, (nowMs - thenMs) / 1000);
    if (s < 60) {
        return QStringLiteral("%1 s").arg(s);
    }
    if (s < 3600) {
        return QStringLiteral("%1 min").arg(s / 60);
    }
    return QStringLiteral("%1 h").arg(s / 3600);
}

inline QString money(double v)
{
    return QLocale().toString(v, 'f', 2);
}

/// A protocol spelling (status, state) as shown.
inline QString wireText(std::string_view w)
{
    return QString::fromLatin1(w.data(), qsizetype(w.size()));
}

/// "Home v Away", or the one name of a fixture without an away side (a race).
inline QString teams(const QString &home, const QString &away)
{
    return away.isEmpty() ? home : home + QStringLiteral(" v ") + away;
}

} // namespace OddsTap::CellFormat

// SPDX-License-Identifier: MIT
#include "faultplan.h"

#include <QStringList>

namespace OddsTap {

Result<FaultPlan> FaultPlan::parse(const QString &spec)
{
    static const QString kKeys =
        QStringLiteral("drop_every, drop_prob, stall_every, stall_ms, malformed, duplicate, gap");
    FaultPlan plan;
    const QStringList items = spec.split(QLatin1Char(','), Qt::SkipEmptyParts);
    for (const QString &raw : items) {
        const QString item = raw.trimmed();
        const qsizetype eq = item.indexOf(QLatin1Char('='));
        if (eq <= 0) {
            return Error { QStringLiteral("bad_faults"),
                QStringLiteral("fault '%1' is not key=value (keys: %2)").arg(item, kKeys) };
        }
        const QString key = item.left(eq).trimmed();
        const QString value = item.mid(eq + 1).trimmed();
        bool ok = false;
        auto probability = [&](double &target) {
            const double p = value.toDouble(&ok);
            ok = ok && p >= 0.0 && p <= 1.0;
            if (ok) {
                target = p;
            }
            return QStringLiteral("a probability between 0 and 1");
        };
        auto count = [&](quint64 &target) {
            target = value.toULongLong(&ok);
            return QStringLiteral("a non-negative integer");
        };
        QString expected;
        if (key == QLatin1String("drop_every")) {
            expected = count(plan.dropEvery);
        } else if (key == QLatin1String("drop_prob")) {
            expected = probability(plan.dropProbability);
        } else if (key == QLatin1String("stall_every")) {
            expected = count(plan.stallEvery);
        } else if (key == QLatin1String("stall_ms")) {
            plan.stallMs = value.toInt(&ok);
            ok = ok && plan.stallMs >= 0;
            expected = QStringLiteral("milliseconds");
        } else if (key == QLatin1String("malformed")) {
            expected = probability(plan.malformed);
        } else if (key == QLatin1String("duplicate")) {
            expected = probability(plan.duplicate);
        } else if (key == QLatin1String("gap")) {
            expected = probability(plan.gap);
        } else {
            return Error { QStringLiteral("bad_faults"),
                QStringLiteral("unknown fault '%1' (keys: %2)").arg(key, kKeys) };
        }
        if (!ok) {
            return Error { QStringLiteral("bad_faults"),
                QStringLiteral("fault %1 must be %2, got '%3'").arg(key, expected, value) };
        }
    }
    return plan;
}

QString FaultPlan::toString() const
{
    return QStringLiteral("drop_every=%1,drop_prob=%2,stall_every=%3,stall_ms=%4,malformed=%5,duplicate=%6,gap=%7")
        .arg(dropEvery)
        .arg(dropProbability)
        .arg(stallEvery)
        .arg(stallMs)
        .arg(malformed)
        .arg(duplicate)
        .arg(gap);
}

} // namespace OddsTap

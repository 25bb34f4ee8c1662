// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/result.h>

#include <QString>

namespace OddsTap {

/// Faults a feed server injects per connection, for QA and for our own tests.
/// Parsed from `--faults key=value,...`; see parse() for the keys.
struct FaultPlan
{
    quint64 dropEvery = 0; ///< close the connection after every N events sent (0 = never)
    double dropProbability = 0; ///< or with this probability per event
    quint64 stallEvery = 0; ///< go silent (heartbeats too) after every N events
    int stallMs = 5000; ///< for this long
    double malformed = 0; ///< probability per event of an extra malformed frame before it
    double duplicate = 0; ///< probability per event of sending it twice
    double gap = 0; ///< probability per event of skipping it (loss in transit; resume fills it)

    bool any() const
    {
        return dropEvery || dropProbability > 0 || stallEvery || malformed > 0 || duplicate > 0 || gap > 0;
    }

    /// "drop_every=5000,drop_prob=0.0001,stall_every=20000,stall_ms=4000,malformed=0.01,duplicate=0.01,gap=0.001"
    static Result<FaultPlan> parse(const QString &spec);
    QString toString() const;
};

} // namespace OddsTap

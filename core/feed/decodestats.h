// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/event.h>

#include <QJsonObject>

#include <array>

namespace OddsTap {

/// Running counts over decoded batches: frames, envelopes by type, rejects by code. Plain value type.
struct DecodeStats
{
    quint64 frames = 0;
    quint64 bytes = 0;
    quint64 envelopes = 0; ///< accepted + rejected envelopes (a rejected frame counts as one)
    std::array<quint64, kEventTypeCount> accepted {};
    std::array<quint64, kRejectCodeCount> rejected {};

    void add(const EventBatch &batch);
    quint64 acceptedTotal() const;
    quint64 rejectedTotal() const;

    /// {"frames":..,"bytes":..,"envelopes":..,"accepted":{"odds":..},"rejected":{"total":..,"by_code":{..}}}
    QJsonObject toJson() const;
};

} // namespace OddsTap

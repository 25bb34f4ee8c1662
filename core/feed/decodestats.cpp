// SPDX-License-Identifier: MIT
#include "decodestats.h"

#include <numeric>

namespace OddsTap {

void DecodeStats::add(const EventBatch &batch)
{
    frames += batch.frames;
    bytes += batch.bytes;
    envelopes += batch.events.size() + batch.rejects.size();
    for (const auto &ev : batch.events) {
        ++accepted[std::size_t(ev.type)];
    }
    for (const auto &r : batch.rejects) {
        ++rejected[std::size_t(r.code)];
    }
}

quint64 DecodeStats::acceptedTotal() const
{
    return std::accumulate(accepted.begin(), accepted.end(), quint64(0));
}

quint64 DecodeStats::rejectedTotal() const
{
    return std::accumulate(rejected.begin(), rejected.end(), quint64(0));
}

QJsonObject DecodeStats::toJson() const
{
    QJsonObject byType;
    for (int i = 0; i < kEventTypeCount; ++i) {
        byType.insert(displayName(EventType(i)), qint64(accepted[std::size_t(i)]));
    }
    QJsonObject byCode;
    for (int i = 0; i < kRejectCodeCount; ++i) {
        if (rejected[std::size_t(i)] != 0) {
            const auto name = toWire(RejectCode(i));
            byCode.insert(QLatin1String(name.data(), qsizetype(name.size())), qint64(rejected[std::size_t(i)]));
        }
    }
    return QJsonObject {
        { QStringLiteral("frames"), qint64(frames) },
        { QStringLiteral("bytes"), qint64(bytes) },
        { QStringLiteral("envelopes"), qint64(envelopes) },
        { QStringLiteral("accepted"), byType },
        { QStringLiteral("accepted_total"), qint64(acceptedTotal()) },
        { QStringLiteral("rejected"),
            QJsonObject {
                { QStringLiteral("total"), qint64(rejectedTotal()) }, { QStringLiteral("by_code"), byCode } } },
    };
}

} // namespace OddsTap

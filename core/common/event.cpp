// SPDX-License-Identifier: MIT
#include "event.h"

#include <algorithm>
#include <array>

namespace OddsTap {
namespace {

constexpr std::array<std::string_view, kEventTypeCount> kEventTypeNames = { "fixture", "odds", "bet", "heartbeat",
    "snapshot_begin", "snapshot_end", "error", "book" };
constexpr std::array<std::string_view, 5> kFixtureStatusNames = { "scheduled", "live", "suspended", "ended",
    "cancelled" };
constexpr std::array<std::string_view, 2> kPriceStatusNames = { "open", "suspended" };
constexpr std::array<std::string_view, kRejectCodeCount> kRejectCodeNames = {
    "empty_frame",
    "frame_too_large",
    "invalid_utf8",
    "malformed_json",
    "too_deep",
    "batch_too_large",
    "not_an_object",
    "missing_field",
    "bad_type",
    "out_of_range",
    "bad_value",
    "duplicate_field",
    "unknown_type",
    "protocol_error",
};

constexpr std::array<std::string_view, kSourceStateCount> kSourceStateNames = {
    "idle",
    "connecting",
    "connected",
    "subscribed",
    "stalled",
    "disconnected",
    "backing_off",
    "auth_failed",
    "stopped",
};

template <typename Enum, std::size_t N>
std::optional<Enum> lookup(const std::array<std::string_view, N> &names, std::string_view text)
{
    for (std::size_t i = 0; i < N; ++i) {
        if (names[i] == text) {
            return static_cast<Enum>(i);
        }
    }
    return std::nullopt;
}

} // namespace

std::string_view toWire(EventType type)
{
    return kEventTypeNames[static_cast<std::size_t>(type)];
}
std::string_view toWire(FixtureStatus status)
{
    return kFixtureStatusNames[static_cast<std::size_t>(status)];
}
std::string_view toWire(PriceStatus status)
{
    return kPriceStatusNames[static_cast<std::size_t>(status)];
}
std::string_view toWire(RejectCode code)
{
    return kRejectCodeNames[static_cast<std::size_t>(code)];
}
std::string_view toWire(SourceState state)
{
    return kSourceStateNames[static_cast<std::size_t>(state)];
}
std::optional<EventType> eventTypeFromWire(std::string_view text)
{
    return lookup<EventType>(kEventTypeNames, text);
}
std::optional<FixtureStatus> fixtureStatusFromWire(std::string_view text)
{
    return lookup<FixtureStatus>(kFixtureStatusNames, text);
}
std::optional<PriceStatus> priceStatusFromWire(std::string_view text)
{
    return lookup<PriceStatus>(kPriceStatusNames, text);
}
std::optional<RejectCode> rejectCodeFromWire(std::string_view text)
{
    return lookup<RejectCode>(kRejectCodeNames, text);
}

QString displayName(EventType type)
{
    const auto name = toWire(type);
    return QString::fromLatin1(name.data(), qsizetype(name.size()));
}

void registerMetaTypes()
{
    qRegisterMetaType<Event>();
    qRegisterMetaType<Reject>();
    qRegisterMetaType<EventBatch>();
    qRegisterMetaType<BatchPtr>();
    qRegisterMetaType<ReceivedFramesPtr>();
    qRegisterMetaType<ConnectionEvent>();
}

Reject Reject::of(const FrameContext &ctx, RejectCode code, QString message, QByteArrayView raw, qsizetype maxRawBytes)
{
    Reject r;
    r.code = code;
    r.message = std::move(message);
    r.rawTruncated = raw.size() > maxRawBytes;
    r.raw = raw.first(std::min(raw.size(), maxRawBytes)).toByteArray();
    r.sourceId = ctx.sourceId;
    r.receivedAtMs = ctx.receivedAtMs;
    r.receivedMonoNs = ctx.receivedMonoNs;
    return r;
}

} // namespace OddsTap

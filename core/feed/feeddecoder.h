// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/event.h>

#include <QByteArrayView>

#include <memory>

namespace OddsTap {

/// How a source's messages map onto OddsTap events (docs/providers.md).
enum class FeedProfile : std::uint8_t
{
    Reference, ///< feed-protocol v1 (docs/feed-protocol.md): the default
    Betfair, ///< the Betfair Exchange Stream format (live stream and historical files)
};

/// "reference" / "betfair"; nullopt for a name no profile has.
std::optional<FeedProfile> feedProfileFromName(QStringView name);
QString feedProfileName(FeedProfile profile);

struct DecoderLimits;

/// Turns one received message of a source into events and rejects. Every message is exactly one
/// of: events (possibly none), or a reject with a code, a message and its raw text.
/// Lives in: the thread of its StreamTracker; not thread-safe.
class FeedDecoder
{
public:
    virtual ~FeedDecoder() = default;
    /// Decodes one message, appending its events and rejects to @p out (and counting the frame
    /// in out.frames and out.bytes). Returns the number of envelopes it held: events plus rejects
    /// inside it; a message rejected whole returns 0 and leaves one reject with batchIndex -1.
    virtual std::size_t decode(QByteArrayView frame, const FrameContext &context, EventBatch &out) = 0;
};

/// The decoder of a profile, with the limits of the reference protocol where they apply.
std::unique_ptr<FeedDecoder> makeFeedDecoder(FeedProfile profile, const DecoderLimits &limits);

} // namespace OddsTap

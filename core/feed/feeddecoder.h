// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/event.h>
#include <core/common/result.h>

#include <QByteArrayView>

#include <memory>

namespace OddsTap {

/// How a source's messages map onto OddsTap events (docs/providers.md).
enum class ProfileKind : std::uint8_t
{
    Reference, ///< feed-protocol v1 (docs/feed-protocol.md): the default
    Betfair, ///< the Betfair Exchange Stream format (historical files)
    JsonMapping, ///< any JSON feed, mapped by a small file (JsonMapping)
};

class JsonMapping;

/// A source's profile: its kind and, for a mapped feed, the mapping.
struct FeedProfile
{
    ProfileKind kind = ProfileKind::Reference;
    std::shared_ptr<const JsonMapping> mapping; ///< JsonMapping only
    static FeedProfile betfair() { return { ProfileKind::Betfair, {} }; }
};

/// "reference", "betfair" or "mapping:FILE" (the file is read and checked); the error names what
/// is wrong and where.
Result<FeedProfile> parseFeedProfile(const QString &text);
/// As parseFeedProfile() takes it back: "reference", "betfair", "mapping:/path/file.json".
QString feedProfileName(const FeedProfile &profile);

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
    /// Called as a batch is handed over: adds what is kept per batch rather than per frame (the
    /// latest ladders of a book that changed many times in the batch).
    virtual void flush(EventBatch &out) { (void)out; }
    /// The source resumes after this seq (what storage holds): a decoder that numbers events
    /// itself goes on from there rather than from 1.
    virtual void resumeAfter(quint64 seq) { (void)seq; }
};

/// The decoder of a profile, with the limits of the reference protocol where they apply.
std::unique_ptr<FeedDecoder> makeFeedDecoder(const FeedProfile &profile, const DecoderLimits &limits);

} // namespace OddsTap

// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/event.h>
#include <core/feed/feeddecoder.h>

#include <QByteArrayView>

#include <memory>

namespace OddsTap {

/// Limits applied to every frame; all configurable, defaults as the protocol recommends.
struct DecoderLimits
{
    qsizetype maxFrameBytes = 1024 * 1024; ///< larger frames are rejected as frame_too_large
    qsizetype maxBatchLength = 10000; ///< larger batch arrays are rejected whole as batch_too_large
    int maxDepth = 32; ///< JSON nesting; envelopes need 3, deeper input is too_deep
    qsizetype maxRawBytes = 64 * 1024; ///< raw text kept for a frame_too_large reject (a prefix)
};

/// Decodes and validates feed-protocol v1 frames (one envelope or a batch array) into Events and
/// Rejects. One bad envelope in a batch rejects that envelope only. Not thread-safe: one decoder per
/// thread (it owns a reusable parser and buffer). Lives in: the thread that calls decode().
class FrameDecoder : public FeedDecoder
{
public:
    explicit FrameDecoder(DecoderLimits limits = {});
    ~FrameDecoder() override;
    FrameDecoder(const FrameDecoder &) = delete;
    FrameDecoder &operator=(const FrameDecoder &) = delete;

    const DecoderLimits &limits() const;

    /// Decodes one frame, appending its events and rejects to @p out (and counting the frame).
    /// Returns the number of envelopes the frame held (accepted + rejected), 0 for a rejected frame.
    std::size_t decode(QByteArrayView frame, const FrameContext &context, EventBatch &out) override;

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace OddsTap

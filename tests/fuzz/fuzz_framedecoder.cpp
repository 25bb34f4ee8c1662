// SPDX-License-Identifier: MIT
// libFuzzer target: any byte string fed to the frame decoder must yield events or rejects, never a
// crash, a hang or a sanitizer report, and the counts must reconcile.
#include <core/feed/framedecoder.h>

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    static OddsTap::FrameDecoder decoder(OddsTap::DecoderLimits { 64 * 1024, 256, 32, 1024 });
    static const OddsTap::FrameContext context { QStringLiteral("fuzz"), 0, 0 };
    OddsTap::EventBatch batch;
    const auto envelopes =
        decoder.decode(QByteArrayView(reinterpret_cast<const char *>(data), qsizetype(size)), context, batch);
    // Reconciliation: every envelope is an event or a reject; a rejected frame is one reject.
    if (envelopes == 0) {
        if (batch.events.size() + batch.rejects.size() > 1 || !batch.events.empty()) {
            std::abort();
        }
    } else if (batch.events.size() + batch.rejects.size() != envelopes) {
        std::abort();
    }
    for (const auto &r : batch.rejects) {
        if (r.message.isEmpty()) {
            std::abort();
        }
    }
    return 0;
}

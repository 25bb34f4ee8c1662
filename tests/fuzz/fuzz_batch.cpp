// SPDX-License-Identifier: MIT
// libFuzzer target: spool records (files on disk) and broker messages (the network) are read by
// deserializeBatch. Any input must be read or refused, never a crash, a hang, a huge allocation or
// a sanitizer report; and what is read must write back into bytes that read back the same (bytes
// are compared, not values: a NaN price is one value that is not equal to itself).
#include <core/common/eventserialization.h>

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const QByteArray bytes = QByteArray::fromRawData(reinterpret_cast<const char *>(data), qsizetype(size));
    OddsTap::EventBatch batch;
    if (!OddsTap::deserializeBatch(bytes, batch)) {
        return 0;
    }
    const QByteArray written = OddsTap::serializeBatch(batch);
    OddsTap::EventBatch again;
    if (!OddsTap::deserializeBatch(written, again) || OddsTap::serializeBatch(again) != written) {
        std::abort();
    }
    return 0;
}

// SPDX-License-Identifier: MIT
// libFuzzer target: any file handed to the capture reader (info, replay, export-frames and the GUI's
// replay window all start there) must open or be refused with a message, and read to its end or
// stop with one: never a crash, a hang or a sanitizer report. Seeds are real captures
// (tests/fuzz/capture-seeds), so mutations land in real SQLite pages and rows.
#include <core/replay/capturefile.h>
#include <core/replay/capturereport.h>
#include <core/replay/framesio.h>

#include <QBuffer>
#include <QDir>
#include <QFile>

#include <cstdint>
#include <cstdlib>
#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    static const QString path = QDir::temp().filePath(QStringLiteral("oddstap-fuzz-%1.odtc").arg(::getpid()));
    for (const char *suffix : { "", "-wal", "-shm", "-journal" }) {
        QFile::remove(path + QLatin1String(suffix));
    }
    {
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly)) {
            std::abort();
        }
        f.write(reinterpret_cast<const char *>(data), qint64(size));
    }
    auto reader = OddsTap::CaptureReader::open(path);
    if (!reader) {
        if (reader.error().message.isEmpty()) {
            std::abort(); // a refusal must say why
        }
        return 0;
    }
    OddsTap::CaptureRecord record;
    for (int n = 0; n < 200000 && (*reader)->next(record); ++n) {
        if (record.sourceId.isEmpty()) {
            std::abort(); // every record the reader hands out names a known source
        }
    }
    reader.value().reset();
    if (auto report = OddsTap::analyseCapture(path); !report && report.error().message.isEmpty()) {
        std::abort();
    }
    QBuffer out;
    out.open(QIODevice::WriteOnly);
    if (auto exported = OddsTap::exportFramesNdjson(path, out); !exported && exported.error().message.isEmpty()) {
        std::abort();
    }
    return 0;
}

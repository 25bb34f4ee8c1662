// SPDX-License-Identifier: MIT
#include "recordreader.h"

#include <core/common/compressedfile.h>
#include <core/common/paths.h>
#include <core/providers/betfair/betfairfile.h>

namespace OddsTap {

bool looksLikeBetfairFile(const QString &path)
{
    auto device = openMaybeCompressed(path);
    if (!device) {
        return false;
    }
    QByteArray head = device.value()->read(64).trimmed();
    head.replace(' ', QByteArray());
    return head.startsWith("{\"op\":") || head.startsWith("{\"clk\":") || head.startsWith("{\"pt\":");
}

Result<std::unique_ptr<RecordReader>> openRecords(const QStringList &paths)
{
    if (paths.isEmpty()) {
        return Error { QStringLiteral("usage"), QStringLiteral("no file given") };
    }
    for (const QString &p : paths) {
        if (const QString why = notARegularFile(p); !why.isEmpty()) {
            return Error { QStringLiteral("io_error"), why };
        }
    }
    if (looksLikeBetfairFile(paths.first())) {
        for (const QString &p : paths) {
            if (!looksLikeBetfairFile(p)) {
                return Error { QStringLiteral("usage"),
                    QStringLiteral("'%1' is not a Betfair stream file: only Betfair files can be merged").arg(p) };
            }
        }
        auto r = Betfair::HistoricalFileReader::open(paths);
        if (!r) {
            return r.error();
        }
        return std::unique_ptr<RecordReader>(std::move(r.value()));
    }
    if (paths.size() > 1) {
        return Error { QStringLiteral("usage"),
            QStringLiteral("one capture at a time: only Betfair stream files can be merged ('%1' is not one)")
                .arg(paths.first()) };
    }
    auto r = CaptureReader::open(paths.first());
    if (!r) {
        return r.error();
    }
    return std::unique_ptr<RecordReader>(std::move(r.value()));
}

} // namespace OddsTap

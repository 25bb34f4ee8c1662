// SPDX-License-Identifier: MIT
#include "recordreader.h"

#include <core/common/compressedfile.h>
#include <core/common/paths.h>
#include <core/providers/betfair/betfairfile.h>

#include <QFile>

namespace OddsTap {

namespace {

/// The first bytes of a file, quoted for a message: what is not printable ASCII shows as '.'.
QString quotedHead(const QByteArray &head)
{
    QString shown;
    for (const char c : head) {
        shown += c >= 0x20 && c < 0x7f ? QChar::fromLatin1(c) : QLatin1Char('.');
    }
    return QLatin1Char('\'') + shown + QLatin1Char('\'');
}

/// For a compressed file that is not a Betfair stream file, what it is in words ("" for a file that
/// is not compressed: perhaps a capture).
QString compressedButNotBetfair(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        return {};
    }
    const QByteArray magic = file.read(3);
    const QString kind = magic.startsWith("BZh") ? QStringLiteral("bzip2")
        : magic.startsWith("\x1f\x8b")           ? QStringLiteral("gzip")
                                                 : QString();
    if (kind.isEmpty()) {
        return {};
    }
    auto device = openMaybeCompressed(path);
    if (!device) {
        return device.error().message;
    }
    QIODevice &d = *device.value();
    QByteArray head(48, Qt::Uninitialized);
    const qint64 n = d.read(head.data(), head.size());
    if (n < 0) {
        return QStringLiteral("'%1' is a %2 file that cannot be read: %3").arg(path, kind, d.errorString());
    }
    if (n == 0) {
        return QStringLiteral("'%1' is a %2 file that is empty once decompressed").arg(path, kind);
    }
    head.truncate(n);
    // bzip2 checks a block's checksum only after handing its bytes out: damage can make the first
    // ones look like something else. Read on (within reason) before calling it another format.
    QByteArray rest(1 << 20, Qt::Uninitialized);
    for (qint64 total = 0, got = 0; total < 64LL * 1024 * 1024; total += got) {
        got = d.read(rest.data(), rest.size());
        if (got < 0) {
            return QStringLiteral("'%1' is a %2 file that cannot be read: %3").arg(path, kind, d.errorString());
        }
        if (got == 0) {
            break;
        }
    }
    return QStringLiteral("'%1' is %2-compressed but is not a Betfair stream file (it starts with %3); captures "
                          "are read as they were written, uncompressed")
        .arg(path, kind, quotedHead(head));
}

} // namespace

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
                if (const QString why = compressedButNotBetfair(p); !why.isEmpty()) {
                    return Error { QStringLiteral("usage"), why };
                }
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
    if (const QString why = compressedButNotBetfair(paths.first()); !why.isEmpty()) {
        return Error { QStringLiteral("usage"), why };
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

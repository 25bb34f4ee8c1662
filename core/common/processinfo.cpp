// SPDX-License-Identifier: MIT
#include "processinfo.h"

#include <QByteArray>
#include <QFile>

#include <sys/resource.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace OddsTap {

double residentMiB()
{
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly)) {
        return 0;
    }
    for (const QByteArray &line : f.readAll().split('\n')) {
        if (line.startsWith("VmRSS:")) {
            return line.mid(6).trimmed().split(' ').front().toDouble() / 1024.0; // kB
        }
    }
    return 0;
}

ResidentParts residentParts()
{
    ResidentParts parts;
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly)) {
        return parts;
    }
    for (const QByteArray &line : f.readAll().split('\n')) {
        const auto kib = [&line](const char *key) {
            return line.mid(qstrlen(key)).trimmed().split(' ').front().toDouble() / 1024.0;
        };
        if (line.startsWith("RssAnon:")) {
            parts.anonMiB = kib("RssAnon:");
        } else if (line.startsWith("RssFile:")) {
            parts.fileMiB = kib("RssFile:");
        } else if (line.startsWith("RssShmem:")) {
            parts.shmemMiB = kib("RssShmem:");
        }
    }
    return parts;
}

std::optional<ThreadTimes> currentThreadTimes()
{
    QFile f(QStringLiteral("/proc/thread-self/schedstat"));
    if (!f.open(QIODevice::ReadOnly)) {
        return std::nullopt;
    }
    const QList<QByteArray> fields = f.readLine(128).trimmed().split(' ');
    bool ranOk = false;
    bool waitedOk = false;
    ThreadTimes t;
    if (fields.size() >= 2) {
        t.ranNs = fields[0].toLongLong(&ranOk);
        t.waitedForCpuNs = fields[1].toLongLong(&waitedOk);
    }
    if (!ranOk || !waitedOk) {
        return std::nullopt;
    }
    return t;
}

double peakResidentMiB()
{
    rusage usage {};
    getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_maxrss) / 1024.0; // ru_maxrss is KiB on Linux
}

double heapInUseMiB()
{
#if defined(__GLIBC__)
    const struct mallinfo2 info = mallinfo2();
    return double(info.uordblks + info.hblkhd) / (1024.0 * 1024.0);
#else
    return 0;
#endif
}

LargeBlocks largeHeapBlocks()
{
#if defined(__GLIBC__)
    const struct mallinfo2 info = mallinfo2();
    return { info.hblks, double(info.hblkhd) / (1024.0 * 1024.0) };
#else
    return {};
#endif
}

} // namespace OddsTap

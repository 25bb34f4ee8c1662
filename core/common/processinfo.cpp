// SPDX-License-Identifier: MIT
#include "processinfo.h"

#include <QByteArray>
#include <QFile>

#include <sys/resource.h>

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

double peakResidentMiB()
{
    rusage usage {};
    getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_maxrss) / 1024.0; // ru_maxrss is KiB on Linux
}

} // namespace OddsTap

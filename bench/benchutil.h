// SPDX-License-Identifier: MIT
// Small helpers shared by the benchmarks: timing, peak RSS, machine description.
#pragma once

#include <core/common/processinfo.h>

#include <QFile>
#include <QString>
#include <QSysInfo>
#include <QThread>

#include <chrono>
#include <sys/resource.h>

namespace OddsTap::Bench {

inline double secondsSince(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/// CPU time (user + system) of every thread of this process so far, ended threads included.
inline double processCpuSeconds()
{
    rusage u {};
    getrusage(RUSAGE_SELF, &u);
    auto seconds = [](const timeval &t) { return double(t.tv_sec) + double(t.tv_usec) / 1e6; };
    return seconds(u.ru_utime) + seconds(u.ru_stime);
}

inline double peakRssMiB()
{
    return peakResidentMiB();
}

inline QString machine()
{
    QString cpu;
    QFile f(QStringLiteral("/proc/cpuinfo"));
    if (f.open(QIODevice::ReadOnly)) {
        for (const QByteArray &line : f.readAll().split('\n')) {
            if (line.startsWith("model name")) {
                cpu = QString::fromLatin1(line.mid(line.indexOf(':') + 1).trimmed());
                break;
            }
        }
    }
    return QStringLiteral("%1, %2 cores, %3")
        .arg(cpu)
        .arg(QThread::idealThreadCount())
        .arg(QSysInfo::prettyProductName());
}

} // namespace OddsTap::Bench

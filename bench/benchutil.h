// SPDX-License-Identifier: MIT
// Small helpers shared by the benchmarks: timing, peak RSS, machine description.
#pragma once

#include <core/common/processinfo.h>

#include <QDir>
#include <QFile>
#include <QString>
#include <QSysInfo>
#include <QThread>

#include <chrono>
#include <map>
#include <sys/resource.h>
#include <unistd.h>

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

/// CPU time (user + system) per thread name of the threads alive now: where a run's CPU went.
inline std::map<QString, double> threadCpuSeconds()
{
    std::map<QString, double> byName;
    const double tick = double(sysconf(_SC_CLK_TCK));
    for (const QString &tid : QDir(QStringLiteral("/proc/self/task")).entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        QFile comm(QStringLiteral("/proc/self/task/%1/comm").arg(tid));
        QFile stat(QStringLiteral("/proc/self/task/%1/stat").arg(tid));
        if (!comm.open(QIODevice::ReadOnly) || !stat.open(QIODevice::ReadOnly)) {
            continue; // ended meanwhile
        }
        const QByteArray line = stat.readAll();
        // The fields after the name (which may hold spaces) start after its closing parenthesis;
        // utime and stime are the 14th and 15th fields of the line.
        const QList<QByteArray> fields = line.mid(line.lastIndexOf(')') + 2).split(' ');
        if (fields.size() > 12) {
            byName[QString::fromUtf8(comm.readAll().trimmed())] +=
                (fields[11].toDouble() + fields[12].toDouble()) / tick;
        }
    }
    return byName;
}

/// Each thread's thread switches so far (voluntary and not: its wake-ups and preemptions), by
/// name (threads of one name add up).
inline std::map<QString, double> threadSwitches()
{
    std::map<QString, double> byName;
    for (const QString &tid : QDir(QStringLiteral("/proc/self/task")).entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        QFile comm(QStringLiteral("/proc/self/task/%1/comm").arg(tid));
        QFile status(QStringLiteral("/proc/self/task/%1/status").arg(tid));
        if (!comm.open(QIODevice::ReadOnly) || !status.open(QIODevice::ReadOnly)) {
            continue; // ended meanwhile
        }
        double switches = 0;
        for (const QByteArray &line : status.readAll().split('\n')) {
            if (line.startsWith("voluntary_ctxt_switches:") || line.startsWith("nonvoluntary_ctxt_switches:")) {
                switches += line.mid(line.indexOf(':') + 1).trimmed().toDouble();
            }
        }
        byName[QString::fromUtf8(comm.readAll().trimmed())] += switches;
    }
    return byName;
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

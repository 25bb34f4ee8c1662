// SPDX-License-Identifier: MIT
#include "threadpriority.h"

#include "logging.h"

#include <QThread>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <sys/resource.h>
#include <unistd.h>

namespace OddsTap {

namespace {

std::atomic<int> g_backgroundNice { 0 };

} // namespace

void setBackgroundNice(int nice)
{
    g_backgroundNice.store(nice, std::memory_order_relaxed);
}

int backgroundNice()
{
    return g_backgroundNice.load(std::memory_order_relaxed);
}

void runsInBackground(QThread &thread)
{
    // Direct: QThread::started is emitted on the new thread, so the slot sets that thread's nice.
    QObject::connect(
        &thread, &QThread::started, &thread,
        [] {
            const int nice = backgroundNice();
            if (nice == 0) {
                return;
            }
#ifdef __linux__
            // On Linux each thread has its own nice value (setpriority() on its thread id); raising
            // it needs no privilege.
            // Relative to the main thread's (a desktop started with `nice` keeps the same order),
            // not to what it inherited: a thread started from a background one (the checkpoints,
            // from storage's) would go lower again.
            errno = 0;
            const int base = getpriority(PRIO_PROCESS, static_cast<id_t>(getpid()));
            const int target = std::min(19, (errno == 0 ? base : 0) + nice);
            if (setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), target) != 0) {
                qCWarning(lcStorage).noquote() << "cannot lower the priority of thread"
                                               << QThread::currentThread()->objectName() << ":" << std::strerror(errno);
            }
#endif
        },
        Qt::DirectConnection);
}

int currentThreadNice()
{
#ifdef __linux__
    errno = 0;
    return getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
#else
    return 0;
#endif
}

} // namespace OddsTap

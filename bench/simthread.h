// SPDX-License-Identifier: MIT
// The built-in simulator on its own thread, as the product runs it, for the benchmarks.
#pragma once

#include <core/sim/simserver.h>

#include <QThread>

#include <atomic>

namespace OddsTap::Bench {

class SimThread
{
public:
    explicit SimThread(const SimServerConfig &config)
        : m_sim(new SimServer(config))
    {
        m_sim->moveToThread(&m_thread);
        m_thread.setObjectName(QStringLiteral("sim"));
        m_thread.start();
        QMetaObject::invokeMethod(
            m_sim,
            [this] {
                const auto p = m_sim->start();
                m_port = p ? *p : 1;
            },
            Qt::QueuedConnection);
        while (m_port == 0) {
            QThread::msleep(1); // a benchmark's set-up: nothing else to do meanwhile
        }
    }
    ~SimThread()
    {
        SimServer *sim = m_sim;
        QMetaObject::invokeMethod(
            sim, [sim] { delete sim; }, Qt::QueuedConnection);
        m_thread.quit();
        m_thread.wait();
    }
    SimThread(const SimThread &) = delete;
    SimThread &operator=(const SimThread &) = delete;

    quint16 port() const { return m_port; }
    QUrl url() const { return QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(m_port.load())); }

private:
    QThread m_thread;
    SimServer *m_sim; ///< lives in m_thread
    std::atomic<quint16> m_port { 0 };
};

} // namespace OddsTap::Bench

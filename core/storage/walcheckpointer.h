// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

struct sqlite3;

namespace OddsTap {

/// Checkpoints an SQLite WAL database from its own connection and thread, so that the writer only
/// appends to the WAL: with SQLite's auto-checkpoint, every commit of a large transaction also
/// copied the WAL into the database and waited for two fsyncs on the writer's thread (measured:
/// about 30 % of the writer's wall time). Passive checkpoints never block the writer or readers.
/// Owned by SqliteStorage on the storage thread; the worker thread is internal.
class WalCheckpointer
{
public:
    explicit WalCheckpointer(QString path);
    ~WalCheckpointer();

    /// Opens the second connection and starts the thread; false (and a log line) when it cannot,
    /// in which case the writer keeps SQLite's auto-checkpoint.
    bool start();
    /// The writer committed: checkpoint soon.
    void poke();
    quint64 checkpoints() const
    {
        return m_checkpoints.load(std::memory_order_relaxed);
    }

private:
    void run();

    QString m_path;
    sqlite3 *m_db = nullptr;
    std::thread m_thread;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_pending = false;
    bool m_stop = false;
    std::atomic<quint64> m_checkpoints { 0 };
};

} // namespace OddsTap

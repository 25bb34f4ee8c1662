// SPDX-License-Identifier: MIT
#include "walcheckpointer.h"

#include <core/common/logging.h>

#include <sqlite3.h>

#if defined(Q_OS_LINUX)
#include <pthread.h>
#endif

namespace OddsTap {

WalCheckpointer::WalCheckpointer(QString path)
    : m_path(std::move(path))
{ }

WalCheckpointer::~WalCheckpointer()
{
    if (m_thread.joinable()) {
        {
            std::lock_guard lock(m_mutex);
            m_stop = true;
        }
        m_wake.notify_one();
        m_thread.join();
    }
    sqlite3_close(m_db);
}

bool WalCheckpointer::start()
{
    const int rc =
        sqlite3_open_v2(m_path.toUtf8().constData(), &m_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
        qCWarning(lcStorage).noquote() << "cannot open a checkpoint connection to" << m_path << ":"
                                       << sqlite3_errstr(rc) << "(SQLite checkpoints on the writer's thread instead)";
        sqlite3_close(m_db);
        m_db = nullptr;
        return false;
    }
    // A fresh connection has not read the database yet and would not know it is in WAL mode: its
    // checkpoints would be no-ops. Reading the schema opens the WAL.
    if (sqlite3_exec(m_db, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr) != SQLITE_OK) {
        qCWarning(lcStorage).noquote() << "cannot read" << m_path
                                       << "from the checkpoint connection:" << sqlite3_errmsg(m_db)
                                       << "(SQLite checkpoints on the writer's thread instead)";
        sqlite3_close(m_db);
        m_db = nullptr;
        return false;
    }
    m_thread = std::thread([this] { run(); });
    return true;
}

void WalCheckpointer::poke()
{
    {
        std::lock_guard lock(m_mutex);
        m_pending = true;
    }
    m_wake.notify_one();
}

void WalCheckpointer::run()
{
#if defined(Q_OS_LINUX)
    pthread_setname_np(pthread_self(), "checkpoint");
#endif
    bool warned = false;
    std::unique_lock lock(m_mutex);
    while (true) {
        m_wake.wait(lock, [this] { return m_pending || m_stop; });
        if (m_stop) {
            return;
        }
        m_pending = false;
        lock.unlock();
        int logFrames = 0;
        int copied = 0;
        const int rc = sqlite3_wal_checkpoint_v2(m_db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &logFrames, &copied);
        if (rc == SQLITE_OK) {
            m_checkpoints.fetch_add(1, std::memory_order_relaxed);
        } else if ((rc & 0xff) != SQLITE_BUSY && !warned) {
            warned = true; // once: the writer's size limit still checkpoints (see SqliteStorage)
            qCWarning(lcStorage).noquote() << "background checkpoint of" << m_path << "failed:" << sqlite3_errmsg(m_db);
        }
        lock.lock();
    }
}

} // namespace OddsTap

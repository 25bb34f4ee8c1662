// SPDX-License-Identifier: MIT
#include "walcheckpointer.h"

#include <core/common/logging.h>
#include <core/common/threadpriority.h>
#include <core/storage/sqlitemessage.h>

#include <QThread>

#include <sqlite3.h>

namespace OddsTap {

std::unique_ptr<WalCheckpointer::Handle> WalCheckpointer::Handle::start(const QString &path)
{
    sqlite3 *db = nullptr;
    // Multi-thread mode: opened here, then used by the checkpoint thread alone.
    int rc = sqlite3_open_v2(path.toUtf8().constData(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
    // A fresh connection has not read the database yet and would not know it is in WAL mode: its
    // checkpoints would be no-ops. Reading the schema opens the WAL.
    if (rc == SQLITE_OK) {
        rc = sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr);
    }
    if (rc != SQLITE_OK) {
        qCWarning(lcStorage).noquote() << "cannot open a checkpoint connection to" << path << ":" << sqlite3_errmsg(db)
                                       << "(SQLite checkpoints on the writer's thread instead)";
        sqlite3_close(db);
        return nullptr;
    }
    std::unique_ptr<Handle> h(new Handle);
    h->m_thread = new QThread;
    h->m_thread->setObjectName(QStringLiteral("checkpoint"));
    runsInBackground(*h->m_thread);
    h->m_worker = new WalCheckpointer(path, db);
    h->m_worker->moveToThread(h->m_thread);
    h->m_thread->start();
    return h;
}

WalCheckpointer::Handle::~Handle()
{
    m_thread->quit();
    m_thread->wait();
    delete m_worker; // its thread has finished: nothing runs on it any more
    delete m_thread;
}

void WalCheckpointer::Handle::poke()
{
    if (!m_worker->m_queued.exchange(true)) {
        QMetaObject::invokeMethod(m_worker, &WalCheckpointer::checkpoint, Qt::QueuedConnection);
    }
}

quint64 WalCheckpointer::Handle::checkpoints() const
{
    return m_worker->m_checkpoints.load(std::memory_order_relaxed);
}

QString WalCheckpointer::Handle::damage() const
{
    return m_worker->m_damaged.load() ? m_worker->m_damage : QString();
}

WalCheckpointer::WalCheckpointer(QString path, sqlite3 *db)
    : m_path(std::move(path))
    , m_db(db)
{ }

WalCheckpointer::~WalCheckpointer()
{
    sqlite3_close(m_db);
}

void WalCheckpointer::checkpoint()
{
    Q_ASSERT(QThread::currentThread() == thread());
    m_queued.store(false); // a commit from now on posts another checkpoint
    const int rc = sqlite3_wal_checkpoint_v2(m_db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    if (rc == SQLITE_OK) {
        m_checkpoints.fetch_add(1, std::memory_order_relaxed);
    } else if (((rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB) && !m_damaged.load()) {
        m_damage = sqliteMessage(m_db);
        m_damaged.store(true);
        qCCritical(lcStorage).noquote() << "background checkpoint of" << m_path
                                        << "found the file damaged:" << m_damage;
    } else if ((rc & 0xff) != SQLITE_BUSY && !m_warned) {
        m_warned = true; // once: the writer's WAL size limit still checkpoints (see SqliteStorage)
        qCWarning(lcStorage).noquote() << "background checkpoint of" << m_path << "failed:" << sqlite3_errmsg(m_db);
    }
}

} // namespace OddsTap

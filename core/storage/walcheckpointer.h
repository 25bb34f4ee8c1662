// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <QString>

#include <atomic>

struct sqlite3;
class QThread;

namespace OddsTap {

/// Checkpoints an SQLite WAL database from its own connection and thread, so that the writer only
/// appends to the WAL: with SQLite's auto-checkpoint, every commit of a large transaction also
/// copied the WAL into the database and waited for its fsyncs on the writer's thread. Passive
/// checkpoints never block the writer or readers. The connection is a plain sqlite3 one: it runs
/// nothing but sqlite3_wal_checkpoint_v2. Lives in: its own thread, owned by a Handle.
class WalCheckpointer : public QObject
{
    Q_OBJECT
public:
    /// Owns the thread and the worker; created and destroyed on the writer's thread.
    class Handle
    {
    public:
        /// nullptr (and a log line) when the connection cannot be opened: the writer then keeps
        /// SQLite's auto-checkpoint.
        static std::unique_ptr<Handle> start(const QString &path);
        ~Handle();
        /// The writer committed: checkpoint soon. Any thread; coalesces while one is pending.
        void poke();
        quint64 checkpoints() const;
        /// What the checkpoint connection found wrong with the file (SQLite says it is damaged:
        /// truncated or overwritten under the writer), or "". A damaged file is not written on.
        QString damage() const;

    private:
        Handle() = default;
        QThread *m_thread = nullptr;
        WalCheckpointer *m_worker = nullptr;
    };

    ~WalCheckpointer() override;

private:
    WalCheckpointer(QString path, sqlite3 *db);
    void checkpoint();

    QString m_path;
    sqlite3 *m_db;
    std::atomic<bool> m_queued { false }; ///< a checkpoint() call is posted and has not started
    std::atomic<quint64> m_checkpoints { 0 };
    bool m_warned = false;
    std::atomic<bool> m_damaged { false };
    QString m_damage; ///< set once, before m_damaged
};

} // namespace OddsTap

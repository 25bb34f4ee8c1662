// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/event.h>
#include <core/common/storagebacklog.h>

#include <QObject>

#include <memory>

namespace OddsTap {

/// Where a capture session's batches come from: a live FeedClient or a ReplaySource. Both emit one
/// source's events, rejects, gaps and connection events in batches, in arrival order.
/// Lives in: a worker thread; talk to it with queued calls only.
class BatchSource : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;

public slots:
    virtual void start() = 0;
    /// Stops; the last batch is emitted before this returns. @p why is the stopped state's reason
    /// ("count reached", "stopped by the user"), as the connection log and the summary show it.
    virtual void stop(const QString &why) = 0;
    /// When on, batches carry the raw frames as received (for a recorder). Off by default.
    virtual void setKeepRaw(bool keep) = 0;

public:
    /// Before start(): what waits in memory for the pipeline and storage; the source holds off
    /// while too much does (a live feed disconnects and resumes from its last seq, a replay
    /// waits). A live source counts each batch it hands over (StorageBacklog::handed()): whoever
    /// receives its batches calls StorageBacklog::taken() for each.
    void setStorageBacklog(std::shared_ptr<StorageBacklog> backlog) { m_storageBacklog = std::move(backlog); }

signals:
    void batchReady(const OddsTap::BatchPtr &batch);
    /// Every transition of a source's state machine (also included in batches).
    void stateChanged(const OddsTap::ConnectionEvent &event);

protected:
    std::shared_ptr<StorageBacklog> m_storageBacklog; ///< null: nothing to hold off for
};

} // namespace OddsTap

// SPDX-License-Identifier: MIT
#pragma once

#include <core/feed/feedclient.h>
#include <core/pipeline/livestate.h>
#include <core/session/capturestats.h>
#include <core/storage/storagewriter.h>

#include <QObject>

#include <memory>
#include <vector>

namespace OddsTap {

struct CaptureConfig
{
    std::vector<FeedSourceConfig> sources;
    quint64 count = 0; ///< stop after this many stream envelopes (accepted or rejected); 0 = no limit
    qint64 durationMs = 0; ///< stop after this long; 0 = no limit
    quint64 untilSeq = 0; ///< stop once every source holds (or has committed) this seq; 0 = no limit
    std::optional<StorageTarget> storage; ///< none: count only
    int drainTimeoutMs = 30000; ///< at stop, how long to wait for an unavailable database
    SpoolConfig spool; ///< bounded memory for the storage queue (directory empty: no spool)
};

/// Runs one FeedClient per source, each on its own thread, and keeps the capture's counts.
/// Later stages (storage) subscribe to batchReceived. Lives in: the thread that creates it (GUI or
/// the CLI's main thread); batches arrive here by queued connection.
class CaptureSession : public QObject
{
    Q_OBJECT
public:
    explicit CaptureSession(CaptureConfig config, QObject *parent = nullptr);
    ~CaptureSession() override;

    void start();
    /// Stops every source, delivers their last batches, then emits finished(reason).
    void stop(const QString &reason);

    const CaptureStats &stats() const
    {
        return m_stats;
    }
    const CaptureConfig &config() const
    {
        return m_config;
    }
    /// Current fixtures and prices; the GUI takes coalesced changes from it at its own pace.
    const LiveState &liveState() const
    {
        return m_live;
    }
    LiveState &liveState()
    {
        return m_live;
    }
    bool isRunning() const
    {
        return m_running;
    }
    QString stopReason() const
    {
        return m_stopReason;
    }
    /// True when the session could not start (storage failed to open): stopReason() says why.
    bool failed() const
    {
        return m_failed;
    }

signals:
    void batchReceived(const OddsTap::BatchPtr &batch);
    void sourceStateChanged(const OddsTap::ConnectionEvent &event);
    /// Storage problems for the error log (once per outage, and on recovery).
    void storageProblem(const QString &message, bool ongoing);
    void finished(const QString &reason);

private:
    void onBatch(const BatchPtr &batch);
    void onClientStopped();
    void startClients(const SeqMap &committed);
    void checkUntilSeq(const std::map<QString, quint64> &held);
    void finish();

    struct Worker;
    CaptureConfig m_config;
    CaptureStats m_stats;
    LiveState m_live;
    std::vector<std::unique_ptr<Worker>> m_workers;
    QThread *m_storageThread = nullptr;
    StorageWriter *m_writer = nullptr; ///< lives in m_storageThread
    bool m_failed = false;
    std::map<QString, quint64> m_committedSeqs; ///< per source, as the writer reports commits
    bool m_running = false;
    bool m_stopping = false;
    int m_stoppedClients = 0;
    QString m_stopReason;
};

} // namespace OddsTap

// SPDX-License-Identifier: MIT
#pragma once

#include <core/broker/amqpclient.h>
#include <core/feed/batchsource.h>

#include <QUrl>

#include <memory>

class QTimer;

namespace OddsTap {

/// A source that watches what collectors publish, for the GUI: its own exclusive, auto-delete
/// queue gets a copy of every partition's messages (brokertopology.h), so nothing it does takes
/// from or slows the writers; at most kMaxQueued messages wait for it there (the oldest go first:
/// a viewer shows the present, the writers keep the history). With a `redis` query item in its
/// URL (amqp://host/vhost?redis=redis://host:port) it first loads the live cache, so the views are
/// full at once. Its own state transitions (connecting, subscribed, backing off) are the broker's
/// health, under the source's id; the events keep the ids of the sources they came from.
/// Its batches are for the views: the session does not store them (the writers do).
/// Lives in: a worker thread, like every BatchSource.
class BrokerViewer : public BatchSource
{
    Q_OBJECT
public:
    BrokerViewer(QString sourceId, QUrl url, QObject *parent = nullptr);
    ~BrokerViewer() override;

    static constexpr int kMaxQueued = 20000;

public slots:
    void start() override;
    void stop(const QString &why) override;
    void setKeepRaw(bool) override { }

private:
    void poll();
    bool connectBroker();
    void loadCache(EventBatch &batch);
    void setState(SourceState state, const QString &reason, int delayMs, EventBatch *into);

    QString m_sourceId;
    QUrl m_url;
    std::unique_ptr<AmqpConnection> m_connection;
    QTimer *m_timer = nullptr;
    quint32 m_connections = 0;
    int m_backoffMs = 0;
    qint64 m_retryAtNs = 0;
    bool m_cacheLoaded = false;
    bool m_stopped = false;
    std::vector<ConnectionEvent> m_pendingStates;
};

} // namespace OddsTap

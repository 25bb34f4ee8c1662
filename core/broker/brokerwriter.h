// SPDX-License-Identifier: MIT
#pragma once

#include <core/broker/amqpclient.h>
#include <core/common/latencyhistogram.h>
#include <core/storage/storage.h>

#include <functional>
#include <memory>
#include <vector>

namespace OddsTap {

struct BrokerWriterConfig
{
    AmqpTarget broker;
    StorageTarget database;
    std::vector<int> partitions; ///< the partition queues this writer consumes (see brokertopology.h)
    int prefetch = 64; ///< unacknowledged messages per partition queue
    int maxMessagesPerCommit = 256;
    int maxWaitMs = 50; ///< how long a transaction waits for more messages once it has one
    int maxAttempts = 3; ///< a message the database refuses this often goes to the dead-letter queue
    int retryDelayMs = 500; ///< between those attempts
    /// Fault injection for the tests: after this many commits, die by SIGKILL before acknowledging
    /// (the worst moment: stored, not acknowledged). 0: never. Set from ODDSTAP_FAULT_KILL_AFTER_COMMITS.
    quint64 killAfterCommits = 0;
};

/// What a writer did, for its summary and its /metrics.
struct BrokerWriterStats
{
    quint64 messages = 0; ///< taken off the partition queues
    quint64 redelivered = 0; ///< of those, flagged as delivered before (a writer went away)
    quint64 commits = 0;
    /// Rows stored by table, and the events skipped as stored already (duplicateSeqs: a redelivery).
    WriteResult stored;
    quint64 deadLetters = 0; ///< sent to the dead-letter queue
    quint64 databaseOutages = 0;
    quint64 brokerReconnects = 0;
    quint64 backlog = 0; ///< messages waiting in this writer's partition queues, at the last look
    bool databaseUp = true;
    bool brokerUp = false;
    /// Frame received by the collector (its wall clock) -> committed here: the end-to-end delay.
    LatencyHistogram receiveToCommitted;
    LatencyHistogram databaseWrite;

    /// Prometheus text exposition (oddstap_writer_* families, docs/metrics.md).
    QByteArray prometheusText() const;
};

/// The consumer role: takes the collectors' batches off the partition queues it was given, stores
/// them in the database in one transaction per group of messages and acknowledges them only after
/// the commit. A redelivered message is recognised by its partition's stored seq (storage skips it),
/// so killing a writer at any moment loses and doubles nothing. A message the database refuses is
/// retried, then published to the dead-letter queue with the reason, and only then acknowledged.
/// While the database is down the messages stay unacknowledged in the broker; while the broker is
/// down the writer reconnects with backoff.
/// Runs a blocking loop: it lives in a process (oddstap-cli consume) or a thread of its own.
class BrokerWriter
{
public:
    explicit BrokerWriter(BrokerWriterConfig config);
    ~BrokerWriter();

    /// Opens the database (creating or migrating its schema). An error is a configuration error.
    Result<void> open();
    /// Runs until `stopRequested` returns true (polled at least every 200 ms). `onStats` is called
    /// about once a second, and `onNotice` with what a user should read in the log.
    void run(const std::function<bool()> &stopRequested, const std::function<void(const BrokerWriterStats &)> &onStats,
        const std::function<void(const QString &)> &onNotice);
    const BrokerWriterStats &stats() const { return m_stats; }

private:
    struct Item;
    Result<void> connectBroker();
    void dropBroker(const QString &why);
    /// Stores the items (all or, on a refusal, one by one); false when it gave up because the
    /// broker or a stop request got in the way (nothing is acknowledged then).
    bool store(std::vector<Item> &items, const std::function<bool()> &stopRequested);
    bool deadLetter(const Item &item, const QString &reason);
    void account(const WriteResult &result, const std::vector<Item> &items);
    void updateBacklog();
    bool sleepUnless(int ms, const std::function<bool()> &stopRequested);

    BrokerWriterConfig m_config;
    std::unique_ptr<Storage> m_storage;
    std::unique_ptr<AmqpConnection> m_consumer;
    std::unique_ptr<AmqpConnection> m_publisher; ///< dead letters only, so confirms never mix with deliveries
    BrokerWriterStats m_stats;
    std::function<void(const QString &)> m_notice;
    int m_brokerDelayMs = 0;
    qint64 m_lastBacklogNs = 0;
};

} // namespace OddsTap

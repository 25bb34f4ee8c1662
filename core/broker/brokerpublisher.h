// SPDX-License-Identifier: MIT
#pragma once

#include <core/broker/amqpclient.h>
#include <core/storage/storage.h>

#include <QLockFile>

#include <map>
#include <memory>

namespace OddsTap {

/// The collector's storage: each batch goes to the broker instead of a database, split by
/// partition (brokertopology.h), one persistent message per partition, and counts as committed
/// once the broker confirmed every message of the write. The storage writer treats it as any
/// other back end, so while the broker is down its spool keeps the backlog and its retries send
/// it on reconnect, in order. How far each source is confirmed is kept in a small file per source
/// (the collector's resume point) under `stateDirectory`; a lock file per source there keeps two
/// collectors on one machine from publishing the same source.
/// Lives in: the storage thread, like every Storage.
class BrokerPublisher final : public Storage
{
public:
    static Result<std::unique_ptr<Storage>> open(const AmqpTarget &target, const QString &stateDirectory);
    ~BrokerPublisher() override;

    using Storage::write;
    Result<WriteResult> write(
        const std::vector<const EventBatch *> &batches, const std::vector<Alert> &alerts) override;
    const SeqMap &committedSeqs() const override { return m_committed; }
    Result<QJsonObject> tableCounts() override;
    Result<quint64> query(const QString &sql, const QStringList &params, const RowCallback &onRow) override;
    Result<std::vector<PriceRow>> priceHistory(
        const QString &sourceId, const QString &fixtureId, const QString &marketType, qint64 limit) override;
    QString describe() const override;
    int schemaVersion() const override { return kSchemaVersion; }
    Result<void> claimSource(const QString &sourceId) override;

    /// The directory a collector keeps its resume points in for this broker (under the data
    /// directory: one per broker address and vhost).
    static QString defaultStateDirectory(const AmqpTarget &target);

private:
    BrokerPublisher(AmqpTarget target, QString stateDirectory);
    Result<void> ensureConnected();
    QString seqFile(const QString &sourceId) const;
    Result<void> saveSeq(const QString &sourceId, quint64 seq);
    Error notADatabase() const;

    AmqpTarget m_target;
    QString m_stateDirectory;
    std::unique_ptr<AmqpConnection> m_connection;
    SeqMap m_saved; ///< every resume point in the state directory
    SeqMap m_committed; ///< of the sources this collector claimed
    std::map<QString, std::unique_ptr<QLockFile>> m_locks;
    static constexpr int kConfirmTimeoutMs = 15000;
};

} // namespace OddsTap

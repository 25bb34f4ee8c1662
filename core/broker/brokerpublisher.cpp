// SPDX-License-Identifier: MIT
#include "brokerpublisher.h"

#include <core/broker/brokertopology.h>
#include <core/common/eventserialization.h>
#include <core/common/logging.h>
#include <core/common/timeutil.h>
#include <core/storage/batchwalk.h>

#include <QDir>
#include <QFile>
#include <QSaveFile>
#include <QUrl>

namespace OddsTap {
namespace {

/// The walk's rows are not stored here: it only counts them, as a database would have.
class CountingSink final : public BatchSink
{
public:
    quint64 bets = 0;
    bool fixture(const Event &, const FixtureData &) override { return true; }
    bool bet(const Event &, const BetData &) override
    {
        ++bets;
        return true;
    }
    bool feedError(const Event &, const FeedErrorData &) override { return true; }
    bool book(const Event &, const BookData &) override { return true; }
    bool reject(const Reject &) override { return true; }
    bool gap(const GapRecord &) override { return true; }
    bool connectionEvent(const ConnectionEvent &) override { return true; }
};

} // namespace

BrokerPublisher::BrokerPublisher(AmqpTarget target, QString stateDirectory)
    : m_target(std::move(target))
    , m_stateDirectory(std::move(stateDirectory))
{ }

BrokerPublisher::~BrokerPublisher() = default;

QString BrokerPublisher::defaultStateDirectory(const AmqpTarget &target)
{
    const QString name = QStringLiteral("%1_%2_%3")
                             .arg(target.host)
                             .arg(target.port)
                             .arg(QString::fromLatin1(QUrl::toPercentEncoding(target.vhost)));
    return QDir(StorageTarget::dataDirectory()).filePath(QStringLiteral("publish/") + name);
}

Result<std::unique_ptr<Storage>> BrokerPublisher::open(const AmqpTarget &target, const QString &stateDirectory)
{
    std::unique_ptr<BrokerPublisher> p(new BrokerPublisher(target, stateDirectory));
    if (!QDir().mkpath(stateDirectory)) {
        return Error { QStringLiteral("storage_open"),
            QStringLiteral("cannot create the collector's state directory %1").arg(stateDirectory) };
    }
    const QDir dir(stateDirectory);
    for (const QString &name : dir.entryList({ QStringLiteral("*.seq") }, QDir::Files)) {
        QFile f(dir.filePath(name));
        if (!f.open(QIODevice::ReadOnly)) {
            return Error { QStringLiteral("storage_open"),
                QStringLiteral("cannot read %1: %2").arg(f.fileName(), f.errorString()) };
        }
        bool ok = false;
        const quint64 seq = f.read(32).trimmed().toULongLong(&ok);
        if (!ok) {
            return Error { QStringLiteral("storage_open"),
                QStringLiteral("%1 does not hold a seq: delete it to publish that source from the feed's start")
                    .arg(f.fileName()) };
        }
        const QString source = QUrl::fromPercentEncoding(name.chopped(4).toLatin1());
        p->m_saved[source] = seq;
    }
    // A broker that is down now is an outage like any later one (the spool holds the backlog);
    // credentials it refuses are a configuration error, reported at once.
    if (auto r = p->ensureConnected(); !r && r.error().message.contains(QLatin1String("ACCESS_REFUSED"))) {
        return Error { QStringLiteral("storage_open"), r.error().message };
    }
    return std::unique_ptr<Storage>(std::move(p));
}

Result<void> BrokerPublisher::ensureConnected()
{
    if (m_connection && m_connection->isOpen()) {
        return {};
    }
    m_connection.reset();
    auto c = AmqpConnection::open(m_target);
    if (!c) {
        return c.error();
    }
    if (auto r = (*c)->declareTopology(); !r) {
        return r;
    }
    if (auto r = (*c)->enableConfirms(); !r) {
        return r;
    }
    m_connection = std::move(*c);
    qCInfo(lcStorage).noquote() << "publishing to" << m_target.describe();
    return {};
}

Result<WriteResult> BrokerPublisher::write(
    const std::vector<const EventBatch *> &batches, const std::vector<Alert> &alerts)
{
    // Alerts stay with the collector that raised them: its writers store the stream, not alerts.
    Q_UNUSED(alerts);
    const qint64 started = monotonicNs();
    auto unreachable = [this](const Error &e) -> Result<WriteResult> {
        m_connection.reset();
        return Error { QStringLiteral("storage_unreachable"), e.message };
    };
    if (auto r = ensureConnected(); !r) {
        return unreachable(r.error());
    }
    WriteResult result;
    CountingSink sink;
    const BatchWalk walk = walkBatches(batches, m_committed, sink, result);
    result.odds = walk.odds.size();
    result.bets = sink.bets;
    const QByteArray exchange(Broker::kEventsExchange);
    for (const EventBatch *batch : batches) {
        for (const Broker::PartitionedBatch &part : Broker::splitByPartition(*batch)) {
            if (auto r = m_connection->publish(
                    exchange, Broker::routingKey(part.partition, part.batch.sourceId), serializeBatch(part.batch));
                !r) {
                return unreachable(r.error());
            }
        }
    }
    if (auto r = m_connection->waitForConfirms(kConfirmTimeoutMs); !r) {
        return unreachable(r.error());
    }
    for (const auto &[source, seq] : walk.newSeqs) {
        if (auto r = saveSeq(source, seq); !r) {
            // Published and confirmed: only the resume point is behind, so a restart sends some
            // events again, which the writers recognise.
            qCWarning(lcStorage).noquote() << r.error().message;
        }
        m_committed[source] = seq;
    }
    result.committedSeqs = walk.newSeqs;
    result.writeNs = monotonicNs() - started;
    // The end-to-end latency is the writers' to measure: here it is receive -> confirmed.
    const qint64 confirmedNs = monotonicNs();
    for (const EventBatch *batch : batches) {
        for (const Event &e : batch->events) {
            result.receiveToCommit.add(confirmedNs - e.receivedMonoNs);
        }
    }
    return result;
}

QString BrokerPublisher::seqFile(const QString &sourceId) const
{
    return QDir(m_stateDirectory)
        .filePath(QString::fromLatin1(QUrl::toPercentEncoding(sourceId)) + QStringLiteral(".seq"));
}

Result<void> BrokerPublisher::saveSeq(const QString &sourceId, quint64 seq)
{
    QSaveFile f(seqFile(sourceId));
    if (!f.open(QIODevice::WriteOnly) || f.write(QByteArray::number(seq) + '\n') < 0 || !f.commit()) {
        return Error { QStringLiteral("io_error"),
            QStringLiteral("cannot save the resume point of '%1' in %2: %3")
                .arg(sourceId, f.fileName(), f.errorString()) };
    }
    return {};
}

Result<void> BrokerPublisher::claimSource(const QString &sourceId)
{
    if (m_locks.count(sourceId)) {
        return {};
    }
    auto lock = std::make_unique<QLockFile>(seqFile(sourceId) + QStringLiteral(".lock"));
    lock->setStaleLockTime(0);
    if (!lock->tryLock(0)) {
        qint64 pid = 0;
        QString host;
        QString app;
        lock->getLockInfo(&pid, &host, &app);
        return Error { QStringLiteral("source_claimed"),
            QStringLiteral("source '%1' is already published to %2 by process %3 on this machine")
                .arg(sourceId, m_target.describe(), QString::number(pid)) }; // one arg(): "%2F" stays
    }
    m_locks[sourceId] = std::move(lock);
    if (const auto saved = m_saved.find(sourceId); saved != m_saved.end()) {
        m_committed[sourceId] = saved->second; // this collector's sources only, not every file here
    }
    return {};
}

Error BrokerPublisher::notADatabase() const
{
    return Error { QStringLiteral("usage"),
        QStringLiteral("%1 is a broker, not a database: read what the writers stored").arg(m_target.describe()) };
}

Result<QJsonObject> BrokerPublisher::tableCounts()
{
    return notADatabase();
}

Result<quint64> BrokerPublisher::query(const QString &, const QStringList &, const RowCallback &)
{
    return notADatabase();
}

Result<std::vector<PriceRow>> BrokerPublisher::priceHistory(const QString &, const QString &, const QString &, qint64)
{
    return notADatabase();
}

QString BrokerPublisher::describe() const
{
    return m_target.describe();
}

} // namespace OddsTap

// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/event.h>

#include <QByteArray>
#include <QString>

#include <vector>

namespace OddsTap::Broker {

/// How events cross the broker. A collector splits each batch by partition: a fixture's events
/// always go to the same partition (a stable hash of source and fixture), its source's rejects,
/// gaps and connection events to the source's own partition. Each partition is one durable queue
/// with a single active consumer, so a partition is written in order by one writer at a time,
/// whatever the number of writers. The partition count is fixed: the mapping of a fixture to its
/// queue never changes, so a writer joining or leaving never reorders a fixture's events (the
/// consistent-hash exchange would move keys between queues when one is added).
inline constexpr int kPartitions = 12;

/// A topic exchange: routing keys are "<partition>.<source>" ("07.book-a"); each partition queue is
/// bound with "<partition>.#", a viewer with "#" (or "*.<source>" for one source).
inline constexpr const char *kEventsExchange = "oddstap.events";
inline constexpr const char *kDeadExchange = "oddstap.dead";
inline constexpr const char *kDeadLetterQueue = "oddstap.dead-letters";

/// Headers a dead letter carries.
inline constexpr const char *kHeaderError = "x-oddstap-error";
inline constexpr const char *kHeaderRoutingKey = "x-oddstap-routing-key";
inline constexpr const char *kHeaderAttempts = "x-oddstap-attempts";
inline constexpr const char *kHeaderDeadAt = "x-oddstap-dead-at";
/// A requeued dead letter: its id, so that a writer stores it once even when it is delivered twice.
inline constexpr const char *kHeaderDeadLetterId = "x-oddstap-dead-letter-id";

/// "07": partition 7's word in routing keys, and its queue's name suffix.
QByteArray partitionWord(int partition);
/// "07.book-a": the routing key of a source's messages in partition 7 (a '.' or '%' in the source
/// id percent-encoded, so that the key has two words; at most 255 bytes, as AMQP allows).
QByteArray routingKey(int partition, const QString &sourceId);
/// The partition of a routing key (its first word); -1 when it is not one.
int partitionOf(const QByteArray &routingKey);
/// "oddstap.partition.07"
QString queueName(int partition);
/// The partition a fixture's events go to (FNV-1a over source and fixture id: the same in every
/// process, unlike qHash, which is seeded).
int partitionOf(const QString &sourceId, const QString &fixtureId);

/// One batch split by partition, each part with the batch's seq bookkeeping (lastSeq, prevSeq);
/// the source's counters and its rejects, gaps and connection events go with the source's own
/// partition. Parts with nothing in them are left out.
struct PartitionedBatch
{
    int partition = 0;
    EventBatch batch;
};
std::vector<PartitionedBatch> splitByPartition(const EventBatch &batch);

/// "src-1/07": the key under which a writer records how far it stored one source's partition.
QString partitionStateKey(const QString &sourceId, int partition);

/// Parses --partitions: "all", or a list of numbers and ranges ("0-3,8"). Empty on a bad spec.
std::vector<int> parsePartitions(const QString &spec);

} // namespace OddsTap::Broker

// SPDX-License-Identifier: MIT
#include "brokertopology.h"

#include <QStringList>

#include <algorithm>
#include <set>

namespace OddsTap::Broker {
namespace {

quint32 fnv1a(const QByteArray &bytes, quint32 hash = 2166136261u)
{
    for (const char c : bytes) {
        hash ^= quint8(c);
        hash *= 16777619u;
    }
    return hash;
}

} // namespace

QByteArray partitionWord(int partition)
{
    return QByteArray::number(partition).rightJustified(2, '0');
}

QByteArray routingKey(int partition, const QString &sourceId)
{
    QByteArray source = sourceId.toUtf8();
    source.replace('%', "%25").replace('.', "%2E");
    const QByteArray key = partitionWord(partition) + '.' + source;
    return key.left(255);
}

int partitionOf(const QByteArray &key)
{
    const QByteArray word = key.left(key.indexOf('.') < 0 ? key.size() : key.indexOf('.'));
    bool ok = false;
    const int p = word.toInt(&ok);
    return ok && word.size() == 2 && p >= 0 && p < kPartitions ? p : -1;
}

QString queueName(int partition)
{
    return QStringLiteral("oddstap.partition.") + QString::fromLatin1(partitionWord(partition));
}

int partitionOf(const QString &sourceId, const QString &fixtureId)
{
    // The unit separator keeps ("a", "bc") and ("ab", "c") apart.
    return int(fnv1a(fixtureId.toUtf8(), fnv1a(sourceId.toUtf8() + '\x1f')) % quint32(kPartitions));
}

QString partitionStateKey(const QString &sourceId, int partition)
{
    return sourceId + QLatin1Char('/') + QString::fromLatin1(partitionWord(partition));
}

std::vector<PartitionedBatch> splitByPartition(const EventBatch &batch)
{
    std::vector<PartitionedBatch> parts(kPartitions);
    const int own = partitionOf(batch.sourceId, QString());
    for (int p = 0; p < kPartitions; ++p) {
        parts[std::size_t(p)].partition = p;
        EventBatch &b = parts[std::size_t(p)].batch;
        b.sourceId = batch.sourceId;
        b.lastSeq = batch.lastSeq;
        b.prevSeq = batch.prevSeq;
    }
    for (const Event &e : batch.events) {
        const QString *fixture = nullptr;
        if (const FixtureData *f = e.fixture()) {
            fixture = &f->fixtureId;
        } else if (const OddsData *o = e.odds()) {
            fixture = &o->fixtureId;
        } else if (const BetData *b = e.bet()) {
            fixture = &b->fixtureId;
        } else if (const BookData *bk = e.book()) {
            fixture = &bk->fixtureId;
        }
        const int p = fixture ? partitionOf(e.sourceId, *fixture) : own;
        parts[std::size_t(p)].batch.events.push_back(e);
    }
    EventBatch &home = parts[std::size_t(own)].batch;
    home.rejects = batch.rejects;
    home.gaps = batch.gaps;
    home.connectionEvents = batch.connectionEvents;
    home.frames = batch.frames;
    home.bytes = batch.bytes;
    home.envelopes = batch.envelopes;
    home.duplicates = batch.duplicates;
    home.discarded = batch.discarded;
    home.heartbeats = batch.heartbeats;
    home.streamAdvances = batch.streamAdvances;
    std::vector<PartitionedBatch> out;
    for (PartitionedBatch &part : parts) {
        if (!part.batch.empty()) {
            out.push_back(std::move(part));
        }
    }
    return out;
}

std::vector<int> parsePartitions(const QString &spec)
{
    std::set<int> chosen;
    if (spec.trimmed() == QLatin1String("all")) {
        for (int p = 0; p < kPartitions; ++p) {
            chosen.insert(p);
        }
        return { chosen.begin(), chosen.end() };
    }
    for (const QString &part : spec.split(QLatin1Char(','))) {
        const QStringList range = part.trimmed().split(QLatin1Char('-'));
        bool okFrom = false;
        bool okTo = false;
        const int from = range.value(0).toInt(&okFrom);
        const int to = range.size() == 2 ? range.value(1).toInt(&okTo) : from;
        if (!okFrom || (range.size() == 2 && !okTo) || range.size() > 2 || from < 0 || to >= kPartitions || from > to) {
            return {};
        }
        for (int p = from; p <= to; ++p) {
            chosen.insert(p);
        }
    }
    return { chosen.begin(), chosen.end() };
}

} // namespace OddsTap::Broker

// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/event.h>
#include <core/storage/oddsrows.h>
#include <core/storage/storage.h>

#include <map>
#include <vector>

namespace OddsTap {

/// One back end's writes of the rows a transaction's batches hold, table by table: an SQLite
/// statement stepped, or a line of a PostgreSQL COPY. A call that returns false failed, and the
/// back end knows why.
class BatchSink
{
public:
    virtual ~BatchSink() = default;
    virtual bool fixture(const Event &event, const FixtureData &fixture) = 0;
    virtual bool bet(const Event &event, const BetData &bet) = 0;
    virtual bool feedError(const Event &event, const FeedErrorData &error) = 0;
    virtual bool book(const Event &event, const BookData &book) = 0;
    virtual bool reject(const Reject &reject) = 0;
    virtual bool gap(const GapRecord &gap) = 0;
    virtual bool connectionEvent(const ConnectionEvent &event) = 0;
};

/// What walkBatches gathered for the back end to finish the transaction with.
struct BatchWalk
{
    OddsRows odds; ///< the bulk, for the back end to write in index order
    SeqMap newSeqs; ///< sources whose committed seq the batches move, and to what
    PartitionMarks newPartitions; ///< the marks of the partitions the batches moved (batches with a partitionKey)
    qint64 maxReceivedAtMs = 0;
    QString failed; ///< what a sink call failed at ("storing a bet"); empty when none did
};

/// The one walk over a transaction's batches both back ends share. Events at or below their
/// source's `committed` seq are stored already (a re-delivery) and counted as duplicateSeqs;
/// every other row goes to `sink` in the batches' order, odds into the walk's OddsRows. Counts
/// in `result` the fixture updates, book changes, feed errors, rejects, gaps, connection events and stream
/// advances; bets (a duplicate bet id is stored once) and odds are the back end's to count.
/// A batch with a partitionKey is deduplicated by its partition's mark in `partitions`, as moved by
/// the batches before it in this walk (the same message twice in one transaction is stored once);
/// one stored as a whole already is skipped entirely.
BatchWalk walkBatches(const std::vector<const EventBatch *> &batches, const SeqMap &committed, BatchSink &sink,
    WriteResult &result, const PartitionMarks &partitions = {});

} // namespace OddsTap

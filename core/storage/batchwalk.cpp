// SPDX-License-Identifier: MIT
#include "batchwalk.h"

#include <algorithm>

namespace OddsTap {

BatchWalk walkBatches(const std::vector<const EventBatch *> &batches, const SeqMap &committed, BatchSink &sink,
    WriteResult &result, const PartitionMarks &partitions)
{
    BatchWalk walk;
    std::size_t events = 0;
    for (const EventBatch *b : batches) {
        events += b->events.size();
    }
    walk.odds.reserve(events);
    const auto failed = [&walk](const char *what) {
        walk.failed = QLatin1String(what);
        return std::move(walk);
    };
    for (const EventBatch *batch : batches) {
        PartitionMark *mark = nullptr;
        if (!batch->partitionKey.isEmpty()) {
            auto moved = walk.newPartitions.find(batch->partitionKey);
            if (moved == walk.newPartitions.end()) {
                const auto stored = partitions.find(batch->partitionKey);
                moved =
                    walk.newPartitions
                        .emplace(batch->partitionKey, stored == partitions.end() ? PartitionMark {} : stored->second)
                        .first;
            }
            mark = &moved->second;
        }
        const AlreadyCommitted alreadyCommitted(*batch, committed, mark);
        if (alreadyCommitted.wholeBatch()) {
            result.duplicateSeqs += quint64(std::count_if(
                batch->events.begin(), batch->events.end(), [](const Event &e) { return e.advancesStream(); }));
            continue;
        }
        for (const Event &e : batch->events) {
            if (alreadyCommitted(e)) {
                ++result.duplicateSeqs;
                continue;
            }
            walk.maxReceivedAtMs = std::max(walk.maxReceivedAtMs, e.receivedAtMs);
            switch (e.type) {
            case EventType::Fixture:
                if (!sink.fixture(e, *e.fixture())) {
                    return failed("storing a fixture");
                }
                ++result.fixtureUpdates;
                break;
            case EventType::Odds:
                walk.odds.add(e, *e.odds());
                break;
            case EventType::Bet:
                if (!sink.bet(e, *e.bet())) {
                    return failed("storing a bet");
                }
                break;
            case EventType::Error:
                if (!sink.feedError(e, *e.feedError())) {
                    return failed("storing a feed error");
                }
                ++result.feedErrors;
                break;
            case EventType::Book:
                if (!sink.book(e, *e.book())) {
                    return failed("storing a book change");
                }
                ++result.books;
                break;
            case EventType::Heartbeat:
            case EventType::SnapshotBegin:
            case EventType::SnapshotEnd:
                break;
            }
        }
        for (const Reject &r : batch->rejects) {
            if (!sink.reject(r)) {
                return failed("storing a reject");
            }
            ++result.rejects;
        }
        for (const GapRecord &g : batch->gaps) {
            if (!sink.gap(g)) {
                return failed("storing a gap");
            }
            ++result.gaps;
        }
        for (const ConnectionEvent &c : batch->connectionEvents) {
            if (!sink.connectionEvent(c)) {
                return failed("storing a connection event");
            }
            ++result.connectionEvents;
        }
        noteLastSeq(*batch, committed, walk.newSeqs);
        if (mark) {
            notePartitionMark(*batch, *mark);
        }
        result.streamAdvances += batch->streamAdvances;
    }
    return walk;
}

} // namespace OddsTap

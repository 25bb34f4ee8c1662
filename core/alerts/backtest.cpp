// SPDX-License-Identifier: MIT
#include "backtest.h"

#include <core/feed/streamtracker.h>
#include <core/replay/recordreader.h>

#include <map>
#include <memory>

namespace OddsTap {

Result<BacktestSummary> backtestRecording(const QStringList &inputs, std::vector<AlertRule> rules,
    FixtureMap fixtureMap, const std::atomic<bool> *cancel, const std::function<void(const Alert &)> &onAlert)
{
    auto reader = openRecords(inputs);
    if (!reader) {
        return reader.error();
    }
    AlertEngine engine(std::move(rules), std::move(fixtureMap));
    std::map<QString, std::unique_ptr<StreamTracker>> trackers;
    std::vector<Alert> fired;
    BacktestSummary summary;
    const auto evaluate = [&](const BatchPtr &batch) {
        if (!batch) {
            return;
        }
        summary.events += batch->events.size();
        engine.onEvents(batch->events, fired);
        for (const Alert &a : fired) {
            onAlert(a);
        }
        summary.alerts += fired.size();
        fired.clear();
    };
    CaptureRecord r;
    RecordReader &records = *reader.value();
    while (records.next(r)) {
        if (cancel && cancel->load(std::memory_order_relaxed)) {
            return Error { QStringLiteral("cancelled"), QStringLiteral("the back-test was cancelled") };
        }
        auto &tracker = trackers[r.sourceId];
        if (!tracker) {
            tracker = std::make_unique<StreamTracker>(r.sourceId, DecoderLimits {}, std::nullopt, records.profile());
        }
        if (r.kind == CaptureRecord::Kind::Connection) {
            if (r.connection.state == SourceState::Connecting) {
                tracker->beginConnection(r.connection.connection);
            }
            continue;
        }
        if (tracker->connection() != r.frame.connection) {
            tracker->beginConnection(r.frame.connection);
        }
        tracker->onFrame(r.frame.bytes, r.frame.wallNs / 1000000, r.frame.monoNs);
        evaluate(tracker->take());
    }
    for (auto &[id, tracker] : trackers) {
        evaluate(tracker->take());
    }
    summary.suppressed = engine.suppressed();
    if (!records.error().isEmpty()) {
        return Error { QStringLiteral("bad_capture"), records.error() };
    }
    return summary;
}

} // namespace OddsTap

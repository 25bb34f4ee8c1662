// SPDX-License-Identifier: MIT
// Test helpers: run a real SimServer and a real CaptureSession in the test's event loop.
#pragma once

#include <core/session/capturesession.h>
#include <core/sim/simserver.h>

#include <QDeadlineTimer>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTest>

#include <memory>

namespace OddsTap::Testing {

/// A simulator with test-friendly defaults: fast, bounded, seeded.
inline SimServerConfig simConfig(quint64 count, quint64 seed = 11)
{
    SimServerConfig c;
    c.rate = 0;
    c.count = count;
    c.heartbeatMs = 100;
    c.generator.seed = seed;
    c.generator.fixtures = 40;
    c.generator.clockBaseMs = 1798761600000LL;
    return c;
}

inline FeedSourceConfig sourceConfig(const QString &id, quint16 port)
{
    FeedSourceConfig s;
    s.sourceId = id;
    s.url = QUrl(QStringLiteral("ws://127.0.0.1:%1").arg(port));
    s.heartbeatMs = 100;
    s.backoffInitialMs = 50;
    s.backoffMaxMs = 400;
    s.resumeFromSeq = 0;
    s.jitterSeed = 5;
    return s;
}

inline CaptureConfig captureConfig(std::vector<FeedSourceConfig> sources, quint64 count, qint64 durationMs,
    std::optional<StorageTarget> storage = std::nullopt)
{
    CaptureConfig c;
    c.sources = std::move(sources);
    c.count = count;
    c.durationMs = durationMs;
    c.storage = std::move(storage);
    return c;
}

/// Captures until the session finishes (count reached) or the timeout passes.
struct CaptureRun
{
    std::unique_ptr<CaptureSession> session;
    std::vector<ConnectionEvent> transitions;
    std::vector<Event> events;
    std::vector<Reject> rejects;
    bool finished = false;

    explicit CaptureRun(CaptureConfig config)
        : session(std::make_unique<CaptureSession>(std::move(config)))
    {
        QObject::connect(session.get(), &CaptureSession::sourceStateChanged, session.get(),
            [this](const ConnectionEvent &e) { transitions.push_back(e); });
        QObject::connect(session.get(), &CaptureSession::batchReceived, session.get(), [this](const BatchPtr &b) {
            events.insert(events.end(), b->events.begin(), b->events.end());
            rejects.insert(rejects.end(), b->rejects.begin(), b->rejects.end());
        });
        QObject::connect(session.get(), &CaptureSession::finished, session.get(), [this] { finished = true; });
    }
    void start() { session->start(); }
    bool waitFinished(int timeoutMs)
    {
        return QTest::qWaitFor([this] { return finished; }, timeoutMs);
    }
    const CaptureStats &stats() const { return session->stats(); }
    int count(SourceState state) const
    {
        return int(std::count_if(
            transitions.begin(), transitions.end(), [state](const ConnectionEvent &e) { return e.state == state; }));
    }
};

/// fixture_updates + odds + bets in a table-count object: the stored stream events.
inline qint64 storedStreamRows(const QJsonObject &tableCounts)
{
    return tableCounts.value(QStringLiteral("fixture_updates")).toInteger()
        + tableCounts.value(QStringLiteral("odds")).toInteger() + tableCounts.value(QStringLiteral("bets")).toInteger();
}

inline qint64 generated(const QJsonObject &simStats, const char *type)
{
    return simStats.value(QStringLiteral("generated")).toObject().value(QLatin1String(type)).toInteger();
}

} // namespace OddsTap::Testing

// SPDX-License-Identifier: MIT
#include "liveconnection.h"

#include <core/common/logging.h>
#include <core/common/timeutil.h>
#include <core/feed/reconnect.h>
#include <core/feed/storageholdoff.h>

#include <QRandomGenerator>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QTimer>

namespace OddsTap {

LiveConnection::LiveConnection(BatchSource *owner, const FeedSourceConfig &sourceConfig, const FeedProfile &profile)
    : source(owner)
    , config(sourceConfig)
    , tracker(sourceConfig.sourceId, sourceConfig.limits, sourceConfig.resumeFromSeq, profile)
    , rng(sourceConfig.jitterSeed != 0 ? sourceConfig.jitterSeed : QRandomGenerator::global()->generate64())
{
    tracker.setGapPolicy(sourceConfig.gapPolicy);
}

LiveConnection::~LiveConnection() = default;

void LiveConnection::start(bool keepRaw, std::shared_ptr<StorageBacklog> memory, int livenessMs)
{
    backlog = std::move(memory);
    tracker.setKeepRaw(keepRaw);
    const auto timer = [this](bool singleShot) {
        auto *t = new QTimer(source);
        t->setSingleShot(singleShot);
        return t;
    };
    flushTimer = timer(true);
    reconnectTimer = timer(true);
    healthyTimer = timer(true);
    livenessTimer = timer(false);
    holdOff = new StorageHoldOff(config.sourceId, source);
    holdOff->setBacklog(backlog);
    QObject::connect(flushTimer, &QTimer::timeout, source, [this] { flush(); });
    QObject::connect(reconnectTimer, &QTimer::timeout, source, [this] { connectNow(); });
    QObject::connect(healthyTimer, &QTimer::timeout, source, [this] { attempt = 0; });
    QObject::connect(livenessTimer, &QTimer::timeout, source, [this] { checkLiveness(); });
    livenessTimer->start(livenessMs);
    connectNow();
}

bool LiveConnection::beginStop(const QString &why)
{
    if (stopping) {
        return false;
    }
    stopping = true;
    reconnectTimer->stop();
    holdOff->cancel();
    livenessTimer->stop();
    setState(SourceState::Stopped, why);
    return true;
}

void LiveConnection::setState(SourceState next, const QString &reason, int delayMs)
{
    state = next;
    const ConnectionEvent ev { config.sourceId, connection, next, reason, delayMs, tracker.lastSeq().value_or(0),
        wallClockMs() };
    const auto name = toWire(next);
    qCInfo(lcFeed).noquote() << QStringLiteral("[%1#%2] %3%4%5")
                                    .arg(config.sourceId)
                                    .arg(connection)
                                    .arg(QLatin1String(name.data(), qsizetype(name.size())),
                                        reason.isEmpty() ? QString() : QStringLiteral(": ") + reason,
                                        delayMs > 0 ? QStringLiteral(" (%1 ms)").arg(delayMs) : QString());
    tracker.addConnectionEvent(ev);
    emit source->stateChanged(ev);
    scheduleFlush();
}

void LiveConnection::scheduleFlush()
{
    if (!flushTimer->isActive()) {
        flushTimer->start(config.flushIntervalMs);
    }
}

void LiveConnection::flush()
{
    flushTimer->stop();
    if (BatchPtr batch = tracker.take()) {
        if (backlog) {
            backlog->handed(batch->events.size());
        }
        emit source->batchReady(batch);
    }
    holdOffIfStorageIsFull();
}

int LiveConnection::nextBackoffMs()
{
    return fullJitterBackoffMs(rng, attempt, config.backoffInitialMs, config.backoffMaxMs);
}

bool LiveConnection::beginAttempt()
{
    if (stopping) {
        return false;
    }
    ++connection;
    holdOff->cancel();
    tracker.beginConnection(connection);
    authFailed = false;
    lastError.clear();
    return true;
}

bool LiveConnection::connectionEnded(const QString &authText)
{
    healthyTimer->stop();
    flush();
    if (stopping) {
        return false;
    }
    if (authFailed) {
        setState(SourceState::AuthFailed, authText, config.authBackoffMs);
        reconnectTimer->start(config.authBackoffMs);
        return false;
    }
    return true;
}

bool LiveConnection::disconnected(const QString &reason)
{
    setState(SourceState::Disconnected, reason);
    if (!holdOff->holding()) {
        return false;
    }
    setState(SourceState::BackingOff, holdOff->waitingText(tracker.lastSeq().value_or(0)));
    holdOff->waitThenResume([this] { connectNow(); });
    return true;
}

bool LiveConnection::serverStopsReading(qint64 unsentBytes)
{
    if (unsentBytes <= kMaxUnsentBytes) {
        return false;
    }
    lastError = QStringLiteral(
        "the server does not read what it makes OddsTap answer: %1 KiB wait unsent (a flood of pings or control "
        "messages from a server that never reads); the connection was dropped")
                    .arg(unsentBytes / 1024);
    return true;
}

QSslConfiguration LiveConnection::sslConfiguration() const
{
    QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
    if (!config.caFile.isEmpty()) {
        ssl.addCaCertificates(QSslCertificate::fromPath(config.caFile));
    }
    return ssl;
}

LiveSource::LiveSource(FeedSourceConfig config, QObject *parent)
    : BatchSource(parent)
    , m_config(std::move(config))
{ }

void LiveSource::setKeepRaw(bool keep)
{
    m_keepRaw = keep;
    if (LiveConnection *c = live()) {
        c->tracker.setKeepRaw(keep);
    }
}

} // namespace OddsTap

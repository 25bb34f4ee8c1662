// SPDX-License-Identifier: MIT
#include "replaysource.h"

#include <core/common/logging.h>
#include <core/common/timeutil.h>
#include <core/feed/streamtracker.h>
#include <core/replay/recordreader.h>

#include <QTimer>

#include <cmath>

namespace OddsTap {
namespace {
constexpr qint64 kSliceNs = 20 * 1000000; ///< longest run of work per event-loop turn
constexpr qint64 kPublishNs = 100 * 1000000;
} // namespace

struct ReplaySource::Impl
{
    ReplaySource *q = nullptr;
    ReplayConfig cfg;
    SeqMap resume;
    std::shared_ptr<std::atomic<int>> inFlight;
    std::size_t lastHeld = 0;
    qint64 heldSinceNs = 0; ///< since when storage has taken nothing while behind
    bool storageBehind()
    {
        const StorageBacklog *backlog = q->m_storageBacklog.get();
        if (!backlog) {
            return false;
        }
        if (backlog->full()) {
            return true; // the spool's disk refuses too: only memory is left, and it is not endless
        }
        const std::size_t held = backlog->held.load();
        if (held * 2 < backlog->budget) {
            heldSinceNs = 0;
            return false;
        }
        const qint64 now = monotonicNs();
        if (heldSinceNs == 0 || held < lastHeld) {
            heldSinceNs = now;
        }
        lastHeld = held;
        // Storage that takes nothing (the database is down) would hold the replay, and so the
        // end of the run, for ever: after a while the spool takes the rest, as for a live feed.
        constexpr qint64 kStorageStalledNs = 5'000'000'000;
        return now - heldSinceNs < kStorageStalledNs;
    }
    std::unique_ptr<RecordReader> reader;
    std::map<QString, std::unique_ptr<StreamTracker>> trackers;
    QTimer *timer = nullptr;
    CaptureRecord next;
    bool haveNext = false;
    bool keepRaw = false;
    bool paused = false;
    bool stepping = false;
    bool stopped = false;
    bool done = false;
    bool based = false;
    qint64 baseRecMonoNs = 0; ///< recorded monotonic time that corresponds to baseNowNs
    qint64 baseNowNs = 0;
    qint64 lastRecMonoNs = 0;
    qint64 fastForwardUntilNs = 0;
    qint64 lastPublishNs = 0;
    ReplayPosition pos;

    StreamTracker &tracker(const QString &sourceId)
    {
        auto it = trackers.find(sourceId);
        if (it == trackers.end()) {
            const auto r = resume.find(sourceId);
            auto t = std::make_unique<StreamTracker>(sourceId, cfg.limits,
                r == resume.end() ? std::nullopt : std::optional<quint64>(r->second), reader->profile());
            t->setKeepRaw(keepRaw);
            it = trackers.emplace(sourceId, std::move(t)).first;
        }
        return *it->second;
    }

    void rebase(qint64 recMonoNs)
    {
        based = true;
        baseRecMonoNs = recMonoNs;
        baseNowNs = monotonicNs();
    }

    void flush(StreamTracker &t)
    {
        if (BatchPtr b = t.take()) {
            inFlight->fetch_add(1);
            emit q->batchReady(b);
        }
    }
    void flushAll()
    {
        for (auto &[id, t] : trackers) {
            flush(*t);
        }
    }

    void publish(bool force)
    {
        const qint64 now = monotonicNs();
        if (force || now - lastPublishNs >= kPublishNs) {
            lastPublishNs = now;
            pos.playing = !paused && !done && !stopped;
            pos.seekingToWallNs = fastForwardUntilNs;
            pos.speed = cfg.speed;
            emit q->positionChanged(pos);
        }
    }

    void deliver(const CaptureRecord &r)
    {
        StreamTracker &t = tracker(r.sourceId);
        if (r.kind == CaptureRecord::Kind::Connection) {
            if (r.connection.state == SourceState::Connecting) {
                t.beginConnection(r.connection.connection);
            }
            t.addConnectionEvent(r.connection);
            emit q->stateChanged(r.connection);
            pos.positionWallNs = r.wallNs();
            return;
        }
        if (t.connection() != r.frame.connection) {
            t.beginConnection(r.frame.connection); // replay started after the connection's first events
        }
        if (keepRaw) {
            t.noteRawFrame(r.frame.bytes, r.frame.wallNs, r.frame.monoNs, r.frame.binary);
        }
        // The recorded receive time: a replay stores the same received_at as the live session did.
        t.onFrame(r.frame.bytes, r.frame.wallNs / 1000000, monotonicNs());
        ++pos.frames;
        lastRecMonoNs = r.frame.monoNs;
        pos.positionWallNs = r.frame.wallNs;
        if (t.pendingSize() >= cfg.flushMaxItems) {
            flush(t);
        }
    }

    bool isDue(const CaptureRecord &r, bool &steppedOne)
    {
        if (r.kind == CaptureRecord::Kind::Connection) {
            return true;
        }
        if (fastForwardUntilNs > 0 && r.frame.wallNs < fastForwardUntilNs) {
            return true;
        }
        if (stepping) {
            return !std::exchange(steppedOne, true);
        }
        if (paused) {
            return false;
        }
        if (cfg.speed <= 0) {
            return true;
        }
        if (!based) {
            rebase(r.frame.monoNs);
        }
        const double elapsed = double(monotonicNs() - baseNowNs) * cfg.speed;
        return double(r.frame.monoNs - baseRecMonoNs) <= elapsed;
    }

    void finish(const QString &error)
    {
        flushAll();
        done = true;
        timer->stop();
        pos.finished = true;
        pos.error = error;
        publish(true);
        emit q->finished(pos);
    }

    void schedule(qint64 delayNs) { timer->start(int(std::max<qint64>(0, (delayNs + 500000) / 1000000))); }

    void run()
    {
        if (stopped || done) {
            return;
        }
        if (inFlight->load() >= cfg.maxBatchesInFlight) {
            timer->start(1); // the session is behind: bounded hand-off
            return;
        }
        if (storageBehind()) {
            timer->start(2); // the database is behind: read on when it has taken some
            return;
        }
        const qint64 startNs = monotonicNs();
        bool steppedOne = false;
        bool sliceOver = false;
        quint64 n = 0;
        while (haveNext) {
            if (cfg.toWallNs > 0 && next.wallNs() > cfg.toWallNs) {
                haveNext = false;
                break;
            }
            if (!isDue(next, steppedOne)) {
                break;
            }
            deliver(next);
            haveNext = reader->next(next);
            if ((++n & 1023) == 0
                && (monotonicNs() - startNs > kSliceNs || inFlight->load() >= cfg.maxBatchesInFlight
                    || storageBehind())) {
                sliceOver = true;
                break;
            }
        }
        const bool wasStepping = std::exchange(stepping, false);
        if (wasStepping) {
            paused = true;
        }
        flushAll();
        if (!haveNext) {
            finish(reader->error());
            return;
        }
        bool arrived = false;
        if (fastForwardUntilNs > 0 && next.wallNs() >= fastForwardUntilNs) {
            fastForwardUntilNs = 0;
            based = false; // go on from here at the chosen speed
            arrived = true;
        }
        publish(wasStepping || arrived); // a paused seek must show where it landed
        if (sliceOver || fastForwardUntilNs > 0) {
            timer->start(0);
        } else if (paused) {
            timer->stop();
        } else if (cfg.speed <= 0 || next.kind == CaptureRecord::Kind::Connection) {
            timer->start(0);
        } else {
            if (!based) {
                rebase(next.frame.monoNs);
            }
            const double dueNs = double(next.frame.monoNs - baseRecMonoNs) / cfg.speed;
            schedule(qint64(dueNs) - (monotonicNs() - baseNowNs));
        }
    }
};

ReplaySource::ReplaySource(
    ReplayConfig config, SeqMap resumeFrom, std::shared_ptr<std::atomic<int>> inFlight, QObject *parent)
    : BatchSource(parent)
    , d(std::make_unique<Impl>())
{
    qRegisterMetaType<ReplayPosition>();
    d->q = this;
    d->cfg = std::move(config);
    d->resume = std::move(resumeFrom);
    d->inFlight = inFlight ? std::move(inFlight) : std::make_shared<std::atomic<int>>(0);
    d->paused = d->cfg.startPaused;
    d->fastForwardUntilNs = d->cfg.fastForwardToWallNs;
}

ReplaySource::~ReplaySource() = default;

void ReplaySource::start()
{
    d->timer = new QTimer(this);
    d->timer->setSingleShot(true);
    d->timer->setTimerType(Qt::PreciseTimer);
    connect(d->timer, &QTimer::timeout, this, [this] { d->run(); });
    auto opened = openRecords(d->cfg.paths());
    if (!opened) {
        d->finish(opened.error().message);
        return;
    }
    d->reader = std::move(opened.value());
    const CaptureInfo &info = d->reader->info();
    d->pos.totalFrames = info.frames;
    d->pos.endWallNs = d->cfg.toWallNs > 0 ? std::min(d->cfg.toWallNs, info.lastRecordWallNs) : info.lastRecordWallNs;
    if (d->cfg.fromWallNs > 0) {
        if (auto sought = d->reader->seek(d->cfg.fromWallNs); !sought) {
            d->finish(sought.error().message);
            return;
        }
    }
    d->haveNext = d->reader->next(d->next);
    d->pos.startWallNs = d->haveNext ? d->next.wallNs() : info.firstRecordWallNs;
    d->pos.positionWallNs = d->pos.startWallNs;
    qCInfo(lcSession).noquote() << "replaying" << info.frames << "frames from" << d->cfg.path << "at"
                                << (d->cfg.speed > 0 ? QString::number(d->cfg.speed) + QStringLiteral("x")
                                                     : QStringLiteral("full speed"));
    d->publish(true);
    d->timer->start(0);
}

void ReplaySource::stop(const QString &)
{
    if (d->stopped) {
        return;
    }
    d->stopped = true;
    if (d->timer) {
        d->timer->stop();
    }
    d->flushAll();
    d->publish(true);
}

void ReplaySource::setKeepRaw(bool keep)
{
    d->keepRaw = keep;
    for (auto &[id, t] : d->trackers) {
        t->setKeepRaw(keep);
    }
}

void ReplaySource::setPaused(bool paused)
{
    if (d->done || d->stopped || paused == d->paused) {
        return;
    }
    d->paused = paused;
    d->based = false;
    d->publish(true);
    if (!paused && d->timer) {
        d->timer->start(0);
    }
}

void ReplaySource::setSpeed(double speed)
{
    d->cfg.speed = std::isfinite(speed) ? std::max(0.0, speed) : 0.0;
    d->based = false;
    d->publish(true);
    if (!d->paused && d->timer && !d->done) {
        d->timer->start(0);
    }
}

void ReplaySource::step()
{
    if (d->done || d->stopped || !d->timer) {
        return;
    }
    d->stepping = true;
    d->timer->start(0);
}

void ReplaySource::seekForward(qint64 wallNs)
{
    if (d->done || d->stopped || !d->timer || wallNs <= d->pos.positionWallNs) {
        return;
    }
    d->fastForwardUntilNs = wallNs;
    d->timer->start(0);
}

} // namespace OddsTap

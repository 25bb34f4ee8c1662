// SPDX-License-Identifier: MIT
#pragma once

#include <core/feed/batchsource.h>
#include <core/feed/framedecoder.h>

#include <atomic>
#include <map>
#include <memory>

class QTimer;

namespace OddsTap {

struct ReplayConfig
{
    QString path;
    /// Betfair files replayed on one clock with the one at path, as one source (a match's score
    /// stream beside its market).
    QStringList companions;
    QStringList paths() const { return QStringList { path } + companions; }
    double speed = 1.0; ///< 1 = recorded timing; 0 = as fast as possible
    qint64 fromWallNs = 0; ///< skip what was received before (0: from the start)
    qint64 toWallNs = 0; ///< stop after (0: to the end)
    bool startPaused = false;
    /// A seek: what was recorded before this time goes at once, then the speed (or the pause)
    /// applies, so the views stand as they were at that moment (0: none).
    qint64 fastForwardToWallNs = 0;
    DecoderLimits limits;
    std::size_t flushMaxItems = 2000;
    int maxBatchesInFlight = 16; ///< handed over but not yet taken by the session
};

/// Where a replay stands; for the transport bar.
struct ReplayPosition
{
    qint64 startWallNs = 0; ///< of the first frame replayed
    qint64 endWallNs = 0; ///< of the last frame of the capture (or --to)
    qint64 positionWallNs = 0; ///< of the last record replayed
    quint64 frames = 0; ///< replayed so far
    quint64 totalFrames = 0; ///< in the capture
    qint64 seekingToWallNs = 0; ///< a seek is under way to there: the views are not there yet
    bool playing = false;
    bool finished = false;
    double speed = 1.0;
    QString error;
};

/// Plays a capture file (or a Betfair stream file: RecordReader) back through the same stream logic as a live source
/// (StreamTracker): the recorded frames with their recorded receive times, the recorded connection events, with the
/// recorded timing scaled by a speed, or as fast as the pipeline takes them.
/// Lives in: a worker thread; talk to it with queued calls only.
class ReplaySource : public BatchSource
{
    Q_OBJECT
public:
    /// @p resumeFrom: per source, the seq already committed (those events count as duplicates).
    /// @p inFlight: shared with the session, which decrements it as it takes each batch.
    ReplaySource(
        ReplayConfig config, SeqMap resumeFrom, std::shared_ptr<std::atomic<int>> inFlight, QObject *parent = nullptr);
    ~ReplaySource() override;
    // setStorageBacklog(): while the writer holds more than half its budget the replay waits, so
    // that a file read faster than the database takes it (an import) is not read into memory or
    // spilled to disk only to be read back; and it waits while the spool's disk refuses too.

public slots:
    void start() override;
    void stop(const QString &why) override;
    void setKeepRaw(bool keep) override;
    void setPaused(bool paused);
    void setSpeed(double speed);
    /// Replays the next frame (and the connection events before it), then pauses.
    void step();
    /// Replays everything before @p wallNs at once (forward only), then goes on as before.
    void seekForward(qint64 wallNs);

signals:
    void positionChanged(const OddsTap::ReplayPosition &position);
    /// The end of the capture (or of --to) was reached, or it could not be read (error set).
    void finished(const OddsTap::ReplayPosition &position);

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace OddsTap

Q_DECLARE_METATYPE(OddsTap::ReplayPosition)

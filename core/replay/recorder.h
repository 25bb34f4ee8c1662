// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/event.h>
#include <core/replay/capturefile.h>

#include <QObject>

#include <deque>
#include <memory>

class QTimer;

namespace OddsTap {

/// The memory a batch's frames hold, their buffers' capacity and not only what they hold (what
/// the ring and the recorder's queue count).
quint64 memoryOf(const ReceivedFrames &r);

/// What the record button and the status line show.
struct RecorderStatus
{
    bool recording = false;
    QString path;
    qint64 startedAtMs = 0;
    quint64 frames = 0;
    quint64 fileBytes = 0; ///< the file on disk
    bool ringEnabled = false;
    qint64 ringKeepMs = 0;
    quint64 ringFrames = 0;
    quint64 ringBytes = 0; ///< memory the ring holds (its frames' buffers)
    qint64 ringSpanMs = 0; ///< time between the oldest and newest frame held
    QString error; ///< the last recording error
};

/// Writes the raw frames and connection events of a session into a capture file, and/or keeps the
/// last N minutes in memory (ring mode) to save on demand. Commits every 250 ms, so that a kill -9
/// loses at most that much; it never blocks the threads that feed it.
/// Lives in: its own thread ("recorder"); talk to it with queued calls only.
class CaptureRecorder : public QObject
{
    Q_OBJECT
public:
    explicit CaptureRecorder(QObject *parent = nullptr);
    ~CaptureRecorder() override;

    static constexpr int kCommitIntervalMs = 250;
    static constexpr qint64 kSaveCommitBytes = 32 * 1024 * 1024;

public slots:
    void startRecording(const QString &path, const OddsTap::CaptureHeader &header);
    void stopRecording();
    /// Ring mode: keep the last keepMs (at most maxBytes of payload) in memory; keepMs 0 turns it off.
    void setRing(qint64 keepMs, qint64 maxBytes);
    /// Writes what the ring holds into a new capture file.
    void saveRing(const QString &path, const OddsTap::CaptureHeader &header);
    void append(const OddsTap::ReceivedFramesPtr &received);
    /// Frames were left out because this thread fell behind (`why`): a recording stops, its file
    /// complete up to the last frame taken, and the ring starts again (a save must hold no hole).
    void fellBehind(const QString &why);
    void addSource(const QString &sourceId, const QString &redactedUrl);

signals:
    void statusChanged(const OddsTap::RecorderStatus &status);
    /// For the error log: a file that cannot be written, a full disk.
    void problem(const QString &message);
    void recordingFinished(const QString &path, quint64 frames, const QString &error);
    void ringSaved(const QString &path, quint64 frames, const QString &error);

private:
    /// @p header with every source seen so far (a capture names its sources up front).
    CaptureHeader withKnownSources(CaptureHeader header) const;
    /// Finishes the file and says so; `why` (not empty) is why it stopped early.
    void finishRecording(const QString &why);
    void commit();
    void publish();
    void pruneRing();
    /// The oldest wall time the ring keeps: keepMs before its newest record.
    qint64 ringFromNs() const;

    std::unique_ptr<CaptureWriter> m_writer;
    QTimer *m_commitTimer = nullptr;
    RecorderStatus m_status;
    std::deque<ReceivedFramesPtr> m_ring; ///< batches, oldest first
    qint64 m_ringMaxBytes = 0;
    std::vector<CaptureSource> m_sources;
};

} // namespace OddsTap

Q_DECLARE_METATYPE(OddsTap::RecorderStatus)
Q_DECLARE_METATYPE(OddsTap::CaptureHeader)

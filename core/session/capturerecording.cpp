// SPDX-License-Identifier: MIT
// CaptureSession: the recorder on its own thread (record, ring, save), and the replay controls
// forwarded to the replay source.
#include "capturesession.h"
#include "capturesource.h"

#include <core/common/redact.h>
#include <core/common/threadend.h>
#include <core/common/threadpriority.h>
#include <core/common/timeutil.h>
#include <core/common/version.h>
#include <core/providers/betfair/betfairstreamclient.h>
#include <core/replay/recordreader.h>

#include <QThread>

namespace OddsTap {

void CaptureSession::ensureRecorder()
{
    if (m_recorder) {
        return;
    }
    m_recorderThread = new QThread(this);
    m_recorderThread->setObjectName(QStringLiteral("recorder"));
    // The desktop's recording gives way to its GUI thread like storage does; it has its own
    // memory to wait in (CaptureConfig::maxRecorderBacklogBytes).
    runsInBackground(*m_recorderThread);
    m_recorder = new CaptureRecorder;
    m_recorder->moveToThread(m_recorderThread);
    deleteWhenFinished(*m_recorderThread, m_recorder);
    connect(this, &CaptureSession::framesReceived, m_recorder,
        [recorder = m_recorder, backlog = m_recorderBacklog](const ReceivedFramesPtr &frames) {
            backlog->fetch_sub(qint64(memoryOf(*frames)), std::memory_order_relaxed);
            recorder->append(frames);
        });
    connect(m_recorder, &CaptureRecorder::statusChanged, this,
        [this](const RecorderStatus &status) { m_recorderStatus = status; });
    connect(m_recorder, &CaptureRecorder::problem, this,
        [this](const QString &message) { addLog(LogEntry::note(LogKind::Recording, LogSeverity::Error, message)); });
    connect(m_recorder, &CaptureRecorder::recordingFinished, this,
        [this](const QString &path, quint64 frames, const QString &error) {
            if (error.isEmpty()) {
                addLog(LogEntry::note(LogKind::Recording, LogSeverity::Info,
                    QStringLiteral("recorded %1 frames into %2").arg(frames).arg(path)));
            }
            if (!m_recorderStatus || !m_recorderStatus->ringEnabled) {
                setKeepRaw(false);
            }
            emit recordingFinished(path, frames, error);
        });
    connect(m_recorder, &CaptureRecorder::ringSaved, this,
        [this](const QString &path, quint64 frames, const QString &error) {
            if (error.isEmpty()) {
                addLog(LogEntry::note(LogKind::Recording, LogSeverity::Info,
                    QStringLiteral("saved the recent %1 frames into %2").arg(frames).arg(path)));
            }
            emit ringSaved(path, frames, error);
        });
    m_recorderThread->start();
}

void CaptureSession::recordFrames(const EventBatch &batch)
{
    if (batch.received) {
        sendToRecorder(batch.received);
    } else if (!batch.connectionEvents.empty()) {
        // A batch that did not come from a StreamTracker (a broker's): its connection events.
        auto events = std::make_shared<ReceivedFrames>();
        events->sourceId = batch.sourceId;
        for (const ConnectionEvent &e : batch.connectionEvents) {
            events->appendConnectionEvent(e);
        }
        sendToRecorder(std::move(events));
    }
}

void CaptureSession::sendToRecorder(ReceivedFramesPtr frames)
{
    if (!m_recorder) {
        return;
    }
    const qint64 waiting = m_recorderBacklog->load(std::memory_order_relaxed);
    const qint64 cap = m_config.maxRecorderBacklogBytes;
    if (m_recorderBehind && waiting > cap / 2) {
        return; // the recording stopped; the ring starts again once the recorder has caught up
    }
    m_recorderBehind = false;
    const auto bytes = qint64(memoryOf(*frames));
    if (waiting > 0 && waiting + bytes > cap) { // one batch larger than the cap still goes
        m_recorderBehind = true;
        const QString why = QStringLiteral("more than %1 MiB of frames waited to be written into the capture (its "
                                           "disk is too slow, or stalled)")
                                .arg(cap / (1024 * 1024));
        QMetaObject::invokeMethod(m_recorder, [recorder = m_recorder, why] { recorder->fellBehind(why); });
        return;
    }
    m_recorderBacklog->fetch_add(bytes, std::memory_order_relaxed);
    emit framesReceived(std::move(frames));
}

void CaptureSession::setKeepRaw(bool keep)
{
    m_keepRaw = keep;
    for (auto &w : m_sources) {
        if (w->running && w->client) {
            BatchSource *client = w->client;
            QMetaObject::invokeMethod(client, [client, keep] { client->setKeepRaw(keep); });
        }
    }
}

CaptureHeader CaptureSession::captureHeader(const QString &notes) const
{
    CaptureHeader header;
    header.oddstapVersion = QString::fromLatin1(kVersion);
    header.notes = notes;
    header.startedAtMs = wallClockMs();
    for (const FeedSourceConfig &source : m_config.sources) {
        header.sources.push_back({ source.sourceId, redactedUrl(source.url) });
    }
    return header;
}

QString CaptureSession::recordingRefusal(const std::vector<FeedSourceConfig> &sources, const QStringList &replayPaths)
{
    for (const FeedSourceConfig &s : sources) {
        if (s.profile.kind != ProfileKind::Reference || Betfair::StreamClient::handles(s.url)) {
            return QStringLiteral("source '%1' is not a feed-protocol v1 feed: recording works with feed-protocol v1 "
                                  "sources only for now (not with betfair:// or a mapping profile)")
                .arg(s.sourceId);
        }
    }
    for (const QString &path : replayPaths) {
        if (looksLikeBetfairFile(path)) {
            return QStringLiteral("%1 is a Betfair stream file: it is its own recording (open it again to replay "
                                  "it); recording works with feed-protocol v1 sources only for now")
                .arg(path);
        }
    }
    return {};
}

QString CaptureSession::recordingRefusal() const
{
    std::vector<FeedSourceConfig> sources;
    for (const auto &w : m_sources) {
        if (!w->replay) {
            sources.push_back(w->config);
        }
    }
    for (const auto &[id, pending] : m_claiming) {
        sources.push_back(pending.config);
    }
    return recordingRefusal(sources, m_config.replay ? m_config.replay->paths() : QStringList());
}

void CaptureSession::startRecording(const QString &path, const QString &notes)
{
    if (const QString refusal = recordingRefusal(); !refusal.isEmpty()) {
        addLog(LogEntry::note(LogKind::Recording, LogSeverity::Error, QStringLiteral("Not recording: ") + refusal));
        emit recordingFinished(path, 0, refusal);
        return;
    }
    ensureRecorder();
    const CaptureHeader header = captureHeader(notes);
    CaptureRecorder *recorder = m_recorder;
    QMetaObject::invokeMethod(recorder, [recorder, path, header] { recorder->startRecording(path, header); });
    setKeepRaw(true);
}

void CaptureSession::stopRecordingFor(const FeedSourceConfig &source)
{
    const QString refusal = recordingRefusal({ source }, {});
    if (refusal.isEmpty() || !m_recorderStatus || (!m_recorderStatus->recording && !m_recorderStatus->ringEnabled)) {
        return;
    }
    addLog(LogEntry::note(LogKind::Recording, LogSeverity::Error,
        QStringLiteral("Recording stopped and recent history cleared: ") + refusal
            + QStringLiteral(". What was recorded before stays in its file.")));
    stopRecording();
    setRing(0);
}

void CaptureSession::stopRecording()
{
    if (m_recorder) {
        QMetaObject::invokeMethod(m_recorder, &CaptureRecorder::stopRecording, Qt::QueuedConnection);
    }
}

void CaptureSession::setRing(qint64 keepMs)
{
    ensureRecorder();
    CaptureRecorder *recorder = m_recorder;
    const qint64 maxBytes = m_config.ringMaxBytes;
    QMetaObject::invokeMethod(recorder, [recorder, keepMs, maxBytes] { recorder->setRing(keepMs, maxBytes); });
    if (keepMs > 0) {
        setKeepRaw(true);
    } else if (!m_recorderStatus || !m_recorderStatus->recording) {
        setKeepRaw(false);
    }
}

void CaptureSession::saveRing(const QString &path, const QString &notes)
{
    if (!m_recorder) {
        emit ringSaved(path, 0, QStringLiteral("the recent-history buffer is off"));
        return;
    }
    if (const QString refusal = recordingRefusal(); !refusal.isEmpty()) {
        emit ringSaved(path, 0, refusal);
        return;
    }
    const CaptureHeader header = captureHeader(notes);
    CaptureRecorder *recorder = m_recorder;
    QMetaObject::invokeMethod(recorder, [recorder, path, header] { recorder->saveRing(path, header); });
}

void CaptureSession::forEachReplay(const std::function<void(ReplaySource *)> &call)
{
    for (auto &w : m_sources) {
        if (w->replay && w->running && w->client) {
            auto *source = static_cast<ReplaySource *>(w->client);
            QMetaObject::invokeMethod(source, [source, call] { call(source); });
        }
    }
}

void CaptureSession::setReplayPaused(bool paused)
{
    forEachReplay([paused](ReplaySource *s) { s->setPaused(paused); });
}

void CaptureSession::setReplaySpeed(double speed)
{
    forEachReplay([speed](ReplaySource *s) { s->setSpeed(speed); });
}

void CaptureSession::replayStep()
{
    forEachReplay([](ReplaySource *s) { s->step(); });
}

void CaptureSession::replaySeekForward(qint64 wallNs)
{
    forEachReplay([wallNs](ReplaySource *s) { s->seekForward(wallNs); });
}

} // namespace OddsTap

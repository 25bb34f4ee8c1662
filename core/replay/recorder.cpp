// SPDX-License-Identifier: MIT
#include "recorder.h"

#include <core/common/logging.h>
#include <core/common/timeutil.h>

#include <QFile>
#include <QFileInfo>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <limits>

namespace OddsTap {

quint64 memoryOf(const ReceivedFrames &r)
{
    return quint64(r.payloads.capacity()) + r.frames.capacity() * sizeof(ReceivedFrames::Frame)
        + r.connectionEvents.size() * sizeof(ConnectionEvent);
}

CaptureRecorder::CaptureRecorder(QObject *parent)
    : QObject(parent)
{
    qRegisterMetaType<RecorderStatus>();
    qRegisterMetaType<CaptureHeader>();
}

CaptureRecorder::~CaptureRecorder()
{
    if (m_writer) {
        (void)m_writer->finish(wallClockMs());
    }
}

CaptureHeader CaptureRecorder::withKnownSources(CaptureHeader header) const
{
    for (const CaptureSource &s : m_sources) {
        if (std::none_of(header.sources.begin(), header.sources.end(),
                [&](const CaptureSource &x) { return x.sourceId == s.sourceId; })) {
            header.sources.push_back(s);
        }
    }
    return header;
}

void CaptureRecorder::startRecording(const QString &path, const CaptureHeader &header)
{
    if (m_writer) {
        emit problem(QStringLiteral("already recording into %1").arg(m_writer->path()));
        return;
    }
    auto created = CaptureWriter::create(path, withKnownSources(header));
    if (!created) {
        m_status.error = created.error().message;
        emit problem(m_status.error);
        emit recordingFinished(path, 0, m_status.error);
        publish();
        return;
    }
    m_writer = std::move(created.value());
    m_status.recording = true;
    m_status.path = QFileInfo(path).absoluteFilePath();
    m_status.startedAtMs = wallClockMs();
    m_status.frames = 0;
    m_status.error.clear();
    if (!m_commitTimer) {
        m_commitTimer = new QTimer(this);
        connect(m_commitTimer, &QTimer::timeout, this, &CaptureRecorder::commit);
    }
    m_commitTimer->start(kCommitIntervalMs);
    qCInfo(lcSession).noquote() << "recording into" << m_status.path;
    publish();
}

void CaptureRecorder::stopRecording()
{
    finishRecording({});
}

void CaptureRecorder::finishRecording(const QString &why)
{
    if (!m_writer) {
        return;
    }
    const Result<void> done = m_writer->finish(wallClockMs());
    const quint64 frames = m_writer->committedFrames(); // what the file holds, not what it was given
    const QString path = m_status.path;
    m_writer.reset();
    m_status.recording = false;
    m_status.frames = frames;
    m_status.fileBytes = quint64(QFileInfo(path).size());
    QString error = done ? QString() : done.error().message;
    if (!why.isEmpty()) {
        error = error.isEmpty()
            ? QString(why + QStringLiteral("; the recording stopped, its file complete up to there"))
            : QString(why + QStringLiteral("; the recording stopped: ") + error);
    }
    if (!error.isEmpty()) {
        m_status.error = error;
        emit problem(error);
    }
    if (m_commitTimer && !m_status.ringEnabled) {
        m_commitTimer->stop();
    }
    qCInfo(lcSession).noquote() << "recording finished:" << frames << "frames in" << path;
    emit recordingFinished(path, frames, error);
    publish();
}

void CaptureRecorder::fellBehind(const QString &why)
{
    m_ring.clear();
    m_status.ringFrames = 0;
    m_status.ringBytes = 0;
    m_status.ringSpanMs = 0;
    if (m_writer) {
        finishRecording(why);
        return;
    }
    if (m_status.ringEnabled) {
        emit problem(why + QStringLiteral("; the recent-history buffer starts again from now"));
    }
    publish();
}

void CaptureRecorder::setRing(qint64 keepMs, qint64 maxBytes)
{
    m_status.ringEnabled = keepMs > 0;
    m_status.ringKeepMs = keepMs;
    m_ringMaxBytes = maxBytes;
    if (!m_status.ringEnabled) {
        m_ring.clear();
        m_status.ringFrames = 0;
        m_status.ringBytes = 0;
        m_status.ringSpanMs = 0;
    } else {
        if (!m_commitTimer) {
            m_commitTimer = new QTimer(this);
            connect(m_commitTimer, &QTimer::timeout, this, &CaptureRecorder::commit);
        }
        m_commitTimer->start(kCommitIntervalMs);
        pruneRing();
    }
    publish();
}

void CaptureRecorder::addSource(const QString &sourceId, const QString &redactedUrl)
{
    m_sources.push_back({ sourceId, redactedUrl });
    if (m_writer) {
        m_writer->addSource({ sourceId, redactedUrl });
    }
}

namespace {

qint64 firstWallNs(const ReceivedFrames &r)
{
    qint64 first = r.frames.empty() ? std::numeric_limits<qint64>::max() : r.frames.front().wallNs;
    if (!r.connectionEvents.empty()) {
        first = std::min(first, r.connectionEvents.front().atMs * 1000000);
    }
    return first;
}

qint64 lastWallNs(const ReceivedFrames &r)
{
    qint64 last = r.frames.empty() ? std::numeric_limits<qint64>::min() : r.frames.back().wallNs;
    if (!r.connectionEvents.empty()) {
        last = std::max(last, r.connectionEvents.back().atMs * 1000000);
    }
    return last;
}

} // namespace

void CaptureRecorder::append(const ReceivedFramesPtr &received)
{
    if (!received || received->empty()) {
        return;
    }
    if (m_writer) {
        m_writer->addReceived(*received);
    }
    if (m_status.ringEnabled) {
        m_status.ringFrames += received->frames.size();
        m_status.ringBytes += memoryOf(*received);
        m_ring.push_back(received);
    }
}

qint64 CaptureRecorder::ringFromNs() const
{
    return m_ring.empty() ? 0 : lastWallNs(*m_ring.back()) - m_status.ringKeepMs * 1000000;
}

void CaptureRecorder::pruneRing()
{
    // Whole batches go: the ring holds at most one batch (a few ms) more than keepMs, and a save
    // cuts exactly at keepMs. Over the memory cap, the newest batch stays whatever its size.
    const qint64 fromNs = ringFromNs();
    while (!m_ring.empty()
        && (lastWallNs(*m_ring.front()) < fromNs
            || (m_ringMaxBytes > 0 && m_status.ringBytes > quint64(m_ringMaxBytes) && m_ring.size() > 1))) {
        m_status.ringFrames -= m_ring.front()->frames.size();
        m_status.ringBytes -= memoryOf(*m_ring.front());
        m_ring.pop_front();
    }
    m_status.ringSpanMs =
        m_ring.empty() ? 0 : (lastWallNs(*m_ring.back()) - std::max(fromNs, firstWallNs(*m_ring.front()))) / 1000000;
}

void CaptureRecorder::saveRing(const QString &path, const CaptureHeader &header)
{
    pruneRing();
    const qint64 fromNs = ringFromNs(); // exactly the last keepMs
    CaptureHeader h = withKnownSources(header);
    h.mode = QStringLiteral("ring");
    if (!m_ring.empty()) {
        h.startedAtMs = std::max(fromNs, firstWallNs(*m_ring.front())) / 1000000;
    }
    auto created = CaptureWriter::create(path, h);
    if (!created) {
        emit problem(created.error().message);
        emit ringSaved(path, 0, created.error().message);
        return;
    }
    CaptureWriter &w = *created.value();
    for (const ReceivedFramesPtr &r : m_ring) {
        w.addReceived(*r, fromNs);
        // A commit now and then: an uncommitted transaction is held in memory, and the ring can
        // be hundreds of MiB.
        if (w.uncommittedBytes() >= kSaveCommitBytes && !w.commit()) {
            break;
        }
    }
    const qint64 endMs = m_ring.empty() ? wallClockMs() : lastWallNs(*m_ring.back()) / 1000000;
    const Result<void> done = w.finish(endMs);
    const QString error = done ? QString() : done.error().message;
    const quint64 frames = w.committedFrames();
    const QString saved = QFileInfo(path).absoluteFilePath();
    if (!error.isEmpty()) {
        emit problem(error);
        if (frames == 0) {
            // A save that holds nothing (a disk full before its first commit) is no capture: the
            // file, made by this save, would only take the name.
            created.value().reset();
            QFile::remove(path);
            QFile::remove(path + QStringLiteral("-journal"));
        }
    }
    qCInfo(lcSession).noquote()
        << QStringLiteral("saved the last %1 ms (%2 frames) into %3").arg(m_status.ringSpanMs).arg(frames).arg(path);
    emit ringSaved(saved, frames, error);
}

void CaptureRecorder::commit()
{
    if (m_writer) {
        if (const Result<void> r = m_writer->commit(); !r) {
            // Report once, stop recording; the capture itself goes on.
            m_status.error = r.error().message + QStringLiteral(" (recording stopped)");
            emit problem(m_status.error);
            const QString path = m_status.path;
            const quint64 frames = m_writer->committedFrames();
            m_writer.reset();
            m_status.recording = false;
            emit recordingFinished(path, frames, m_status.error);
        } else {
            m_status.frames = m_writer->committedFrames();
            m_status.fileBytes = quint64(QFileInfo(m_status.path).size());
        }
    }
    if (m_status.ringEnabled) {
        pruneRing();
    }
    publish();
}

void CaptureRecorder::publish()
{
    emit statusChanged(m_status);
}

} // namespace OddsTap

// SPDX-License-Identifier: MIT
#include "recorder.h"

#include <core/common/logging.h>
#include <core/common/timeutil.h>

#include <QFileInfo>
#include <QThread>
#include <QTimer>

namespace OddsTap {

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
    if (!m_writer) {
        return;
    }
    const Result<void> done = m_writer->finish(wallClockMs());
    const quint64 frames = m_writer->frames();
    const QString path = m_status.path;
    m_writer.reset();
    m_status.recording = false;
    m_status.frames = frames;
    m_status.fileBytes = quint64(QFileInfo(path).size());
    if (!done) {
        m_status.error = done.error().message;
        emit problem(m_status.error);
    }
    if (m_commitTimer && !m_status.ringEnabled) {
        m_commitTimer->stop();
    }
    qCInfo(lcSession).noquote() << "recording finished:" << frames << "frames in" << path;
    emit recordingFinished(path, frames, done ? QString() : done.error().message);
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

void CaptureRecorder::append(const BatchPtr &batch)
{
    if (batch->raw.empty() && batch->connectionEvents.empty()) {
        return;
    }
    if (m_writer) {
        m_writer->addBatch(*batch);
    }
    if (m_status.ringEnabled) {
        const bool ordered = batch->connectionEventRawPos.size() == batch->connectionEvents.size();
        std::size_t ci = 0;
        const auto pushConn = [&](const ConnectionEvent &e) {
            CaptureRecord r;
            r.kind = CaptureRecord::Kind::Connection;
            r.sourceId = e.sourceId;
            r.connection = e;
            m_ring.push_back(std::move(r));
        };
        for (std::size_t fi = 0; fi < batch->raw.size(); ++fi) {
            while (ordered && ci < batch->connectionEvents.size() && batch->connectionEventRawPos[ci] <= fi) {
                pushConn(batch->connectionEvents[ci++]);
            }
            CaptureRecord r;
            r.kind = CaptureRecord::Kind::Frame;
            r.sourceId = batch->sourceId;
            r.frame = batch->raw[fi];
            m_status.ringBytes += quint64(r.frame.bytes.size());
            ++m_status.ringFrames;
            m_ring.push_back(std::move(r));
        }
        while (ci < batch->connectionEvents.size()) {
            pushConn(batch->connectionEvents[ci++]);
        }
    }
}

void CaptureRecorder::pruneRing()
{
    if (m_ring.empty()) {
        m_status.ringSpanMs = 0;
        return;
    }
    const qint64 newestNs = m_ring.back().wallNs();
    const qint64 oldestAllowedNs = newestNs - m_status.ringKeepMs * 1000000;
    while (!m_ring.empty()
        && (m_ring.front().wallNs() < oldestAllowedNs
            || (m_ringMaxBytes > 0 && m_status.ringBytes > quint64(m_ringMaxBytes)))) {
        const CaptureRecord &front = m_ring.front();
        if (front.kind == CaptureRecord::Kind::Frame) {
            m_status.ringBytes -= quint64(front.frame.bytes.size());
            --m_status.ringFrames;
        }
        m_ring.pop_front();
    }
    m_status.ringSpanMs = m_ring.empty() ? 0 : (newestNs - m_ring.front().wallNs()) / 1000000;
}

void CaptureRecorder::saveRing(const QString &path, const CaptureHeader &header)
{
    pruneRing(); // exactly the last keepMs, not what the periodic prune has let grow since
    CaptureHeader h = withKnownSources(header);
    h.mode = QStringLiteral("ring");
    if (!m_ring.empty()) {
        h.startedAtMs = m_ring.front().wallNs() / 1000000;
    }
    auto created = CaptureWriter::create(path, h);
    if (!created) {
        emit problem(created.error().message);
        emit ringSaved(path, 0, created.error().message);
        return;
    }
    CaptureWriter &w = *created.value();
    for (const CaptureRecord &r : m_ring) {
        if (r.kind == CaptureRecord::Kind::Frame) {
            w.addFrame(r.sourceId, r.frame);
        } else {
            w.addConnectionEvent(r.connection);
        }
    }
    const qint64 endMs = m_ring.empty() ? wallClockMs() : m_ring.back().wallNs() / 1000000;
    const Result<void> done = w.finish(endMs);
    const QString error = done ? QString() : done.error().message;
    if (!error.isEmpty()) {
        emit problem(error);
    }
    qCInfo(lcSession).noquote() << QStringLiteral("saved the last %1 ms (%2 frames) into %3")
                                       .arg(m_status.ringSpanMs)
                                       .arg(w.frames())
                                       .arg(path);
    emit ringSaved(QFileInfo(path).absoluteFilePath(), w.frames(), error);
}

void CaptureRecorder::commit()
{
    if (m_writer) {
        if (const Result<void> r = m_writer->commit(); !r) {
            // Report once, stop recording; the capture itself goes on.
            m_status.error = r.error().message + QStringLiteral(" (recording stopped)");
            emit problem(m_status.error);
            const QString path = m_status.path;
            const quint64 frames = m_writer->frames();
            m_writer.reset();
            m_status.recording = false;
            emit recordingFinished(path, frames, m_status.error);
        } else {
            m_status.frames = m_writer->frames();
            const QString wal = m_status.path + QStringLiteral("-wal");
            m_status.fileBytes = quint64(QFileInfo(m_status.path).size() + QFileInfo(wal).size());
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

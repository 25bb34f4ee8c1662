// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/event.h>
#include <core/common/result.h>
#include <core/replay/capturefile.h>

#include <QJsonObject>

#include <array>
#include <map>
#include <vector>

namespace OddsTap {

/// A session quality report of one capture (`oddstap-cli info`): what arrived and how well. The
/// frames go through the same stream logic as live (StreamTracker), so gaps, duplicates and
/// malformed frames are counted exactly as the capture session counted them.
struct CaptureReport
{
    struct Source
    {
        QString sourceId;
        QString url;
        quint64 frames = 0;
        quint64 bytes = 0;
        std::array<quint64, kEventTypeCount> events {}; ///< accepted, by type
        std::array<quint64, kRejectCodeCount> rejects {}; ///< by code
        quint64 malformedFrames = 0; ///< frames with at least one reject
        quint64 duplicates = 0;
        quint64 discarded = 0; ///< dropped after a gap until the resume
        quint64 gaps = 0; ///< live gaps (loss in transit)
        quint64 gapMissing = 0; ///< seqs they skipped
        quint64 compacted = 0; ///< seqs a snapshot skipped
        quint64 connections = 0;
        quint64 reconnects = 0;
        quint64 disconnects = 0;
        quint64 stalls = 0;
        quint64 heartbeats = 0;
        quint64 firstSeq = 0;
        quint64 lastSeq = 0;
        qint64 longestSilenceNs = 0; ///< between two consecutive frames of this source
        qint64 longestSilenceAtNs = 0; ///< wall time of the frame that ended it

        quint64 rejected() const
        {
            quint64 n = 0;
            for (const quint64 r : rejects) {
                n += r;
            }
            return n;
        }
    };

    /// Something a QA engineer looks for on a timeline.
    struct Marker
    {
        enum class Kind : std::uint8_t
        {
            Disconnect,
            Gap,
            Rejects, ///< the rejects of one wall-clock second
            Alert, ///< an alert rule fired (a back-test of the capture with the window's rules)
        };
        Kind kind = Kind::Disconnect;
        qint64 wallNs = 0;
        QString sourceId;
        quint64 count = 1; ///< rejects in that second; seqs missing for a gap
        QString text; ///< disconnect reason; an alert's rule and what it saw
    };

    CaptureInfo info;
    std::map<QString, Source> sources;
    std::vector<Marker> markers; ///< in time order, at most kMaxMarkers of each kind
    static constexpr std::size_t kMaxMarkers = 5000;
    qint64 durationNs = 0; ///< first to last frame
    quint64 peakFramesPerSec = 0; ///< most frames in one wall-clock second
    qint64 peakFramesAtMs = 0;
    quint64 peakEventsPerSec = 0; ///< most accepted stream events in one second
    qint64 peakEventsAtMs = 0;
    double meanFramesPerSec = 0;

    QJsonObject toJson() const;
    QString toText() const;
};

Result<CaptureReport> analyseCapture(const QStringList &paths);
inline Result<CaptureReport> analyseCapture(const QString &path)
{
    return analyseCapture(QStringList { path });
}

} // namespace OddsTap

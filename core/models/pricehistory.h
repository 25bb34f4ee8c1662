// SPDX-License-Identifier: MIT
#pragma once

#include <core/session/sessionsnapshot.h>
#include <core/storage/storage.h>

#include <QString>

#include <map>
#include <optional>
#include <span>
#include <vector>

namespace OddsTap {

/// One point of a price series: time (ms since the epoch) and price.
struct SeriesPoint
{
    qint64 t = 0;
    double price = 0;
    bool suspended = false;
};

/// Thins a step series (sorted by time) for drawing over [from, to] in `columns` pixel columns:
/// per column it keeps the first, lowest, highest and last point, so every step a pixel can show
/// survives. The point before `from` is kept (the step entering the window). A million points
/// become at most 4 x columns + 1.
std::vector<SeriesPoint> thinSteps(std::span<const SeriesPoint> points, qint64 from, qint64 to, int columns);

/// The price history of one market (every selection): the past from the database, then live
/// points appended as snapshots bring them. Lives in: the GUI thread (a plain value type).
class PriceHistory
{
public:
    /// A market with more selections than this keeps the first ones seen: a chart line each, and
    /// a legend entry each, would make the chart unreadable and its memory unbounded.
    static constexpr std::size_t kMaxSelections = 64;
    /// Points held in memory over all selections (24 bytes each). Past it, the oldest go until
    /// three quarters of it are left (they stay in the database): a market watched for a whole
    /// day at tens of updates a second would otherwise grow the window's memory for as long as it
    /// is watched.
    static constexpr std::size_t kMaxPoints = 1'000'000;
    /// The newest stored points read for the chart: what it keeps after a cut. The reader asks
    /// for one more, so that loadPast() knows whether older points were left in the database.
    static constexpr std::size_t kPastPoints = kMaxPoints - kMaxPoints / 4;

    explicit PriceHistory(std::size_t maxPoints = kMaxPoints);

    void clear(const QString &sourceId, const QString &fixtureId, const QString &marketType);
    /// Rows from the database (oldest first), at most kPastPoints + 1: one more means older ones
    /// were left in the database, and the chart says from when it shows them. Live points already
    /// held stay: only rows older than the first live point are taken, so the two never overlap.
    void loadPast(const std::vector<PriceRow> &rows);
    /// The watched fixture's points of one snapshot; points of other markets are ignored.
    void appendLive(const std::vector<PricePoint> &points);
    /// The market's order books of one snapshot (exchange feeds): what has been matched on the
    /// whole market since, as a point of the volume series. Books of other markets are ignored.
    void appendBooks(const std::vector<PriceLadder> &books);
    /// Matched on the market over time (cumulative, oldest first); empty for a feed without books.
    const std::vector<SeriesPoint> &volume() const { return m_volume; }
    /// Matched in each of `columns` equal slices of [from, to]: the bars under the price line.
    std::vector<double> volumeBars(qint64 from, qint64 to, int columns) const;

    const QString &sourceId() const { return m_sourceId; }
    const QString &fixtureId() const { return m_fixtureId; }
    const QString &marketType() const { return m_marketType; }
    QStringList selections() const;
    const std::vector<SeriesPoint> &series(const QString &selection) const;
    std::size_t pointCount() const;
    /// Points not kept because their selection came after kMaxSelections others.
    quint64 pointsOfSelectionsLeftOut() const { return m_leftOutPoints; }
    /// Points before this time were let go from memory (kMaxPoints); 0 if none were. Each
    /// series then starts at this time with the price and status it had then.
    qint64 droppedBeforeMs() const { return m_droppedBeforeMs; }
    qint64 firstTime() const;
    qint64 lastTime() const;
    /// Suspended intervals [start, end) over all selections of the market (end = last time if open).
    std::vector<std::pair<qint64, qint64>> suspensions() const;

private:
    /// Suspended intervals are taken from the first selection (a market is suspended as a whole in
    /// practice) and kept up to date as its points arrive, so that a render at every snapshot does
    /// not scan the session's history again.
    void trackSuspension(const SeriesPoint &point);
    void rebuildSuspensions();
    /// Keeps the points within m_maxPoints (see kMaxPoints).
    void bound();
    /// The series `selection` goes into; nullptr when kMaxSelections are held already.
    std::vector<SeriesPoint> *seriesFor(const QString &selection);

    QString m_sourceId;
    QString m_fixtureId;
    QString m_marketType;
    std::map<QString, std::vector<SeriesPoint>> m_series;
    std::map<QString, double> m_matched; ///< by selection, the latest book's total
    std::vector<SeriesPoint> m_volume; ///< price = matched on the market so far
    std::optional<QString> m_suspensionSelection; ///< the selection the intervals come from
    std::vector<std::pair<qint64, qint64>> m_suspended; ///< closed intervals, oldest first
    qint64 m_suspendedSince = -1; ///< start of the open interval; -1: none
    std::size_t m_maxPoints;
    std::size_t m_points = 0; ///< over all selections
    quint64 m_leftOutPoints = 0;
    qint64 m_droppedBeforeMs = 0;
};

} // namespace OddsTap

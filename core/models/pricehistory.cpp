// SPDX-License-Identifier: MIT
#include "pricehistory.h"

#include <core/common/marketbook.h>

#include <algorithm>
#include <limits>

namespace OddsTap {

std::vector<SeriesPoint> thinSteps(std::span<const SeriesPoint> points, qint64 from, qint64 to, int columns)
{
    std::vector<SeriesPoint> out;
    if (points.empty() || to <= from || columns <= 0) {
        return out;
    }
    auto begin =
        std::lower_bound(points.begin(), points.end(), from, [](const SeriesPoint &p, qint64 t) { return p.t < t; });
    if (begin != points.begin()) {
        out.push_back(*(begin - 1)); // the step that enters the window
    }
    const auto end = std::upper_bound(begin, points.end(), to, [](qint64 t, const SeriesPoint &p) { return t < p.t; });
    const double perColumn = double(to - from) / double(columns);
    auto it = begin;
    while (it != end) {
        const auto column = qint64(double(it->t - from) / perColumn);
        const auto columnEnd = from + qint64(double(column + 1) * perColumn);
        const SeriesPoint *first = &*it;
        const SeriesPoint *low = first;
        const SeriesPoint *high = first;
        const SeriesPoint *last = first;
        for (++it; it != end && it->t < columnEnd; ++it) {
            if (it->price < low->price) {
                low = &*it;
            }
            if (it->price > high->price) {
                high = &*it;
            }
            last = &*it;
        }
        // In time order, without repeats.
        const SeriesPoint *keep[] = { first, low, high, last };
        std::sort(std::begin(keep), std::end(keep), [](const SeriesPoint *a, const SeriesPoint *b) { return a < b; });
        const SeriesPoint *previous = nullptr;
        for (const SeriesPoint *p : keep) {
            if (p != previous) {
                out.push_back(*p);
                previous = p;
            }
        }
    }
    return out;
}

PriceHistory::PriceHistory(std::size_t maxPoints)
    : m_maxPoints(std::max<std::size_t>(maxPoints, 4))
{ }

void PriceHistory::clear(const QString &sourceId, const QString &fixtureId, const QString &marketType)
{
    m_sourceId = sourceId;
    m_fixtureId = fixtureId;
    m_marketType = marketType;
    m_series.clear();
    m_matched.clear();
    m_volume.clear();
    m_suspensionSelection.reset();
    m_suspended.clear();
    m_suspendedSince = -1;
    m_points = 0;
    m_leftOutPoints = 0;
    m_droppedBeforeMs = 0;
}

std::vector<SeriesPoint> *PriceHistory::seriesFor(const QString &selection)
{
    if (const auto it = m_series.find(selection); it != m_series.end()) {
        return &it->second;
    }
    if (m_series.size() >= kMaxSelections) {
        ++m_leftOutPoints;
        return nullptr;
    }
    return &m_series[selection];
}

namespace {

/// Keeps the last point of each run of points at one time: a step chart shows the price a time
/// ended with, so the others draw nothing (and a feed that stamps every point with one time
/// stays bounded).
void keepLastOfEachTime(std::vector<SeriesPoint> &points)
{
    std::size_t kept = 0;
    for (std::size_t i = 0; i < points.size(); ++i) {
        if (i + 1 < points.size() && points[i + 1].t == points[i].t) {
            continue;
        }
        points[kept++] = points[i];
    }
    points.resize(kept);
}

/// Drops the points before `cut`; the last of them moves to `cut`, so that the series still
/// starts with the price (and the suspension) that held at the cut.
void cutBefore(std::vector<SeriesPoint> &points, qint64 cut)
{
    const auto end =
        std::partition_point(points.begin(), points.end(), [cut](const SeriesPoint &p) { return p.t < cut; });
    if (end == points.begin()) {
        return;
    }
    auto from = end;
    if (end == points.end() || end->t != cut) {
        from = end - 1;
        from->t = cut;
    }
    points.erase(points.begin(), from);
}

} // namespace

void PriceHistory::bound()
{
    if (m_points + m_volume.size() <= m_maxPoints) {
        return;
    }
    // Brought down to three quarters of the cap at once, so that the work below (linear in the
    // points held) is done once per quarter of the cap that arrives, not at every snapshot.
    const std::size_t target = m_maxPoints - m_maxPoints / 4;
    m_points = 0;
    for (auto &[selection, points] : m_series) {
        keepLastOfEachTime(points);
        m_points += points.size();
    }
    keepLastOfEachTime(m_volume);
    const std::size_t held = m_points + m_volume.size();
    if (held > target) {
        // Every series is cut at the same time, so that the chart's left edge means the same
        // for all of them.
        std::vector<qint64> times;
        times.reserve(held);
        for (const auto &[selection, points] : m_series) {
            for (const SeriesPoint &p : points) {
                times.push_back(p.t);
            }
        }
        for (const SeriesPoint &p : m_volume) {
            times.push_back(p.t);
        }
        const auto at = times.begin() + std::ptrdiff_t(held - target);
        std::nth_element(times.begin(), at, times.end());
        const qint64 cut = *at;
        m_points = 0;
        for (auto &[selection, points] : m_series) {
            cutBefore(points, cut);
            m_points += points.size();
        }
        cutBefore(m_volume, cut);
        m_droppedBeforeMs = std::max(m_droppedBeforeMs, cut);
    }
    rebuildSuspensions();
}

void PriceHistory::appendBooks(const std::vector<PriceLadder> &books)
{
    qint64 at = 0;
    double added = 0;
    for (const PriceLadder &b : books) {
        if (b.marketType == m_marketType && b.fixtureId == m_fixtureId && b.sourceId == m_sourceId) {
            // A selection seen for the first time brings what was matched before the window
            // watched it: that is no bar of its own.
            if (m_matched.size() >= kMaxSelections && m_matched.count(b.selection) == 0) {
                continue; // as with the price lines: the first selections seen, for bounded memory
            }
            const auto [it, first] = m_matched.try_emplace(b.selection, b.tradedTotal);
            added += first ? 0.0 : b.tradedTotal - it->second;
            it->second = b.tradedTotal;
            at = std::max(at, b.atMs);
        }
    }
    if (at == 0 || (added == 0 && !m_volume.empty())) {
        return;
    }
    const double total = (m_volume.empty() ? 0.0 : m_volume.back().price) + added;
    if (!m_volume.empty() && at < m_volume.back().t) {
        at = m_volume.back().t; // a book published out of order: the series stays sorted
    }
    m_volume.push_back({ at, total, false });
    bound();
}

std::vector<double> PriceHistory::volumeBars(qint64 from, qint64 to, int columns) const
{
    std::vector<double> bars(std::size_t(std::max(columns, 1)), 0.0);
    if (m_volume.size() < 2 || to <= from) {
        return bars;
    }
    const double width = double(to - from) / double(bars.size());
    // The window only: a render at every snapshot must not cost more as the session goes on.
    const auto first = std::lower_bound(
        m_volume.begin() + 1, m_volume.end(), from, [](const SeriesPoint &p, qint64 t) { return p.t < t; });
    for (auto i = std::size_t(first - m_volume.begin()); i < m_volume.size(); ++i) {
        const qint64 t = m_volume[i].t;
        if (t > to) {
            break;
        }
        // What was matched between two books lands in the slice of the later one; a total that
        // went down (the exchange clears it at settlement) adds nothing.
        const double matched = std::max(0.0, m_volume[i].price - m_volume[i - 1].price);
        bars[std::min(bars.size() - 1, std::size_t(double(t - from) / width))] += matched;
    }
    return bars;
}

void PriceHistory::loadPast(const std::vector<PriceRow> &rows)
{
    std::span<const PriceRow> taken(rows);
    if (taken.size() > kPastPoints) {
        taken = taken.last(kPastPoints); // the oldest stay in the database
        m_droppedBeforeMs = std::max(m_droppedBeforeMs, taken.front().timestampMs);
    }
    std::map<QString, std::vector<SeriesPoint>> past;
    for (const PriceRow &r : taken) {
        const auto live = m_series.find(r.selection);
        if (live != m_series.end() && !live->second.empty() && r.timestampMs >= live->second.front().t) {
            continue; // already here from the live stream
        }
        if (r.timestampMs < m_droppedBeforeMs) {
            continue; // let go of already (bound())
        }
        if (live == m_series.end() && past.count(r.selection) == 0 && m_series.size() + past.size() >= kMaxSelections) {
            ++m_leftOutPoints;
            continue;
        }
        past[r.selection].push_back({ r.timestampMs, r.price, r.suspended });
    }
    for (auto &[selection, points] : past) {
        std::vector<SeriesPoint> &s = m_series[selection];
        m_points += points.size();
        points.insert(points.end(), s.begin(), s.end());
        s = std::move(points);
    }
    rebuildSuspensions();
    bound();
}

void PriceHistory::appendLive(const std::vector<PricePoint> &points)
{
    bool rebuild = false;
    for (const PricePoint &p : points) {
        if (p.marketType != m_marketType || p.timestampMs < m_droppedBeforeMs) {
            continue; // another market, or older than what the chart still holds (bound())
        }
        std::vector<SeriesPoint> *series = seriesFor(p.selection);
        if (!series) {
            continue;
        }
        std::vector<SeriesPoint> &s = *series;
        ++m_points;
        const SeriesPoint point { p.timestampMs, p.price, p.status == PriceStatus::Suspended };
        const bool first = m_suspensionSelection == p.selection;
        if (s.empty() || s.back().t <= point.t) {
            s.push_back(point);
            if (first && !rebuild) {
                trackSuspension(point);
            }
        } else { // out of order (a resume): keep the series sorted
            s.insert(
                std::upper_bound(s.begin(), s.end(), point.t, [](qint64 t, const SeriesPoint &x) { return t < x.t; }),
                point);
            rebuild = rebuild || first;
        }
        // A new selection that sorts first takes over the intervals.
        rebuild = rebuild || m_series.begin()->first != m_suspensionSelection;
    }
    if (rebuild) {
        rebuildSuspensions();
    }
    bound();
}

void PriceHistory::trackSuspension(const SeriesPoint &point)
{
    if (point.suspended && m_suspendedSince < 0) {
        m_suspendedSince = point.t;
    } else if (!point.suspended && m_suspendedSince >= 0) {
        m_suspended.emplace_back(m_suspendedSince, point.t);
        m_suspendedSince = -1;
    }
}

void PriceHistory::rebuildSuspensions()
{
    m_suspended.clear();
    m_suspendedSince = -1;
    m_suspensionSelection.reset();
    if (m_series.empty()) {
        return;
    }
    m_suspensionSelection = m_series.begin()->first;
    for (const SeriesPoint &p : m_series.begin()->second) {
        trackSuspension(p);
    }
}

QStringList PriceHistory::selections() const
{
    QStringList out;
    for (const auto &[selection, points] : m_series) {
        out.push_back(selection);
    }
    std::stable_sort(out.begin(), out.end(),
        [this](const QString &a, const QString &b) { return MarketBook::selectionBefore(m_marketType, a, b); });
    return out;
}

const std::vector<SeriesPoint> &PriceHistory::series(const QString &selection) const
{
    static const std::vector<SeriesPoint> none;
    const auto it = m_series.find(selection);
    return it == m_series.end() ? none : it->second;
}

std::size_t PriceHistory::pointCount() const
{
    return m_points;
}

qint64 PriceHistory::firstTime() const
{
    qint64 t = std::numeric_limits<qint64>::max();
    for (const auto &[selection, points] : m_series) {
        if (!points.empty()) {
            t = std::min(t, points.front().t);
        }
    }
    return t == std::numeric_limits<qint64>::max() ? 0 : t;
}

qint64 PriceHistory::lastTime() const
{
    qint64 t = 0;
    for (const auto &[selection, points] : m_series) {
        if (!points.empty()) {
            t = std::max(t, points.back().t);
        }
    }
    return t;
}

std::vector<std::pair<qint64, qint64>> PriceHistory::suspensions() const
{
    std::vector<std::pair<qint64, qint64>> out = m_suspended;
    if (m_suspendedSince >= 0) {
        out.emplace_back(m_suspendedSince, lastTime());
    }
    return out;
}

} // namespace OddsTap

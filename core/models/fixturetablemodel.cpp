// SPDX-License-Identifier: MIT
#include "fixturetablemodel.h"

#include <core/common/sports.h>
#include <core/models/cellformat.h>

#include <QDateTime>
#include <QLocale>

#include <algorithm>
#include <tuple>

namespace OddsTap {
namespace {
/// Removed rows past which the model resets rather than removing them range by range.
constexpr std::size_t kResetAboveRemovedRows = 256;

constexpr qint64 kRateWindowMs = 60000;
constexpr qint64 kSampleEveryMs = 1000;
constexpr const char *kHeaders[] = { QT_TR_NOOP("Sport"), QT_TR_NOOP("Tournament"), QT_TR_NOOP("Start"),
    QT_TR_NOOP("Home"), QT_TR_NOOP("Away"), QT_TR_NOOP("Status"), QT_TR_NOOP("Score"), QT_TR_NOOP("Age"),
    QT_TR_NOOP("Upd/min"), QT_TR_NOOP("Source"), QT_TR_NOOP("Fixture id"), QT_TR_NOOP("★") };
static_assert(std::size(kHeaders) == FixtureTableModel::ColumnCount);

} // namespace

FixtureTableModel::FixtureTableModel(QObject *parent)
    : LiveTableModel(kHeaders, parent)
{ }

QString FixtureTableModel::sportName(qint64 sportId)
{
    return OddsTap::sportName(sportId);
}

double FixtureTableModel::updatesPerMinute(const Row &row) const
{
    if (row.samples.size() < 2) {
        return 0;
    }
    const auto &[t0, n0] = row.samples.front();
    const auto &[t1, n1] = row.samples.back();
    const qint64 span = std::max<qint64>(t1 - t0, 1000);
    return double(n1 - n0) * 60000.0 / double(span);
}

QVariant FixtureTableModel::data(const QModelIndex &index, int role) const
{
    Q_ASSERT(validIndex(index));
    const Row &row = m_rows[std::size_t(index.row())];
    const FixtureState &s = row.state;
    const FixtureData &f = s.fixture;
    if (role == ElideMiddleRole) {
        return index.column() == Source;
    }
    if (role == Qt::DisplayRole || role == SortRole) {
        const bool sort = role == SortRole;
        switch (index.column()) {
        case Sport:
            return sportName(f.sportId);
        case Tournament:
            return sort ? QVariant(f.tournamentId) : QVariant(tr("T%1").arg(f.tournamentId));
        case Start:
            return sort ? QVariant(f.startTimeMs)
                        : QVariant(QDateTime::fromMSecsSinceEpoch(f.startTimeMs, Qt::UTC)
                                       .toLocalTime()
                                       .toString(QStringLiteral("ddd HH:mm")));
        case Home:
            return f.home;
        case Away:
            return f.away;
        case Status:
            return CellFormat::wireText(toWire(f.status));
        case Score:
            return f.score;
        case LastUpdate:
            return sort ? QVariant(m_nowMs - s.lastEventAtMs) : QVariant(CellFormat::age(m_nowMs, s.lastEventAtMs));
        case UpdatesPerMin: {
            const double r = updatesPerMinute(row);
            return sort ? QVariant(r) : QVariant(QString::number(r, 'f', 0));
        }
        case Source:
            return s.sourceId;
        case FixtureId:
            return f.fixtureId;
        case Watched: {
            // ★ the fixture is pinned; ☆ only some of its selections are.
            const QString key = fixtureKey(s.sourceId, f.fixtureId);
            const int watched = m_watched.contains(key) ? 2 : m_watchedFixtures.contains(key) ? 1 : 0;
            return sort ? QVariant(watched)
                        : QVariant(watched == 2 ? QStringLiteral("★")
                                : watched == 1  ? QStringLiteral("☆")
                                                : QString());
        }
        default:
            return {};
        }
    }
    if (role == StatusRole && index.column() == Status) {
        return CellFormat::wireText(toWire(f.status));
    }
    if (role == KeyRole) {
        return fixtureKey(s.sourceId, f.fixtureId);
    }
    if (role == WatchedRole) {
        return m_watchedFixtures.contains(fixtureKey(s.sourceId, f.fixtureId));
    }
    if (role == Qt::TextAlignmentRole && index.column() == UpdatesPerMin) {
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    }
    if (role == Qt::ToolTipRole) {
        return tr("%1 (%2, %3)\nfixture %4 from %5, seq %6")
            .arg(CellFormat::teams(f.home, f.away), sportName(f.sportId), CellFormat::wireText(toWire(f.status)),
                f.fixtureId, s.sourceId)
            .arg(s.seq);
    }
    return {};
}

void FixtureTableModel::apply(const std::vector<FixtureState> &fixtures, qint64 nowMs)
{
    m_nowMs = nowMs;
    int firstChanged = int(m_rows.size());
    int lastChanged = -1;
    std::vector<const FixtureState *> added;
    for (const FixtureState &f : fixtures) {
        const QString key = fixtureKey(f.sourceId, f.fixture.fixtureId);
        const auto it = m_index.constFind(key);
        if (it == m_index.constEnd()) {
            added.push_back(&f);
            continue;
        }
        Row &row = m_rows[std::size_t(*it)];
        row.state = f;
        // One sample a second (and the newest): a rate over a minute needs no more, and 1,000
        // rows at 10 snapshots a second would otherwise hold 600 each.
        if (!row.samples.empty() && nowMs < row.samples.back().first) {
            row.samples.clear(); // the clock went back: the old samples would make the rate nonsense
        }
        if (row.samples.size() >= 2 && nowMs - row.samples[row.samples.size() - 2].first < kSampleEveryMs) {
            row.samples.back() = { nowMs, f.events };
        } else {
            row.samples.emplace_back(nowMs, f.events);
        }
        while (row.samples.size() > 2 && nowMs - row.samples[1].first >= kRateWindowMs) {
            row.samples.pop_front();
        }
        firstChanged = std::min(firstChanged, *it);
        lastChanged = std::max(lastChanged, *it);
    }
    if (!m_rows.empty()) {
        // Ages and rates move for every row: one range over the whole table, two columns.
        emit dataChanged(
            index(0, LastUpdate), index(int(m_rows.size()) - 1, UpdatesPerMin), { Qt::DisplayRole, SortRole });
    }
    if (lastChanged >= 0) {
        emit dataChanged(index(firstChanged, 0), index(lastChanged, ColumnCount - 1),
            { Qt::DisplayRole, SortRole, StatusRole, Qt::ToolTipRole });
    }
    if (!added.empty()) {
        const int first = int(m_rows.size());
        beginInsertRows({}, first, first + int(added.size()) - 1);
        for (const FixtureState *f : added) {
            m_index.insert(fixtureKey(f->sourceId, f->fixture.fixtureId), int(m_rows.size()));
            Row row { *f, {} };
            row.samples.emplace_back(nowMs, f->events);
            m_rows.push_back(std::move(row));
        }
        endInsertRows();
    }
}

void FixtureTableModel::remove(const std::vector<std::pair<QString, QString>> &fixtures)
{
    std::vector<int> rows;
    for (const auto &[source, fixture] : fixtures) {
        const int row = rowOf(source, fixture);
        if (row >= 0) {
            rows.push_back(row);
        }
    }
    if (rows.empty()) {
        return;
    }
    std::sort(rows.begin(), rows.end(), std::greater<>());
    bool reset = false;
    if (rows.size() > kResetAboveRemovedRows) {
        // Thousands of rows scattered over a large table (the live state's cap reached): a
        // remove range each would cost the views, and a sort proxy, a pass over every row each.
        beginResetModel();
        std::vector<bool> gone(m_rows.size(), false);
        for (const int r : rows) {
            gone[std::size_t(r)] = true;
        }
        std::size_t kept = 0;
        for (std::size_t r = 0; r < m_rows.size(); ++r) {
            if (gone[r]) {
                continue;
            }
            if (kept != r) {
                m_rows[kept] = std::move(m_rows[r]); // a deque moved onto itself would empty
            }
            ++kept;
        }
        m_rows.erase(m_rows.begin() + std::ptrdiff_t(kept), m_rows.end());
        rows.clear();
        reset = true;
    }
    // Contiguous runs from the bottom up, one remove range each.
    for (std::size_t i = 0; i < rows.size();) {
        std::size_t j = i;
        while (j + 1 < rows.size() && rows[j + 1] == rows[j] - 1) {
            ++j;
        }
        const int first = rows[j];
        const int last = rows[i];
        beginRemoveRows({}, first, last);
        m_rows.erase(m_rows.begin() + first, m_rows.begin() + last + 1);
        endRemoveRows();
        i = j + 1;
    }
    m_index.clear();
    for (std::size_t r = 0; r < m_rows.size(); ++r) {
        m_index.insert(fixtureKey(m_rows[r].state.sourceId, m_rows[r].state.fixture.fixtureId), int(r));
    }
    if (reset) {
        endResetModel();
    }
}

void FixtureTableModel::setWatched(QSet<QString> keys)
{
    m_watched = std::move(keys);
    m_watchedFixtures = watchedFixtures(m_watched);
    if (!m_rows.empty()) {
        emit dataChanged(index(0, Watched), index(rowCount() - 1, Watched), { Qt::DisplayRole, SortRole, WatchedRole });
    }
}

const FixtureState *FixtureTableModel::fixtureAt(int row) const
{
    return row >= 0 && row < int(m_rows.size()) ? &m_rows[std::size_t(row)].state : nullptr;
}

int FixtureTableModel::rowOf(const QString &sourceId, const QString &fixtureId) const
{
    return m_index.value(fixtureKey(sourceId, fixtureId), -1);
}

void FixtureTableModel::clear()
{
    beginResetModel();
    m_rows.clear();
    m_index.clear();
    endResetModel();
}

std::size_t FixtureTableModel::size() const
{
    return m_rows.size();
}

} // namespace OddsTap

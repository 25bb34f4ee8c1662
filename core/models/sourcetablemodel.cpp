// SPDX-License-Identifier: MIT
#include "sourcetablemodel.h"

#include <core/models/cellformat.h>

#include <QDateTime>
#include <QLocale>

#include <algorithm>
#include <tuple>

namespace OddsTap {
namespace {

constexpr const char *kHeaders[] = { QT_TR_NOOP("Source"), QT_TR_NOOP("State"), QT_TR_NOOP("Events/s"),
    QT_TR_NOOP("Latency p50/p99"), QT_TR_NOOP("Clock"), QT_TR_NOOP("Last seq"), QT_TR_NOOP("Gaps"),
    QT_TR_NOOP("Reconnects"), QT_TR_NOOP("Rejected"), QT_TR_NOOP("Last problem"), QT_TR_NOOP("URL") };
static_assert(std::size(kHeaders) == SourceTableModel::ColumnCount);

/// How far a source's clock is off, in the two largest units that say it ("5.0 s", "12 min 5 s",
/// "3 h 12 min", "24 d 0 h"): a clock a month off read as "2075457.5 s".
QString offsetText(qint64 ms)
{
    const qint64 s = ms / 1000;
    if (s < 60) {
        return QStringLiteral("%1 s").arg(double(ms) / 1000.0, 0, 'f', 1);
    }
    if (s < 3600) {
        return QStringLiteral("%1 min %2 s").arg(s / 60).arg(s % 60);
    }
    if (s < 86400) {
        return QStringLiteral("%1 h %2 min").arg(s / 3600).arg(s % 3600 / 60);
    }
    return QStringLiteral("%1 d %2 h").arg(s / 86400).arg(s % 86400 / 3600);
}

} // namespace

SourceTableModel::SourceTableModel(QObject *parent)
    : LiveTableModel(kHeaders, parent)
{ }

QString SourceTableModel::stateText(const SourceStatus &s, qint64 nowMs)
{
    if (!s.enabled && (s.state == SourceState::Stopped || s.state == SourceState::Idle)) {
        return tr("disconnected (by you)");
    }
    switch (s.state) {
    case SourceState::Subscribed:
        return tr("live");
    case SourceState::BackingOff:
    case SourceState::AuthFailed: {
        const qint64 left = std::max<qint64>(0, (s.retryAtMs - nowMs + 999) / 1000);
        const QString what = s.state == SourceState::AuthFailed ? tr("auth failed") : tr("backing off");
        return s.retryAtMs > 0 ? tr("%1, retry in %2 s").arg(what).arg(left) : what;
    }
    default:
        return CellFormat::wireText(toWire(s.state));
    }
}

QVariant SourceTableModel::data(const QModelIndex &index, int role) const
{
    Q_ASSERT(validIndex(index));
    const SourceStatus &s = m_rows[std::size_t(index.row())];
    if (role == Qt::DisplayRole || role == SortRole) {
        const bool sort = role == SortRole;
        switch (index.column()) {
        case Id:
            return s.sourceId;
        case State:
            return shownState(s);
        case EventsPerSec:
            return sort ? QVariant(s.eventsPerSec) : QVariant(QString::number(s.eventsPerSec, 'f', 0));
        case Latency:
            if (s.latency.samples == 0) {
                return sort ? QVariant(-1.0) : QVariant(QString());
            }
            return sort ? QVariant(s.latency.p99Ms)
                        : QVariant(tr("%1 / %2 ms").arg(s.latency.p50Ms, 0, 'f', 0).arg(s.latency.p99Ms, 0, 'f', 0));
        case Clock:
            if (!s.latency.clockOffsetMs) {
                return sort ? QVariant(0.0) : QVariant(QString());
            }
            return sort ? QVariant(double(*s.latency.clockOffsetMs))
                        : QVariant((*s.latency.clockOffsetMs < 0 ? tr("%1 ahead") : tr("%1 behind"))
                                       .arg(offsetText(std::abs(*s.latency.clockOffsetMs))));
        case LastSeq:
            return sort ? QVariant(s.lastSeq) : QVariant(QString::number(s.lastSeq));
        case Gaps:
            return sort ? QVariant(s.gaps) : QVariant(QString::number(s.gaps));
        case Reconnects:
            return sort ? QVariant(s.reconnects) : QVariant(QString::number(s.reconnects));
        case Rejected:
            return sort ? QVariant(s.rejected) : QVariant(QString::number(s.rejected));
        case Problem:
            return s.problem;
        case Url:
            return s.url;
        default:
            return {};
        }
    }
    if (role == ElideMiddleRole) {
        return index.column() == Id;
    }
    if (role == SeverityRole) {
        const bool bad = s.state == SourceState::AuthFailed || s.state == SourceState::Stalled
            || s.state == SourceState::BackingOff || s.state == SourceState::Disconnected;
        return int(bad ? LogSeverity::Error : LogSeverity::Info);
    }
    if (role == Qt::ToolTipRole && (index.column() == Latency || index.column() == Clock)) {
        if (s.latency.samples == 0) {
            return tr("No event in the last interval");
        }
        QString tip = tr("Server time to receipt over the last interval: p50 %1 ms, p99 %2 ms, max %3 ms (%4 events)")
                          .arg(s.latency.p50Ms, 0, 'f', 0)
                          .arg(s.latency.p99Ms, 0, 'f', 0)
                          .arg(s.latency.maxMs, 0, 'f', 0)
                          .arg(s.latency.samples);
        if (s.latency.clockOffsetMs) {
            tip += QLatin1Char('\n')
                + tr("%1's clock is off ours by %2 ms (the least delay of the last minute, which no network takes): "
                     "latencies are measured from that least delay")
                      .arg(s.sourceId)
                      .arg(*s.latency.clockOffsetMs);
        }
        return tip;
    }
    if (role == Qt::ToolTipRole) {
        QString tip = s.reason.isEmpty() ? shownState(s) : shownState(s) + QStringLiteral(": ") + s.reason;
        if (!s.problem.isEmpty()) {
            tip += QLatin1Char('\n') + tr("last problem: %1").arg(s.problem);
        }
        return tip;
    }
    if (role == Qt::TextAlignmentRole && index.column() >= EventsPerSec && index.column() <= Rejected) {
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    }
    return {};
}

QString SourceTableModel::shownState(const SourceStatus &s) const
{
    if (!s.enabled) {
        for (const OffSource &off : m_off) {
            if (off.sourceId == s.sourceId) {
                return off.state;
            }
        }
    }
    return stateText(s, m_nowMs);
}

void SourceTableModel::apply(const std::vector<SourceStatus> &sources, qint64 nowMs)
{
    m_nowMs = nowMs;
    m_session = sources;
    rebuild();
}

void SourceTableModel::setListing(std::vector<OffSource> off, QSet<QString> removed)
{
    m_off = std::move(off);
    m_removed = std::move(removed);
    rebuild();
}

void SourceTableModel::rebuild()
{
    std::vector<SourceStatus> rows;
    rows.reserve(m_session.size() + m_off.size());
    for (const SourceStatus &s : m_session) {
        if (!m_removed.contains(s.sourceId)) {
            rows.push_back(s);
        }
    }
    for (const OffSource &off : m_off) {
        const bool inSession =
            std::any_of(rows.begin(), rows.end(), [&](const SourceStatus &s) { return s.sourceId == off.sourceId; });
        if (!inSession) {
            SourceStatus s;
            s.sourceId = off.sourceId;
            s.url = off.url;
            s.enabled = false;
            s.state = SourceState::Stopped;
            rows.push_back(std::move(s));
        }
    }
    const bool sameRows = rows.size() == m_rows.size()
        && std::equal(rows.begin(), rows.end(), m_rows.begin(),
            [](const SourceStatus &a, const SourceStatus &b) { return a.sourceId == b.sourceId; });
    if (!sameRows) {
        beginResetModel(); // sources come and go rarely (added, switched on or removed by the user)
        m_rows = std::move(rows);
        endResetModel();
        return;
    }
    m_rows = std::move(rows);
    if (!m_rows.empty()) {
        emit dataChanged(index(0, 0), index(int(m_rows.size()) - 1, ColumnCount - 1),
            { Qt::DisplayRole, SortRole, SeverityRole, Qt::ToolTipRole });
    }
}

const SourceStatus *SourceTableModel::sourceAt(int row) const
{
    return row >= 0 && row < int(m_rows.size()) ? &m_rows[std::size_t(row)] : nullptr;
}

std::size_t SourceTableModel::size() const
{
    return m_rows.size();
}

} // namespace OddsTap

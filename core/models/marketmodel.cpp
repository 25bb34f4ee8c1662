// SPDX-License-Identifier: MIT
#include "marketmodel.h"

#include <core/common/marketbook.h>
#include <core/models/cellformat.h>

#include <QDateTime>
#include <QLocale>

#include <algorithm>
#include <tuple>

namespace OddsTap {
namespace {

constexpr qint64 kFlashMs = 1000;
constexpr const char *kHeaders[] = { QT_TR_NOOP("Market"), QT_TR_NOOP("Selection"), QT_TR_NOOP("Price"),
    QT_TR_NOOP("Previous"), QT_TR_NOOP("Change"), QT_TR_NOOP("Implied"), QT_TR_NOOP("Overround"),
    QT_TR_NOOP("Changed at") };
static_assert(std::size(kHeaders) == MarketModel::ColumnCount);

} // namespace

MarketModel::MarketModel(QObject *parent)
    : LiveTableModel(kHeaders, parent)
{ }

QVariant MarketModel::data(const QModelIndex &index, int role) const
{
    Q_ASSERT(validIndex(index));
    const Row &row = m_rows[std::size_t(index.row())];
    const PriceState &p = row.state;
    const bool suspended = p.status == PriceStatus::Suspended;
    const int direction = p.previousPrice <= 0 || p.price == p.previousPrice ? 0 : (p.price > p.previousPrice ? 1 : -1);
    switch (role) {
    case Qt::DisplayRole:
    case SortRole:
        switch (index.column()) {
        case Market:
            return p.marketType;
        case Selection:
            return role == Qt::DisplayRole && watched(p) ? QString(QStringLiteral("★ ") + p.selection) : p.selection;
        case Price:
            return role == SortRole ? QVariant(p.price) : QVariant(QString::number(p.price, 'f', 2));
        case Previous:
            if (p.previousPrice <= 0) {
                return role == SortRole ? QVariant(0.0) : QVariant(QString());
            }
            return role == SortRole ? QVariant(p.previousPrice) : QVariant(QString::number(p.previousPrice, 'f', 2));
        case Change: {
            if (p.previousPrice <= 0) {
                return role == SortRole ? QVariant(0.0) : QVariant(QString());
            }
            const double pct = (p.price - p.previousPrice) / p.previousPrice * 100.0;
            if (role == SortRole) {
                return pct;
            }
            const QString arrow = direction > 0 ? QStringLiteral("▲") : direction < 0 ? QStringLiteral("▼") : QString();
            return QStringLiteral("%1 %2%3 %")
                .arg(arrow, pct > 0 ? QStringLiteral("+") : QString(), QString::number(pct, 'f', 1));
        }
        case Implied:
            return role == SortRole ? QVariant(100.0 / p.price)
                                    : QVariant(QStringLiteral("%1 %").arg(100.0 / p.price, 0, 'f', 1));
        case Overround: {
            const auto o = m_overround.constFind(p.marketType);
            if (o == m_overround.constEnd()) {
                return role == SortRole ? QVariant(0.0) : QVariant(QString());
            }
            return role == SortRole ? QVariant(*o) : QVariant(MarketBook::text(*o));
        }
        case Updated:
            return role == SortRole ? QVariant(p.changedAtMs) : QVariant(CellFormat::timeOfDay(p.changedAtMs));
        default:
            return {};
        }
    case ChangeRole:
        // A move colours the price and its change, not the whole row.
        return index.column() == Price || index.column() == Change ? QVariant(direction) : QVariant();
    case FlashRole:
        return row.flashUntilMs > m_nowMs;
    case SuspendedRole:
        return suspended;
    case WatchedRole:
        return watched(p);
    case KeyRole:
        return QString(p.marketType + QChar(0x1f) + p.selection);
    case Qt::TextAlignmentRole:
        return index.column() >= Price && index.column() <= Overround ? QVariant(Qt::AlignRight | Qt::AlignVCenter)
                                                                      : QVariant();
    case Qt::ToolTipRole:
        if (index.column() == Overround) {
            return m_overround.contains(p.marketType)
                ? tr("The market's book: 100 / price summed over its selections (over 100 %: the margin)")
                : tr("No book: the market is not known to be whole (a selection suspended or unpriced)");
        }
        return tr("%1 / %2: %3 (%4), %5 updates, seq %6")
            .arg(p.marketType, p.selection, QString::number(p.price, 'f', 2), CellFormat::wireText(toWire(p.status)))
            .arg(p.updates)
            .arg(p.seq);
    default:
        return {};
    }
}

bool MarketModel::watched(const PriceState &p) const
{
    return !m_watchList.isEmpty()
        && m_watchList.contains(selectionKey(p.sourceId, p.fixtureId, p.marketType, p.selection));
}

void MarketModel::setWatchList(QSet<QString> keys)
{
    m_watchList = std::move(keys);
    if (!m_rows.empty()) {
        emit dataChanged(index(0, Selection), index(rowCount() - 1, Selection), { Qt::DisplayRole, WatchedRole });
    }
}

void MarketModel::apply(const QString &fixtureId, bool reset, const std::vector<PriceState> &prices, qint64 nowMs)
{
    m_nowMs = nowMs;
    auto less = [](const PriceState &a, const PriceState &b) {
        // A market's selections as a trader reads them (home, draw, away), not by name.
        return a.marketType != b.marketType ? a.marketType < b.marketType
                                            : MarketBook::selectionBefore(a.marketType, a.selection, b.selection);
    };
    if (reset || fixtureId != m_fixtureId) {
        beginResetModel();
        m_fixtureId = fixtureId;
        m_rows.clear();
        m_bookMemory.clear();
        for (const PriceState &p : prices) {
            m_rows.push_back({ p, 0 });
        }
        std::sort(m_rows.begin(), m_rows.end(), [&](const Row &a, const Row &b) { return less(a.state, b.state); });
        recomputeOverround();
        endResetModel();
        return;
    }
    int first = int(m_rows.size());
    int last = -1;
    for (const PriceState &p : prices) {
        auto it = std::lower_bound(
            m_rows.begin(), m_rows.end(), p, [&](const Row &r, const PriceState &x) { return less(r.state, x); });
        const int at = int(it - m_rows.begin());
        if (it != m_rows.end() && it->state.marketType == p.marketType && it->state.selection == p.selection) {
            if (it->state.price != p.price || it->state.status != p.status) {
                it->flashUntilMs = nowMs + kFlashMs;
            }
            it->state = p;
            first = std::min(first, at);
            last = std::max(last, at);
        } else {
            // A selection new to this fixture: rare (a market opening), one row at a time is fine.
            beginInsertRows({}, at, at);
            m_rows.insert(it, Row { p, nowMs + kFlashMs });
            endInsertRows();
            if (last >= at) {
                ++last;
            }
            if (first >= at && first < int(m_rows.size()) - 1) {
                ++first;
            }
        }
    }
    recomputeOverround();
    if (!m_rows.empty()) {
        // Flashes expire and overrounds move across rows: one range over the table.
        emit dataChanged(index(0, 0), index(int(m_rows.size()) - 1, ColumnCount - 1),
            { Qt::DisplayRole, SortRole, ChangeRole, FlashRole, SuspendedRole, Qt::ToolTipRole });
    }
}

void MarketModel::recomputeOverround()
{
    m_overround.clear();
    // Rows are sorted by market: each market's selections are one run of rows.
    for (auto first = m_rows.begin(); first != m_rows.end();) {
        const QString &market = first->state.marketType;
        MarketBook book(market);
        auto it = first;
        for (; it != m_rows.end() && it->state.marketType == market; ++it) {
            const PriceState &p = it->state;
            book.add(p.selection, p.status == PriceStatus::Open ? std::optional<double>(p.price) : std::nullopt);
        }
        BookMemory none; // a known type needs none, and takes no entry
        if (const std::optional<double> percent = book.read(book.shapeWhole() ? none : m_bookMemory[market])) {
            m_overround.insert(market, *percent);
        }
        first = it;
    }
}

QStringList MarketModel::markets() const
{
    QStringList out;
    for (const Row &r : m_rows) {
        if (out.isEmpty() || out.back() != r.state.marketType) {
            out.push_back(r.state.marketType);
        }
    }
    return out;
}

std::optional<double> MarketModel::overround(const QString &market) const
{
    const auto it = m_overround.constFind(market);
    return it == m_overround.constEnd() ? std::nullopt : std::optional<double>(*it);
}

std::size_t MarketModel::size() const
{
    return m_rows.size();
}

} // namespace OddsTap

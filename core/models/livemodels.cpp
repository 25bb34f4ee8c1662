// SPDX-License-Identifier: MIT
#include "livemodels.h"

#include <core/common/timeutil.h>

#include <QDateTime>
#include <QLocale>

#include <algorithm>
#include <tuple>

namespace OddsTap {
namespace {

constexpr qint64 kFlashMs = 1000;
constexpr qint64 kRateWindowMs = 60000;

QString timeOfDay(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toLocalTime().toString(QStringLiteral("HH:mm:ss.zzz"));
}

QString age(qint64 nowMs, qint64 thenMs)
{
    if (thenMs <= 0) {
        return {};
    }
    const qint64 s = std::max<qint64>(0, (nowMs - thenMs) / 1000);
    if (s < 60) {
        return QStringLiteral("%1 s").arg(s);
    }
    if (s < 3600) {
        return QStringLiteral("%1 min").arg(s / 60);
    }
    return QStringLiteral("%1 h").arg(s / 3600);
}

QString money(double v)
{
    return QLocale().toString(v, 'f', 2);
}

QString wireText(std::string_view w)
{
    return QString::fromLatin1(w.data(), qsizetype(w.size()));
}

bool validIndex(const QAbstractItemModel *m, const QModelIndex &index)
{
    return m->checkIndex(index,
        QAbstractItemModel::CheckIndexOption::IndexIsValid | QAbstractItemModel::CheckIndexOption::ParentIsInvalid);
}

} // namespace

// ---------------------------------------------------------------------------------------------
// FixtureTableModel

int FixtureTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int FixtureTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString FixtureTableModel::sportName(qint64 sportId)
{
    switch (sportId) {
    case 1:
        return tr("Football");
    case 2:
        return tr("Tennis");
    case 3:
        return tr("Basketball");
    case 4:
        return tr("Ice hockey");
    default:
        return tr("Sport %1").arg(sportId);
    }
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
    Q_ASSERT(validIndex(this, index));
    const Row &row = m_rows[std::size_t(index.row())];
    const FixtureState &s = row.state;
    const FixtureData &f = s.fixture;
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
            return wireText(toWire(f.status));
        case Score:
            return f.score;
        case LastUpdate:
            return sort ? QVariant(m_nowMs - s.lastEventAtMs) : QVariant(age(m_nowMs, s.lastEventAtMs));
        case UpdatesPerMin: {
            const double r = updatesPerMinute(row);
            return sort ? QVariant(r) : QVariant(QString::number(r, 'f', 0));
        }
        case Source:
            return s.sourceId;
        case FixtureId:
            return f.fixtureId;
        default:
            return {};
        }
    }
    if (role == StatusRole) {
        return wireText(toWire(f.status));
    }
    if (role == KeyRole) {
        return QString(s.sourceId + QChar(0x1f) + f.fixtureId);
    }
    if (role == Qt::TextAlignmentRole && index.column() == UpdatesPerMin) {
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    }
    if (role == Qt::ToolTipRole) {
        return tr("%1 v %2 (%3, %4)\nfixture %5 from %6, seq %7")
            .arg(f.home, f.away, sportName(f.sportId), wireText(toWire(f.status)), f.fixtureId, s.sourceId)
            .arg(s.seq);
    }
    return {};
}

QVariant FixtureTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return QAbstractTableModel::headerData(section, orientation, role);
    }
    static const char *const names[] = { QT_TR_NOOP("Sport"), QT_TR_NOOP("Tournament"), QT_TR_NOOP("Start"),
        QT_TR_NOOP("Home"), QT_TR_NOOP("Away"), QT_TR_NOOP("Status"), QT_TR_NOOP("Score"), QT_TR_NOOP("Age"),
        QT_TR_NOOP("Upd/min"), QT_TR_NOOP("Source"), QT_TR_NOOP("Fixture id") };
    return section >= 0 && section < ColumnCount ? tr(names[section]) : QVariant();
}

void FixtureTableModel::apply(const std::vector<FixtureState> &fixtures, qint64 nowMs)
{
    m_nowMs = nowMs;
    int firstChanged = int(m_rows.size());
    int lastChanged = -1;
    std::vector<const FixtureState *> added;
    for (const FixtureState &f : fixtures) {
        const QString key = f.sourceId + QChar(0x1f) + f.fixture.fixtureId;
        const auto it = m_index.constFind(key);
        if (it == m_index.constEnd()) {
            added.push_back(&f);
            continue;
        }
        Row &row = m_rows[std::size_t(*it)];
        row.state = f;
        row.samples.emplace_back(nowMs, f.events);
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
            m_index.insert(f->sourceId + QChar(0x1f) + f->fixture.fixtureId, int(m_rows.size()));
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
        m_index.insert(m_rows[r].state.sourceId + QChar(0x1f) + m_rows[r].state.fixture.fixtureId, int(r));
    }
}

const FixtureState *FixtureTableModel::fixtureAt(int row) const
{
    return row >= 0 && row < int(m_rows.size()) ? &m_rows[std::size_t(row)].state : nullptr;
}

int FixtureTableModel::rowOf(const QString &sourceId, const QString &fixtureId) const
{
    return m_index.value(sourceId + QChar(0x1f) + fixtureId, -1);
}

// ---------------------------------------------------------------------------------------------
// MarketModel

int MarketModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int MarketModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant MarketModel::data(const QModelIndex &index, int role) const
{
    Q_ASSERT(validIndex(this, index));
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
            return p.selection;
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
            const double o = m_overround.value(p.marketType);
            return role == SortRole ? QVariant(o) : QVariant(QStringLiteral("%1 %").arg(o, 0, 'f', 1));
        }
        case Updated:
            return role == SortRole ? QVariant(p.changedAtMs) : QVariant(timeOfDay(p.changedAtMs));
        default:
            return {};
        }
    case ChangeRole:
        return direction;
    case FlashRole:
        return row.flashUntilMs > m_nowMs;
    case SuspendedRole:
        return suspended;
    case StatusRole:
        return wireText(toWire(p.status));
    case KeyRole:
        return QString(p.marketType + QChar(0x1f) + p.selection);
    case Qt::TextAlignmentRole:
        return index.column() >= Price && index.column() <= Overround ? QVariant(Qt::AlignRight | Qt::AlignVCenter)
                                                                      : QVariant();
    case Qt::ToolTipRole:
        return tr("%1 / %2: %3 (%4), %5 updates, seq %6")
            .arg(p.marketType, p.selection, QString::number(p.price, 'f', 2), wireText(toWire(p.status)))
            .arg(p.updates)
            .arg(p.seq);
    default:
        return {};
    }
}

QVariant MarketModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return QAbstractTableModel::headerData(section, orientation, role);
    }
    static const char *const names[] = { QT_TR_NOOP("Market"), QT_TR_NOOP("Selection"), QT_TR_NOOP("Price"),
        QT_TR_NOOP("Previous"), QT_TR_NOOP("Change"), QT_TR_NOOP("Implied"), QT_TR_NOOP("Overround"),
        QT_TR_NOOP("Changed at") };
    return section >= 0 && section < ColumnCount ? tr(names[section]) : QVariant();
}

void MarketModel::apply(const QString &fixtureId, bool reset, const std::vector<PriceState> &prices, qint64 nowMs)
{
    m_nowMs = nowMs;
    auto less = [](const PriceState &a, const PriceState &b) {
        return std::tie(a.marketType, a.selection) < std::tie(b.marketType, b.selection);
    };
    if (reset || fixtureId != m_fixtureId) {
        beginResetModel();
        m_fixtureId = fixtureId;
        m_rows.clear();
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
            { Qt::DisplayRole, SortRole, ChangeRole, FlashRole, SuspendedRole, StatusRole, Qt::ToolTipRole });
    }
}

void MarketModel::recomputeOverround()
{
    m_overround.clear();
    QHash<QString, double> sum;
    for (const Row &r : m_rows) {
        if (r.state.status == PriceStatus::Open && r.state.price > 0) {
            sum[r.state.marketType] += 1.0 / r.state.price;
        }
    }
    for (auto it = sum.constBegin(); it != sum.constEnd(); ++it) {
        m_overround.insert(it.key(), (it.value() - 1.0) * 100.0);
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

double MarketModel::overround(const QString &market) const
{
    return m_overround.value(market);
}

// ---------------------------------------------------------------------------------------------
// BetTapeModel

BetTapeModel::BetTapeModel(int capacity, QObject *parent)
    : QAbstractTableModel(parent)
    , m_capacity(std::max(1, capacity))
{ }

int BetTapeModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int BetTapeModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant BetTapeModel::data(const QModelIndex &index, int role) const
{
    Q_ASSERT(validIndex(this, index));
    const Event &e = m_rows[std::size_t(index.row())];
    const BetData *b = e.bet();
    if (!b) {
        return {};
    }
    if (role == Qt::DisplayRole || role == SortRole) {
        const bool sort = role == SortRole;
        switch (index.column()) {
        case Time:
            return sort ? QVariant(b->timestampMs) : QVariant(timeOfDay(b->timestampMs));
        case User:
            return b->userId;
        case Fixture:
            return b->fixtureId;
        case Market:
            return b->marketType;
        case Selection:
            return b->selection;
        case Stake:
            return sort ? QVariant(b->stake) : QVariant(money(b->stake));
        case Odds:
            return sort ? QVariant(b->oddValue.value_or(0))
                        : QVariant(b->oddValue ? QString::number(*b->oddValue, 'f', 2) : QString());
        case PotentialWin:
            return sort ? QVariant(b->potentialWin) : QVariant(money(b->potentialWin));
        default:
            return {};
        }
    }
    if (role == Qt::TextAlignmentRole && index.column() >= Stake) {
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    }
    if (role == Qt::ToolTipRole) {
        return tr("bet %1 from %2, seq %3").arg(b->betId, e.sourceId).arg(e.seq);
    }
    return {};
}

QVariant BetTapeModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return QAbstractTableModel::headerData(section, orientation, role);
    }
    static const char *const names[] = { QT_TR_NOOP("Time"), QT_TR_NOOP("User"), QT_TR_NOOP("Fixture"),
        QT_TR_NOOP("Market"), QT_TR_NOOP("Selection"), QT_TR_NOOP("Stake"), QT_TR_NOOP("Odds"),
        QT_TR_NOOP("Potential win") };
    return section >= 0 && section < ColumnCount ? tr(names[section]) : QVariant();
}

void BetTapeModel::append(const std::vector<Event> &bets)
{
    if (bets.empty()) {
        return;
    }
    // Newest on top: insert at row 0 in one range, trim the bottom in one range.
    const std::size_t take = std::min<std::size_t>(bets.size(), std::size_t(m_capacity));
    const int overflow = int(m_rows.size() + take) - m_capacity;
    if (overflow > 0) {
        beginRemoveRows({}, int(m_rows.size()) - overflow, int(m_rows.size()) - 1);
        m_rows.erase(m_rows.end() - overflow, m_rows.end());
        endRemoveRows();
    }
    beginInsertRows({}, 0, int(take) - 1);
    for (std::size_t i = bets.size() - take; i < bets.size(); ++i) {
        m_rows.push_front(bets[i]);
    }
    endInsertRows();
}

const BetData *BetTapeModel::betAt(int row) const
{
    return row >= 0 && row < int(m_rows.size()) ? m_rows[std::size_t(row)].bet() : nullptr;
}

// ---------------------------------------------------------------------------------------------
// ExposureModel

int ExposureModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int ExposureModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

double ExposureModel::marketStake(const QString &market) const
{
    double total = 0;
    for (const Row &r : m_rows) {
        if (r.market == market) {
            total += r.stake;
        }
    }
    return total;
}

QVariant ExposureModel::data(const QModelIndex &index, int role) const
{
    Q_ASSERT(validIndex(this, index));
    const Row &r = m_rows[std::size_t(index.row())];
    const double net = marketStake(r.market) - r.payout; // the book's result if this selection wins
    if (role == Qt::DisplayRole || role == SortRole) {
        const bool sort = role == SortRole;
        switch (index.column()) {
        case Market:
            return r.market;
        case Selection:
            return r.selection;
        case Bets:
            return sort ? QVariant(r.bets) : QVariant(QString::number(r.bets));
        case Stake:
            return sort ? QVariant(r.stake) : QVariant(money(r.stake));
        case Payout:
            return sort ? QVariant(r.payout) : QVariant(money(r.payout));
        case Net:
            return sort ? QVariant(net) : QVariant(money(net));
        default:
            return {};
        }
    }
    if (role == SeverityRole && index.column() == Net) {
        return net < 0 ? 2 : 0;
    }
    if (role == Qt::TextAlignmentRole && index.column() >= Bets) {
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    }
    if (role == Qt::ToolTipRole && index.column() == Net) {
        return tr("What the book keeps (negative: pays out) if %1 wins: the market's stakes minus this "
                  "selection's potential wins")
            .arg(r.selection);
    }
    return {};
}

QVariant ExposureModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return QAbstractTableModel::headerData(section, orientation, role);
    }
    static const char *const names[] = { QT_TR_NOOP("Market"), QT_TR_NOOP("Selection"), QT_TR_NOOP("Bets"),
        QT_TR_NOOP("Stake"), QT_TR_NOOP("Payout if wins"), QT_TR_NOOP("Book P/L if wins") };
    return section >= 0 && section < ColumnCount ? tr(names[section]) : QVariant();
}

void ExposureModel::setFixture(const QString &sourceId, const QString &fixtureId)
{
    if (sourceId == m_sourceId && fixtureId == m_fixtureId) {
        return;
    }
    beginResetModel();
    m_sourceId = sourceId;
    m_fixtureId = fixtureId;
    m_rows.clear();
    endResetModel();
}

void ExposureModel::add(const std::vector<Event> &bets)
{
    bool changed = false;
    std::vector<Row> added;
    for (const Event &e : bets) {
        const BetData *b = e.bet();
        if (!b || b->fixtureId != m_fixtureId || e.sourceId != m_sourceId) {
            continue;
        }
        auto it = std::find_if(m_rows.begin(), m_rows.end(),
            [&](const Row &r) { return r.market == b->marketType && r.selection == b->selection; });
        Row *row = nullptr;
        if (it != m_rows.end()) {
            row = &*it;
            changed = true;
        } else {
            auto a = std::find_if(added.begin(), added.end(),
                [&](const Row &r) { return r.market == b->marketType && r.selection == b->selection; });
            if (a == added.end()) {
                added.push_back({ b->marketType, b->selection, 0, 0, 0 });
                a = added.end() - 1;
            }
            row = &*a;
        }
        ++row->bets;
        row->stake += b->stake;
        row->payout += b->potentialWin;
    }
    if (changed && !m_rows.empty()) {
        emit dataChanged(
            index(0, 0), index(int(m_rows.size()) - 1, ColumnCount - 1), { Qt::DisplayRole, SortRole, SeverityRole });
    }
    if (!added.empty()) {
        beginInsertRows({}, int(m_rows.size()), int(m_rows.size() + added.size()) - 1);
        m_rows.insert(m_rows.end(), added.begin(), added.end());
        endInsertRows();
        // Net depends on the whole market's stake.
        emit dataChanged(
            index(0, Net), index(int(m_rows.size()) - 1, Net), { Qt::DisplayRole, SortRole, SeverityRole });
    }
}

// ---------------------------------------------------------------------------------------------
// ErrorLogModel

ErrorLogModel::ErrorLogModel(int capacity, QObject *parent)
    : QAbstractTableModel(parent)
    , m_capacity(std::max(1, capacity))
{ }

int ErrorLogModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int ErrorLogModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

namespace {
QString severityText(LogSeverity s)
{
    switch (s) {
    case LogSeverity::Info:
        return QObject::tr("info");
    case LogSeverity::Warning:
        return QObject::tr("warning");
    case LogSeverity::Error:
        return QObject::tr("error");
    }
    return {};
}
} // namespace

QVariant ErrorLogModel::data(const QModelIndex &index, int role) const
{
    Q_ASSERT(validIndex(this, index));
    const Row &r = m_rows[std::size_t(index.row())];
    const LogEntry &e = r.entry;
    if (role == Qt::DisplayRole || role == SortRole) {
        const bool sort = role == SortRole;
        switch (index.column()) {
        case Time:
            return sort ? QVariant(e.atMs) : QVariant(timeOfDay(e.atMs));
        case Severity:
            return sort ? QVariant(int(e.severity)) : QVariant(severityText(e.severity));
        case Kind:
            return e.kind;
        case Source:
            return e.sourceId;
        case Seq:
            return e.seq ? QVariant(sort ? QVariant(*e.seq) : QVariant(QString::number(*e.seq)))
                         : QVariant(sort ? QVariant(quint64(0)) : QVariant(QString()));
        case Code:
            return e.code;
        case Message:
            return e.message;
        case Count:
            return sort ? QVariant(r.count) : QVariant(QString::number(r.count));
        default:
            return {};
        }
    }
    if (role == SeverityRole) {
        return int(e.severity);
    }
    if (role == Qt::ToolTipRole && index.column() == Message) {
        return e.raw.isEmpty() ? e.message : e.message + QStringLiteral("\n\n") + QString::fromUtf8(e.raw.left(2000));
    }
    if (role == Qt::TextAlignmentRole && (index.column() == Count || index.column() == Seq)) {
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    }
    return {};
}

QVariant ErrorLogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return QAbstractTableModel::headerData(section, orientation, role);
    }
    static const char *const names[] = { QT_TR_NOOP("Time"), QT_TR_NOOP("Severity"), QT_TR_NOOP("Kind"),
        QT_TR_NOOP("Source"), QT_TR_NOOP("Seq"), QT_TR_NOOP("Code"), QT_TR_NOOP("Message"), QT_TR_NOOP("Count") };
    return section >= 0 && section < ColumnCount ? tr(names[section]) : QVariant();
}

QString ErrorLogModel::groupKey(const LogEntry &e)
{
    // Rejects group by code and message (their seqs differ); the rest by their text.
    return e.kind + QChar(0x1f) + e.sourceId + QChar(0x1f) + e.code + QChar(0x1f) + e.message;
}

void ErrorLogModel::append(const std::vector<LogEntry> &entries, quint64 dropped)
{
    std::vector<LogEntry> all = entries;
    if (dropped > 0) {
        all.push_back({ wallClockMs(), LogSeverity::Warning, QStringLiteral("log"), {}, {}, {},
            tr("%n more log line(s) in this interval were counted but not listed", nullptr, int(dropped)), {} });
    }
    int firstChanged = int(m_rows.size());
    int lastChanged = -1;
    std::vector<Row> added;
    QHash<QString, std::size_t> addedIndex;
    for (LogEntry &e : all) {
        const QString key = groupKey(e);
        const auto it = m_keyToSerial.constFind(key);
        if (it != m_keyToSerial.constEnd() && *it >= m_firstSerial) {
            const int row = int(*it - m_firstSerial);
            Row &r = m_rows[std::size_t(row)];
            r.entry = std::move(e);
            ++r.count;
            firstChanged = std::min(firstChanged, row);
            lastChanged = std::max(lastChanged, row);
            continue;
        }
        if (const auto a = addedIndex.constFind(key); a != addedIndex.constEnd()) {
            added[*a].entry = std::move(e);
            ++added[*a].count;
            continue;
        }
        addedIndex.insert(key, added.size());
        added.push_back({ std::move(e), 1 });
    }
    if (lastChanged >= 0) {
        emit dataChanged(index(firstChanged, 0), index(lastChanged, ColumnCount - 1));
    }
    if (added.empty()) {
        return;
    }
    const int overflow = int(m_rows.size() + added.size()) - m_capacity;
    if (overflow > 0) {
        const int remove = std::min(overflow, int(m_rows.size()));
        if (remove > 0) {
            beginRemoveRows({}, 0, remove - 1);
            m_rows.erase(m_rows.begin(), m_rows.begin() + remove);
            m_firstSerial += quint64(remove);
            endRemoveRows();
        }
        if (int(added.size()) > m_capacity) {
            added.erase(added.begin(), added.end() - m_capacity);
        }
    }
    const int first = int(m_rows.size());
    beginInsertRows({}, first, first + int(added.size()) - 1);
    for (Row &r : added) {
        m_keyToSerial.insert(groupKey(r.entry), m_firstSerial + m_rows.size());
        m_rows.push_back(std::move(r));
    }
    endInsertRows();
}

const LogEntry *ErrorLogModel::entryAt(int row) const
{
    return row >= 0 && row < int(m_rows.size()) ? &m_rows[std::size_t(row)].entry : nullptr;
}

quint64 ErrorLogModel::countAt(int row) const
{
    return row >= 0 && row < int(m_rows.size()) ? m_rows[std::size_t(row)].count : 0;
}

QString ErrorLogModel::toText(const LogEntry &e, quint64 count)
{
    QStringList fields { formatIso8601Utc(e.atMs), severityText(e.severity), e.kind, e.sourceId,
        e.seq ? QString::number(*e.seq) : QString(), e.code, e.message, QString::number(count) };
    QString line = fields.join(QLatin1Char('\t'));
    if (!e.raw.isEmpty()) {
        line += QLatin1Char('\t') + QString::fromUtf8(e.raw);
    }
    return line;
}

// ---------------------------------------------------------------------------------------------
// SourceTableModel

int SourceTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int SourceTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

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
        return wireText(toWire(s.state));
    }
}

QVariant SourceTableModel::data(const QModelIndex &index, int role) const
{
    Q_ASSERT(validIndex(this, index));
    const SourceStatus &s = m_rows[std::size_t(index.row())];
    if (role == Qt::DisplayRole || role == SortRole) {
        const bool sort = role == SortRole;
        switch (index.column()) {
        case Id:
            return s.sourceId;
        case State:
            return stateText(s, m_nowMs);
        case EventsPerSec:
            return sort ? QVariant(s.eventsPerSec) : QVariant(QString::number(s.eventsPerSec, 'f', 0));
        case LastSeq:
            return sort ? QVariant(s.lastSeq) : QVariant(QString::number(s.lastSeq));
        case Gaps:
            return sort ? QVariant(s.gaps) : QVariant(QString::number(s.gaps));
        case Reconnects:
            return sort ? QVariant(s.reconnects) : QVariant(QString::number(s.reconnects));
        case Rejected:
            return sort ? QVariant(s.rejected) : QVariant(QString::number(s.rejected));
        case Url:
            return s.url;
        default:
            return {};
        }
    }
    if (role == StatusRole) {
        return wireText(toWire(s.state));
    }
    if (role == SeverityRole) {
        const bool bad = s.state == SourceState::AuthFailed || s.state == SourceState::Stalled
            || s.state == SourceState::BackingOff || s.state == SourceState::Disconnected;
        return bad ? 2 : 0;
    }
    if (role == Qt::ToolTipRole) {
        return s.reason.isEmpty() ? stateText(s, m_nowMs) : stateText(s, m_nowMs) + QStringLiteral(": ") + s.reason;
    }
    if (role == Qt::TextAlignmentRole && index.column() >= EventsPerSec && index.column() <= Rejected) {
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    }
    return {};
}

QVariant SourceTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return QAbstractTableModel::headerData(section, orientation, role);
    }
    static const char *const names[] = { QT_TR_NOOP("Source"), QT_TR_NOOP("State"), QT_TR_NOOP("Events/s"),
        QT_TR_NOOP("Last seq"), QT_TR_NOOP("Gaps"), QT_TR_NOOP("Reconnects"), QT_TR_NOOP("Rejected"),
        QT_TR_NOOP("URL") };
    return section >= 0 && section < ColumnCount ? tr(names[section]) : QVariant();
}

void SourceTableModel::apply(const std::vector<SourceStatus> &sources, qint64 nowMs)
{
    m_nowMs = nowMs;
    if (sources.size() != m_rows.size()) {
        beginResetModel(); // sources come and go rarely (added by the user)
        m_rows = sources;
        endResetModel();
        return;
    }
    m_rows = sources;
    if (!m_rows.empty()) {
        emit dataChanged(index(0, 0), index(int(m_rows.size()) - 1, ColumnCount - 1));
    }
}

const SourceStatus *SourceTableModel::sourceAt(int row) const
{
    return row >= 0 && row < int(m_rows.size()) ? &m_rows[std::size_t(row)] : nullptr;
}

} // namespace OddsTap

namespace OddsTap {

void FixtureTableModel::clear()
{
    beginResetModel();
    m_rows.clear();
    m_index.clear();
    endResetModel();
}

void BetTapeModel::clear()
{
    beginResetModel();
    m_rows.clear();
    endResetModel();
}

} // namespace OddsTap

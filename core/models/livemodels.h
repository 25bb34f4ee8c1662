// SPDX-License-Identifier: MIT
// Item models of the live views. QtCore only: views, delegates and colours are in ui/, which maps
// the semantic roles below to colours. All of them live in the GUI thread and take coalesced
// snapshots (about 10 Hz), never the raw stream: one insert range and one dataChanged range per
// snapshot at most.
#pragma once

#include <core/session/sessionsnapshot.h>

#include <QAbstractTableModel>
#include <QHash>

#include <deque>
#include <vector>

namespace OddsTap {

/// Roles shared by the live models.
enum LiveRole
{
    SortRole = Qt::UserRole + 1, ///< a value that sorts right (numbers, times)
    SeverityRole, ///< LogSeverity as int (error log), or 2 for "bad" status cells
    StatusRole, ///< the wire spelling of a fixture or source status
    ChangeRole, ///< -1 price down, 0 unchanged, +1 up (market view)
    FlashRole, ///< true while a cell changed within the last second
    SuspendedRole, ///< true for suspended selections
    KeyRole, ///< a stable key of the row (source + id)
};

/// Live fixtures of every source. Rows are appended as fixtures appear and never move (the view
/// sorts through a proxy), so a snapshot is one insert range plus one dataChanged range.
class FixtureTableModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column
    {
        Sport,
        Tournament,
        Start,
        Home,
        Away,
        Status,
        Score,
        LastUpdate,
        UpdatesPerMin,
        Source,
        FixtureId,
        ColumnCount
    };
    using QAbstractTableModel::QAbstractTableModel;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    /// Applies a snapshot's changed fixtures; `nowMs` ages the "last update" column.
    void apply(const std::vector<FixtureState> &fixtures, qint64 nowMs);
    /// Removes the rows of fixtures the live state forgot, in as few ranges as they form.
    void remove(const std::vector<std::pair<QString, QString>> &fixtures);
    /// Forgets every row (a replay that starts over).
    void clear();
    const FixtureState *fixtureAt(int row) const;
    int rowOf(const QString &sourceId, const QString &fixtureId) const;
    static QString sportName(qint64 sportId);

private:
    struct Row
    {
        FixtureState state;
        std::deque<std::pair<qint64, quint64>> samples; ///< (time, events) for updates/min
    };
    double updatesPerMinute(const Row &row) const;

    std::vector<Row> m_rows;
    QHash<QString, int> m_index; ///< source + '\x1f' + fixture id -> row
    qint64 m_nowMs = 0;
};

/// Every market and selection of the watched fixture: price, previous, change, implied
/// probability and the market's overround. Rows are kept sorted by (market, selection).
class MarketModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column
    {
        Market,
        Selection,
        Price,
        Previous,
        Change,
        Implied,
        Overround,
        Updated,
        ColumnCount
    };
    using QAbstractTableModel::QAbstractTableModel;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    /// `reset`: `prices` is the whole fixture (a new watch); otherwise the ones that changed.
    void apply(const QString &fixtureId, bool reset, const std::vector<PriceState> &prices, qint64 nowMs);
    QString fixtureId() const
    {
        return m_fixtureId;
    }
    QStringList markets() const;
    /// The market's overround in percent: sum of 1/price over its open selections, minus 100.
    double overround(const QString &market) const;

private:
    struct Row
    {
        PriceState state;
        qint64 flashUntilMs = 0;
    };
    QString m_fixtureId;
    std::vector<Row> m_rows;
    QHash<QString, double> m_overround;
    qint64 m_nowMs = 0;
    void recomputeOverround();
};

/// The bet tape: the newest bets, in a ring of fixed capacity (oldest rows fall off the top).
class BetTapeModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column
    {
        Time,
        User,
        Fixture,
        Market,
        Selection,
        Stake,
        Odds,
        PotentialWin,
        ColumnCount
    };
    explicit BetTapeModel(int capacity = 2000, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void append(const std::vector<Event> &bets);
    void clear();
    const BetData *betAt(int row) const;

private:
    int m_capacity;
    std::deque<Event> m_rows;
};

/// Stake and liability per selection of one fixture, from the bets seen since it was selected.
class ExposureModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column
    {
        Market,
        Selection,
        Bets,
        Stake,
        Payout,
        Net,
        ColumnCount
    };
    using QAbstractTableModel::QAbstractTableModel;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void setFixture(const QString &sourceId, const QString &fixtureId);
    void add(const std::vector<Event> &bets);

private:
    struct Row
    {
        QString market;
        QString selection;
        quint64 bets = 0;
        double stake = 0;
        double payout = 0; ///< sum of potential wins: what the book pays if the selection wins
    };
    double marketStake(const QString &market) const;
    QString m_sourceId;
    QString m_fixtureId;
    std::vector<Row> m_rows;
};

/// The error log: rejects, connection events, gaps, storage and spool messages. Repeats (same
/// kind, source, code and message) are grouped into one row with a count and the latest time.
class ErrorLogModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column
    {
        Time,
        Severity,
        Kind,
        Source,
        Seq,
        Code,
        Message,
        Count,
        ColumnCount
    };
    explicit ErrorLogModel(int capacity = 5000, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    /// `dropped`: lines the session counted but did not send (over its per-snapshot cap).
    void append(const std::vector<LogEntry> &entries, quint64 dropped = 0);
    const LogEntry *entryAt(int row) const;
    quint64 countAt(int row) const;
    /// Every visible row as tab-separated text (for the clipboard).
    static QString toText(const LogEntry &entry, quint64 count);

private:
    struct Row
    {
        LogEntry entry; ///< the latest occurrence
        quint64 count = 1;
    };
    static QString groupKey(const LogEntry &e);
    int m_capacity;
    std::deque<Row> m_rows;
    QHash<QString, quint64> m_keyToSerial; ///< group key -> serial of its row
    quint64 m_firstSerial = 0; ///< serial of m_rows.front()
};

/// Sources with their state and counters, from the metrics.
class SourceTableModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column
    {
        Id,
        State,
        EventsPerSec,
        LastSeq,
        Gaps,
        Reconnects,
        Rejected,
        Url,
        ColumnCount
    };
    using QAbstractTableModel::QAbstractTableModel;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void apply(const std::vector<SourceStatus> &sources, qint64 nowMs);
    const SourceStatus *sourceAt(int row) const;
    /// "live", "backing off (retry in 3 s)", ... as the table shows it.
    static QString stateText(const SourceStatus &s, qint64 nowMs);

private:
    std::vector<SourceStatus> m_rows;
    qint64 m_nowMs = 0;
};

} // namespace OddsTap

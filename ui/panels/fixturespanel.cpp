// SPDX-License-Identifier: MIT
#include "fixturespanel.h"

#include <core/common/sports.h>
#include <core/common/timeutil.h>
#include <ui/widgets/livetable.h>

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLineEdit>
#include <QMenu>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

namespace OddsTap {

/// Text, sport and status filters over the fixtures table. Live data: no dynamic re-sorting (the
/// panel re-sorts once a second, so rows do not jump under the trader's cursor at 10 Hz).
class FixtureFilterProxy : public QSortFilterProxyModel
{
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;

    void setText(const QString &text)
    {
        m_text = text;
        invalidateFilter();
    }
    void setSport(const QString &sport)
    {
        m_sport = sport;
        invalidateFilter();
    }
    void setStatus(const QString &status)
    {
        m_status = status;
        invalidateFilter();
    }
    void setWatchedOnly(bool on)
    {
        m_watchedOnly = on;
        invalidateFilter();
    }
    void refilter() { invalidateFilter(); }

protected:
    bool filterAcceptsRow(int row, const QModelIndex &parent) const override
    {
        const QAbstractItemModel *m = sourceModel();
        auto cell = [&](int column) { return m->index(row, column, parent).data().toString(); };
        if (m_watchedOnly && !m->index(row, 0, parent).data(WatchedRole).toBool()) {
            return false;
        }
        if (!m_sport.isEmpty() && cell(FixtureTableModel::Sport) != m_sport) {
            return false;
        }
        if (!m_status.isEmpty() && cell(FixtureTableModel::Status) != m_status) {
            return false;
        }
        if (m_text.isEmpty()) {
            return true;
        }
        for (int c : { FixtureTableModel::Home, FixtureTableModel::Away, FixtureTableModel::Tournament,
                 FixtureTableModel::FixtureId, FixtureTableModel::Sport }) {
            if (cell(c).contains(m_text, Qt::CaseInsensitive)) {
                return true;
            }
        }
        return false;
    }

private:
    QString m_text;
    QString m_sport;
    QString m_status;
    bool m_watchedOnly = false;
};

FixturesPanel::FixturesPanel(QWidget *parent)
    : Panel(parent)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    auto *filterRow = new QHBoxLayout;
    m_filter = new QLineEdit(this);
    m_filter->setObjectName(QStringLiteral("fixtureFilter"));
    m_filter->setPlaceholderText(tr("Filter teams, tournament, id (Ctrl+F)"));
    m_filter->setClearButtonEnabled(true);
    m_filter->setToolTip(tr("Shows fixtures whose teams, tournament, sport or id contain this text"));
    auto *sport = m_sport = new QComboBox(this);
    sport->addItem(tr("All sports"), QString());
    for (const SportInfo &s : knownSports()) {
        sport->addItem(sportName(int(s.sport)), sportName(int(s.sport)));
    }
    sport->setToolTip(tr("Show one sport only"));
    auto *status = m_status = new QComboBox(this);
    status->addItem(tr("Any status"), QString());
    for (const char *s : { "scheduled", "live", "suspended", "ended", "cancelled" }) {
        status->addItem(QLatin1String(s), QLatin1String(s));
    }
    status->setToolTip(tr("Show one status only"));
    m_watchedOnly = new QToolButton(this);
    m_watchedOnly->setObjectName(QStringLiteral("watchedOnly"));
    m_watchedOnly->setText(tr("★ Watched"));
    m_watchedOnly->setCheckable(true);
    m_watchedOnly->setToolTip(tr("Show only the fixtures on the watch list (right-click a fixture, or Ctrl+D, to "
                                 "watch it; alert rules can be scoped to the watch list)"));
    filterRow->addWidget(m_filter, 1);
    filterRow->addWidget(m_watchedOnly);
    filterRow->addWidget(sport);
    filterRow->addWidget(status);
    layout->addLayout(filterRow);

    m_proxy = new FixtureFilterProxy(this);
    m_proxy->setSourceModel(&m_model);
    m_proxy->setSortRole(SortRole);
    m_proxy->setDynamicSortFilter(false);
    m_view = makeLiveTable(m_proxy, this);
    m_view->setObjectName(QStringLiteral("fixtureView"));
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(FixtureTableModel::Start, Qt::AscendingOrder);
    m_view->setColumnHidden(FixtureTableModel::FixtureId, true);
    m_view->setColumnHidden(FixtureTableModel::Source, true);
    m_view->setColumnHidden(FixtureTableModel::Tournament, true); // shown from the header menu
    m_view->horizontalHeader()->moveSection(FixtureTableModel::Watched, 0);
    // Shown with several sources (applySnapshot): beside the sport, where it is seen.
    m_view->horizontalHeader()->moveSection(m_view->horizontalHeader()->visualIndex(FixtureTableModel::Source), 1);
    for (const auto &[column, width] : std::initializer_list<std::pair<int, int>> { { FixtureTableModel::Sport, 78 },
             { FixtureTableModel::Start, 74 }, { FixtureTableModel::Home, 96 }, { FixtureTableModel::Away, 96 },
             { FixtureTableModel::Status, 78 }, { FixtureTableModel::Score, 42 }, { FixtureTableModel::LastUpdate, 40 },
             { FixtureTableModel::UpdatesPerMin, 62 }, { FixtureTableModel::Watched, 24 },
             { FixtureTableModel::Source, 90 } }) {
        setLiveColumnWidth(m_view, column, width);
    }
    m_view->horizontalHeader()->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_view->horizontalHeader(), &QWidget::customContextMenuRequested, this, &FixturesPanel::showColumnMenu);
    layout->addWidget(m_view);

    connect(m_filter, &QLineEdit::textChanged, m_proxy, &FixtureFilterProxy::setText);
    connect(m_watchedOnly, &QToolButton::toggled, m_proxy, &FixtureFilterProxy::setWatchedOnly);
    m_view->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_view, &QWidget::customContextMenuRequested, this, [this](const QPoint &at) {
        const QModelIndex index = m_view->indexAt(at);
        if (!index.isValid()) {
            return;
        }
        QMenu menu;
        const bool watched = index.data(WatchedRole).toBool();
        // The key, not the row: snapshots insert and re-sort rows while the menu is open.
        const QString key = index.data(KeyRole).toString();
        menu.addAction(watched ? tr("Stop watching") : tr("Watch"), this, [this, key] {
            const qsizetype split = key.indexOf(QChar(0x1f));
            toggleWatched(m_model.rowOf(key.left(split), key.mid(split + 1)));
        });
        menu.exec(m_view->viewport()->mapToGlobal(at));
    });
    auto *watch = new QAction(tr("Watch or stop watching the selected fixture"), m_view);
    watch->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_D));
    watch->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(watch, &QAction::triggered, this, [this] {
        if (const QModelIndex at = m_view->currentIndex(); at.isValid()) {
            toggleWatched(m_proxy->mapToSource(at).row());
        }
    });
    addAction(watch);
    connect(sport, &QComboBox::currentIndexChanged, this,
        [this, sport] { m_proxy->setSport(sport->currentData().toString()); });
    connect(status, &QComboBox::currentIndexChanged, this,
        [this, status] { m_proxy->setStatus(status->currentData().toString()); });
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex &at) {
        if (const FixtureState *f = at.isValid() ? m_model.fixtureAt(m_proxy->mapToSource(at).row()) : nullptr) {
            emit fixtureSelected(*f);
        }
    });
}

bool FixturesPanel::selectFixture(const QString &sourceId, const QString &fixtureId)
{
    const int row = m_model.rowOf(sourceId, fixtureId);
    const QModelIndex at = row < 0 ? QModelIndex() : m_proxy->mapFromSource(m_model.index(row, 0));
    if (!at.isValid()) {
        return false;
    }
    m_view->setCurrentIndex(at);
    m_view->scrollTo(at);
    return true;
}

void FixturesPanel::showColumnMenu(const QPoint &at)
{
    // Right-click the header to show or hide columns.
    QMenu menu;
    for (int c = 0; c < FixtureTableModel::ColumnCount; ++c) {
        QAction *a = menu.addAction(m_model.headerData(c, Qt::Horizontal).toString());
        a->setCheckable(true);
        a->setChecked(!m_view->isColumnHidden(c));
        connect(a, &QAction::toggled, m_view, [this, c](bool on) {
            m_view->setColumnHidden(c, !on);
            m_sourceColumnSettled = m_sourceColumnSettled || c == FixtureTableModel::Source;
        });
    }
    menu.exec(m_view->horizontalHeader()->mapToGlobal(at));
}

void FixturesPanel::applySnapshot(const SessionSnapshot &snapshot)
{
    m_model.apply(snapshot.fixtures, snapshot.metrics.atMs);
    m_model.remove(snapshot.removedFixtures);
    if (!m_sourceColumnSettled && snapshot.metrics.sources.size() > 1) {
        // With several books every match is a row per book: without the column they read as
        // the same row twice.
        m_view->setColumnHidden(FixtureTableModel::Source, false);
        m_sourceColumnSettled = true;
    }
    // Once a second of this machine's time: a replay's recorded clock stands still while paused
    // and goes back after a seek.
    const qint64 now = monotonicNs();
    if (!m_lastResortNs || now - *m_lastResortNs >= 1000000000) {
        resort();
        m_lastResortNs = now;
    }
}

void FixturesPanel::reset()
{
    m_model.clear();
    m_lastResortNs.reset();
}

const FixtureState *FixturesPanel::fixture(const QString &sourceId, const QString &fixtureId) const
{
    return m_model.fixtureAt(m_model.rowOf(sourceId, fixtureId));
}

void FixturesPanel::resort()
{
    m_proxy->sort(m_view->horizontalHeader()->sortIndicatorSection(), m_view->horizontalHeader()->sortIndicatorOrder());
    m_proxy->refilter();
}

bool FixturesPanel::selectRow(int viewRow)
{
    if (viewRow < 0 || viewRow >= m_proxy->rowCount()) {
        return false;
    }
    m_view->selectionModel()->setCurrentIndex(m_proxy->index(viewRow, FixtureTableModel::Home),
        QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    return true;
}

bool FixturesPanel::selectLive()
{
    for (int row = 0; row < m_proxy->rowCount(); ++row) {
        if (m_proxy->index(row, FixtureTableModel::Status).data(StatusRole).toString() == QLatin1String("live")) {
            return selectRow(row);
        }
    }
    return selectRow(0);
}

void FixturesPanel::toggleWatched(int modelRow)
{
    const FixtureState *f = m_model.fixtureAt(modelRow);
    if (!f) {
        return;
    }
    toggleWatchKey(fixtureKey(f->sourceId, f->fixture.fixtureId));
}

void FixturesPanel::toggleWatchKey(const QString &key)
{
    QSet<QString> keys = m_model.watched();
    if (!keys.remove(key)) {
        keys.insert(key);
    }
    setWatchList(std::move(keys));
}

void FixturesPanel::setWatchList(QSet<QString> keys)
{
    if (keys == m_model.watched()) {
        return;
    }
    m_model.setWatched(keys);
    m_proxy->refilter();
    emit watchListChanged(keys);
}

FixturesPanel::Filters FixturesPanel::filters() const
{
    return { m_filter->text(), m_sport->currentData().toString(), m_status->currentData().toString(),
        m_watchedOnly->isChecked() };
}

void FixturesPanel::setFilters(const Filters &filters)
{
    m_filter->setText(filters.text);
    m_sport->setCurrentIndex(std::max(0, m_sport->findData(filters.sport)));
    m_status->setCurrentIndex(std::max(0, m_status->findData(filters.status)));
    m_watchedOnly->setChecked(filters.watchedOnly);
}

void FixturesPanel::focusFilter()
{
    m_filter->setFocus();
    m_filter->selectAll();
}

} // namespace OddsTap

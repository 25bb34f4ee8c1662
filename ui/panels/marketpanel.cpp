// SPDX-License-Identifier: MIT
#include "marketpanel.h"

#include <core/common/marketbook.h>
#include <core/common/timeutil.h>
#include <core/models/cellformat.h>
#include <core/models/fixturetablemodel.h>
#include <ui/widgets/livetable.h>

#include <QAction>
#include <QLabel>
#include <QMenu>
#include <QTableView>
#include <QVBoxLayout>

namespace OddsTap {

MarketPanel::MarketPanel(QWidget *parent)
    : Panel(parent)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    m_title = new QLabel(tr("Select a fixture to see its markets"), this);
    m_title->setObjectName(QStringLiteral("marketTitle"));
    QFont titleFont = m_title->font();
    titleFont.setBold(true);
    m_title->setFont(titleFont);
    // A long title (teams, a cricket score, the overround) wraps rather than widen the window
    // past the screen.
    m_title->setWordWrap(true);
    m_title->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    layout->addWidget(m_title);
    auto *view = makeLiveTable(&m_model, this);
    view->setObjectName(QStringLiteral("marketView"));
    setLiveColumnWidth(view, MarketModel::Market, 80);
    setLiveColumnWidth(view, MarketModel::Selection, 64);
    for (int c = MarketModel::Price; c <= MarketModel::Overround; ++c) {
        setLiveColumnWidth(view, c, 56); // or as wide as the title
    }
    setLiveColumnWidth(view, MarketModel::Change, 78); // a move such as "▲ +10.0 %"
    layout->addWidget(view);
    // A selection goes on the watch list like a fixture: right-click, or Ctrl+D in this view.
    view->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(view, &QWidget::customContextMenuRequested, this, [this, view](const QPoint &at) {
        const QModelIndex index = view->indexAt(at);
        if (!index.isValid()) {
            return;
        }
        const QString key = m_model.selectionKeyAt(index.row());
        QMenu menu;
        menu.addAction(
            index.data(WatchedRole).toBool() ? tr("Stop watching this selection") : tr("Watch this selection"), this,
            [this, key] { emit selectionWatchToggled(key); });
        menu.exec(view->viewport()->mapToGlobal(at));
    });
    auto *watch = new QAction(tr("Watch or stop watching the selected selection"), view);
    watch->setObjectName(QStringLiteral("watchSelection"));
    watch->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_D));
    watch->setShortcutContext(Qt::WidgetShortcut);
    connect(watch, &QAction::triggered, this, [this, view] {
        if (const QModelIndex at = view->currentIndex(); at.isValid()) {
            emit selectionWatchToggled(m_model.selectionKeyAt(at.row()));
        }
    });
    view->addAction(watch);
}

void MarketPanel::setWatchList(const QSet<QString> &keys)
{
    m_model.setWatchList(keys);
}

void MarketPanel::watch(const FixtureState &fixture)
{
    m_fixture = fixture;
    m_model.apply(fixture.fixture.fixtureId, true, {}, wallClockMs());
    m_marketCount = 0;
    updateTitle();
    emit marketsChanged({});
}

void MarketPanel::setChosenMarket(const QString &market)
{
    m_chosenMarket = market;
    updateTitle();
}

void MarketPanel::applySnapshot(const SessionSnapshot &snapshot)
{
    if (!m_fixture) {
        return;
    }
    const QString &source = m_fixture->sourceId;
    const QString &fixtureId = m_fixture->fixture.fixtureId;
    for (const FixtureState &f : snapshot.fixtures) {
        if (f.fixture.fixtureId == fixtureId && f.sourceId == source) {
            m_fixture = f;
            updateTitle();
        }
    }
    if (snapshot.watchedFixtureId != fixtureId || snapshot.watchedSourceId != source) {
        return;
    }
    m_model.apply(fixtureId, snapshot.watchedReset, snapshot.prices, snapshot.metrics.atMs);
    updateTitle(); // the overround moves with the prices, whether or not the fixture changed
    const QStringList markets = m_model.markets();
    if (markets.size() != m_marketCount) {
        m_marketCount = markets.size();
        emit marketsChanged(markets);
    }
}

void MarketPanel::reset()
{
    m_model.apply(m_fixture ? m_fixture->fixture.fixtureId : QString(), true, {}, wallClockMs());
    m_marketCount = 0;
}

void MarketPanel::updateTitle()
{
    if (!m_fixture) {
        return;
    }
    const FixtureData &f = m_fixture->fixture;
    QString text = tr("%1  ·  %2  ·  %3")
                       .arg(CellFormat::teams(f.home, f.away), FixtureTableModel::sportName(f.sportId),
                           QString::fromLatin1(toWire(f.status).data()));
    if (!f.score.isEmpty()) {
        text += QStringLiteral("  ·  ") + f.score;
    }
    // The same figure as the market's rows, named, so it cannot be read as another market's.
    if (m_model.markets().contains(m_chosenMarket)) {
        const std::optional<double> book = m_model.overround(m_chosenMarket);
        text += book ? tr("  ·  %1 overround %2").arg(m_chosenMarket, MarketBook::text(*book))
                     : tr("  ·  %1 overround: none, the market is not whole (a selection suspended or unpriced)")
                           .arg(m_chosenMarket);
    }
    m_title->setText(text);
}

} // namespace OddsTap

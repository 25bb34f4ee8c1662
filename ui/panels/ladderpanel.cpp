// SPDX-License-Identifier: MIT
#include "ladderpanel.h"

#include <ui/delegates/ladderdelegate.h>
#include <ui/widgets/livetable.h>

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QScrollBar>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

namespace OddsTap {

LadderPanel::LadderPanel(QWidget *parent)
    : Panel(parent)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    auto *bar = new QHBoxLayout;
    m_marketCombo = new QComboBox(this);
    m_marketCombo->setObjectName(QStringLiteral("ladderMarketCombo"));
    m_marketCombo->setToolTip(tr("The market whose runners and ladder are shown"));
    m_marketCombo->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    bar->addWidget(new QLabel(tr("Market"), this));
    bar->addWidget(m_marketCombo, 1);
    layout->addLayout(bar);

    m_runnerView = makeLiveTable(&m_runners, this);
    m_runnerView->setObjectName(QStringLiteral("ladderRunnerView"));
    m_runnerView->setSortingEnabled(false); // the exchange's own order
    m_runnerView->setMaximumHeight(150);
    m_runnerView->setToolTip(tr("Up and Down choose the runner whose ladder is shown"));
    for (const auto &[column, width] : std::initializer_list<std::pair<int, int>> { { MarketBookModel::Selection, 78 },
             { MarketBookModel::BackSize, 50 }, { MarketBookModel::Back, 44 }, { MarketBookModel::Lay, 44 },
             { MarketBookModel::LaySize, 50 }, { MarketBookModel::LastTraded, 44 }, { MarketBookModel::Matched, 52 },
             { MarketBookModel::WeightOfMoney, 50 } }) {
        setLiveColumnWidth(m_runnerView, column, width);
    }
    layout->addWidget(m_runnerView);

    m_title = new QLabel(this);
    m_title->setObjectName(QStringLiteral("ladderTitle"));
    m_title->setTextFormat(Qt::PlainText);
    m_title->setWordWrap(true);
    m_title->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    layout->addWidget(m_title);

    m_ladderView = new QTableView(this);
    m_ladderView->setObjectName(QStringLiteral("ladderView"));
    m_ladderView->setModel(&m_ladder);
    m_ladderView->setItemDelegate(new LadderDelegate(m_ladderView));
    m_ladderView->verticalHeader()->hide();
    m_ladderView->verticalHeader()->setDefaultSectionSize(m_ladderView->fontMetrics().height() + 4);
    m_ladderView->setSelectionMode(QAbstractItemView::NoSelection);
    m_ladderView->setFocusPolicy(Qt::NoFocus);
    for (const auto &[column, width] : std::initializer_list<std::pair<int, int>> { { LadderModel::Traded, 84 },
             { LadderModel::Back, 72 }, { LadderModel::Price, 56 }, { LadderModel::Lay, 72 } }) {
        setLiveColumnWidth(m_ladderView, column, width);
    }
    m_ladderView->horizontalHeader()->setStretchLastSection(true);
    m_ladderView->setToolTip(tr("Blue: money available to back; pink: to lay; bars: matched at each price"));
    layout->addWidget(m_ladderView, 1);

    m_empty = new QLabel(tr("No order book for this fixture.\nExchange feeds (Betfair) send one; "
                            "the reference protocol sends prices only."),
        this);
    m_empty->setObjectName(QStringLiteral("ladderEmpty"));
    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->setWordWrap(true);
    layout->addWidget(m_empty, 1);

    connect(m_marketCombo, &QComboBox::currentTextChanged, this, &LadderPanel::chooseMarket);
    connect(m_runnerView->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
        [this](const QModelIndex &current) {
            if (current.isValid()) {
                chooseRunner(m_runners.book(current.row()).selection);
            }
        });
    updateEmptyState();
}

void LadderPanel::watch(const QString &sourceId, const QString &fixtureId)
{
    if (sourceId == m_sourceId && fixtureId == m_fixtureId) {
        return;
    }
    m_sourceId = sourceId;
    m_fixtureId = fixtureId;
    reset();
}

void LadderPanel::reset()
{
    m_books.clear();
    m_chosenRunner.clear();
    m_marketCombo->clear();
    m_runners.clear();
    m_ladder.clear();
    m_title->clear();
    updateEmptyState();
}

void LadderPanel::applySnapshot(const SessionSnapshot &snapshot)
{
    if (snapshot.watchedSourceId != m_sourceId || snapshot.watchedFixtureId != m_fixtureId) {
        return; // books of a fixture no longer watched
    }
    if (snapshot.ladders.empty()) {
        return;
    }
    const bool first = m_books.empty();
    bool chosenChanged = false;
    for (const PriceLadder &l : snapshot.ladders) {
        if (l.fixtureId != m_fixtureId || l.sourceId != m_sourceId) {
            continue;
        }
        m_books[{ l.marketType, l.selection }] = l;
        if (m_marketCombo->findText(l.marketType) < 0) {
            m_marketCombo->addItem(l.marketType); // the first market becomes the current one
        }
        m_runners.update(l);
        chosenChanged |= l.marketType == m_runners.market() && l.selection == m_chosenRunner;
    }
    if (m_chosenRunner.isEmpty() && m_runners.rowCount() > 0) {
        m_runnerView->selectRow(0); // chooses it
    } else if (chosenChanged) {
        showChosen(false);
    }
    updateEmptyState();
    if (first && !m_books.empty()) {
        emit booksArrived();
    }
}

void LadderPanel::chooseMarket(const QString &market)
{
    m_runners.setMarket(market);
    for (const auto &[key, book] : m_books) {
        if (key.first == market) {
            m_runners.update(book);
        }
    }
    m_chosenRunner.clear();
    if (m_runners.rowCount() > 0) {
        m_runnerView->selectRow(0);
    } else {
        m_ladder.clear();
    }
}

void LadderPanel::chooseRunner(const QString &selection)
{
    const bool changed = selection != m_chosenRunner;
    m_chosenRunner = selection;
    if (const int row = m_runners.rowOf(selection); row >= 0 && m_runnerView->currentIndex().row() != row) {
        m_runnerView->selectRow(row);
    }
    showChosen(changed);
}

void LadderPanel::showChosen(bool centre)
{
    const auto it = m_books.find({ m_runners.market(), m_chosenRunner });
    if (it == m_books.end()) {
        m_ladder.clear();
        m_title->clear();
        return;
    }
    const PriceLadder &l = it->second;
    // Keep the rows where the reader is looking: a book that moves does not scroll the view.
    const int scroll = m_ladderView->verticalScrollBar()->value();
    m_ladder.setLadder(l);
    if (centre) {
        // After the layout: a view that has just been shown does not know its height yet.
        m_centrePending = true;
        QTimer::singleShot(0, this, &LadderPanel::centre);
    } else {
        m_ladderView->verticalScrollBar()->setValue(scroll);
    }
    m_title->setText(tr("%1 · last traded %2 · matched %3 · weight of money %4 % back")
                         .arg(l.selection)
                         .arg(l.lastTraded ? QString::number(*l.lastTraded) : tr("none"))
                         .arg(QString::number(l.tradedTotal, 'f', 0))
                         .arg(QString::number(weightOfMoney(l), 'f', 0)));
}

void LadderPanel::centre()
{
    if (!m_centrePending || !m_ladderView->isVisible()) {
        return; // again when shown
    }
    m_centrePending = false;
    if (const auto row = m_ladder.centreRow()) {
        m_ladderView->scrollTo(m_ladder.index(*row, LadderModel::Price), QAbstractItemView::PositionAtCenter);
    }
}

void LadderPanel::showEvent(QShowEvent *event)
{
    Panel::showEvent(event);
    QTimer::singleShot(0, this, &LadderPanel::centre);
}

void LadderPanel::updateEmptyState()
{
    const bool have = !m_books.empty();
    m_empty->setVisible(!have);
    m_runnerView->setVisible(have);
    m_ladderView->setVisible(have);
    m_title->setVisible(have);
    m_marketCombo->setEnabled(have);
}

} // namespace OddsTap

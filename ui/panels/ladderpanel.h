// SPDX-License-Identifier: MIT
#pragma once

#include <core/models/laddermodel.h>
#include <core/models/marketbookmodel.h>
#include <ui/panels/panel.h>

#include <map>

class QComboBox;
class QLabel;
class QTableView;

namespace OddsTap {

/// The order book of the watched fixture, for feeds that have one (Betfair): every runner of the
/// chosen market with its best back and lay, sizes and weight of money, and the full price
/// ladder of the chosen runner. Up and Down in the runner table choose the runner; the ladder
/// keeps its place while it updates and centres on the market when the runner changes.
class LadderPanel : public Panel
{
    Q_OBJECT
public:
    explicit LadderPanel(QWidget *parent = nullptr);

    void applySnapshot(const SessionSnapshot &snapshot) override;
    void reset() override;

    /// The fixture whose books are shown from now on (empty until they arrive).
    void watch(const QString &sourceId, const QString &fixtureId);
    MarketBookModel &runners() { return m_runners; }
    LadderModel &ladder() { return m_ladder; }
    /// The runner whose ladder is shown.
    void chooseRunner(const QString &selection);

signals:
    /// The watched fixture has an order book (the first one since the watch began).
    void booksArrived();

protected:
    void showEvent(QShowEvent *event) override;

private:
    void chooseMarket(const QString &market);
    /// Scrolls the ladder so that the best prices are in the middle, once the view has its size.
    void centre();
    void showChosen(bool centre);
    void updateEmptyState();

    MarketBookModel m_runners;
    LadderModel m_ladder;
    QComboBox *m_marketCombo = nullptr;
    QTableView *m_runnerView = nullptr;
    QTableView *m_ladderView = nullptr;
    QLabel *m_title = nullptr;
    QLabel *m_empty = nullptr;
    QString m_sourceId;
    QString m_fixtureId;
    QString m_chosenRunner;
    bool m_centrePending = false;
    /// Every book of the watched fixture, by market type and selection.
    std::map<std::pair<QString, QString>, PriceLadder> m_books;
};

} // namespace OddsTap

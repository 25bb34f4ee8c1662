// SPDX-License-Identifier: MIT
#pragma once

#include <core/models/marketmodel.h>
#include <ui/panels/panel.h>

#include <optional>

class QLabel;
class QTableView;

namespace OddsTap {

/// Every market and selection of the watched fixture, under a title with the fixture's teams,
/// sport, status, score and the chosen market's overround.
class MarketPanel : public Panel
{
    Q_OBJECT
public:
    explicit MarketPanel(QWidget *parent = nullptr);

    void applySnapshot(const SessionSnapshot &snapshot) override;
    void reset() override;

    MarketModel &model() { return m_model; }
    /// Shows this fixture's markets from now on (empty until its prices arrive).
    void watch(const FixtureState &fixture);
    /// The market the chart shows: its overround goes in the title.
    void setChosenMarket(const QString &market);
    /// The watch list, whose selections this view stars.
    void setWatchList(const QSet<QString> &keys);

signals:
    /// The watched fixture's markets changed (a new one appeared, or the watch changed).
    void marketsChanged(const QStringList &markets);
    /// The user pinned or unpinned a selection (its selectionKey()).
    void selectionWatchToggled(const QString &key);

private:
    void updateTitle();

    MarketModel m_model;
    QLabel *m_title = nullptr;
    std::optional<FixtureState> m_fixture;
    QString m_chosenMarket;
    qsizetype m_marketCount = 0;
};

} // namespace OddsTap

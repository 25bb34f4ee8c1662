// SPDX-License-Identifier: MIT
#pragma once

#include <core/models/pricehistory.h>
#include <ui/panels/panel.h>

class QCheckBox;
class QComboBox;
class QLabel;

namespace OddsTap {

class OddsChartView;
struct PriceRow;

/// The odds chart of the watched fixture's chosen market: its stored history (asked for with
/// historyWanted, answered with loadHistory) followed by the live points of each snapshot.
class ChartPanel : public Panel
{
    Q_OBJECT
public:
    /// The time window chosen (0: last 5 min, 1: last hour, 2: all), for a workspace.
    int timeWindow() const;
    void setTimeWindow(int window);
    explicit ChartPanel(QWidget *parent = nullptr);

    void applySnapshot(const SessionSnapshot &snapshot) override;
    void reset() override;

    const PriceHistory &history() const { return m_history; }
    OddsChartView *chart() const { return m_chart; }
    QString chosenMarket() const;
    /// Charts this fixture from now on; the market is chosen once its markets are known.
    void watch(const FixtureState &fixture);
    /// The watched fixture's markets (MarketPanel::marketsChanged): keeps the chosen one if it is there.
    void setMarkets(const QStringList &markets);
    /// The answer to historyWanted; stale answers (the user moved on) are dropped.
    void loadHistory(quint64 generation, const QString &fixtureId, const QString &marketType,
        const std::vector<PriceRow> &rows, const QString &error);
    /// Writes every point of the chosen market as CSV; returns an error or "".
    QString exportSeries(const QString &path) const;

signals:
    void marketChosen(const QString &market);
    void historyWanted(const QString &sourceId, const QString &fixtureId, const QString &marketType);
    /// A line for the status bar (a file saved, say).
    void statusMessage(const QString &message);
    /// Something the user should see in the error log.
    void problem(const QString &message);

private:
    void onMarketChosen();
    void askHistory();
    /// Draws the chart and says under the bar what the chart leaves out (PriceHistory's bounds).
    void render();

    PriceHistory m_history;
    bool m_historyDirty = false;
    quint64 m_historyGeneration = 0;
    QString m_sourceId;
    QString m_fixtureId;
    QString m_title; ///< "Home v Away"
    QComboBox *m_marketCombo = nullptr;
    QComboBox *m_windowCombo = nullptr;
    QCheckBox *m_followLive = nullptr;
    QLabel *m_note = nullptr;
    OddsChartView *m_chart = nullptr;
};

} // namespace OddsTap

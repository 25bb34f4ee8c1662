// SPDX-License-Identifier: MIT
// Panels on their own, offscreen, fed hand-made snapshots: what each one shows for a given state.
#include <core/common/sports.h>
#include <core/models/marketmodel.h>
#include <core/models/pricehistory.h>
#include <ui/charts/oddschart.h>
#include <ui/charts/trendchart.h>
#include <ui/dialogs/rulesdialog.h>
#include <ui/panels/betspanel.h>
#include <ui/panels/chartpanel.h>
#include <ui/panels/comparisonpanel.h>
#include <ui/panels/fixturespanel.h>
#include <ui/panels/healthpanel.h>
#include <ui/panels/marketpanel.h>

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDateTimeAxis>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QListWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QValueAxis>

#include <memory>

using namespace OddsTap;

namespace {

FixtureState fixture(const QString &source, const QString &id)
{
    FixtureState f;
    f.sourceId = source;
    f.fixture.fixtureId = id;
    f.fixture.sportId = 1;
    f.fixture.home = QStringLiteral("Arsenal");
    f.fixture.away = QStringLiteral("Chelsea");
    f.fixture.status = FixtureStatus::Live;
    return f;
}

/// A market view on screen, watching fixture f1 of source s.
std::unique_ptr<MarketPanel> marketOfF1()
{
    auto panel = std::make_unique<MarketPanel>();
    panel->resize(640, 300);
    panel->show();
    panel->watch(fixture(QStringLiteral("s"), QStringLiteral("f1")));
    return panel;
}

PriceState price(const QString &market, const QString &selection, double value)
{
    PriceState p;
    p.sourceId = QStringLiteral("s");
    p.fixtureId = QStringLiteral("f1");
    p.marketType = market;
    p.selection = selection;
    p.price = value;
    return p;
}

Event bet(const QString &fixtureId, quint64 seq, double stake, double potentialWin)
{
    Event e;
    e.type = EventType::Bet;
    e.seq = seq;
    e.sourceId = QStringLiteral("s");
    BetData b;
    b.betId = QStringLiteral("b%1").arg(seq);
    b.fixtureId = fixtureId;
    b.marketType = QStringLiteral("1x2");
    b.selection = QStringLiteral("home");
    b.stake = stake;
    b.potentialWin = potentialWin;
    e.data = b;
    return e;
}

SessionSnapshot pricesOf(std::vector<PriceState> prices)
{
    SessionSnapshot s;
    s.watchedSourceId = QStringLiteral("s");
    s.watchedFixtureId = QStringLiteral("f1");
    s.prices = std::move(prices);
    return s;
}

} // namespace

class TestPanels : public QObject
{
    Q_OBJECT

private slots:
    void marketTitleShowsTheChosenMarketsOverroundAsTheRowsDo();
    void fixturesStaySortedWhenTheRecordedClockStandsOrGoesBack();
    void fixturesShowTheirSourceOnceThereAreSeveral();
    void chartShowsNoAxesWithoutDataAndKeepsPriceMovesVisible_data();
    void chartShowsNoAxesWithoutDataAndKeepsPriceMovesVisible();
    void chartKeepsAFewTicksWhenThePriceRangeJumps();
    void chartSaysWhatItLeavesOutOfAHostileMarket();
    void comparisonMarksLeftOutPricesAndShowsTheArbitrageStakes();
    void rulesDialogEditsAndSavesWhatTheReaderTakes();
    void aSelectionGoesOnTheWatchListFromTheMarketView();
    void betsSaysWhatTheTapeLeftOutAndTheExposureCountsEveryWatchedBet();
    void aTrendChartHoldsTheSamePointsWhateverTheSampleRate();
    void healthChartsLeaveOutWhatWasNotMeasuredAndAPausedReplay();
};

void TestPanels::marketTitleShowsTheChosenMarketsOverroundAsTheRowsDo()
{
    const std::unique_ptr<MarketPanel> owned = marketOfF1();
    MarketPanel &panel = *owned;
    // Two markets with different overrounds; the fixture itself does not change in these
    // snapshots (only its prices do), as in a replay or a quiet match.
    panel.applySnapshot(pricesOf({ price(QStringLiteral("1x2"), QStringLiteral("home"), 2.0),
        price(QStringLiteral("1x2"), QStringLiteral("draw"), 3.2),
        price(QStringLiteral("1x2"), QStringLiteral("away"), 3.6),
        price(QStringLiteral("ou_2.5"), QStringLiteral("over"), 1.9),
        price(QStringLiteral("ou_2.5"), QStringLiteral("under"), 1.9),
        price(QStringLiteral("btts"), QStringLiteral("yes"), 1.9) }));
    panel.setChosenMarket(QStringLiteral("1x2"));
    auto *title = panel.findChild<QLabel *>(QStringLiteral("marketTitle"));
    QVERIFY(title);
    auto rowOverround = [&](const QString &market) {
        const MarketModel &m = panel.model();
        for (int r = 0; r < m.rowCount(); ++r) {
            if (m.index(r, MarketModel::Market).data().toString() == market) {
                return m.index(r, MarketModel::Overround).data().toString();
            }
        }
        return QString();
    };
    const QString first = rowOverround(QStringLiteral("1x2")); // 1/2 + 1/3.2 + 1/3.6 = 1.0903
    QCOMPARE(first, QStringLiteral("109.0 %"));
    QVERIFY2(title->text().contains(QStringLiteral("1x2 overround 109.0 %")), qPrintable(title->text()));
    // The prices move; the title follows the rows in the same snapshot.
    panel.applySnapshot(pricesOf({ price(QStringLiteral("1x2"), QStringLiteral("home"), 2.2) }));
    const QString moved = rowOverround(QStringLiteral("1x2"));
    QCOMPARE(moved, QStringLiteral("104.5 %"));
    QVERIFY2(title->text().contains(QStringLiteral("1x2 overround 104.5 %")), qPrintable(title->text()));
    panel.setChosenMarket(QStringLiteral("ou_2.5"));
    QVERIFY2(title->text().contains(QStringLiteral("ou_2.5 overround 105.3 %")), qPrintable(title->text()));
    // Half a market has no book: the row is empty and the title says why.
    panel.setChosenMarket(QStringLiteral("btts"));
    QCOMPARE(rowOverround(QStringLiteral("btts")), QString());
    QVERIFY2(title->text().contains(QStringLiteral("btts overround: none, the market is not whole")),
        qPrintable(title->text()));
}

void TestPanels::fixturesStaySortedWhenTheRecordedClockStandsOrGoesBack()
{
    // A replay's snapshots carry the recorded time: it stands still while paused and goes back
    // after a seek. The table keeps its sort order through both.
    FixturesPanel panel;
    panel.resize(800, 400);
    panel.show();
    const qint64 recorded = 1798761600000;
    auto at = [&](qint64 atMs, std::vector<std::pair<QString, qint64>> fixtures) {
        SessionSnapshot s;
        s.metrics.atMs = atMs;
        for (const auto &[id, startMs] : fixtures) {
            FixtureState f = fixture(QStringLiteral("s"), id);
            f.fixture.startTimeMs = recorded + startMs;
            s.fixtures.push_back(f);
        }
        panel.applySnapshot(s);
    };
    auto order = [&] {
        QStringList ids;
        const QAbstractItemModel *m = panel.view()->model();
        for (int r = 0; r < m->rowCount(); ++r) {
            ids << m->index(r, FixtureTableModel::FixtureId).data().toString();
        }
        return ids.join(QLatin1Char(' '));
    };
    at(recorded, { { QStringLiteral("c"), 3000 }, { QStringLiteral("a"), 1000 } });
    QCOMPARE(order(), QStringLiteral("a c"));
    // Paused: the recorded clock stands; snapshots keep coming at 10 Hz.
    at(recorded, { { QStringLiteral("b"), 2000 } });
    QTRY_VERIFY_WITH_TIMEOUT((at(recorded, {}), order() == QLatin1String("a b c")), 3000);
    // A seek back: the clock is earlier than any snapshot before.
    panel.reset();
    at(recorded - 60000, { { QStringLiteral("z"), 5000 }, { QStringLiteral("y"), 4000 } });
    QTRY_VERIFY_WITH_TIMEOUT((at(recorded - 60000, {}), order() == QLatin1String("y z")), 3000);
}

/// With several books every match is a row per book: the Source column tells them apart. It
/// appears once, when a second source comes; hidden again by the user, it stays hidden.
void TestPanels::fixturesShowTheirSourceOnceThereAreSeveral()
{
    FixturesPanel panel;
    SessionSnapshot s;
    s.metrics.atMs = 1000;
    s.metrics.sources.emplace_back().sourceId = QStringLiteral("book-a");
    panel.applySnapshot(s);
    QVERIFY(panel.view()->isColumnHidden(FixtureTableModel::Source));
    s.metrics.sources.emplace_back().sourceId = QStringLiteral("book-b");
    panel.applySnapshot(s);
    QVERIFY(!panel.view()->isColumnHidden(FixtureTableModel::Source));
    panel.view()->setColumnHidden(FixtureTableModel::Source, true);
    panel.applySnapshot(s);
    QVERIFY(panel.view()->isColumnHidden(FixtureTableModel::Source));
}

void TestPanels::chartShowsNoAxesWithoutDataAndKeepsPriceMovesVisible_data()
{
    QTest::addColumn<double>("low");
    QTest::addColumn<double>("high");
    QTest::newRow("favourite 1.50-1.62") << 1.50 << 1.62;
    QTest::newRow("draw 3.20-3.45") << 3.20 << 3.45;
    QTest::newRow("outsider 4.0-5.6") << 4.0 << 5.6;
    QTest::newRow("long shot 21-34") << 21.0 << 34.0;
}

void TestPanels::chartShowsNoAxesWithoutDataAndKeepsPriceMovesVisible()
{
    QFETCH(double, low);
    QFETCH(double, high);
    OddsChartView chart;
    chart.resize(640, 360);
    chart.show();
    QVERIFY(QTest::qWaitForWindowExposed(&chart));
    const auto axes = [&] {
        auto *x = qobject_cast<QDateTimeAxis *>(chart.chart()->axes(Qt::Horizontal).value(0));
        auto *y = qobject_cast<QValueAxis *>(chart.chart()->axes(Qt::Vertical).value(0));
        return std::pair { x, y };
    };
    // Nothing selected: no invented time axis, no price axis; the title says what to do.
    PriceHistory history;
    chart.render(history);
    QVERIFY(axes().first && axes().second);
    QVERIFY(!axes().first->isVisible());
    QVERIFY(!axes().second->isVisible());
    QVERIFY(chart.chart()->title().contains(QLatin1String("Select a fixture")));
    // A market whose price moves within [low, high]: the axis fits the move, it does not start at 0
    // or 1 and flatten it.
    history.clear(QStringLiteral("s"), QStringLiteral("f1"), QStringLiteral("1x2"));
    const qint64 t0 = 1798761600000;
    std::vector<PricePoint> points;
    for (int i = 0; i <= 20; ++i) {
        points.push_back({ QStringLiteral("1x2"), QStringLiteral("home"), t0 + i * 1000,
            low + (high - low) * (i % 5) / 4.0, PriceStatus::Open });
    }
    history.appendLive(points);
    chart.render(history);
    QVERIFY(axes().first->isVisible());
    QVERIFY(axes().second->isVisible());
    const double min = axes().second->min();
    const double max = axes().second->max();
    QVERIFY2(min <= low && max >= high, qPrintable(QStringLiteral("%1..%2").arg(min).arg(max)));
    // The move takes at least half of the axis.
    QVERIFY2((high - low) / (max - min) >= 0.5, qPrintable(QStringLiteral("%1..%2").arg(min).arg(max)));
}

void TestPanels::chartKeepsAFewTicksWhenThePriceRangeJumps()
{
    // A market whose prices spread from a favourite's 1.02 to a long shot's 40 must not make the
    // price axis lay out one tick per previous interval: thousands of items that QtCharts keeps
    // (200,000 at 1000, minutes of GUI thread and a gigabyte).
    OddsChartView chart;
    chart.resize(640, 360);
    chart.show();
    QVERIFY(QTest::qWaitForWindowExposed(&chart));
    PriceHistory history;
    const qint64 t0 = 1798761600000;
    const auto renderPrices = [&](std::initializer_list<double> prices) {
        history.clear(QStringLiteral("s"), QStringLiteral("f1"), QStringLiteral("1x2"));
        std::vector<PricePoint> points;
        int i = 0;
        for (const double price : prices) {
            points.push_back(
                { QStringLiteral("1x2"), QStringLiteral("home"), t0 + ++i * 1000, price, PriceStatus::Open });
        }
        history.appendLive(points);
        chart.render(history);
        QCoreApplication::processEvents(); // the axis lays its ticks out on the next layout pass
        return chart.scene()->items().size();
    };
    const qsizetype narrow = renderPrices({ 1.01, 1.02, 1.03 });
    auto *y = qobject_cast<QValueAxis *>(chart.chart()->axes(Qt::Vertical).value(0));
    QVERIFY(y && y->tickInterval() <= 0.01);
    for (const auto &prices : { std::initializer_list<double> { 1.02, 40.0 }, { 1.01, 1.02, 1.03 },
             std::initializer_list<double> { 1.02, 1000.0 }, { 1.01, 1.02, 1.03 } }) {
        const qsizetype items = renderPrices(prices);
        QVERIFY2(items < narrow + 50,
            qPrintable(QStringLiteral("%1 scene items, %2 for a narrow range, axis %3..%4 by %5")
                           .arg(items)
                           .arg(narrow)
                           .arg(y->min())
                           .arg(y->max())
                           .arg(y->tickInterval())));
        QVERIFY(y->max() >= *std::max_element(prices.begin(), prices.end()));
        QVERIFY((y->max() - y->min()) / y->tickInterval() <= 8);
    }
    // Prices a hostile feed may send (finite and over 1.0, as the protocol allows): two adjacent
    // doubles at 1e15 made a step below their spacing, on which QtCharts' tick loop never ended.
    for (const auto &prices : { std::initializer_list<double> { 1e15, 1e15 + 0.125 }, { 1e308 }, { 1.5 },
             std::initializer_list<double> { 1.5, 1.5 } }) {
        const qsizetype items = renderPrices(prices);
        QVERIFY2(items < narrow + 50, qPrintable(QString::number(items)));
        QVERIFY(std::isfinite(y->min()) && std::isfinite(y->max()) && y->max() > y->min());
        QVERIFY((y->max() - y->min()) / y->tickInterval() <= 8);
        QVERIFY(y->tickInterval() >= 0.01); // labels show two decimals
    }
}

void TestPanels::chartSaysWhatItLeavesOutOfAHostileMarket()
{
    ChartPanel panel;
    panel.resize(900, 400);
    FixtureState fixture;
    fixture.sourceId = QStringLiteral("s");
    fixture.fixture.fixtureId = QStringLiteral("f1");
    panel.watch(fixture);
    panel.setMarkets({ QStringLiteral("1x2") });
    auto *note = panel.findChild<QLabel *>(QStringLiteral("chartNote"));
    QVERIFY(note);
    QVERIFY(note->isHidden());
    SessionSnapshot s;
    s.watchedSourceId = QStringLiteral("s");
    s.watchedFixtureId = QStringLiteral("f1");
    for (int i = 0; i < 300; ++i) {
        s.points.push_back(
            { QStringLiteral("1x2"), QStringLiteral("name %1").arg(i), 1000 + i, 2.5, PriceStatus::Open });
    }
    panel.applySnapshot(s);
    QCOMPARE(panel.history().selections().size(), qsizetype(PriceHistory::kMaxSelections));
    QVERIFY(!note->isHidden());
    QVERIFY2(note->text().contains(QStringLiteral("64 selections drawn")), qPrintable(note->text()));
    QVERIFY2(note->toolTip().contains(QStringLiteral("236 points")), qPrintable(note->toolTip()));
    // Another market of the fixture starts clean.
    panel.setMarkets({ QStringLiteral("ou25") });
    QVERIFY(note->isHidden());
}

void TestPanels::comparisonMarksLeftOutPricesAndShowsTheArbitrageStakes()
{
    ComparisonPanel panel;
    panel.resize(900, 300);
    FixtureComparison c;
    c.key = QStringLiteral("f1");
    c.sources = { QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c") };
    c.atMs = 100000;
    c.maxAgeMs = 5000;
    ComparedMarket &m = c.markets.emplace_back();
    m.marketType = QStringLiteral("match");
    m.update(QStringLiteral("home"), { QStringLiteral("a"), 2.10, PriceStatus::Open, 99000 });
    m.update(QStringLiteral("home"), { QStringLiteral("b"), 1.95, PriceStatus::Open, 99500 });
    m.update(QStringLiteral("home"), { QStringLiteral("c"), 2.40, PriceStatus::Suspended, 99500 });
    m.update(QStringLiteral("away"), { QStringLiteral("a"), 1.80, PriceStatus::Open, 99000 });
    m.update(QStringLiteral("away"), { QStringLiteral("b"), 2.05, PriceStatus::Open, 99800 });
    m.update(QStringLiteral("away"), { QStringLiteral("c"), 2.50, PriceStatus::Open, 90000 }); // 10 s old
    assessMarket(m, c.atMs, c.maxAgeMs);
    SessionSnapshot s;
    s.watchedSourceId = QStringLiteral("a");
    s.watchedFixtureId = QStringLiteral("f1");
    s.comparison = c;
    panel.applySnapshot(s);
    const ComparisonModel &model = panel.model();
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.columnCount(), 2 + 3 + ComparisonModel::TailCount);
    QCOMPARE(model.headerData(3, Qt::Horizontal).toString(), QStringLiteral("b"));
    // Row 0: home. c's 2.40 is suspended, so a's 2.10 is the best.
    QCOMPARE(model.index(0, 0).data().toString(), QStringLiteral("match · 96.4 %"));
    QCOMPARE(model.index(0, 2).data().toString(), QStringLiteral("2.10  1.0s"));
    QVERIFY(model.index(0, 2).data(BestRole).toBool());
    QCOMPARE(model.index(0, 4).data().toString(), QStringLiteral("2.40  suspended"));
    QVERIFY(model.index(0, 4).data(SuspendedRole).toBool());
    QCOMPARE(model.index(0, model.tailColumn(ComparisonModel::Best)).data().toString(), QStringLiteral("2.10"));
    QCOMPARE(model.index(0, model.tailColumn(ComparisonModel::Average)).data().toString(), QStringLiteral("2.025"));
    // Row 1: away. c's 2.50 is stale, so b's 2.05 is the best: 1/2.10 + 1/2.05 = 96.4 %.
    QCOMPARE(model.index(1, 4).data().toString(), QStringLiteral("2.50  stale"));
    QVERIFY(model.index(1, 3).data(BestRole).toBool());
    QVERIFY(model.index(1, 1).data(ArbitrageRole).toBool());
    QCOMPARE(model.index(0, model.tailColumn(ComparisonModel::Stake)).data().toString(), QStringLiteral("49.40"));
    QCOMPARE(model.index(1, model.tailColumn(ComparisonModel::Stake)).data().toString(), QStringLiteral("50.60"));
    QCOMPARE(panel.findChild<QLabel *>(QStringLiteral("comparisonHeader"))->text(),
        QStringLiteral("3 sources price it. Prices received over 5 s ago, or suspended, are left out of the best. "
                       "Arbitrage: match returns 3.73 % (stakes per 100 in the last column)."));
    // The next snapshot without the arbitrage: no stakes, no highlight, the same rows.
    m.update(QStringLiteral("away"), { QStringLiteral("b"), 1.85, PriceStatus::Open, 99900 });
    assessMarket(m, c.atMs, c.maxAgeMs);
    s.comparison = c;
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    panel.applySnapshot(s);
    QCOMPARE(resets.count(), 0);
    QVERIFY(!model.index(1, 1).data(ArbitrageRole).toBool());
    QVERIFY(!model.index(1, model.tailColumn(ComparisonModel::Stake)).data().isValid());
    QVERIFY(
        panel.findChild<QLabel *>(QStringLiteral("comparisonHeader"))->text().endsWith(QLatin1String("No arbitrage.")));
}

void TestPanels::rulesDialogEditsAndSavesWhatTheReaderTakes()
{
    const auto start = parseAlertRules(
        R"({"rules":[{"name":"steamer","type":"price_move","percent":3,"within_s":5,"direction":"shorten"}]})");
    QVERIFY(start);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("desk.json"));
    RulesDialog dialog(*start, path);
    dialog.show();
    auto *list = dialog.findChild<QListWidget *>(QStringLiteral("rulesList"));
    QCOMPARE(list->count(), 1);
    QCOMPARE(list->item(0)->text(), QStringLiteral("steamer: moves 3 % in 5 s"));
    auto *form = dialog.findChild<QFormLayout *>();
    auto visible = [form](const char *name) {
        return form->isRowVisible(form->parentWidget()->findChild<QWidget *>(QLatin1String(name)));
    };
    QVERIFY(visible("rulePercent") && visible("ruleDirection") && !visible("ruleStake") && !visible("ruleMax"));
    // Seconds as a trader writes them: "5 s", not "5.000 s".
    QCOMPARE(dialog.findChild<QDoubleSpinBox *>(QStringLiteral("ruleWindow"))->text(), QStringLiteral("5 s"));

    // Add a big-bet rule scoped to tennis and the watch list: the type shows only its fields and
    // starts from values the reader takes.
    dialog.findChild<QPushButton *>(QStringLiteral("addRule"))->click();
    QCOMPARE(list->count(), 2);
    QCOMPARE(list->currentRow(), 1);
    auto *name = dialog.findChild<QLineEdit *>(QStringLiteral("ruleName"));
    name->clear();
    QTest::keyClicks(name, QStringLiteral("whale"));
    auto *kind = dialog.findChild<QComboBox *>(QStringLiteral("ruleKind"));
    kind->setCurrentIndex(kind->findData(int(AlertKind::BigBet)));
    QVERIFY(visible("ruleStake") && !visible("rulePercent") && !visible("ruleWindow"));
    QCOMPARE(dialog.findChild<QDoubleSpinBox *>(QStringLiteral("ruleStake"))->value(), 100.0);
    dialog.findChild<QDoubleSpinBox *>(QStringLiteral("ruleStake"))->setValue(500);
    auto *sport = dialog.findChild<QComboBox *>(QStringLiteral("ruleSport"));
    sport->setCurrentIndex(sport->findData(int(Sport::Tennis)));
    dialog.findChild<QCheckBox *>(QStringLiteral("ruleWatched"))->setChecked(true);
    QCOMPARE(list->item(1)->text(), QStringLiteral("whale: stake over 500 · Tennis, watched"));

    // A third rule the reader refuses (an overround range upside down): not saved, and the rule
    // is selected with the reason shown.
    dialog.findChild<QPushButton *>(QStringLiteral("addRule"))->click();
    // An arbitrage's minimum is the return it locks in, not a margin.
    kind->setCurrentIndex(kind->findData(int(AlertKind::Arbitrage)));
    const auto labelOf = [form](const char *field) {
        return qobject_cast<QLabel *>(
            form->labelForField(form->parentWidget()->findChild<QWidget *>(QLatin1String(field))))
            ->text();
    };
    QCOMPARE(labelOf("ruleMin"), QStringLiteral("Return at least"));
    QCOMPARE(labelOf("ruleWindow"), QStringLiteral("Legs no older than"));
    kind->setCurrentIndex(kind->findData(int(AlertKind::Overround)));
    dialog.findChild<QDoubleSpinBox *>(QStringLiteral("ruleMin"))->setValue(120);
    list->setCurrentRow(0);
    QSignalSpy saved(&dialog, &RulesDialog::rulesSaved);
    dialog.findChild<QPushButton *>(QStringLiteral("saveRules"))->click();
    QCOMPARE(list->currentRow(), 2);
    QVERIFY2(dialog.findChild<QLabel *>(QStringLiteral("rulesStatus"))->text().contains(QLatin1String("rule 3")),
        qPrintable(dialog.findChild<QLabel *>(QStringLiteral("rulesStatus"))->text()));
    QVERIFY(!QFile::exists(path));
    dialog.findChild<QPushButton *>(QStringLiteral("removeRule"))->click();
    QCOMPARE(list->count(), 2);

    // Saved: written off the GUI thread, then announced; the file reads back to these rules.
    dialog.findChild<QPushButton *>(QStringLiteral("saveRules"))->click();
    QTRY_COMPARE(saved.count(), 1);
    QCOMPARE(saved.first().at(0).toString(), path);
    const auto read = readAlertRules(path);
    QVERIFY2(read, qPrintable(read ? QString() : read.error().message));
    QCOMPARE(read->size(), std::size_t(2));
    QVERIFY(read->front() == start->front());
    const AlertRule &whale = read->back();
    QCOMPARE(whale.name, QStringLiteral("whale"));
    QCOMPARE(whale.kind, AlertKind::BigBet);
    QCOMPARE(whale.stake, 500.0);
    QCOMPARE(whale.scope.sportId, std::optional<qint64>(qint64(Sport::Tennis)));
    QVERIFY(whale.scope.watched);
    QCOMPARE(dialog.result(), int(QDialog::Accepted));
}

void TestPanels::aSelectionGoesOnTheWatchListFromTheMarketView()
{
    const std::unique_ptr<MarketPanel> owned = marketOfF1();
    MarketPanel &market = *owned;
    market.applySnapshot(pricesOf({ price(QStringLiteral("1x2"), QStringLiteral("away"), 3.6),
        price(QStringLiteral("1x2"), QStringLiteral("home"), 2.0) }));
    FixturesPanel fixtures;
    fixtures.applySnapshot([] {
        SessionSnapshot s;
        s.fixtures = { fixture(QStringLiteral("s"), QStringLiteral("f1")),
            fixture(QStringLiteral("s"), QStringLiteral("f2")) };
        return s;
    }());
    // Wired as the main window wires them.
    connect(&fixtures, &FixturesPanel::watchListChanged, &market, &MarketPanel::setWatchList);
    connect(&market, &MarketPanel::selectionWatchToggled, &fixtures, &FixturesPanel::toggleWatchKey);
    auto *view = market.findChild<QTableView *>(QStringLiteral("marketView"));
    const int home =
        market.model().index(0, MarketModel::Selection).data(SortRole).toString() == QLatin1String("home") ? 0 : 1;
    view->setCurrentIndex(market.model().index(home, MarketModel::Price));
    view->setFocus();
    QSignalSpy changed(&fixtures, &FixturesPanel::watchListChanged);
    market.findChild<QAction *>(QStringLiteral("watchSelection"))->trigger(); // Ctrl+D in the view
    QCOMPARE(changed.count(), 1);
    const QString key =
        selectionKey(QStringLiteral("s"), QStringLiteral("f1"), QStringLiteral("1x2"), QStringLiteral("home"));
    QCOMPARE(fixtures.watchList(), QSet<QString> { key });
    QCOMPARE(market.model().index(home, MarketModel::Selection).data().toString(), QStringLiteral("★ home"));
    QVERIFY(market.model().index(home, 0).data(WatchedRole).toBool());
    QVERIFY(!market.model().index(1 - home, 0).data(WatchedRole).toBool());
    // Its fixture counts as watched (the ★ Watched filter shows it), marked ☆: not pinned itself.
    const FixtureTableModel &model = fixtures.model();
    const int f1 = model.rowOf(QStringLiteral("s"), QStringLiteral("f1"));
    const int f2 = model.rowOf(QStringLiteral("s"), QStringLiteral("f2"));
    QVERIFY(model.index(f1, 0).data(WatchedRole).toBool());
    QVERIFY(!model.index(f2, 0).data(WatchedRole).toBool());
    QCOMPARE(model.index(f1, FixtureTableModel::Watched).data().toString(), QStringLiteral("☆"));
    fixtures.setFilters({ QString(), QString(), QString(), true });
    QCOMPARE(fixtures.view()->model()->rowCount(), 1);
    // Again: off the list.
    market.findChild<QAction *>(QStringLiteral("watchSelection"))->trigger();
    QVERIFY(fixtures.watchList().isEmpty());
    QCOMPARE(market.model().index(home, MarketModel::Selection).data().toString(), QStringLiteral("home"));
    QCOMPARE(fixtures.view()->model()->rowCount(), 0);
}

void TestPanels::betsSaysWhatTheTapeLeftOutAndTheExposureCountsEveryWatchedBet()
{
    BetsPanel panel;
    panel.resize(640, 300);
    panel.show();
    panel.watch(QStringLiteral("s"), QStringLiteral("f1"));
    auto *note = panel.findChild<QLabel *>(QStringLiteral("betsNote"));
    auto *exposure = panel.findChild<QTableView *>(QStringLiteral("exposureView"));
    QVERIFY(note && exposure);
    QVERIFY(!note->isVisible());
    const auto watching = [](const QString &fixtureId) {
        SessionSnapshot s;
        s.watchedSourceId = QStringLiteral("s");
        s.watchedFixtureId = fixtureId;
        s.metrics.storing = true;
        return s;
    };

    // A tick whose tape kept one bet of four: the exposure still adds up the three on f1.
    SessionSnapshot s = watching(QStringLiteral("f1"));
    s.bets = { bet(QStringLiteral("f1"), 4, 10, 25) };
    s.betsDropped = 3;
    s.watchedBets = { bet(QStringLiteral("f1"), 1, 10, 20), bet(QStringLiteral("f1"), 3, 5, 15),
        bet(QStringLiteral("f1"), 4, 10, 25) };
    panel.applySnapshot(s);
    QCOMPARE(panel.tape().rowCount(), 1);
    QAbstractItemModel *m = exposure->model();
    QCOMPARE(m->rowCount(), 1);
    QCOMPARE(m->index(0, ExposureModel::Bets).data(SortRole).toULongLong(), quint64(3));
    QCOMPARE(m->index(0, ExposureModel::Stake).data(SortRole).toDouble(), 25.0);
    QCOMPARE(m->index(0, ExposureModel::Payout).data(SortRole).toDouble(), 60.0);
    QVERIFY(note->isVisible());
    QVERIFY2(note->text().contains(QStringLiteral("3 bet(s) came faster than the tape")), qPrintable(note->text()));
    QVERIFY2(note->text().contains(QStringLiteral("all are stored")), qPrintable(note->text()));
    QVERIFY(!note->text().contains(QStringLiteral("stake and liability")));

    // A flood on the watched fixture: the exposure says what it missed; the counts add up.
    SessionSnapshot flood = watching(QStringLiteral("f1"));
    flood.betsDropped = 2;
    flood.watchedBetsDropped = 7;
    panel.applySnapshot(flood);
    QVERIFY2(note->text().contains(QStringLiteral("5 bet(s) came faster")), qPrintable(note->text()));
    QVERIFY2(note->text().contains(QStringLiteral("miss 7 bet(s)")), qPrintable(note->text()));

    // A snapshot taken before the session got the watch: its listed bets on f1 count, and what
    // it says about another fixture's flood does not.
    SessionSnapshot before = watching(QStringLiteral("f0"));
    before.bets = { bet(QStringLiteral("f1"), 9, 1, 2), bet(QStringLiteral("f0"), 10, 100, 200) };
    before.watchedBetsDropped = 4;
    panel.applySnapshot(before);
    QCOMPARE(m->index(0, ExposureModel::Bets).data(SortRole).toULongLong(), quint64(4));
    QVERIFY2(note->text().contains(QStringLiteral("miss 7 bet(s)")), qPrintable(note->text()));

    // Without storage the note does not claim the bets are stored.
    SessionSnapshot unstored = watching(QStringLiteral("f1"));
    unstored.metrics.storing = false;
    panel.applySnapshot(unstored);
    QVERIFY2(!note->text().contains(QStringLiteral("stored")), qPrintable(note->text()));

    // A replay that starts over: the same fixture's exposure starts from nothing.
    panel.reset();
    QCOMPARE(m->rowCount(), 0);
    QVERIFY(!note->isVisible());
    panel.applySnapshot(s);
    QCOMPARE(m->index(0, ExposureModel::Bets).data(SortRole).toULongLong(), quint64(3));

    // Another fixture: its exposure starts over, and so does what it missed.
    panel.applySnapshot(flood);
    panel.watch(QStringLiteral("s"), QStringLiteral("f2"));
    QCOMPARE(m->rowCount(), 0);
    QVERIFY(!note->text().contains(QStringLiteral("miss")));
}

void TestPanels::aTrendChartHoldsTheSamePointsWhateverTheSampleRate()
{
    TrendChart chart(
        QStringLiteral("DB write"), { QStringLiteral("p50"), QStringLiteral("max") }, QStringLiteral("ms"));
    chart.keepPeakOf(1);
    chart.resize(400, 200);
    chart.show();
    // Ten minutes at the snapshot rate (10 Hz). In each two-second bucket (20 samples) the p50 is
    // 1 for half of them and 3 for the rest, and the max peaks once at 50.
    const qint64 t0 = 1800000000000;
    for (int i = 0; i < 6000; ++i) {
        chart.addSample(t0 + i * 100, { i % 20 < 10 ? 1.0 : 3.0, i % 20 == 7 ? 50.0 : 5.0 });
    }
    chart.redraw();
    // Five minutes of two-second buckets: 150 points a series, not one a sample.
    QCOMPARE(chart.pointCount(), std::size_t(150));
    const QList<QAbstractSeries *> series = chart.chart()->series();
    QCOMPARE(series.size(), 2);
    const QList<QPointF> p50 = qobject_cast<QLineSeries *>(series[0])->points();
    const QList<QPointF> max = qobject_cast<QLineSeries *>(series[1])->points();
    QCOMPARE(p50.size(), 150);
    QCOMPARE(p50.front().x(), double(t0 + 300000));
    QCOMPARE(p50.back().x(), double(t0 + 598000));
    for (qsizetype i = 0; i < p50.size(); ++i) {
        QCOMPARE(p50[i].y(), 2.0); // the mean
        QCOMPARE(max[i].y(), 50.0); // the peak
    }
    // The title says what the line's end says.
    QCOMPARE(chart.latest(0), 2.0);
    QCOMPARE(chart.latest(1), 50.0);
    QVERIFY2(chart.chart()->title().contains(QStringLiteral("2.0 / 50 ms")), qPrintable(chart.chart()->title()));
    // The clock back (a replay that seeks): the chart starts over.
    chart.addSample(t0, { 1.0, 1.0 });
    QCOMPARE(chart.pointCount(), std::size_t(1));
}

void TestPanels::healthChartsLeaveOutWhatWasNotMeasuredAndAPausedReplay()
{
    HealthPanel panel;
    panel.resize(900, 300);
    panel.show();
    const QList<TrendChart *> charts = panel.findChildren<TrendChart *>();
    QCOMPARE(charts.size(), 6);
    QLineSeries *rate = qobject_cast<QLineSeries *>(charts[0]->chart()->series().at(0));
    QLineSeries *p50 = qobject_cast<QLineSeries *>(charts[1]->chart()->series().at(0));
    QLineSeries *p99 = qobject_cast<QLineSeries *>(charts[1]->chart()->series().at(1));
    // Two seconds at 10 Hz in which every other interval measured no event, and after each
    // snapshot a paused replay's: the same time, no events.
    const qint64 t0 = 1800000000000;
    for (int i = 0; i < 20; ++i) {
        SessionSnapshot s;
        s.metrics.atMs = t0 + i * 100;
        s.metrics.eventsPerSec = 100;
        if (i % 2 == 0) {
            s.metrics.receiveToProcessed = { .count = 10, .p50Ns = 2000000, .p99Ns = i == 10 ? 40000000 : 8000000 };
        }
        panel.applySnapshot(s);
        SessionSnapshot paused;
        paused.metrics.atMs = s.metrics.atMs;
        panel.applySnapshot(paused);
    }
    // Drawn twice a second: the last time with the first 16 snapshots.
    QCOMPARE(rate->count(), 1);
    QCOMPARE(rate->at(0).y(), 100.0); // the paused snapshots did not halve it
    QCOMPARE(p50->at(0).y(), 2.0); // the mean of what was measured, not pulled to 1 by nothing
    QCOMPARE(p99->at(0).y(), 40.0); // the peak
    // A replay that starts over: the charts are empty until it brings samples.
    panel.reset();
    QCOMPARE(rate->count(), 0);
    QCOMPARE(charts[0]->pointCount(), std::size_t(0));
}

QTEST_MAIN(TestPanels)
#include "tst_panels.moc"

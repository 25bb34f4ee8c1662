// SPDX-License-Identifier: MIT
#include "chartpanel.h"

#include <core/common/timeutil.h>
#include <core/export/csvexport.h>
#include <core/models/cellformat.h>
#include <core/storage/storage.h>
#include <ui/charts/oddschart.h>
#include <ui/dialogs/exportdialog.h>
#include <ui/widgets/backgroundwrite.h>

#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>

namespace OddsTap {
namespace {

QString writeSeriesCsv(const PriceHistory &history, const QString &path)
{
    QList<QStringList> rows;
    for (const QString &selection : history.selections()) {
        for (const SeriesPoint &p : history.series(selection)) {
            rows << QStringList { formatIso8601Utc(p.t), history.fixtureId(), history.marketType(), selection,
                QString::fromLatin1(shortestNumber(p.price)),
                p.suspended ? QStringLiteral("suspended") : QStringLiteral("open") };
        }
    }
    std::sort(rows.begin(), rows.end(), [](const QStringList &a, const QStringList &b) { return a[0] < b[0]; });
    return writeCsvFile(path,
        { QStringLiteral("timestamp"), QStringLiteral("fixture_id"), QStringLiteral("market_type"),
            QStringLiteral("selection"), QStringLiteral("odd_value"), QStringLiteral("status") },
        rows, { CsvKind::Time, CsvKind::Text, CsvKind::Text, CsvKind::Text, CsvKind::Real, CsvKind::Text });
}

} // namespace

ChartPanel::ChartPanel(QWidget *parent)
    : Panel(parent)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    auto *bar = new QHBoxLayout;
    m_marketCombo = new QComboBox(this);
    m_marketCombo->setObjectName(QStringLiteral("marketCombo"));
    m_marketCombo->setToolTip(tr("The market whose prices the chart shows"));
    m_marketCombo->setMinimumWidth(140);
    m_windowCombo = new QComboBox(this);
    m_windowCombo->addItem(tr("Last 5 min"));
    m_windowCombo->addItem(tr("Last hour"));
    m_windowCombo->addItem(tr("All"));
    m_windowCombo->setToolTip(tr("Time window of the chart"));
    m_followLive = new QCheckBox(tr("Follow live"), this);
    m_followLive->setChecked(true);
    m_followLive->setToolTip(tr("Keep the newest prices in view (Home). Zooming or panning stops following."));
    bar->addWidget(new QLabel(tr("Market:"), this));
    bar->addWidget(m_marketCombo);
    bar->addSpacing(12);
    bar->addWidget(new QLabel(tr("Window:"), this));
    bar->addWidget(m_windowCombo);
    bar->addWidget(m_followLive);
    bar->addStretch(1);
    m_note = new QLabel(this);
    m_note->setObjectName(QStringLiteral("chartNote"));
    m_note->setVisible(false);
    bar->addWidget(m_note);
    auto *exportButton = new QPushButton(tr("Export series..."), this);
    exportButton->setToolTip(tr("Save the price points the chart holds as CSV (oddstap-cli export has every "
                                "stored point)"));
    bar->addWidget(exportButton);
    layout->addLayout(bar);
    m_chart = new OddsChartView(this);
    m_chart->setMinimumHeight(170); // the docks give way before the price axis is squeezed to nothing
    m_chart->setObjectName(QStringLiteral("oddsChart"));
    layout->addWidget(m_chart, 1);

    connect(exportButton, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Export series"),
            QStringLiteral("%1-%2.csv").arg(m_history.fixtureId(), m_history.marketType()), tr("CSV (*.csv)"));
        if (!path.isEmpty()) {
            writeInBackground(
                this, path, [history = m_history, path] { return writeSeriesCsv(history, path); },
                [this](const QString &message) { emit statusMessage(message); });
        }
    });
    connect(m_marketCombo, &QComboBox::currentIndexChanged, this, &ChartPanel::onMarketChosen);
    connect(m_windowCombo, &QComboBox::currentIndexChanged, this, [this](int i) {
        m_chart->setWindow(OddsChartView::Window(i));
        render();
    });
    connect(m_followLive, &QCheckBox::toggled, this, [this](bool on) {
        m_chart->setFollowLive(on);
        render();
    });
    connect(m_chart, &OddsChartView::followLiveChanged, m_followLive, &QCheckBox::setChecked);
}

QString ChartPanel::chosenMarket() const
{
    return m_marketCombo->currentText();
}

void ChartPanel::watch(const FixtureState &fixture)
{
    m_sourceId = fixture.sourceId;
    m_fixtureId = fixture.fixture.fixtureId;
    m_title = CellFormat::teams(fixture.fixture.home, fixture.fixture.away);
    m_marketCombo->blockSignals(true);
    m_marketCombo->clear();
    m_marketCombo->blockSignals(false);
    m_history.clear(m_sourceId, m_fixtureId, QString());
    render();
}

void ChartPanel::setMarkets(const QStringList &markets)
{
    const QString keep = m_marketCombo->currentText();
    m_marketCombo->blockSignals(true);
    m_marketCombo->clear();
    m_marketCombo->addItems(markets);
    const int at = m_marketCombo->findText(keep);
    m_marketCombo->setCurrentIndex(at >= 0 ? at : 0);
    m_marketCombo->blockSignals(false);
    onMarketChosen();
}

void ChartPanel::onMarketChosen()
{
    const QString market = m_marketCombo->currentText();
    if (market.isEmpty() || market == m_history.marketType()) {
        return;
    }
    m_history.clear(m_sourceId, m_fixtureId, market);
    render();
    m_chart->chart()->setTitle(tr("%1 — %2").arg(m_title, market));
    emit marketChosen(market);
    askHistory();
}

void ChartPanel::askHistory()
{
    m_historyGeneration = 0; // the answer to this request is the one to take
    emit historyWanted(m_sourceId, m_fixtureId, m_history.marketType());
}

void ChartPanel::loadHistory(quint64 generation, const QString &fixtureId, const QString &marketType,
    const std::vector<PriceRow> &rows, const QString &error)
{
    if (fixtureId != m_history.fixtureId() || marketType != m_history.marketType()
        || generation < m_historyGeneration) {
        return; // stale: the user moved on
    }
    m_historyGeneration = generation;
    if (!error.isEmpty()) {
        emit problem(tr("price history not available: %1").arg(error));
        return;
    }
    m_history.loadPast(rows);
    render();
}

void ChartPanel::applySnapshot(const SessionSnapshot &snapshot)
{
    if (!m_fixtureId.isEmpty() && snapshot.watchedFixtureId == m_fixtureId && snapshot.watchedSourceId == m_sourceId
        && !snapshot.points.empty() && !m_history.marketType().isEmpty()) {
        m_history.appendLive(snapshot.points);
        m_historyDirty = true;
    }
    if (!m_fixtureId.isEmpty() && snapshot.watchedFixtureId == m_fixtureId && snapshot.watchedSourceId == m_sourceId
        && !snapshot.ladders.empty() && !m_history.marketType().isEmpty()) {
        m_history.appendBooks(snapshot.ladders);
        m_historyDirty = true;
    }
    if (m_historyDirty || m_chart->followsLive()) {
        render(); // once per tick, series replaced, never appended per point
        m_historyDirty = false;
    }
}

void ChartPanel::reset()
{
    m_history.clear(m_sourceId, m_fixtureId, m_history.marketType());
    render();
    if (m_fixtureId.isEmpty()) {
        return;
    }
    // The new run's database fills as it catches up: read the chart's history once it has.
    QTimer::singleShot(1500, this, [this, source = m_sourceId, fixture = m_fixtureId] {
        if (source == m_sourceId && fixture == m_fixtureId && !m_history.marketType().isEmpty()) {
            askHistory();
        }
    });
}

void ChartPanel::render()
{
    m_chart->render(m_history);
    QStringList said;
    QStringList why;
    if (const qint64 from = m_history.droppedBeforeMs(); from > 0) {
        const QDateTime at = QDateTime::fromMSecsSinceEpoch(from);
        const QString when = at.date() == QDate::currentDate() ? at.toString(QStringLiteral("HH:mm:ss"))
                                                               : at.toString(QStringLiteral("d MMM HH:mm:ss"));
        said << tr("before %1: in the database only").arg(when);
        why << tr("The chart holds at most %L1 points of a market; the earliest are let go, and the database keeps "
                  "them (Export series saves what the chart holds).")
                   .arg(qulonglong(PriceHistory::kMaxPoints));
    }
    if (const quint64 leftOut = m_history.pointsOfSelectionsLeftOut(); leftOut > 0) {
        said << tr("%Ln selections drawn (the first to arrive)", nullptr, int(PriceHistory::kMaxSelections));
        why << tr("This market has more than %Ln selections: %L1 points of the others are not drawn.", nullptr,
            int(PriceHistory::kMaxSelections))
                   .arg(leftOut);
    }
    const QString text = said.join(QStringLiteral(" · "));
    if (text != m_note->text()) {
        m_note->setText(text);
        m_note->setVisible(!text.isEmpty());
    }
    const QString tip = why.join(QLatin1Char('\n'));
    if (tip != m_note->toolTip()) {
        m_note->setToolTip(tip);
    }
}

QString ChartPanel::exportSeries(const QString &path) const
{
    return writeSeriesCsv(m_history, path);
}

int ChartPanel::timeWindow() const
{
    return m_windowCombo->currentIndex();
}

void ChartPanel::setTimeWindow(int window)
{
    if (window >= 0 && window < m_windowCombo->count()) {
        m_windowCombo->setCurrentIndex(window);
    }
}

} // namespace OddsTap

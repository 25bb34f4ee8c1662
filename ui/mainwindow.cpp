// SPDX-License-Identifier: MIT
#include "mainwindow.h"

#include <core/common/logging.h>
#include <core/common/timeutil.h>
#include <core/common/version.h>
#include <ui/appcontroller.h>
#include <ui/charts/oddschart.h>
#include <ui/charts/trendchart.h>
#include <ui/delegates/livedelegate.h>
#include <ui/dialogs/exportdialog.h>
#include <ui/replaybar.h>

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QCloseEvent>
#include <QComboBox>
#include <QDateTime>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPainter>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QSettings>
#include <QShortcut>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QThreadPool>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>

namespace OddsTap {

/// Text, sport and status filters over the fixtures table. Live data: no dynamic re-sorting (the
/// window re-sorts once a second, so rows do not jump under the trader's cursor at 10 Hz).
class FixtureFilterProxy : public QSortFilterProxyModel
{
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;
    QString text;
    QString sport;
    QString status;
    void refilter()
    {
        invalidateFilter();
    }

protected:
    bool filterAcceptsRow(int row, const QModelIndex &parent) const override
    {
        const QAbstractItemModel *m = sourceModel();
        auto cell = [&](int column) { return m->index(row, column, parent).data().toString(); };
        if (!sport.isEmpty() && cell(FixtureTableModel::Sport) != sport) {
            return false;
        }
        if (!status.isEmpty() && cell(FixtureTableModel::Status) != status) {
            return false;
        }
        if (text.isEmpty()) {
            return true;
        }
        for (int c : { FixtureTableModel::Home, FixtureTableModel::Away, FixtureTableModel::Tournament,
                 FixtureTableModel::FixtureId, FixtureTableModel::Sport }) {
            if (cell(c).contains(text, Qt::CaseInsensitive)) {
                return true;
            }
        }
        return false;
    }
};

/// Severity and text filters over the error log.
class LogFilterProxy : public QSortFilterProxyModel
{
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;
    int minSeverity = 0;
    QString text;
    void refilter()
    {
        invalidateFilter();
    }

protected:
    bool filterAcceptsRow(int row, const QModelIndex &parent) const override
    {
        const QModelIndex first = sourceModel()->index(row, 0, parent);
        if (first.data(SeverityRole).toInt() < minSeverity) {
            return false;
        }
        if (text.isEmpty()) {
            return true;
        }
        for (int c = 0; c < ErrorLogModel::ColumnCount; ++c) {
            if (sourceModel()->index(row, c, parent).data().toString().contains(text, Qt::CaseInsensitive)) {
                return true;
            }
        }
        return false;
    }
};

namespace {

QTableView *makeTable(QAbstractItemModel *model, QWidget *parent)
{
    auto *view = new QTableView(parent);
    view->setModel(model);
    view->setItemDelegate(new LiveDelegate(view));
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setSelectionMode(QAbstractItemView::SingleSelection);
    view->setAlternatingRowColors(true);
    view->setWordWrap(false);
    view->setTabKeyNavigation(false);
    view->verticalHeader()->setVisible(false);
    view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() + 6);
    view->horizontalHeader()->setHighlightSections(false);
    view->horizontalHeader()->setStretchLastSection(true);
    view->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    return view;
}

QString mib(qint64 bytes)
{
    return QStringLiteral("%1 MiB").arg(double(bytes) / 1048576.0, 0, 'f', 1);
}

double ms(qint64 ns)
{
    return double(ns) / 1e6;
}

} // namespace

namespace {

constexpr qint64 kRingMinutes = 5; ///< what "Keep the last minutes" keeps

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

const QStringList kLogHeader { QStringLiteral("time"), QStringLiteral("severity"), QStringLiteral("kind"),
    QStringLiteral("source_id"), QStringLiteral("seq"), QStringLiteral("code"), QStringLiteral("message"),
    QStringLiteral("count"), QStringLiteral("raw") };
const QList<CsvKind> kLogKinds { CsvKind::Time, CsvKind::Text, CsvKind::Text, CsvKind::Text, CsvKind::Integer,
    CsvKind::Text, CsvKind::Text, CsvKind::Integer, CsvKind::Text };

} // namespace

MainWindow::MainWindow(AppController *controller, QWidget *parent)
    : QMainWindow(parent)
    , m_controller(controller)
{
    setWindowTitle(tr("OddsTap %1").arg(QLatin1String(kVersion)));
    setObjectName(QStringLiteral("MainWindow"));
    setDockOptions(QMainWindow::AnimatedDocks | QMainWindow::AllowTabbedDocks | QMainWindow::AllowNestedDocks);
    resize(1280, 800);
    buildPanels();
    buildMenus();
    buildRecordBar();
    if (m_controller && m_controller->isReplay()) {
        buildReplayBar();
    }

    m_banner = new QLabel(this);
    m_rateLabel = new QLabel(this);
    m_storageLabel = new QLabel(this);
    m_alertLabel = new QLabel(this);
    m_alertLabel->setVisible(false);
    statusBar()->addWidget(m_banner, 1);
    statusBar()->addPermanentWidget(m_alertLabel);
    statusBar()->addPermanentWidget(m_rateLabel);
    statusBar()->addPermanentWidget(m_storageLabel);
    statusBar()->setVisible(true);

    if (m_controller) {
        if (m_controller->isReplay()) {
            const QString file = QFileInfo(m_controller->config().replayPath).fileName();
            setWindowTitle(tr("OddsTap %1 — replay of %2").arg(QLatin1String(kVersion), file));
            m_banner->setText(tr("Replay of %1 · the views behave as live; nothing is saved").arg(file));
            m_banner->setToolTip(m_controller->config().replayPath);
        } else if (m_controller->isDemo()) {
            m_banner->setText(tr("Demo feed (built-in simulator) · add a real source: Sources ▸ Add source…"));
            m_banner->setToolTip(tr("With no source configured, OddsTap starts its simulator on a free "
                                    "loopback port so there is live data at once."));
        } else {
            m_banner->setText(tr("%n source(s) configured", nullptr, int(m_controller->config().sources.size())));
        }
        const QString storage = m_controller->storageDescription();
        m_storageLabel->setText(
            tr("DB: %1").arg(QFileInfo(storage).fileName().isEmpty() ? storage : QFileInfo(storage).fileName()));
        m_storageLabel->setToolTip(tr("Storing into %1").arg(storage));
        connect(m_controller, &AppController::snapshotReady, this, &MainWindow::applySnapshot);
        connect(m_controller, &AppController::historyLoaded, this, &MainWindow::onHistoryLoaded);
        connect(m_controller, &AppController::recordingFinished, this,
            [this](const QString &path, quint64 frames, const QString &error) {
                m_recording = false;
                m_recordAction->setChecked(false);
                notify(error.isEmpty() ? LogSeverity::Info : LogSeverity::Error, QStringLiteral("recording"),
                    error.isEmpty()
                        ? tr("Recording saved: %1 (%2 frames)").arg(path).arg(frames)
                        : tr("Recording into %1 stopped: %2 (%3 frames kept)").arg(path, error).arg(frames));
            });
        connect(m_controller, &AppController::ringSaved, this,
            [this](const QString &path, quint64 frames, const QString &error) {
                notify(error.isEmpty() ? LogSeverity::Info : LogSeverity::Error, QStringLiteral("recording"),
                    error.isEmpty() ? tr("Saved the last minutes: %1 (%2 frames)").arg(path).arg(frames)
                                    : tr("Could not save the last minutes into %1: %2").arg(path, error));
            });
        connect(m_controller, &AppController::problem, this,
            [this](const QString &message) { notify(LogSeverity::Error, QStringLiteral("app"), message); });
    } else {
        m_banner->setText(tr("Not connected"));
    }

    // Event-loop lag: how late a 50 ms timer fires on this thread (printed by the bench mode).
    m_lagTimer = new QTimer(this);
    m_lagTimer->setTimerType(Qt::PreciseTimer);
    m_lagTimer->setInterval(50);
    connect(m_lagTimer, &QTimer::timeout, this, [this] {
        const qint64 now = monotonicNs();
        if (m_lagExpectedNs > 0) {
            m_lag.add(std::max<qint64>(0, now - m_lagExpectedNs));
        }
        m_lagExpectedNs = now + 50'000'000;
    });
    m_lagTimer->start();

    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
}

MainWindow::~MainWindow() = default;

QDockWidget *MainWindow::addPanel(
    const QString &title, const QString &objectName, QWidget *content, Qt::DockWidgetArea area)
{
    auto *dock = new QDockWidget(title, this);
    dock->setObjectName(objectName);
    dock->setWidget(content);
    dock->setFeatures(
        QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable | QDockWidget::DockWidgetClosable);
    addDockWidget(area, dock);
    return dock;
}

QDockWidget *MainWindow::dock(const QString &objectName) const
{
    return findChild<QDockWidget *>(objectName);
}

void MainWindow::buildPanels()
{
    // Fixtures: filters above a sortable table.
    auto *fixturesPanel = new QWidget(this);
    auto *fl = new QVBoxLayout(fixturesPanel);
    fl->setContentsMargins(4, 4, 4, 4);
    auto *filterRow = new QHBoxLayout;
    auto *filter = new QLineEdit(fixturesPanel);
    filter->setObjectName(QStringLiteral("fixtureFilter"));
    filter->setPlaceholderText(tr("Filter teams, tournament, id (Ctrl+F)"));
    filter->setClearButtonEnabled(true);
    filter->setToolTip(tr("Shows fixtures whose teams, tournament, sport or id contain this text"));
    auto *sport = new QComboBox(fixturesPanel);
    sport->addItem(tr("All sports"), QString());
    for (int id = 1; id <= 4; ++id) {
        sport->addItem(FixtureTableModel::sportName(id), FixtureTableModel::sportName(id));
    }
    sport->setToolTip(tr("Show one sport only"));
    auto *status = new QComboBox(fixturesPanel);
    status->addItem(tr("Any status"), QString());
    for (const char *s : { "scheduled", "live", "suspended", "ended", "cancelled" }) {
        status->addItem(QLatin1String(s), QLatin1String(s));
    }
    status->setToolTip(tr("Show one status only"));
    filterRow->addWidget(filter, 1);
    filterRow->addWidget(sport);
    filterRow->addWidget(status);
    fl->addLayout(filterRow);
    m_fixtureProxy = new FixtureFilterProxy(this);
    m_fixtureProxy->setSourceModel(&m_fixtures);
    m_fixtureProxy->setSortRole(SortRole);
    m_fixtureProxy->setDynamicSortFilter(false);
    m_fixtureView = makeTable(m_fixtureProxy, fixturesPanel);
    m_fixtureView->setObjectName(QStringLiteral("fixtureView"));
    m_fixtureView->setSortingEnabled(true);
    m_fixtureView->sortByColumn(FixtureTableModel::Start, Qt::AscendingOrder);
    m_fixtureView->setColumnHidden(FixtureTableModel::FixtureId, true);
    m_fixtureView->setColumnHidden(FixtureTableModel::Source, true);
    m_fixtureView->setColumnHidden(FixtureTableModel::Tournament, true); // View it from the header menu
    m_fixtureView->setColumnWidth(FixtureTableModel::Sport, 74);
    m_fixtureView->setColumnWidth(FixtureTableModel::Start, 72);
    m_fixtureView->setColumnWidth(FixtureTableModel::Home, 90);
    m_fixtureView->setColumnWidth(FixtureTableModel::Away, 90);
    m_fixtureView->setColumnWidth(FixtureTableModel::Status, 78);
    m_fixtureView->setColumnWidth(FixtureTableModel::Score, 42);
    m_fixtureView->setColumnWidth(FixtureTableModel::LastUpdate, 44);
    // Right-click the header to show or hide columns.
    m_fixtureView->horizontalHeader()->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_fixtureView->horizontalHeader(), &QWidget::customContextMenuRequested, this, [this](const QPoint &at) {
        QMenu menu;
        for (int c = 0; c < FixtureTableModel::ColumnCount; ++c) {
            QAction *a = menu.addAction(m_fixtures.headerData(c, Qt::Horizontal).toString());
            a->setCheckable(true);
            a->setChecked(!m_fixtureView->isColumnHidden(c));
            connect(
                a, &QAction::toggled, m_fixtureView, [this, c](bool on) { m_fixtureView->setColumnHidden(c, !on); });
        }
        menu.exec(m_fixtureView->horizontalHeader()->mapToGlobal(at));
    });
    fl->addWidget(m_fixtureView);
    connect(filter, &QLineEdit::textChanged, this, [this](const QString &t) {
        m_fixtureProxy->text = t;
        m_fixtureProxy->refilter();
    });
    connect(sport, &QComboBox::currentIndexChanged, this, [this, sport] {
        m_fixtureProxy->sport = sport->currentData().toString();
        m_fixtureProxy->refilter();
    });
    connect(status, &QComboBox::currentIndexChanged, this, [this, status] {
        m_fixtureProxy->status = status->currentData().toString();
        m_fixtureProxy->refilter();
    });
    connect(
        m_fixtureView->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &MainWindow::onFixtureSelected);
    auto *findAction = new QAction(this);
    findAction->setShortcut(QKeySequence::Find);
    connect(findAction, &QAction::triggered, filter, [filter] {
        filter->setFocus();
        filter->selectAll();
    });
    addAction(findAction);

    // Market view.
    auto *marketPanel = new QWidget(this);
    auto *ml = new QVBoxLayout(marketPanel);
    ml->setContentsMargins(4, 4, 4, 4);
    m_marketTitle = new QLabel(tr("Select a fixture to see its markets"), marketPanel);
    m_marketTitle->setObjectName(QStringLiteral("marketTitle"));
    QFont titleFont = m_marketTitle->font();
    titleFont.setBold(true);
    m_marketTitle->setFont(titleFont);
    ml->addWidget(m_marketTitle);
    m_marketView = makeTable(&m_market, marketPanel);
    m_marketView->setObjectName(QStringLiteral("marketView"));
    m_marketView->setColumnWidth(MarketModel::Market, 90);
    m_marketView->setColumnWidth(MarketModel::Selection, 80);
    for (int c = MarketModel::Price; c <= MarketModel::Overround; ++c) {
        m_marketView->setColumnWidth(c, 72);
    }
    ml->addWidget(m_marketView);

    // Odds chart: the central widget.
    auto *chartPanel = new QWidget(this);
    auto *cl = new QVBoxLayout(chartPanel);
    cl->setContentsMargins(4, 4, 4, 4);
    auto *chartBar = new QHBoxLayout;
    m_marketCombo = new QComboBox(chartPanel);
    m_marketCombo->setObjectName(QStringLiteral("marketCombo"));
    m_marketCombo->setToolTip(tr("The market whose prices the chart shows"));
    m_marketCombo->setMinimumWidth(140);
    m_windowCombo = new QComboBox(chartPanel);
    m_windowCombo->addItem(tr("Last 5 min"));
    m_windowCombo->addItem(tr("Last hour"));
    m_windowCombo->addItem(tr("All"));
    m_windowCombo->setToolTip(tr("Time window of the chart"));
    m_followLive = new QCheckBox(tr("Follow live"), chartPanel);
    m_followLive->setChecked(true);
    m_followLive->setToolTip(tr("Keep the newest prices in view (Home). Zooming or panning stops following."));
    chartBar->addWidget(new QLabel(tr("Market:"), chartPanel));
    chartBar->addWidget(m_marketCombo);
    chartBar->addSpacing(12);
    chartBar->addWidget(new QLabel(tr("Window:"), chartPanel));
    chartBar->addWidget(m_windowCombo);
    chartBar->addWidget(m_followLive);
    chartBar->addStretch(1);
    auto *exportSeries = new QPushButton(tr("Export series..."), chartPanel);
    exportSeries->setToolTip(tr("Save every price point of this market as CSV"));
    chartBar->addWidget(exportSeries);
    connect(exportSeries, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Export series"),
            QStringLiteral("%1-%2.csv").arg(m_history.fixtureId(), m_history.marketType()), tr("CSV (*.csv)"));
        if (!path.isEmpty()) {
            writeInBackground(path, [history = m_history, path] { return writeSeriesCsv(history, path); });
        }
    });
    cl->addLayout(chartBar);
    m_chart = new OddsChartView(chartPanel);
    m_chart->setMinimumHeight(170); // the docks give way before the price axis is squeezed to nothing
    m_chart->setObjectName(QStringLiteral("oddsChart"));
    cl->addWidget(m_chart, 1);
    setCentralWidget(chartPanel);
    connect(m_marketCombo, &QComboBox::currentIndexChanged, this, &MainWindow::onMarketChosen);
    connect(m_windowCombo, &QComboBox::currentIndexChanged, this, [this](int i) {
        m_chart->setWindow(OddsChartView::Window(i));
        m_chart->render(m_history);
    });
    connect(m_followLive, &QCheckBox::toggled, this, [this](bool on) {
        m_chart->setFollowLive(on);
        m_chart->render(m_history);
    });
    connect(m_chart, &OddsChartView::followLiveChanged, m_followLive, &QCheckBox::setChecked);

    // Sources.
    auto *sourcesPanel = new QWidget(this);
    auto *sl = new QVBoxLayout(sourcesPanel);
    sl->setContentsMargins(4, 4, 4, 4);
    m_sourceView = makeTable(&m_sources, sourcesPanel);
    m_sourceView->setObjectName(QStringLiteral("sourceView"));
    m_sourceView->setColumnWidth(SourceTableModel::Id, 130);
    m_sourceView->setColumnWidth(SourceTableModel::State, 170);
    sl->addWidget(m_sourceView);
    auto *sourceButtons = new QHBoxLayout;
    auto *connectButton = new QPushButton(tr("Connect"), sourcesPanel);
    connectButton->setObjectName(QStringLiteral("connectSource"));
    connectButton->setToolTip(tr("Connect the selected source again; it resumes after the last seq held"));
    auto *disconnectButton = new QPushButton(tr("Disconnect"), sourcesPanel);
    disconnectButton->setObjectName(QStringLiteral("disconnectSource"));
    disconnectButton->setToolTip(tr("Disconnect the selected source; what arrived so far is stored"));
    auto *addButton = new QPushButton(tr("Add source..."), sourcesPanel);
    addButton->setToolTip(tr("Add a feed: URL, source id and a token file (the token is never shown or saved)"));
    sourceButtons->addWidget(connectButton);
    sourceButtons->addWidget(disconnectButton);
    sourceButtons->addStretch(1);
    sourceButtons->addWidget(addButton);
    sl->addLayout(sourceButtons);
    auto selectedSource = [this]() -> QString {
        const QModelIndex i = m_sourceView->currentIndex();
        const SourceStatus *s = m_sources.sourceAt(i.isValid() ? i.row() : (m_sources.rowCount() == 1 ? 0 : -1));
        return s ? s->sourceId : QString();
    };
    connect(connectButton, &QPushButton::clicked, this, [this, selectedSource] {
        if (m_controller && !selectedSource().isEmpty()) {
            m_controller->connectSource(selectedSource());
        }
    });
    connect(disconnectButton, &QPushButton::clicked, this, [this, selectedSource] {
        if (m_controller && !selectedSource().isEmpty()) {
            m_controller->disconnectSource(selectedSource());
        }
    });
    connect(addButton, &QPushButton::clicked, this, &MainWindow::addSourceDialog);

    // Bets: the tape and the selected fixture's exposure.
    auto *betTabs = new QTabWidget(this);
    auto *tape = makeTable(&m_bets, betTabs);
    tape->setObjectName(QStringLiteral("betView"));
    for (const auto &[column, width] : std::initializer_list<std::pair<int, int>> { { BetTapeModel::Time, 95 },
             { BetTapeModel::User, 64 }, { BetTapeModel::Fixture, 64 }, { BetTapeModel::Market, 76 },
             { BetTapeModel::Selection, 70 }, { BetTapeModel::Stake, 76 }, { BetTapeModel::Odds, 56 } }) {
        tape->setColumnWidth(column, width);
    }
    betTabs->addTab(tape, tr("Tape"));
    auto *exposure = makeTable(&m_exposure, betTabs);
    exposure->setObjectName(QStringLiteral("exposureView"));
    betTabs->addTab(exposure, tr("Stake and liability (selected fixture)"));

    // Error log: filters, the grouped table, the raw text of the selected line.
    auto *logPanel = new QWidget(this);
    auto *ll = new QVBoxLayout(logPanel);
    ll->setContentsMargins(4, 4, 4, 4);
    auto *logBar = new QHBoxLayout;
    auto *logFilter = new QLineEdit(logPanel);
    logFilter->setPlaceholderText(tr("Filter messages, codes, sources"));
    logFilter->setClearButtonEnabled(true);
    auto *severity = new QComboBox(logPanel);
    severity->addItem(tr("All"), 0);
    severity->addItem(tr("Warnings and errors"), 1);
    severity->addItem(tr("Errors only"), 2);
    severity->setToolTip(tr("Lowest severity shown"));
    auto *exportLog = new QPushButton(tr("Export..."), logPanel);
    exportLog->setToolTip(tr("Save the lines shown (after the filters) as CSV"));
    connect(exportLog, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(
            this, tr("Export error log"), QStringLiteral("error-log.csv"), tr("CSV (*.csv)"));
        if (!path.isEmpty()) {
            writeInBackground(
                path, [rows = visibleLogRows(), path] { return writeCsvFile(path, kLogHeader, rows, kLogKinds); });
        }
    });
    auto *copy = new QPushButton(tr("Copy"), logPanel);
    copy->setToolTip(tr("Copy the selected line with its raw text (Ctrl+C)"));
    logBar->addWidget(logFilter, 1);
    logBar->addWidget(severity);
    logBar->addWidget(copy);
    logBar->addWidget(exportLog);
    ll->addLayout(logBar);
    m_logProxy = new LogFilterProxy(this);
    m_logProxy->setSourceModel(&m_log);
    m_logProxy->setSortRole(SortRole);
    auto *logSplit = new QSplitter(Qt::Horizontal, logPanel);
    m_logView = makeTable(m_logProxy, logSplit);
    m_logView->setObjectName(QStringLiteral("logView"));
    m_logView->setColumnWidth(ErrorLogModel::Time, 88);
    m_logView->setColumnWidth(ErrorLogModel::Severity, 56);
    m_logView->setColumnWidth(ErrorLogModel::Kind, 66);
    m_logView->setColumnWidth(ErrorLogModel::Source, 84);
    m_logView->setColumnWidth(ErrorLogModel::Seq, 56);
    m_logView->setColumnWidth(ErrorLogModel::Code, 96);
    m_logView->setColumnWidth(ErrorLogModel::Message, 420);
    // Newest first; the log is small (grouped, capped), so it may re-sort as lines arrive.
    m_logView->setSortingEnabled(true);
    m_logView->sortByColumn(ErrorLogModel::Time, Qt::DescendingOrder);
    m_logDetail = new QPlainTextEdit(logSplit);
    m_logDetail->setObjectName(QStringLiteral("logDetail"));
    m_logDetail->setReadOnly(true);
    m_logDetail->setPlaceholderText(tr("The raw text of the selected reject"));
    m_logDetail->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    logSplit->addWidget(m_logView);
    logSplit->addWidget(m_logDetail);
    logSplit->setStretchFactor(0, 5);
    logSplit->setStretchFactor(1, 1);
    ll->addWidget(logSplit);
    connect(logFilter, &QLineEdit::textChanged, this, [this](const QString &t) {
        m_logProxy->text = t;
        m_logProxy->refilter();
    });
    connect(severity, &QComboBox::currentIndexChanged, this, [this, severity] {
        m_logProxy->minSeverity = severity->currentData().toInt();
        m_logProxy->refilter();
    });
    connect(copy, &QPushButton::clicked, this, &MainWindow::copyLogSelection);
    connect(m_logView->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &MainWindow::showLogDetail);
    auto *copyAction = new QAction(m_logView);
    copyAction->setShortcut(QKeySequence::Copy);
    copyAction->setShortcutContext(Qt::WidgetShortcut);
    connect(copyAction, &QAction::triggered, this, &MainWindow::copyLogSelection);
    m_logView->addAction(copyAction);

    // Health: small live charts.
    auto *health = new QWidget(this);
    auto *hl = new QGridLayout(health);
    hl->setContentsMargins(2, 2, 2, 2);
    m_trends = {
        new TrendChart(tr("Events/s"), { tr("events/s") }, QString(), health),
        new TrendChart(tr("Receive → processed"), { tr("p50"), tr("p99") }, tr("ms"), health),
        new TrendChart(tr("Receive → committed"), { tr("p50"), tr("p99") }, tr("ms"), health),
        new TrendChart(tr("Storage backlog"), { tr("queued k events"), tr("spool MiB") }, QString(), health),
        new TrendChart(tr("Database write per transaction"), { tr("p50"), tr("max") }, tr("ms"), health),
    };
    for (std::size_t i = 0; i < m_trends.size(); ++i) {
        hl->addWidget(m_trends[i], int(i / 3), int(i % 3));
    }

    // Fixtures and sources down the left, full height; the selected fixture's market above the
    // chart; bets, error log and health tabbed below it. Fits 1280x800.
    setCorner(Qt::TopLeftCorner, Qt::LeftDockWidgetArea);
    setCorner(Qt::BottomLeftCorner, Qt::LeftDockWidgetArea);
    QDockWidget *fixtures =
        addPanel(tr("Fixtures"), QStringLiteral("fixturesDock"), fixturesPanel, Qt::LeftDockWidgetArea);
    QDockWidget *sources = addPanel(tr("Sources"), QStringLiteral("sourcesDock"), sourcesPanel, Qt::LeftDockWidgetArea);
    splitDockWidget(fixtures, sources, Qt::Vertical);
    QDockWidget *market = addPanel(tr("Market"), QStringLiteral("marketDock"), marketPanel, Qt::TopDockWidgetArea);
    QDockWidget *bets = addPanel(tr("Bets"), QStringLiteral("betsDock"), betTabs, Qt::BottomDockWidgetArea);
    QDockWidget *log = addPanel(tr("Error log"), QStringLiteral("logDock"), logPanel, Qt::BottomDockWidgetArea);
    QDockWidget *healthDock = addPanel(tr("Health"), QStringLiteral("healthDock"), health, Qt::BottomDockWidgetArea);
    tabifyDockWidget(bets, log);
    tabifyDockWidget(log, healthDock);
    bets->raise();
    resizeDocks({ fixtures }, { 540 }, Qt::Horizontal);
    resizeDocks({ fixtures, sources }, { 560, 140 }, Qt::Vertical);
    resizeDocks({ market, bets }, { 215, 215 }, Qt::Vertical);
}

void MainWindow::buildMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *exportCsv = file->addAction(tr("&Export CSV..."), this, [this] {
        ExportDialog *dialog = makeExportDialog();
        if (!dialog) {
            statusBar()->showMessage(tr("Nothing is stored, so there is nothing to export"), 5000);
            return;
        }
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->show();
    });
    exportCsv->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    exportCsv->setToolTip(tr("Export a table as CSV, filtered by the current fixture and market"));
    QAction *open = file->addAction(tr("&Open capture..."), this, [this] {
        const QString path = QFileDialog::getOpenFileName(
            this, tr("Open a capture to replay"), capturesDirectory(), tr("OddsTap captures (*.odtc);;All files (*)"));
        if (!path.isEmpty()) {
            openCaptureWindow(path);
        }
    });
    open->setShortcut(QKeySequence::Open);
    open->setToolTip(tr("Replay a capture file in a new window, with a transport bar"));
    QAction *settings = file->addAction(tr("&Settings..."), this, &MainWindow::settingsDialog);
    settings->setShortcut(QKeySequence::Preferences);
    file->addSeparator();
    QAction *quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    QMenu *sources = menuBar()->addMenu(tr("&Sources"));
    QAction *add = sources->addAction(tr("&Add source..."), this, &MainWindow::addSourceDialog);
    add->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_N));

    QMenu *record = menuBar()->addMenu(tr("&Record"));
    QPixmap dot(16, 16);
    dot.fill(Qt::transparent);
    {
        QPainter painter(&dot);
        painter.setRenderHint(QPainter::Antialiasing);
        painter.setPen(Qt::NoPen);
        painter.setBrush(LiveColours::forPalette(palette()).bad);
        painter.drawEllipse(QRectF(2, 2, 12, 12));
    }
    m_recordAction = record->addAction(QIcon(dot), tr("&Record..."), this, &MainWindow::toggleRecording);
    m_recordAction->setObjectName(QStringLiteral("recordAction"));
    m_recordAction->setCheckable(true);
    m_recordAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    m_recordAction->setToolTip(tr("Record every raw frame and connection event into a capture file (Ctrl+R)"));
    m_ringAction = record->addAction(tr("&Keep the last %1 minutes in memory").arg(kRingMinutes));
    m_ringAction->setObjectName(QStringLiteral("ringAction"));
    m_ringAction->setCheckable(true);
    m_ringAction->setToolTip(tr("Keeps the last minutes of raw frames in memory, so that after an incident you "
                                "can save what led to it"));
    m_saveRingAction =
        record->addAction(tr("&Save the last %1 minutes...").arg(kRingMinutes), this, &MainWindow::saveRing);
    m_saveRingAction->setObjectName(QStringLiteral("saveRingAction"));
    m_saveRingAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S));
    m_saveRingAction->setEnabled(false);
    connect(m_ringAction, &QAction::toggled, this, [this](bool on) {
        m_saveRingAction->setEnabled(on);
        if (m_controller) {
            m_controller->setRing(on ? kRingMinutes * 60 * 1000 : 0);
        }
    });

    QMenu *view = menuBar()->addMenu(tr("&View"));
    for (QDockWidget *d : findChildren<QDockWidget *>()) {
        view->addAction(d->toggleViewAction());
    }
    view->addSeparator();
    view->addAction(tr("&Reset layout"), this, [this] {
        for (QDockWidget *d : findChildren<QDockWidget *>()) {
            d->setFloating(false);
            d->show();
        }
        QSettings().remove(QStringLiteral("window/state"));
    });

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About OddsTap"), this, [this] {
        QMessageBox::about(this, tr("About OddsTap"),
            tr("<b>OddsTap %1</b><p>Live sportsbook feed monitor and capture tool.</p>").arg(QLatin1String(kVersion)));
    });
}

void MainWindow::buildRecordBar()
{
    // In the menu bar's corner: always in sight, and no toolbar row taken from the panels.
    auto *corner = new QWidget(menuBar());
    corner->setObjectName(QStringLiteral("recordBar"));
    auto *row = new QHBoxLayout(corner);
    row->setContentsMargins(0, 0, 6, 0);
    m_recordLabel = new QLabel(corner);
    m_recordLabel->setObjectName(QStringLiteral("recordLabel"));
    auto *button = new QToolButton(corner);
    button->setObjectName(QStringLiteral("recordButton"));
    button->setDefaultAction(m_recordAction);
    button->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    button->setAutoRaise(true);
    row->addWidget(m_recordLabel);
    row->addWidget(button);
    menuBar()->setCornerWidget(corner, Qt::TopRightCorner);
}

void MainWindow::buildReplayBar()
{
    auto *bar = new QToolBar(tr("Replay"), this);
    bar->setObjectName(QStringLiteral("replayToolBar"));
    bar->setMovable(false);
    m_replayBar = new ReplayBar(bar);
    bar->addWidget(m_replayBar);
    addToolBar(Qt::BottomToolBarArea, bar);
    auto *space = new QShortcut(QKeySequence(Qt::Key_Space), this);
    connect(space, &QShortcut::activated, m_replayBar, &ReplayBar::togglePlay);
    if (!m_controller) {
        return;
    }
    AppController *c = m_controller;
    connect(m_replayBar, &ReplayBar::pausedChanged, c, &AppController::setReplayPaused);
    connect(m_replayBar, &ReplayBar::stepRequested, c, &AppController::replayStep);
    connect(m_replayBar, &ReplayBar::speedChosen, c, &AppController::setReplaySpeed);
    connect(m_replayBar, &ReplayBar::seekRequested, c, &AppController::seekReplay);
    connect(c, &AppController::replayLoaded, this, [this](const QString &error) {
        if (!error.isEmpty()) {
            m_replayBar->setLoadError(error);
            notify(LogSeverity::Error, QStringLiteral("replay"), tr("cannot read the capture: %1").arg(error));
            return;
        }
        m_replayBar->setReport(*m_controller->replayReport());
    });
    connect(c, &AppController::viewsReset, this, &MainWindow::resetViews);
}

void MainWindow::resetViews()
{
    // A replay started over (a backward seek or a loop): forget what the views hold and watch the
    // same fixture in the new run.
    m_fixtures.clear();
    m_bets.clear();
    m_exposure.setFixture(m_watchSource, m_watchFixture);
    m_market.apply(m_watchFixture, true, {}, wallClockMs());
    m_history.clear(m_watchSource, m_watchFixture, m_history.marketType());
    m_chart->render(m_history);
    if (m_controller && !m_watchFixture.isEmpty()) {
        m_controller->watchFixture(m_watchSource, m_watchFixture);
        // The new run's database fills as it catches up: read the chart's history once it has.
        const QString source = m_watchSource;
        const QString fixture = m_watchFixture;
        QTimer::singleShot(1500, this, [this, source, fixture] {
            const QString market = m_history.marketType();
            if (m_controller && source == m_watchSource && fixture == m_watchFixture && !market.isEmpty()) {
                m_historyGeneration = 0;
                m_controller->loadPriceHistory(source, fixture, market);
            }
        });
    }
}

QString MainWindow::recordingText() const
{
    return m_recordLabel ? m_recordLabel->text() : QString();
}

void MainWindow::updateRecorder(const RecorderStatus &status)
{
    const QLocale locale;
    QStringList parts;
    if (status.recording) {
        const qint64 s = std::max<qint64>(0, (wallClockMs() - status.startedAtMs) / 1000);
        parts << tr("● REC %1:%2:%3 · %4 frames · %5")
                     .arg(s / 3600, 2, 10, QLatin1Char('0'))
                     .arg((s / 60) % 60, 2, 10, QLatin1Char('0'))
                     .arg(s % 60, 2, 10, QLatin1Char('0'))
                     .arg(locale.toString(qulonglong(status.frames)),
                         locale.formattedDataSize(qint64(status.fileBytes), 1, QLocale::DataSizeTraditionalFormat));
    }
    if (status.ringEnabled) {
        parts << tr("last %1 s in memory (%2 frames, %3)")
                     .arg(status.ringSpanMs / 1000)
                     .arg(locale.toString(qulonglong(status.ringFrames)),
                         locale.formattedDataSize(qint64(status.ringBytes), 1, QLocale::DataSizeTraditionalFormat));
    }
    if (!status.error.isEmpty()) {
        parts << tr("recording error: %1").arg(status.error);
    }
    m_recordLabel->setText(parts.join(QStringLiteral("  ·  ")));
    m_recordLabel->setToolTip(status.recording ? tr("Recording into %1").arg(status.path) : QString());
    QPalette pal = m_recordLabel->palette();
    pal.setColor(QPalette::WindowText,
        status.recording || !status.error.isEmpty() ? LiveColours::forPalette(palette()).bad
                                                    : palette().color(QPalette::WindowText));
    m_recordLabel->setPalette(pal);
    if (m_recording != status.recording && status.error.isEmpty()) {
        m_recording = status.recording;
        m_recordAction->setChecked(status.recording);
    }
}

bool MainWindow::startRecording(const QString &path)
{
    if (!m_controller || path.isEmpty()) {
        return false;
    }
    if (QFileInfo::exists(path)) {
        notify(LogSeverity::Warning, QStringLiteral("recording"),
            tr("%1 exists already. A capture is never overwritten: choose another name.").arg(path));
        return false;
    }
    QDir().mkpath(QFileInfo(path).absolutePath());
    m_recording = true;
    m_recordAction->setChecked(true);
    m_controller->startRecording(path, QString());
    statusBar()->showMessage(tr("Recording into %1").arg(path), 5000);
    return true;
}

void MainWindow::notify(LogSeverity severity, const QString &kind, const QString &message)
{
    m_log.append({ LogEntry { wallClockMs(), severity, kind, {}, {}, {}, message, {} } });
    statusBar()->showMessage(message, 10000);
}

QString MainWindow::capturesDirectory()
{
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QStringLiteral("/captures");
    QDir().mkpath(dir);
    return dir;
}

QString MainWindow::askNewCapturePath(const QString &title, const QString &prefix)
{
    const QString dir = capturesDirectory();
    const QString suggested = dir
        + QStringLiteral("/%1-%2.odtc")
              .arg(prefix, QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMdd-HHmmss")));
    const QString path = QFileDialog::getSaveFileName(
        this, title, suggested, tr("OddsTap captures (*.odtc)"), nullptr, QFileDialog::DontConfirmOverwrite);
    if (!path.isEmpty() && QFileInfo::exists(path)) {
        QMessageBox::warning(
            this, title, tr("%1 exists already. A capture is never overwritten: choose another name.").arg(path));
        return {};
    }
    return path;
}

void MainWindow::toggleRecording()
{
    if (m_recording) {
        m_recordAction->setChecked(true); // until the recorder confirms it has finished
        if (m_controller) {
            m_controller->stopRecording();
        }
        return;
    }
    m_recordAction->setChecked(false);
    startRecording(askNewCapturePath(tr("Record into a new capture file"), QStringLiteral("oddstap")));
}

void MainWindow::saveRing()
{
    if (!m_controller) {
        return;
    }
    const QString path = askNewCapturePath(tr("Save the last minutes"), QStringLiteral("incident"));
    if (!path.isEmpty()) {
        m_controller->saveRing(path, QString());
    }
}

bool MainWindow::openCaptureWindow(const QString &path)
{
    if (!QFileInfo(path).isFile()) {
        statusBar()->showMessage(tr("%1 is not a file").arg(path), 8000);
        return false;
    }
    const bool ok = QProcess::startDetached(
        QCoreApplication::applicationFilePath(), { QStringLiteral("--replay"), QFileInfo(path).absoluteFilePath() });
    statusBar()->showMessage(ok ? tr("Replaying %1 in a new window").arg(QFileInfo(path).fileName())
                                : tr("Could not start a replay window for %1").arg(path),
        8000);
    return ok;
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (m_replayBar) {
        QMainWindow::closeEvent(event); // a replay window leaves the live window's layout alone
        return;
    }
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    QMainWindow::closeEvent(event);
}

bool MainWindow::selectFixtureRow(int proxyRow)
{
    if (proxyRow < 0 || proxyRow >= m_fixtureProxy->rowCount()) {
        return false;
    }
    m_fixtureView->selectionModel()->setCurrentIndex(m_fixtureProxy->index(proxyRow, FixtureTableModel::Home),
        QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    return true;
}

bool MainWindow::selectLiveFixture()
{
    for (int row = 0; row < m_fixtureProxy->rowCount(); ++row) {
        if (m_fixtureProxy->index(row, FixtureTableModel::Status).data(StatusRole).toString()
            == QLatin1String("live")) {
            return selectFixtureRow(row);
        }
    }
    return selectFixtureRow(0);
}

void MainWindow::onFixtureSelected()
{
    const QModelIndex current = m_fixtureView->currentIndex();
    if (!current.isValid()) {
        return;
    }
    const FixtureState *f = m_fixtures.fixtureAt(m_fixtureProxy->mapToSource(current).row());
    if (!f || (f->sourceId == m_watchSource && f->fixture.fixtureId == m_watchFixture)) {
        return;
    }
    m_watchSource = f->sourceId;
    m_watchFixture = f->fixture.fixtureId;
    updateMarketTitle(*f);
    m_exposure.setFixture(m_watchSource, m_watchFixture);
    m_market.apply(m_watchFixture, true, {}, wallClockMs());
    m_marketCombo->blockSignals(true);
    m_marketCombo->clear();
    m_marketCombo->blockSignals(false);
    m_history.clear(m_watchSource, m_watchFixture, QString());
    m_chart->render(m_history);
    if (m_controller) {
        m_controller->watchFixture(m_watchSource, m_watchFixture);
    }
}

void MainWindow::updateMarketTitle(const FixtureState &f)
{
    QString text = tr("%1 v %2  ·  %3  ·  %4")
                       .arg(f.fixture.home, f.fixture.away, FixtureTableModel::sportName(f.fixture.sportId),
                           QString::fromLatin1(toWire(f.fixture.status).data()));
    if (!f.fixture.score.isEmpty()) {
        text += QStringLiteral("  ·  ") + f.fixture.score;
    }
    if (const double o = m_market.overround(m_marketCombo->currentText()); o != 0) {
        text += tr("  ·  overround %1 %").arg(o, 0, 'f', 1);
    }
    m_marketTitle->setText(text);
}

void MainWindow::onMarketChosen()
{
    const QString market = m_marketCombo->currentText();
    if (market.isEmpty() || market == m_history.marketType()) {
        return;
    }
    m_history.clear(m_watchSource, m_watchFixture, market);
    m_chart->render(m_history);
    if (const FixtureState *f = m_fixtures.fixtureAt(m_fixtures.rowOf(m_watchSource, m_watchFixture))) {
        m_chart->chart()->setTitle(tr("%1 v %2 — %3").arg(f->fixture.home, f->fixture.away, market));
    }
    if (m_controller) {
        m_historyGeneration = 0; // the answer to this request is the one to take
        m_controller->loadPriceHistory(m_watchSource, m_watchFixture, market);
    }
}

void MainWindow::onHistoryLoaded(quint64 generation, const QString &fixtureId, const QString &marketType,
    const std::vector<PriceRow> &rows, const QString &error)
{
    if (fixtureId != m_history.fixtureId() || marketType != m_history.marketType()
        || generation < m_historyGeneration) {
        return; // stale: the user moved on
    }
    m_historyGeneration = generation;
    if (!error.isEmpty()) {
        m_log.append({ LogEntry { wallClockMs(), LogSeverity::Warning, QStringLiteral("storage"), {}, {}, {},
            tr("price history not available: %1").arg(error), {} } });
        return;
    }
    m_history.loadPast(rows);
    m_chart->render(m_history);
}

void MainWindow::applySnapshot(const SnapshotPtr &snapshot)
{
    Q_ASSERT(QThread::currentThread() == thread());
    const qint64 started = monotonicNs();
    const SessionSnapshot &s = *snapshot;
    const qint64 now = s.metrics.atMs;
    m_fixtures.apply(s.fixtures, now);
    m_fixtures.remove(s.removedFixtures);
    if (now - m_lastResortMs >= 1000) {
        resortFixtures();
        m_lastResortMs = now;
    }
    for (const FixtureState &f : s.fixtures) {
        if (f.fixture.fixtureId == m_watchFixture && f.sourceId == m_watchSource) {
            updateMarketTitle(f);
        }
    }
    if (s.watchedFixtureId == m_watchFixture && s.watchedSourceId == m_watchSource && !m_watchFixture.isEmpty()) {
        m_market.apply(m_watchFixture, s.watchedReset, s.prices, now);
        const QStringList markets = m_market.markets();
        if (markets.size() != m_marketCombo->count()) {
            const QString keep = m_marketCombo->currentText();
            m_marketCombo->blockSignals(true);
            m_marketCombo->clear();
            m_marketCombo->addItems(markets);
            const int at = m_marketCombo->findText(keep);
            m_marketCombo->setCurrentIndex(at >= 0 ? at : 0);
            m_marketCombo->blockSignals(false);
            onMarketChosen();
        }
        if (!s.points.empty() && !m_history.marketType().isEmpty()) {
            m_history.appendLive(s.points);
            m_historyDirty = true;
        }
    }
    if (s.replay && m_replayBar) {
        m_lastReplay = s.replay;
        m_replayBar->setPosition(*s.replay);
    }
    if (s.recorder) {
        updateRecorder(*s.recorder);
    }
    if (m_historyDirty || m_chart->followsLive()) {
        m_chart->render(m_history); // once per tick, series replaced, never appended per point
        m_historyDirty = false;
    }
    m_bets.append(s.bets);
    m_exposure.add(s.bets);
    m_log.append(s.log, s.logDropped);
    m_sources.apply(s.metrics.sources, now);
    if (now - m_lastTrendMs >= 500) {
        const MetricsSnapshot &m = s.metrics;
        const std::vector<std::vector<double>> samples {
            { m.eventsPerSec },
            { ms(m.receiveToProcessed.p50Ns), ms(m.receiveToProcessed.p99Ns) },
            { ms(m.receiveToCommitted.p50Ns), ms(m.receiveToCommitted.p99Ns) },
            { double(m.queuedEvents) / 1000.0, double(m.spoolBytes) / 1048576.0 },
            { ms(m.databaseWrite.p50Ns), ms(m.databaseWrite.maxNs) },
        };
        for (std::size_t i = 0; i < m_trends.size(); ++i) {
            m_trends[i]->addSample(now, samples[i]);
            m_trends[i]->redraw();
        }
        m_lastTrendMs = now;
    }
    updateStatusBar(s.metrics);
    checkAlerts(s.metrics);
    m_lastMetrics = s.metrics;
    ++m_snapshotsApplied;
    m_applyMaxNs = std::max(m_applyMaxNs, monotonicNs() - started);
}

void MainWindow::resortFixtures()
{
    const int column = m_fixtureView->horizontalHeader()->sortIndicatorSection();
    const Qt::SortOrder order = m_fixtureView->horizontalHeader()->sortIndicatorOrder();
    m_fixtureProxy->sort(column, order);
    m_fixtureProxy->refilter();
}

void MainWindow::updateStatusBar(const MetricsSnapshot &m)
{
    QString text = tr("%1 events/s · %2 received · %3 rejected")
                       .arg(QString::number(m.eventsPerSec, 'f', 0))
                       .arg(m.received)
                       .arg(m.rejected);
    if (m.storing) {
        text += tr(" · %1 stored · backlog %2").arg(m.persisted).arg(m.queuedEvents);
        if (m.spoolBytes > 0) {
            text += tr(" + %1 on disk").arg(mib(m.spoolBytes));
        }
        if (m.receiveToCommitted.count > 0) {
            text += tr(" · p99 commit %1 ms").arg(ms(m.receiveToCommitted.p99Ns), 0, 'f', 0);
        }
    }
    m_rateLabel->setText(text);
}

void MainWindow::checkAlerts(const MetricsSnapshot &m)
{
    QStringList alerts;
    for (const SourceStatus &s : m.sources) {
        if (!s.enabled) {
            continue;
        }
        if (s.state == SourceState::Stalled) {
            alerts << tr("%1 is stalled").arg(s.sourceId);
        } else if (s.state == SourceState::AuthFailed) {
            alerts << tr("%1: authentication failed").arg(s.sourceId);
        } else if (s.state == SourceState::BackingOff || s.state == SourceState::Disconnected) {
            alerts << tr("%1 is down").arg(s.sourceId);
        }
    }
    if (m.storageDown) {
        alerts << tr("database unavailable: events wait in the spool");
    }
    const quint64 backlog = m.queuedEvents + quint64(m.spoolBytes / 200);
    if (backlog > m_lastBacklog && backlog > 50000) {
        if (m_backlogGrowingSinceMs == 0) {
            m_backlogGrowingSinceMs = m.atMs;
        }
        if (m.atMs - m_backlogGrowingSinceMs > 5000) {
            alerts << tr("storage backlog growing");
        }
    } else if (backlog <= m_lastBacklog) {
        m_backlogGrowingSinceMs = 0;
    }
    m_lastBacklog = backlog;
    std::vector<LogEntry> raised;
    for (const QString &a : std::as_const(alerts)) {
        if (!m_activeAlerts.contains(a)) {
            raised.push_back({ m.atMs, LogSeverity::Error, QStringLiteral("alert"), {}, {}, {}, a, {} });
        }
    }
    m_log.append(raised);
    m_activeAlerts = alerts;
    m_alertLabel->setVisible(!alerts.isEmpty());
    if (!alerts.isEmpty()) {
        const LiveColours c = LiveColours::forPalette(palette());
        m_alertLabel->setText(QStringLiteral("⚠ ") + alerts.join(QStringLiteral(" · ")));
        m_alertLabel->setStyleSheet(QStringLiteral("color: %1; font-weight: bold;").arg(c.bad.name()));
    }
}

void MainWindow::showLogDetail()
{
    const QModelIndex i = m_logView->currentIndex();
    const LogEntry *e = i.isValid() ? m_log.entryAt(m_logProxy->mapToSource(i).row()) : nullptr;
    if (!e) {
        m_logDetail->clear();
        return;
    }
    QString text = e->message;
    if (!e->raw.isEmpty()) {
        text += QStringLiteral("\n\n") + QString::fromUtf8(e->raw);
    }
    m_logDetail->setPlainText(text);
}

void MainWindow::copyLogSelection()
{
    QStringList lines;
    for (const QModelIndex &i : m_logView->selectionModel()->selectedRows()) {
        const int row = m_logProxy->mapToSource(i).row();
        if (const LogEntry *e = m_log.entryAt(row)) {
            lines << ErrorLogModel::toText(*e, m_log.countAt(row));
        }
    }
    if (!lines.isEmpty()) {
        QApplication::clipboard()->setText(lines.join(QLatin1Char('\n')));
        statusBar()->showMessage(tr("Copied %n line(s)", nullptr, int(lines.size())), 3000);
    }
}

QString MainWindow::exportChartSeries(const QString &path) const
{
    return writeSeriesCsv(m_history, path);
}

QList<QStringList> MainWindow::visibleLogRows() const
{
    QList<QStringList> rows;
    for (int r = 0; r < m_logProxy->rowCount(); ++r) {
        const int source = m_logProxy->mapToSource(m_logProxy->index(r, 0)).row();
        const LogEntry *e = m_log.entryAt(source);
        if (!e) {
            continue;
        }
        rows << QStringList { formatIso8601Utc(e->atMs), m_log.index(source, ErrorLogModel::Severity).data().toString(),
            e->kind, e->sourceId, e->seq ? QString::number(*e->seq) : QString(), e->code, e->message,
            QString::number(m_log.countAt(source)), QString::fromUtf8(e->raw) };
    }
    return rows;
}

QString MainWindow::exportVisibleLog(const QString &path) const
{
    return writeCsvFile(path, kLogHeader, visibleLogRows(), kLogKinds);
}

void MainWindow::writeInBackground(const QString &path, std::function<QString()> write)
{
    // File I/O never runs on the GUI thread: the data was copied by the caller.
    QPointer<MainWindow> self(this);
    QThreadPool::globalInstance()->start([self, path, write = std::move(write)] {
        const QString error = write();
        QMetaObject::invokeMethod(self.get(), [self, path, error] {
            if (self) {
                self->statusBar()->showMessage(error.isEmpty() ? tr("Saved %1").arg(path) : error, 8000);
            }
        });
    });
}

ExportDialog *MainWindow::makeExportDialog()
{
    if (!m_controller || !m_controller->config().storage) {
        return nullptr;
    }
    ExportRequest prefill;
    prefill.table = QStringLiteral("odds");
    if (!m_watchFixture.isEmpty()) {
        prefill.fixtures = { m_watchFixture };
        prefill.source = m_watchSource;
        prefill.market = m_marketCombo->currentText();
    }
    return new ExportDialog(*m_controller->config().storage, prefill, this);
}

void MainWindow::addSourceDialog()
{
    QDialog dialog(this);
    dialog.setWindowTitle(tr("Add source"));
    auto *form = new QFormLayout(&dialog);
    auto *url = new QLineEdit(&dialog);
    url->setPlaceholderText(QStringLiteral("wss://feed.example.com/v1"));
    auto *id = new QLineEdit(&dialog);
    id->setPlaceholderText(tr("book-a"));
    auto *tokenRow = new QHBoxLayout;
    auto *tokenFile = new QLineEdit(&dialog);
    tokenFile->setPlaceholderText(tr("optional: a file holding the bearer token"));
    tokenFile->setToolTip(tr("Only the file's path is saved; the token is read from it and never shown or stored"));
    auto *browse = new QToolButton(&dialog);
    browse->setText(QStringLiteral("…"));
    connect(browse, &QToolButton::clicked, &dialog, [&] {
        const QString f = QFileDialog::getOpenFileName(&dialog, tr("Token file"));
        if (!f.isEmpty()) {
            tokenFile->setText(f);
        }
    });
    tokenRow->addWidget(tokenFile, 1);
    tokenRow->addWidget(browse);
    auto *error = new QLabel(&dialog);
    error->setStyleSheet(QStringLiteral("color: %1").arg(LiveColours::forPalette(palette()).bad.name()));
    form->addRow(tr("URL:"), url);
    form->addRow(tr("Source id:"), id);
    form->addRow(tr("Token file:"), tokenRow);
    form->addRow(error);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    FeedSourceConfig config;
    connect(buttons, &QDialogButtonBox::accepted, &dialog, [&] {
        config = FeedSourceConfig {};
        config.sourceId = id->text().trimmed();
        config.url = QUrl(url->text().trimmed());
        if (config.sourceId.isEmpty()) {
            error->setText(tr("The source id is required."));
            return;
        }
        if (const QString problem = validateSourceConfig(config); !problem.isEmpty()) {
            error->setText(problem);
            return;
        }
        if (!tokenFile->text().isEmpty()) {
            QFile f(tokenFile->text());
            if (!f.open(QIODevice::ReadOnly)) {
                error->setText(tr("Cannot read the token file: %1").arg(f.errorString()));
                return;
            }
            config.token = f.readAll().trimmed();
        }
        dialog.accept();
    });
    if (dialog.exec() != QDialog::Accepted) {
        return;
    }
    QSettings s;
    const int n = s.beginReadArray(QStringLiteral("sources"));
    s.endArray();
    s.beginWriteArray(QStringLiteral("sources"));
    s.setArrayIndex(n);
    s.setValue(QStringLiteral("id"), config.sourceId);
    s.setValue(QStringLiteral("url"), config.url.toString());
    s.setValue(QStringLiteral("tokenFile"), tokenFile->text());
    s.endArray();
    if (m_controller) {
        m_controller->addSource(config);
    }
    statusBar()->showMessage(tr("Added %1; it is saved and used on the next start too").arg(config.sourceId), 8000);
}

void MainWindow::settingsDialog()
{
    QDialog dialog(this);
    dialog.setWindowTitle(tr("Settings"));
    auto *form = new QFormLayout(&dialog);
    QSettings s;
    auto *storage = new QLineEdit(s.value(QStringLiteral("storage/target")).toString(), &dialog);
    storage->setPlaceholderText(AppConfig::defaultDatabasePath());
    storage->setToolTip(tr("A SQLite file, or postgresql://user@host:port/db (the password comes from "
                           "PGPASSWORD or ~/.pgpass, never from here)"));
    form->addRow(tr("Storage:"), storage);
    auto *note =
        new QLabel(tr("Storage changes apply on the next start. Sources are added from the Sources panel."), &dialog);
    note->setWordWrap(true);
    form->addRow(note);
    auto *error = new QLabel(&dialog);
    form->addRow(error);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    connect(buttons, &QDialogButtonBox::accepted, &dialog, [&] {
        const QString text = storage->text().trimmed();
        if (!text.isEmpty()) {
            const auto target = StorageTarget::parse(text);
            if (!target) {
                error->setText(target.error().message);
                return;
            }
            if (QUrl(text).password().size() > 0) {
                error->setText(tr("Leave the password out: use PGPASSWORD or ~/.pgpass."));
                return;
            }
        }
        dialog.accept();
    });
    if (dialog.exec() == QDialog::Accepted) {
        s.setValue(QStringLiteral("storage/target"), storage->text().trimmed());
    }
}

} // namespace OddsTap

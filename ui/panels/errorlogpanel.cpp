// SPDX-License-Identifier: MIT
#include "errorlogpanel.h"

#include <core/common/timeutil.h>
#include <ui/dialogs/exportdialog.h>
#include <ui/widgets/backgroundwrite.h>
#include <ui/widgets/livetable.h>

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QFileDialog>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

namespace OddsTap {

/// Severity and text filters over the error log.
class LogFilterProxy : public QSortFilterProxyModel
{
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;

    void setMinimumSeverity(LogSeverity severity)
    {
        m_minSeverity = severity;
        invalidateFilter();
    }
    void setText(const QString &text)
    {
        m_text = text;
        invalidateFilter();
    }

protected:
    bool filterAcceptsRow(int row, const QModelIndex &parent) const override
    {
        if (sourceModel()->index(row, 0, parent).data(SeverityRole).toInt() < int(m_minSeverity)) {
            return false;
        }
        if (m_text.isEmpty()) {
            return true;
        }
        for (int c = 0; c < ErrorLogModel::ColumnCount; ++c) {
            if (sourceModel()->index(row, c, parent).data().toString().contains(m_text, Qt::CaseInsensitive)) {
                return true;
            }
        }
        return false;
    }

private:
    LogSeverity m_minSeverity = LogSeverity::Info;
    QString m_text;
};

namespace {

const QStringList kLogHeader { QStringLiteral("time"), QStringLiteral("severity"), QStringLiteral("kind"),
    QStringLiteral("source_id"), QStringLiteral("seq"), QStringLiteral("code"), QStringLiteral("message"),
    QStringLiteral("count"), QStringLiteral("raw") };
const QList<CsvKind> kLogKinds { CsvKind::Time, CsvKind::Text, CsvKind::Text, CsvKind::Text, CsvKind::Integer,
    CsvKind::Text, CsvKind::Text, CsvKind::Integer, CsvKind::Text };

} // namespace

ErrorLogPanel::ErrorLogPanel(QWidget *parent)
    : Panel(parent)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    auto *bar = new QHBoxLayout;
    auto *filter = new QLineEdit(this);
    filter->setPlaceholderText(tr("Filter messages, codes, sources"));
    filter->setClearButtonEnabled(true);
    auto *severity = new QComboBox(this);
    severity->addItem(tr("All"), int(LogSeverity::Info));
    severity->addItem(tr("Warnings and errors"), int(LogSeverity::Warning));
    severity->addItem(tr("Errors only"), int(LogSeverity::Error));
    severity->setToolTip(tr("Lowest severity shown"));
    auto *exportButton = new QPushButton(tr("Export..."), this);
    exportButton->setToolTip(tr("Save the lines shown (after the filters) as CSV"));
    auto *copy = new QPushButton(tr("Copy"), this);
    copy->setToolTip(tr("Copy the selected line with its raw text (Ctrl+C)"));
    bar->addWidget(filter, 1);
    bar->addWidget(severity);
    bar->addWidget(copy);
    bar->addWidget(exportButton);
    layout->addLayout(bar);

    m_proxy = new LogFilterProxy(this);
    m_proxy->setSourceModel(&m_model);
    m_proxy->setSortRole(SortRole);
    // The detail under the table, so that the table has the panel's whole width for the message.
    auto *split = new QSplitter(Qt::Vertical, this);
    m_view = makeLiveTable(m_proxy, split);
    m_view->setObjectName(QStringLiteral("logView"));
    // Newest first; the log is small (grouped, capped), so it may re-sort as lines arrive.
    m_view->setSortingEnabled(true);
    for (const auto &[column, width] : std::initializer_list<std::pair<int, int>> { { ErrorLogModel::Time, 88 },
             { ErrorLogModel::Severity, 62 }, { ErrorLogModel::Kind, 76 }, { ErrorLogModel::Source, 70 },
             { ErrorLogModel::Seq, 50 }, { ErrorLogModel::Code, 110 }, { ErrorLogModel::Message, 260 } }) {
        setLiveColumnWidth(m_view, column, width);
    }
    // What happened and what to do comes before the kind and the seq, which matter less.
    QHeaderView *header = m_view->horizontalHeader();
    int at = header->visualIndex(ErrorLogModel::Severity) + 1;
    for (const int column : { ErrorLogModel::Source, ErrorLogModel::Code, ErrorLogModel::Message }) {
        header->moveSection(header->visualIndex(column), at++);
    }
    m_view->sortByColumn(ErrorLogModel::Time, Qt::DescendingOrder);
    m_detail = new QPlainTextEdit(split);
    m_detail->setObjectName(QStringLiteral("logDetail"));
    m_detail->setReadOnly(true);
    m_detail->setPlaceholderText(tr("The full message of the selected line, and the raw text of a reject"));
    m_detail->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    // Its own height hint would take half the panel: the splitter's stretch decides instead.
    m_detail->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Ignored);
    split->addWidget(m_view);
    split->addWidget(m_detail);
    split->setStretchFactor(0, 4);
    split->setStretchFactor(1, 1);

    layout->addWidget(split);

    connect(filter, &QLineEdit::textChanged, m_proxy, &LogFilterProxy::setText);
    connect(severity, &QComboBox::currentIndexChanged, this,
        [this, severity] { m_proxy->setMinimumSeverity(LogSeverity(severity->currentData().toInt())); });
    connect(copy, &QPushButton::clicked, this, &ErrorLogPanel::copySelection);
    connect(exportButton, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(
            this, tr("Export error log"), QStringLiteral("error-log.csv"), tr("CSV (*.csv)"));
        if (!path.isEmpty()) {
            writeInBackground(
                this, path, [rows = visibleRows(), path] { return writeCsvFile(path, kLogHeader, rows, kLogKinds); },
                [this](const QString &message) { emit statusMessage(message); });
        }
    });
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &ErrorLogPanel::showDetail);
    auto *copyAction = new QAction(m_view);
    copyAction->setShortcut(QKeySequence::Copy);
    copyAction->setShortcutContext(Qt::WidgetShortcut);
    connect(copyAction, &QAction::triggered, this, &ErrorLogPanel::copySelection);
    m_view->addAction(copyAction);
}

void ErrorLogPanel::applySnapshot(const SessionSnapshot &snapshot)
{
    m_model.append(snapshot.log, snapshot.logDropped);
}

void ErrorLogPanel::reset()
{
    m_model.clear();
}

void ErrorLogPanel::append(const std::vector<LogEntry> &entries)
{
    m_model.append(entries);
}

void ErrorLogPanel::showDetail()
{
    const QModelIndex i = m_view->currentIndex();
    const LogEntry *e = i.isValid() ? m_model.entryAt(m_proxy->mapToSource(i).row()) : nullptr;
    if (!e) {
        m_detail->clear();
        return;
    }
    QString text = e->message;
    if (!e->raw.isEmpty()) {
        text += QStringLiteral("\n\n") + QString::fromUtf8(e->raw);
    }
    if (e->rawBytes > 0) {
        text += QStringLiteral("\n\n")
            + tr("(The first %L1 of %L2 bytes. A capture that stores keeps all %L2 in its rejects table: "
                 "oddstap-cli export --table rejects.)")
                  .arg(e->raw.size())
                  .arg(e->rawBytes);
    }
    m_detail->setPlainText(text);
}

void ErrorLogPanel::copySelection()
{
    QStringList lines;
    for (const QModelIndex &i : m_view->selectionModel()->selectedRows()) {
        const int row = m_proxy->mapToSource(i).row();
        if (const LogEntry *e = m_model.entryAt(row)) {
            lines << ErrorLogModel::toText(*e, m_model.countAt(row));
        }
    }
    if (!lines.isEmpty()) {
        QApplication::clipboard()->setText(lines.join(QLatin1Char('\n')));
        emit statusMessage(tr("Copied %n line(s)", nullptr, int(lines.size())));
    }
}

QList<QStringList> ErrorLogPanel::visibleRows() const
{
    QList<QStringList> rows;
    for (int r = 0; r < m_proxy->rowCount(); ++r) {
        const int source = m_proxy->mapToSource(m_proxy->index(r, 0)).row();
        const LogEntry *e = m_model.entryAt(source);
        if (!e) {
            continue;
        }
        rows << QStringList { formatIso8601Utc(e->atMs),
            m_model.index(source, ErrorLogModel::Severity).data().toString(), logKindText(e->kind), e->sourceId,
            e->seq ? QString::number(*e->seq) : QString(), e->code, e->message,
            QString::number(m_model.countAt(source)), ErrorLogModel::rawText(*e) };
    }
    return rows;
}

QString ErrorLogPanel::exportVisible(const QString &path) const
{
    return writeCsvFile(path, kLogHeader, visibleRows(), kLogKinds);
}

} // namespace OddsTap

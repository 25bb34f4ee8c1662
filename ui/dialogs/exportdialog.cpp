// SPDX-License-Identifier: MIT
#include "exportdialog.h"

#include <core/common/timeutil.h>

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFile>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QProgressBar>
#include <QPushButton>
#include <QThreadPool>
#include <QTimer>
#include <QVBoxLayout>

#include <atomic>

namespace OddsTap {

QString writeCsvFile(const QString &path, const QStringList &header, const QList<QStringList> &rows,
    const QList<CsvKind> &kinds, const CsvOptions &options)
{
    QByteArray out;
    if (options.bom) {
        out.append("\xEF\xBB\xBF");
    }
    const QByteArrayView eol = options.crlf ? QByteArrayView("\r\n") : QByteArrayView("\n");
    auto line = [&](const QStringList &fields, bool isHeader) {
        for (qsizetype i = 0; i < fields.size(); ++i) {
            if (i > 0) {
                out.append(options.delimiter);
            }
            const CsvKind kind = isHeader || i >= kinds.size() ? CsvKind::Text : kinds[i];
            appendCsvField(out, fields[i].toUtf8(), kind, options);
        }
        out.append(eol);
    };
    line(header, true);
    for (const QStringList &r : rows) {
        line(r, false);
    }
    const QString partial = path + QStringLiteral(".partial");
    QFile f(partial);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(out) != out.size() || !f.flush()) {
        const QString why = f.errorString();
        f.close();
        QFile::remove(partial);
        return QObject::tr("cannot write '%1': %2").arg(path, why);
    }
    f.close();
    if (auto moved = replaceFile(partial, path); !moved) {
        return moved.error().message;
    }
    return {};
}

ExportDialog::ExportDialog(StorageTarget storage, const ExportRequest &prefill, QWidget *parent)
    : QDialog(parent)
    , m_storage(std::move(storage))
{
    setWindowTitle(tr("Export CSV"));
    auto *layout = new QVBoxLayout(this);
    auto *form = new QFormLayout;
    m_table = new QComboBox(this);
    m_table->addItems(exportTables());
    m_table->setCurrentText(prefill.table.isEmpty() ? QStringLiteral("odds") : prefill.table);
    m_fixtures = new QLineEdit(prefill.fixtures.join(QLatin1Char(',')), this);
    m_fixtures->setPlaceholderText(tr("all fixtures (or ids, comma-separated)"));
    m_market = new QLineEdit(prefill.market, this);
    m_market->setPlaceholderText(tr("all markets"));
    m_selection = new QLineEdit(prefill.selection, this);
    m_selection->setPlaceholderText(tr("all selections"));
    m_source = new QLineEdit(prefill.source, this);
    m_source->setPlaceholderText(tr("all sources"));
    m_from = new QLineEdit(prefill.fromMs ? formatIso8601Utc(*prefill.fromMs) : QString(), this);
    m_from->setPlaceholderText(tr("from the start (ISO 8601 UTC, e.g. 2026-11-25T15:00:00.000Z)"));
    m_to = new QLineEdit(prefill.toMs ? formatIso8601Utc(*prefill.toMs) : QString(), this);
    m_to->setPlaceholderText(tr("to the end (exclusive)"));
    m_columns = new QListWidget(this);
    m_columns->setMaximumHeight(120);
    m_columns->setToolTip(tr("Columns to export, in this order"));
    form->addRow(tr("Table:"), m_table);
    form->addRow(tr("Fixtures:"), m_fixtures);
    form->addRow(tr("Market:"), m_market);
    form->addRow(tr("Selection:"), m_selection);
    form->addRow(tr("Source:"), m_source);
    form->addRow(tr("From:"), m_from);
    form->addRow(tr("To:"), m_to);
    form->addRow(tr("Columns:"), m_columns);
    m_delimiter = new QComboBox(this);
    m_delimiter->addItem(tr("Comma"), QStringLiteral(","));
    m_delimiter->addItem(tr("Semicolon"), QStringLiteral(";"));
    m_delimiter->addItem(tr("Tab"), QStringLiteral("\t"));
    m_crlf = new QCheckBox(tr("CRLF line ends (RFC 4180)"), this);
    m_crlf->setChecked(true);
    m_bom = new QCheckBox(tr("UTF-8 BOM (for Excel)"), this);
    m_epoch = new QCheckBox(tr("Times as epoch milliseconds"), this);
    m_guard = new QCheckBox(tr("Guard against formulas (prefix ' to text starting with = + - @)"), this);
    m_guard->setChecked(true);
    form->addRow(tr("Separator:"), m_delimiter);
    form->addRow(QString(), m_crlf);
    form->addRow(QString(), m_bom);
    form->addRow(QString(), m_epoch);
    form->addRow(QString(), m_guard);
    auto *pathRow = new QHBoxLayout;
    m_path = new QLineEdit(this);
    m_path->setPlaceholderText(tr("file.csv"));
    auto *browse = new QPushButton(tr("Browse..."), this);
    pathRow->addWidget(m_path, 1);
    pathRow->addWidget(browse);
    form->addRow(tr("Save to:"), pathRow);
    layout->addLayout(form);
    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 0);
    m_progress->setVisible(false);
    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    layout->addWidget(m_progress);
    layout->addWidget(m_status);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    m_export = buttons->addButton(tr("Export"), QDialogButtonBox::AcceptRole);
    m_close = buttons->button(QDialogButtonBox::Cancel);
    m_close->setObjectName(QStringLiteral("exportClose"));
    layout->addWidget(buttons);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString f = QFileDialog::getSaveFileName(this, tr("Export CSV"), m_path->text(), tr("CSV (*.csv)"));
        if (!f.isEmpty()) {
            m_path->setText(f);
        }
    });
    connect(m_table, &QComboBox::currentTextChanged, this, &ExportDialog::fillColumns);
    connect(m_export, &QPushButton::clicked, this, &ExportDialog::startExport);
    connect(buttons, &QDialogButtonBox::rejected, this, &ExportDialog::reject);
    fillColumns();
}

ExportDialog::~ExportDialog()
{
    if (m_cancel) {
        m_cancel->store(true); // the job holds its own references; it stops and cleans up
    }
}

void ExportDialog::fillColumns()
{
    m_columns->clear();
    for (const CsvColumn &c : exportColumns(m_table->currentText())) {
        auto *item = new QListWidgetItem(c.name, m_columns);
        item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
        item->setCheckState(Qt::Checked);
    }
}

void ExportDialog::setDestination(const QString &path)
{
    m_path->setText(path);
}

ExportRequest ExportDialog::request() const
{
    ExportRequest r;
    r.table = m_table->currentText();
    for (const QString &f : m_fixtures->text().split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        r.fixtures << f.trimmed();
    }
    r.market = m_market->text().trimmed();
    r.selection = m_selection->text().trimmed();
    r.source = m_source->text().trimmed();
    if (const QString from = m_from->text().trimmed(); !from.isEmpty()) {
        r.fromMs = parseIso8601Utc(from.toStdString());
    }
    if (const QString to = m_to->text().trimmed(); !to.isEmpty()) {
        r.toMs = parseIso8601Utc(to.toStdString());
    }
    bool all = true;
    for (int i = 0; i < m_columns->count(); ++i) {
        if (m_columns->item(i)->checkState() == Qt::Checked) {
            r.columns << m_columns->item(i)->text();
        } else {
            all = false;
        }
    }
    if (all) {
        r.columns.clear();
    }
    r.csv.delimiter = m_delimiter->currentData().toString().at(0).toLatin1();
    r.csv.crlf = m_crlf->isChecked();
    r.csv.bom = m_bom->isChecked();
    r.csv.epochMs = m_epoch->isChecked();
    r.csv.formulaGuard = m_guard->isChecked();
    return r;
}

void ExportDialog::startExport()
{
    if (m_running) {
        return;
    }
    const ExportRequest r = request();
    const QString path = m_path->text().trimmed();
    if (path.isEmpty()) {
        finish(false, tr("Choose where to save the file."));
        return;
    }
    for (QLineEdit *time : { m_from, m_to }) {
        if (!time->text().trimmed().isEmpty() && !parseIso8601Utc(time->text().trimmed().toStdString())) {
            finish(false, tr("'%1' is not an ISO 8601 UTC time like 2026-11-25T15:04:05.123Z.").arg(time->text()));
            return;
        }
    }
    if (auto v = validateExportRequest(r); !v) {
        finish(false, v.error().message);
        return;
    }
    m_running = true;
    m_export->setEnabled(false);
    m_close->setText(tr("Cancel"));
    m_progress->setVisible(true);
    m_status->setText(tr("Exporting..."));
    m_cancel = std::make_shared<std::atomic<bool>>(false);
    m_rows = std::make_shared<std::atomic<quint64>>(0);
    auto cancel = m_cancel;
    auto rows = m_rows;
    auto *timer = new QTimer(this);
    connect(timer, &QTimer::timeout, this, [this, rows] { m_status->setText(tr("%L1 rows...").arg(rows->load())); });
    timer->start(200);
    QPointer<ExportDialog> self(this);
    const StorageTarget target = m_storage;
    QThreadPool::globalInstance()->start([self, target, r, path, cancel, rows, timer] {
        QString message;
        bool ok = false;
        const QString partial = path + QStringLiteral(".partial");
        {
            auto storage = Storage::open(target, QStringLiteral("oddstap-export-%1").arg(quintptr(cancel.get())));
            QFile file(partial);
            if (!storage) {
                message = storage.error().message;
            } else if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
                message = QObject::tr("cannot write '%1': %2").arg(path, file.errorString());
            } else {
                auto result = exportCsv(**storage, r, file, [&](quint64 n) {
                    rows->store(n);
                    return !cancel->load();
                });
                file.close();
                if (!result) {
                    message = result.error().message;
                } else if (result->cancelled) {
                    message = QObject::tr("Cancelled after %L1 rows; no file was written.").arg(result->rows);
                } else {
                    const auto moved = replaceFile(partial, path);
                    ok = bool(moved);
                    message =
                        ok ? QObject::tr("%L1 rows written to %2").arg(result->rows).arg(path) : moved.error().message;
                }
            }
            if (!ok) {
                QFile::remove(partial);
            }
        }
        QMetaObject::invokeMethod(self.get(), [self, ok, message, timer] {
            if (self) {
                timer->deleteLater();
                self->finish(ok, message);
            }
        });
    });
}

void ExportDialog::finish(bool ok, const QString &message)
{
    m_running = false;
    m_export->setEnabled(true);
    // Done (or refused): nothing is left to cancel; another export can still be started.
    m_close->setText(tr("Close"));
    m_progress->setVisible(false);
    m_status->setText(message);
    m_lastMessage = message;
    emit exportFinished(ok, message);
}

void ExportDialog::reject()
{
    if (m_running && m_cancel) {
        m_cancel->store(true); // Cancel stops the export first; the dialog stays to say so
        m_status->setText(tr("Cancelling..."));
        return;
    }
    QDialog::reject();
}

} // namespace OddsTap

// SPDX-License-Identifier: MIT
#pragma once

#include <core/export/csvexport.h>

#include <QDialog>
#include <QPointer>

#include <atomic>
#include <memory>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QProgressBar;
class QPushButton;

namespace OddsTap {

/// Export a table as CSV: table, filters (pre-filled from the current selection), columns,
/// format options and destination; runs on the thread pool with a progress bar and Cancel. A
/// cancelled or failed export leaves no file (it is written as FILE.partial, then renamed).
class ExportDialog : public QDialog
{
    Q_OBJECT
public:
    ExportDialog(StorageTarget storage, const ExportRequest &prefill, QWidget *parent = nullptr);
    ~ExportDialog() override;

    void setDestination(const QString &path);
    /// Starts the export (what the Export button does).
    void startExport();
    bool isRunning() const { return m_running; }
    QString lastMessage() const { return m_lastMessage; }
    ExportRequest request() const;

signals:
    void exportFinished(bool ok, const QString &message);

protected:
    void reject() override;

private:
    void fillColumns();
    void finish(bool ok, const QString &message);

    StorageTarget m_storage;
    QComboBox *m_table = nullptr;
    QLineEdit *m_fixtures = nullptr;
    QLineEdit *m_market = nullptr;
    QLineEdit *m_selection = nullptr;
    QLineEdit *m_source = nullptr;
    QLineEdit *m_from = nullptr;
    QLineEdit *m_to = nullptr;
    QListWidget *m_columns = nullptr;
    QComboBox *m_delimiter = nullptr;
    QCheckBox *m_crlf = nullptr;
    QCheckBox *m_bom = nullptr;
    QCheckBox *m_epoch = nullptr;
    QCheckBox *m_guard = nullptr;
    QLineEdit *m_path = nullptr;
    QProgressBar *m_progress = nullptr;
    QLabel *m_status = nullptr;
    QPushButton *m_export = nullptr;
    QPushButton *m_close = nullptr; ///< Cancel until an export has finished, then Close
    bool m_running = false;
    QString m_lastMessage;
    std::shared_ptr<std::atomic<bool>> m_cancel;
    std::shared_ptr<std::atomic<quint64>> m_rows;
};

/// Writes rows of text fields as one CSV file (small, in-memory data: the chart's series or the
/// visible error log). Returns an error message, or empty on success.
QString writeCsvFile(const QString &path, const QStringList &header, const QList<QStringList> &rows,
    const QList<CsvKind> &kinds, const CsvOptions &options = {});

} // namespace OddsTap

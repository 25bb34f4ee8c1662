// SPDX-License-Identifier: MIT
#pragma once

#include <core/models/errorlogmodel.h>
#include <ui/panels/panel.h>

class QPlainTextEdit;
class QTableView;

namespace OddsTap {

class LogFilterProxy;

/// The error log: severity and text filters, the grouped lines newest first, and the raw text of
/// the selected one; copy and CSV export of what the filters show.
class ErrorLogPanel : public Panel
{
    Q_OBJECT
public:
    explicit ErrorLogPanel(QWidget *parent = nullptr);

    void applySnapshot(const SessionSnapshot &snapshot) override;
    void reset() override;

    ErrorLogModel &model() { return m_model; }
    /// Lines from the window itself (alerts, recording, replay), beside the session's.
    void append(const std::vector<LogEntry> &entries);
    /// Writes the lines the filters show as CSV; returns an error or "".
    QString exportVisible(const QString &path) const;

signals:
    /// A line for the status bar (lines copied, a file saved).
    void statusMessage(const QString &message);

private:
    QList<QStringList> visibleRows() const;
    void showDetail();
    void copySelection();

    ErrorLogModel m_model;
    LogFilterProxy *m_proxy = nullptr;
    QTableView *m_view = nullptr;
    QPlainTextEdit *m_detail = nullptr;
};

} // namespace OddsTap

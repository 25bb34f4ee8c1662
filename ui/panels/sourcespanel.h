// SPDX-License-Identifier: MIT
#pragma once

#include <core/models/sourcetablemodel.h>
#include <ui/panels/panel.h>

class QTableView;

namespace OddsTap {

/// The sources with their state and counters, and buttons to connect, disconnect and add one.
class SourcesPanel : public Panel
{
    Q_OBJECT
public:
    explicit SourcesPanel(QWidget *parent = nullptr);

    void applySnapshot(const SessionSnapshot &snapshot) override;
    void reset() override { }

    SourceTableModel &model()
    {
        return m_model;
    }

signals:
    void connectRequested(const QString &sourceId);
    void disconnectRequested(const QString &sourceId);
    void addRequested();

private:
    /// The selected source, or the only one; "" when neither.
    QString selectedSource() const;

    SourceTableModel m_model;
    QTableView *m_view = nullptr;
};

} // namespace OddsTap

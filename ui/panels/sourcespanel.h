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

    SourceTableModel &model() { return m_model; }

    /// The selected source, or the only one; "" when neither.
    QString selectedSource() const;
    /// The actions of the selected source (its context menu, and the Sources menu).
    QList<QAction *> sourceActions() const;

signals:
    void connectRequested(const QString &sourceId);
    void disconnectRequested(const QString &sourceId);
    void addRequested();
    void editRequested(const QString &sourceId);
    /// Kept in the saved list but not started (enabled false), or started again (true).
    void enableRequested(const QString &sourceId, bool enabled);
    void removeRequested(const QString &sourceId);

private:
    QList<QAction *> m_actions;

    SourceTableModel m_model;
    QTableView *m_view = nullptr;
};

} // namespace OddsTap

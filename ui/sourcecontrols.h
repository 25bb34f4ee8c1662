// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <QPointer>

class QMainWindow;
class QMenu;

namespace OddsTap {

class AppController;
class SourcesPanel;

/// The Sources menu and the Sources panel's actions: add a source, connect and disconnect it
/// for this session, enable or disable it (also for the next starts), remove it from the list.
/// Saved sources are changed through Settings; the running session follows at once.
/// Lives in: the GUI thread.
class SourceControls : public QObject
{
    Q_OBJECT
public:
    SourceControls(AppController *controller, QMainWindow *window, SourcesPanel *panel, QMenu *menu);

    void addSource();
    void setEnabled(const QString &sourceId, bool enabled);
    void remove(const QString &sourceId);

signals:
    void statusMessage(const QString &message);

private:
    /// A saved source with this id (the demo feed is not one).
    bool isSaved(const QString &sourceId) const;
    /// Whether the running session has it (it was enabled at start, or added since).
    bool inSession(const QString &sourceId) const;

    QPointer<AppController> m_controller;
    QMainWindow *m_window;
    SourcesPanel *m_panel;
};

} // namespace OddsTap

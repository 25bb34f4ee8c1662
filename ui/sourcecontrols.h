// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <QPointer>
#include <QSet>

class QMainWindow;
class QMenu;

namespace OddsTap {

class AppController;
class SourcesPanel;

/// The Sources menu and the Sources panel's actions: add and edit a source, connect and disconnect
/// it for this session, enable or disable it (also for the next starts), remove it from the list.
/// The demo feed is a source too: enabled or disabled like the others, never removed or edited.
/// Saved sources are changed through Settings; the running session follows at once, and the
/// panel lists what is off and leaves out what was removed.
/// Lives in: the GUI thread.
class SourceControls : public QObject
{
    Q_OBJECT
public:
    SourceControls(AppController *controller, QMainWindow *window, SourcesPanel *panel, QMenu *menu);

    void addSource();
    void editSource(const QString &sourceId);
    void setEnabled(const QString &sourceId, bool enabled);
    void remove(const QString &sourceId);

signals:
    void statusMessage(const QString &message);
    /// A saved source that cannot start (its token file unreadable, its URL or profile unusable),
    /// for the error log.
    void problem(const QString &message);

private:
    /// A saved source with this id (the demo feed is not one).
    bool isSaved(const QString &sourceId) const;
    /// The demo feed's row: its id once started, "demo" before.
    bool isDemo(const QString &sourceId) const;
    void setDemoEnabled(bool enabled);
    /// Tells the panel which sources are off and which were removed.
    void updateListing();

    QPointer<AppController> m_controller;
    QMainWindow *m_window;
    SourcesPanel *m_panel;
    bool m_demoOn = false; ///< the demo feed runs in this session
    QSet<QString> m_removed; ///< this session still has them, the list no longer
    /// Enabled and saved, but refused at start or at Enable (Settings::feedConfig()): listed as not
    /// started, so that they can be edited, disabled or removed.
    QSet<QString> m_notStarted;
};

} // namespace OddsTap

// SPDX-License-Identifier: MIT
#include "sourcecontrols.h"

#include <core/session/appcontroller.h>
#include <ui/dialogs/sourcedialog.h>
#include <ui/panels/sourcespanel.h>
#include <ui/settings.h>

#include <QAction>
#include <QMainWindow>
#include <QMenu>

#include <algorithm>

namespace OddsTap {

SourceControls::SourceControls(AppController *controller, QMainWindow *window, SourcesPanel *panel, QMenu *menu)
    : QObject(window)
    , m_controller(controller)
    , m_window(window)
    , m_panel(panel)
{
    QAction *add = menu->addAction(tr("&Add source..."), this, &SourceControls::addSource);
    add->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_N));
    menu->addSeparator();
    menu->addActions(panel->sourceActions());
    connect(panel, &SourcesPanel::addRequested, this, &SourceControls::addSource);
    connect(panel, &SourcesPanel::connectRequested, this, [this](const QString &id) {
        if (m_controller) {
            m_controller->connectSource(id);
        }
    });
    connect(panel, &SourcesPanel::disconnectRequested, this, [this](const QString &id) {
        if (m_controller) {
            m_controller->disconnectSource(id);
        }
    });
    connect(panel, &SourcesPanel::enableRequested, this, &SourceControls::setEnabled);
    connect(panel, &SourcesPanel::removeRequested, this, &SourceControls::remove);
}

void SourceControls::addSource()
{
    const auto config = SourceDialog::ask(m_window);
    if (!config) {
        return;
    }
    if (m_controller) {
        m_controller->addSource(*config);
    }
    emit statusMessage(tr("Added %1; it is saved and used on the next start too").arg(config->sourceId));
}

bool SourceControls::isSaved(const QString &sourceId) const
{
    const auto saved = Settings::sources();
    return std::any_of(saved.begin(), saved.end(), [&](const Settings::Source &s) { return s.id == sourceId; });
}

bool SourceControls::inSession(const QString &sourceId) const
{
    const SourceTableModel &m = m_panel->model();
    for (int r = 0; r < m.rowCount(); ++r) {
        if (m.sourceAt(r)->sourceId == sourceId) {
            return true;
        }
    }
    return false;
}

void SourceControls::setEnabled(const QString &sourceId, bool enabled)
{
    if (!isSaved(sourceId)) {
        emit statusMessage(tr("%1 is not a saved source (the demo feed runs while no source is enabled); use "
                              "Connect or Disconnect for this session")
                               .arg(sourceId));
        return;
    }
    Settings::setSourceEnabled(sourceId, enabled);
    if (m_controller) {
        if (!enabled) {
            m_controller->disconnectSource(sourceId);
        } else if (inSession(sourceId)) {
            m_controller->connectSource(sourceId);
        } else {
            for (const Settings::Source &s : Settings::sources()) {
                if (s.id == sourceId) {
                    if (const auto config = Settings::feedConfig(s)) {
                        m_controller->addSource(*config);
                    }
                }
            }
        }
    }
    emit statusMessage(enabled ? tr("Enabled %1: it starts now and on every start").arg(sourceId)
                               : tr("Disabled %1: stopped, and not started again until enabled").arg(sourceId));
}

void SourceControls::remove(const QString &sourceId)
{
    if (!isSaved(sourceId)) {
        emit statusMessage(tr("%1 is not a saved source; there is nothing to remove").arg(sourceId));
        return;
    }
    Settings::removeSource(sourceId);
    if (m_controller) {
        m_controller->disconnectSource(sourceId);
    }
    emit statusMessage(
        tr("Removed %1: disconnected, and gone from the list from the next start; what it stored stays in the database")
            .arg(sourceId));
}

} // namespace OddsTap

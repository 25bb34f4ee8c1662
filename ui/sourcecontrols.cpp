// SPDX-License-Identifier: MIT
#include "sourcecontrols.h"

#include <core/common/redact.h>
#include <core/session/appcontroller.h>
#include <ui/dialogs/sourcedialog.h>
#include <ui/panels/sourcespanel.h>
#include <ui/settings.h>

#include <QAction>
#include <QMainWindow>
#include <QMenu>

#include <algorithm>

namespace OddsTap {
namespace {
const QString kDemoId = QStringLiteral("demo");
} // namespace

SourceControls::SourceControls(AppController *controller, QMainWindow *window, SourcesPanel *panel, QMenu *menu)
    : QObject(window)
    , m_controller(controller)
    , m_window(window)
    , m_panel(panel)
    , m_demoOn(controller && controller->runsDemo())
{
    QAction *add = menu->addAction(tr("&Add source..."), this, &SourceControls::addSource);
    add->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_N));
    menu->addSeparator();
    menu->addActions(panel->sourceActions());
    connect(panel, &SourcesPanel::addRequested, this, &SourceControls::addSource);
    connect(panel, &SourcesPanel::editRequested, this, &SourceControls::editSource);
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
    if (controller && !controller->isReplay()) {
        for (const Settings::Source &s : Settings::sources()) {
            if (s.enabled && !Settings::feedConfig(s)) { // the error log has why (AppConfig::settingsProblems)
                m_notStarted.insert(s.id);
            }
        }
        connect(controller, &AppController::demoChanged, this, &SourceControls::updateListing);
        updateListing();
    }
}

void SourceControls::addSource()
{
    const auto config = SourceDialog::ask(m_window);
    if (!config) {
        return;
    }
    if (m_controller) {
        // The same id removed earlier in this session: the session still has it, with the old address.
        if (m_removed.remove(config->sourceId)) {
            m_controller->updateSource(*config);
            m_controller->connectSource(config->sourceId);
        } else {
            m_controller->addSource(*config);
        }
    }
    updateListing();
    emit statusMessage(tr("Added %1; it is saved and used on the next start too").arg(config->sourceId));
}

void SourceControls::editSource(const QString &sourceId)
{
    if (isDemo(sourceId)) {
        emit statusMessage(tr("The demo feed is the built-in simulator: there is nothing to edit; Disable switches "
                              "it off"));
        return;
    }
    const auto saved = Settings::sources();
    const auto it =
        std::find_if(saved.begin(), saved.end(), [&](const Settings::Source &s) { return s.id == sourceId; });
    if (it == saved.end()) {
        emit statusMessage(tr("%1 is not a saved source; add it with Sources ▸ Add source").arg(sourceId));
        return;
    }
    const auto config = SourceDialog::edit(m_window, *it);
    if (!config) {
        return;
    }
    if (m_controller && it->enabled) {
        m_controller->updateSource(*config);
        if (m_notStarted.remove(sourceId)) { // refused at start: the session never had it
            m_controller->connectSource(sourceId);
        }
    }
    updateListing();
    emit statusMessage(it->enabled ? tr("Changed %1: it reconnects to %2").arg(sourceId, redactedUrl(config->url))
                                   : tr("Changed %1; it stays disabled until enabled").arg(sourceId));
}

bool SourceControls::isSaved(const QString &sourceId) const
{
    const auto saved = Settings::sources();
    return std::any_of(saved.begin(), saved.end(), [&](const Settings::Source &s) { return s.id == sourceId; });
}

bool SourceControls::isDemo(const QString &sourceId) const
{
    const QString running = m_controller ? m_controller->demoSourceId() : QString();
    return sourceId == (running.isEmpty() ? kDemoId : running);
}

void SourceControls::setDemoEnabled(bool enabled)
{
    Settings::setDemoEnabled(enabled);
    m_demoOn = enabled;
    if (m_controller) {
        m_controller->setDemoEnabled(enabled);
    }
    updateListing();
    const QString db = m_controller ? m_controller->storageDescription() : QString();
    emit statusMessage(enabled ? tr("The demo feed is on, now and on every start; it stores into %1").arg(db)
                               : tr("The demo feed is off, now and on every start; Enable switches it on again"));
}

void SourceControls::setEnabled(const QString &sourceId, bool enabled)
{
    if (isDemo(sourceId)) {
        setDemoEnabled(enabled);
        return;
    }
    if (!isSaved(sourceId)) {
        emit statusMessage(tr("%1 is not a saved source; use Connect or Disconnect for this session").arg(sourceId));
        return;
    }
    Settings::setSourceEnabled(sourceId, enabled);
    m_notStarted.remove(sourceId);
    if (m_controller && !enabled) {
        m_controller->disconnectSource(sourceId);
    } else if (m_controller) {
        for (const Settings::Source &s : Settings::sources()) {
            if (s.id != sourceId) {
                continue;
            }
            const auto config = Settings::feedConfig(s);
            if (!config) {
                m_notStarted.insert(sourceId); // enabled, and listed as not started until edited
                updateListing();
                emit problem(config.error().message);
                emit statusMessage(config.error().message);
                return;
            }
            // Added when the session never had it (disabled at start), else given what is saved
            // now and connected again.
            m_controller->updateSource(*config);
            m_controller->connectSource(sourceId);
        }
    }
    updateListing();
    emit statusMessage(enabled ? tr("Enabled %1: it starts now and on every start").arg(sourceId)
                               : tr("Disabled %1: stopped, and not started again until enabled").arg(sourceId));
}

void SourceControls::remove(const QString &sourceId)
{
    if (isDemo(sourceId)) {
        emit statusMessage(tr("The demo feed cannot be removed; Disable switches it off for good"));
        return;
    }
    if (!isSaved(sourceId)) {
        emit statusMessage(tr("%1 is not a saved source; there is nothing to remove").arg(sourceId));
        return;
    }
    Settings::removeSource(sourceId);
    m_notStarted.remove(sourceId);
    if (m_controller) {
        m_controller->disconnectSource(sourceId);
    }
    m_removed.insert(sourceId);
    updateListing();
    emit statusMessage(
        tr("Removed %1: disconnected and out of the list; what it stored stays in the database").arg(sourceId));
}

void SourceControls::updateListing()
{
    std::vector<SourceTableModel::OffSource> off;
    for (const Settings::Source &s : Settings::sources()) {
        if (!s.enabled) {
            off.push_back({ s.id, redactedUrl(s.url), tr("disabled") });
        } else if (m_notStarted.contains(s.id)) {
            off.push_back({ s.id, redactedUrl(s.url), tr("not started (the error log says why; Edit to fix)") });
        }
    }
    // Off as the user chose it, or because its simulator could not start (the error log says why).
    if (!m_demoOn || (m_controller && m_controller->demoSourceId().isEmpty())) {
        const QString id =
            m_controller && !m_controller->demoSourceId().isEmpty() ? m_controller->demoSourceId() : kDemoId;
        off.push_back({ id, tr("built-in simulator"),
            Settings::demoEnabled().has_value() ? tr("off") : tr("off (runs while no source is enabled)") });
    }
    m_panel->model().setListing(std::move(off), m_removed);
}

} // namespace OddsTap

// SPDX-License-Identifier: MIT
#include "alertnotifier.h"

#include <core/common/timeutil.h>
#include <ui/panels/alertspanel.h>
#include <ui/settings.h>

#include <QApplication>
#include <QSystemTrayIcon>
#include <QWidget>

namespace OddsTap {

AlertNotifier::AlertNotifier(AlertsPanel *panel, QWidget *window)
    : QObject(window)
    , m_window(window)
{
    connect(panel, &AlertsPanel::alertsRaised, this, &AlertNotifier::onAlerts);
    // What fired during the quiet time is announced when it ends, not only when the next alert comes.
    m_flush.setSingleShot(true);
    connect(&m_flush, &QTimer::timeout, this, [this] {
        if (m_pending > 0) {
            onAlerts(0, m_lastNewest);
        }
    });
    m_notify = Settings::alertNotifications();
    m_sound = Settings::alertSound();
}

void AlertNotifier::setNotifications(bool on)
{
    m_notify = on;
}

void AlertNotifier::setSound(bool on)
{
    m_sound = on;
}

void AlertNotifier::onAlerts(int count, const QString &newest)
{
    m_pending += count;
    m_lastNewest = newest;
    const qint64 now = monotonicNs();
    if (!m_notify && !m_sound) {
        m_pending = 0;
        return;
    }
    if (m_lastNs != 0 && now - m_lastNs < kQuietMs * 1000000) {
        if (!m_flush.isActive()) {
            m_flush.start(int((m_lastNs + kQuietMs * 1000000 - now) / 1000000) + 1);
        }
        return;
    }
    m_lastNs = now;
    m_lastMessage = m_pending == 1 ? newest : tr("%1 alerts, the newest: %2").arg(m_pending).arg(newest);
    m_pending = 0;
    ++m_shown;
    if (m_sound) {
        QApplication::beep();
    }
    if (!m_notify) {
        return;
    }
    if (!m_tray && QSystemTrayIcon::isSystemTrayAvailable()) {
        m_tray = new QSystemTrayIcon(m_window->windowIcon(), this);
        m_tray->setToolTip(QStringLiteral("OddsTap"));
        m_tray->show();
        connect(m_tray, &QSystemTrayIcon::messageClicked, m_window, [window = m_window] {
            window->showNormal();
            window->raise();
            window->activateWindow();
        });
    }
    if (m_tray) {
        m_tray->showMessage(tr("OddsTap alert"), m_lastMessage, QSystemTrayIcon::Information, 8000);
    }
}

} // namespace OddsTap

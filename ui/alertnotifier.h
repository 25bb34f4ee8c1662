// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <QString>
#include <QTimer>

class QSystemTrayIcon;

namespace OddsTap {

class AlertsPanel;

/// Alerts beyond the window: a desktop notification (through the system tray, where the desktop
/// has one) and a beep, each at most once every few seconds however many alerts fire, saying how
/// many and the newest; what fires meanwhile is announced when the quiet time ends. Live alerts
/// only (a replay's are history). Both are switched in View ▸ Alerts and kept between runs.
class AlertNotifier : public QObject
{
    Q_OBJECT
public:
    AlertNotifier(AlertsPanel *panel, QWidget *window);

    void setNotifications(bool on);
    void setSound(bool on);
    bool notifications() const { return m_notify; }
    bool sound() const { return m_sound; }
    /// What the last notification said, and how many were given (tests; the tray may be absent).
    const QString &lastMessage() const { return m_lastMessage; }
    int shown() const { return m_shown; }

    /// Between two notifications (or beeps) at least this long; what fires meanwhile is counted in.
    static constexpr qint64 kQuietMs = 5000;

private:
    void onAlerts(int count, const QString &newest);

    QWidget *m_window;
    QSystemTrayIcon *m_tray = nullptr;
    bool m_notify = true;
    bool m_sound = false;
    qint64 m_lastNs = 0;
    int m_pending = 0; ///< alerts since the last notification
    QString m_lastMessage;
    QString m_lastNewest;
    QTimer m_flush; ///< announces what the quiet time held back
    int m_shown = 0;
};

} // namespace OddsTap

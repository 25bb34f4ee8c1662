// SPDX-License-Identifier: MIT
#pragma once

#include <core/session/sessionsnapshot.h>

#include <QObject>
#include <QPointer>

class QAction;
class QLabel;
class QMainWindow;
class QMenu;

namespace OddsTap {

class AppController;

/// The Record menu and the recording indicator in the menu bar's corner: record into a new
/// capture, keep the last minutes in memory and save them after an incident.
/// Lives in: the GUI thread; the recorder itself runs in the session.
class RecordingControls : public QObject
{
    Q_OBJECT
public:
    /// Fills `menu` and puts the indicator in `window`'s menu bar corner.
    RecordingControls(AppController *controller, QMainWindow *window, QMenu *menu);

    QAction *recordAction() const { return m_recordAction; }
    /// What the indicator says ("" when nothing is recorded).
    QString text() const;
    /// Starts recording into `path`; false if it cannot (a capture is never overwritten).
    bool start(const QString &path);
    void update(const RecorderStatus &status);
    /// Where captures go by default (created if missing).
    static QString capturesDirectory();

signals:
    /// Into the error log and the status bar.
    void notify(OddsTap::LogSeverity severity, OddsTap::LogKind kind, const QString &message);
    /// For the status bar only.
    void statusMessage(const QString &message);

private:
    void toggle();
    void saveRing();
    /// A new capture file's path from a save dialog; "" when cancelled or the file exists.
    QString askNewPath(const QString &title, const QString &prefix);

    QPointer<AppController> m_controller;
    QMainWindow *m_window;
    QAction *m_recordAction = nullptr;
    QAction *m_ringAction = nullptr;
    QAction *m_saveRingAction = nullptr;
    QLabel *m_label = nullptr;
    bool m_recording = false;
};

} // namespace OddsTap

// SPDX-License-Identifier: MIT
#include "recordingcontrols.h"

#include <core/common/timeutil.h>
#include <core/replay/capturefile.h>
#include <core/session/appcontroller.h>
#include <core/storage/storage.h>
#include <ui/delegates/livedelegate.h>

#include <QAction>
#include <QDateTime>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QMainWindow>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPainter>
#include <QStandardPaths>
#include <QToolButton>

namespace OddsTap {
namespace {

constexpr qint64 kRingMinutes = 5; ///< what "Keep the last minutes" keeps

} // namespace

RecordingControls::RecordingControls(AppController *controller, QMainWindow *window, QMenu *menu)
    : QObject(window)
    , m_controller(controller)
    , m_window(window)
{
    QPixmap dot(16, 16);
    dot.fill(Qt::transparent);
    {
        QPainter painter(&dot);
        painter.setRenderHint(QPainter::Antialiasing);
        painter.setPen(Qt::NoPen);
        painter.setBrush(LiveColours::forPalette(window->palette()).bad);
        painter.drawEllipse(QRectF(2, 2, 12, 12));
    }
    m_recordAction = menu->addAction(QIcon(dot), tr("&Record..."), this, &RecordingControls::toggle);
    m_recordAction->setObjectName(QStringLiteral("recordAction"));
    m_recordAction->setCheckable(true);
    m_recordAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    m_recordAction->setToolTip(tr("Record every raw frame and connection event into a capture file (Ctrl+R)"));
    m_ringAction = menu->addAction(tr("&Keep the last %1 minutes in memory").arg(kRingMinutes));
    m_ringAction->setObjectName(QStringLiteral("ringAction"));
    m_ringAction->setCheckable(true);
    m_ringAction->setToolTip(tr("Keeps the last minutes of raw frames in memory, so that after an incident you "
                                "can save what led to it"));
    m_saveRingAction =
        menu->addAction(tr("&Save the last %1 minutes...").arg(kRingMinutes), this, &RecordingControls::saveRing);
    m_saveRingAction->setObjectName(QStringLiteral("saveRingAction"));
    m_saveRingAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S));
    m_saveRingAction->setEnabled(false);
    connect(m_ringAction, &QAction::toggled, this, [this](bool on) {
        m_saveRingAction->setEnabled(on);
        if (m_controller) {
            m_controller->setRing(on ? kRingMinutes * 60 * 1000 : 0);
        }
    });

    // In the menu bar's corner: always in sight, and no toolbar row taken from the panels.
    auto *corner = new QWidget(window->menuBar());
    corner->setObjectName(QStringLiteral("recordBar"));
    auto *row = new QHBoxLayout(corner);
    row->setContentsMargins(0, 0, 6, 0);
    m_label = new QLabel(corner);
    m_label->setObjectName(QStringLiteral("recordLabel"));
    auto *button = new QToolButton(corner);
    button->setObjectName(QStringLiteral("recordButton"));
    button->setDefaultAction(m_recordAction);
    button->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    button->setAutoRaise(true);
    row->addWidget(m_label);
    row->addWidget(button);
    window->menuBar()->setCornerWidget(corner, Qt::TopRightCorner);

    if (!m_controller) {
        return;
    }
    connect(m_controller, &AppController::recordingFinished, this,
        [this](const QString &path, quint64 frames, const QString &error) {
            m_recording = false;
            m_recordAction->setChecked(false);
            emit notify(error.isEmpty() ? LogSeverity::Info : LogSeverity::Error, LogKind::Recording,
                error.isEmpty() ? tr("Recording saved: %1 (%2 frames)").arg(path).arg(frames)
                                : tr("Recording into %1 stopped: %2 (%3 frames kept)").arg(path, error).arg(frames));
        });
    connect(m_controller, &AppController::ringSaved, this,
        [this](const QString &path, quint64 frames, const QString &error) {
            emit notify(error.isEmpty() ? LogSeverity::Info : LogSeverity::Error, LogKind::Recording,
                error.isEmpty() ? tr("Saved the last minutes: %1 (%2 frames)").arg(path).arg(frames)
                                : tr("Could not save the last minutes into %1: %2").arg(path, error));
        });
}

QString RecordingControls::text() const
{
    return m_label->text();
}

void RecordingControls::update(const RecorderStatus &status)
{
    const QLocale locale;
    QStringList parts;
    if (status.recording) {
        const qint64 s = std::max<qint64>(0, (wallClockMs() - status.startedAtMs) / 1000);
        parts << tr("● REC %1:%2:%3 · %4 frames · %5")
                     .arg(s / 3600, 2, 10, QLatin1Char('0'))
                     .arg((s / 60) % 60, 2, 10, QLatin1Char('0'))
                     .arg(s % 60, 2, 10, QLatin1Char('0'))
                     .arg(locale.toString(qulonglong(status.frames)),
                         locale.formattedDataSize(qint64(status.fileBytes), 1, QLocale::DataSizeTraditionalFormat));
    }
    if (status.ringEnabled) {
        parts << tr("last %1 s in memory (%2 frames, %3)")
                     .arg(status.ringSpanMs / 1000)
                     .arg(locale.toString(qulonglong(status.ringFrames)),
                         locale.formattedDataSize(qint64(status.ringBytes), 1, QLocale::DataSizeTraditionalFormat));
    }
    if (!status.error.isEmpty()) {
        parts << tr("recording error: %1").arg(status.error);
    }
    m_label->setText(parts.join(QStringLiteral("  ·  ")));
    // The menu bar lays its corner out only when the corner is set or the bar resized: a
    // longer text would be cut to "● …". Setting it again lays it out for the new width.
    QWidget *corner = m_label->parentWidget();
    if (corner->width() < corner->sizeHint().width()) {
        corner->adjustSize();
        m_window->menuBar()->setCornerWidget(corner, Qt::TopRightCorner);
    }
    m_label->setToolTip(status.recording ? tr("Recording into %1").arg(status.path) : QString());
    QPalette pal = m_label->palette();
    pal.setColor(QPalette::WindowText,
        status.recording || !status.error.isEmpty() ? LiveColours::forPalette(m_window->palette()).bad
                                                    : m_window->palette().color(QPalette::WindowText));
    m_label->setPalette(pal);
    if (m_recording != status.recording && status.error.isEmpty()) {
        m_recording = status.recording;
        m_recordAction->setChecked(status.recording);
    }
}

bool RecordingControls::start(const QString &path)
{
    if (!m_controller || path.isEmpty()) {
        return false;
    }
    if (const QString refused = CaptureWriter::refusedName(path); !refused.isEmpty()) {
        emit notify(LogSeverity::Warning, LogKind::Recording, refused);
        return false;
    }
    QDir().mkpath(QFileInfo(path).absolutePath());
    m_recording = true;
    m_recordAction->setChecked(true);
    m_controller->startRecording(path, QString());
    emit statusMessage(tr("Recording into %1").arg(path));
    return true;
}

QString RecordingControls::capturesDirectory()
{
    const QString dir = QDir(StorageTarget::dataDirectory()).filePath(QStringLiteral("captures"));
    QDir().mkpath(dir);
    return dir;
}

QString RecordingControls::askNewPath(const QString &title, const QString &prefix)
{
    const QString suggested = capturesDirectory()
        + QStringLiteral("/%1-%2.odtc")
              .arg(prefix, QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMdd-HHmmss")));
    const QString path = QFileDialog::getSaveFileName(
        m_window, title, suggested, tr("OddsTap captures (*.odtc)"), nullptr, QFileDialog::DontConfirmOverwrite);
    if (const QString refused = path.isEmpty() ? QString() : CaptureWriter::refusedName(path); !refused.isEmpty()) {
        QMessageBox::warning(m_window, title, refused);
        return {};
    }
    return path;
}

void RecordingControls::toggle()
{
    if (m_recording) {
        m_recordAction->setChecked(true); // until the recorder confirms it has finished
        if (m_controller) {
            m_controller->stopRecording();
        }
        return;
    }
    m_recordAction->setChecked(false);
    start(askNewPath(tr("Record into a new capture file"), QStringLiteral("oddstap")));
}

void RecordingControls::saveRing()
{
    if (!m_controller) {
        return;
    }
    const QString path = askNewPath(tr("Save the last minutes"), QStringLiteral("incident"));
    if (!path.isEmpty()) {
        m_controller->saveRing(path, QString());
    }
}

} // namespace OddsTap

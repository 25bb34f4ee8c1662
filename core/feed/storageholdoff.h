// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/storagebacklog.h>

#include <QObject>
#include <QString>

#include <functional>
#include <memory>

class QTimer;

namespace OddsTap {

/// A live source's hold-off while storage cannot keep up (StorageBacklog::full()): says when to
/// close the connection, and calls back once storage caught up, to connect again and resume from
/// the last seq (what is held stays held, the server sends the rest again). Reading on would only
/// fill memory. Lives in: the source's thread.
class StorageHoldOff : public QObject
{
    Q_OBJECT
public:
    explicit StorageHoldOff(QString sourceId, QObject *parent = nullptr);

    void setBacklog(std::shared_ptr<const StorageBacklog> backlog) { m_backlog = std::move(backlog); }
    /// True when the source must close its connection now: it is holding off from here on, and
    /// reason() says why and what to check (logged once as a warning).
    bool begin();
    bool holding() const { return m_holding; }
    QString reason() const { return m_reason; }
    /// What the source's state says while it waits.
    QString waitingText(quint64 lastSeq) const;
    /// After the connection closed: @p resume is called once storage caught up.
    void waitThenResume(std::function<void()> resume);
    /// A new connection or a stop: no longer holding off.
    void cancel();
    /// How often it looked whether storage caught up.
    quint64 polls() const { return m_polls; }

private:
    QString m_sourceId;
    std::shared_ptr<const StorageBacklog> m_backlog; ///< null: nothing to hold off for
    QTimer *m_poll = nullptr;
    std::function<void()> m_resume;
    bool m_holding = false;
    enum class Cause
    {
        Storage,
        Pipeline,
        Intake
    };
    Cause m_cause = Cause::Storage; ///< what the source holds off for
    quint64 m_polls = 0;
    QString m_reason;
};

} // namespace OddsTap

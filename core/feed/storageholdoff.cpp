// SPDX-License-Identifier: MIT
#include "storageholdoff.h"

#include <core/common/logging.h>

#include <QTimer>

namespace OddsTap {
namespace {
constexpr int kPollMs = 250; ///< how often a source holding off looks at the backlog
} // namespace

StorageHoldOff::StorageHoldOff(QString sourceId, QObject *parent)
    : QObject(parent)
    , m_sourceId(std::move(sourceId))
    , m_poll(new QTimer(this))
{
    m_poll->setInterval(kPollMs);
    connect(m_poll, &QTimer::timeout, this, [this] {
        ++m_polls;
        if (!m_backlog->caughtUp()) {
            return;
        }
        m_poll->stop();
        m_holding = false;
        qCWarning(lcFeed).noquote() << QStringLiteral("[%1] %2 caught up: resuming")
                                           .arg(m_sourceId,
                                               m_cause == Cause::Pipeline     ? QStringLiteral("the pipeline")
                                                   : m_cause == Cause::Intake ? QStringLiteral("the spool")
                                                                              : QStringLiteral("storage"));
        if (m_resume) {
            m_resume();
        }
    });
}

bool StorageHoldOff::begin()
{
    if (m_holding || !m_backlog || !m_backlog->full()) {
        return false;
    }
    m_holding = true;
    m_cause = m_backlog->storageFull() ? Cause::Storage : m_backlog->pipelineBehind() ? Cause::Pipeline : Cause::Intake;
    if (m_cause == Cause::Intake) {
        m_reason = QStringLiteral("holding off: %1 events wait in memory for the spool's thread, which has not run "
                                  "(the machine is busy); the feed resumes from its last seq once it took them")
                       .arg(m_backlog->posted.load());
        qCWarning(lcFeed).noquote() << QStringLiteral("[%1] %2").arg(m_sourceId, m_reason);
        return true;
    }
    m_reason = m_cause == Cause::Pipeline
        ? QStringLiteral("holding off: %1 events wait in memory for the pipeline, which has taken none for %2 ms "
                         "(its thread did not run: the machine is busy, or it waited for storage); the feed resumes "
                         "from its last seq once they are processed")
              .arg(m_backlog->unprocessed.load())
              .arg(m_backlog->sincePipelineProgressNs() / 1000000)
        : QStringLiteral("holding off: %1 events wait in memory for storage (the spool refuses them: its disk is "
                         "full, or the spool holds its most, and the database has not taken them yet); check the "
                         "database, and the free space of its and the spool's disks")
              .arg(m_backlog->inMemory());
    qCWarning(lcFeed).noquote() << QStringLiteral("[%1] %2").arg(m_sourceId, m_reason);
    return true;
}

QString StorageHoldOff::waitingText(quint64 lastSeq) const
{
    if (m_cause == Cause::Intake) {
        return QStringLiteral("waiting for the spool: resuming from seq %1 once at most %2 events wait for it")
            .arg(lastSeq)
            .arg(StorageBacklog::kPostedCap / 2);
    }
    if (m_cause == Cause::Pipeline) {
        return QStringLiteral("waiting for the pipeline: resuming from seq %1 once at most %2 events wait for it")
            .arg(lastSeq)
            .arg(StorageBacklog::kUnprocessedFloor / 2);
    }
    return QStringLiteral("waiting for storage: resuming from seq %1 once at most %2 events the spool's disk refused "
                          "wait in memory")
        .arg(lastSeq)
        .arg(StorageBacklog::kRefusedAllowance / 2);
}

void StorageHoldOff::waitThenResume(std::function<void()> resume)
{
    m_resume = std::move(resume);
    m_poll->start();
}

void StorageHoldOff::cancel()
{
    m_poll->stop();
    m_holding = false;
}

} // namespace OddsTap

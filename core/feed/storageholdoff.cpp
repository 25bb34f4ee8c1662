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
                                               m_pipeline ? QStringLiteral("the pipeline") : QStringLiteral("storage"));
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
    m_pipeline = !m_backlog->storageFull();
    m_reason = m_pipeline
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
    if (m_pipeline) {
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

// SPDX-License-Identifier: MIT
#include "sessionsnapshot.h"

#include <core/common/timeutil.h>

#include <QUrl>

namespace OddsTap {

QString logKindText(LogKind kind)
{
    switch (kind) {
    case LogKind::Reject:
        return QStringLiteral("reject");
    case LogKind::FeedError:
        return QStringLiteral("feed error");
    case LogKind::Connection:
        return QStringLiteral("connection");
    case LogKind::Gap:
        return QStringLiteral("gap");
    case LogKind::Storage:
        return QStringLiteral("storage");
    case LogKind::Spool:
        return QStringLiteral("spool");
    case LogKind::Alert:
        return QStringLiteral("alert");
    case LogKind::Recording:
        return QStringLiteral("recording");
    case LogKind::Replay:
        return QStringLiteral("replay");
    case LogKind::Cache:
        return QStringLiteral("cache");
    case LogKind::Log:
        return QStringLiteral("log");
    case LogKind::App:
        break;
    }
    return QStringLiteral("app");
}

LogEntry LogEntry::note(LogKind kind, LogSeverity severity, const QString &message)
{
    return { .atMs = wallClockMs(), .severity = severity, .kind = kind, .message = message };
}

} // namespace OddsTap

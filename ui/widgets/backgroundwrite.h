// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <QPointer>
#include <QString>
#include <QThreadPool>

#include <functional>

namespace OddsTap {

/// Runs `write` (which returns an error or "") on the thread pool, so that file I/O never runs on
/// the GUI thread, then calls `done` with what to tell the user, on `context`'s thread, if
/// `context` still exists. `write` must own copies of its data.
inline void writeInBackground(QObject *context, const QString &path, std::function<QString()> write,
    std::function<void(const QString &message)> done)
{
    QPointer<QObject> guard(context);
    QThreadPool::globalInstance()->start([guard, path, write = std::move(write), done = std::move(done)] {
        const QString error = write();
        QMetaObject::invokeMethod(guard.get(), [guard, path, error, done] {
            if (guard) {
                done(error.isEmpty() ? QObject::tr("Saved %1").arg(path) : error);
            }
        });
    });
}

} // namespace OddsTap

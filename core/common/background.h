// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <QThread>

#include <memory>
#include <optional>
#include <type_traits>

namespace OddsTap {

/// Runs @p work on a thread of its own and then @p done with its result on @p context's thread,
/// so a window never waits for a file (a rules file on a slow mount, a named pipe). When
/// @p context is gone by then, @p done is not called (the connection dies with it).
/// Called from: @p context's thread.
template <typename Work, typename Done> void runInBackground(QObject *context, Work work, Done done)
{
    using Value = std::invoke_result_t<Work &>;
    auto result = std::make_shared<std::optional<Value>>();
    QThread *thread = QThread::create([result, work = std::move(work)]() mutable { result->emplace(work()); });
    // finished is emitted on the worker thread: queued to the context's, after the result is set.
    QObject::connect(
        thread, &QThread::finished, context, [result, done = std::move(done)]() mutable { done(std::move(**result)); },
        Qt::QueuedConnection);
    QObject::connect(thread, &QThread::finished, thread, &QObject::deleteLater);
    thread->start();
}

} // namespace OddsTap

// SPDX-License-Identifier: MIT
#pragma once

class QObject;
class QThread;

namespace OddsTap {

/// Deletes @p object on @p thread when the thread finishes, and frees what OpenSSL keeps for that
/// thread. OpenSSL otherwise frees it from a thread-exit destructor, which runs after
/// QThread::wait() has returned; a process that exits right then (a short CLI capture) runs
/// OPENSSL_cleanup() at the same time, and the thread's destructor crashes on freed locks.
/// Every thread that may use TLS (a wss:// or Betfair feed, PostgreSQL, a webhook) ends this way.
/// Called from: the thread that owns @p thread, before starting it.
void deleteWhenFinished(QThread &thread, QObject *object);

/// Makes OpenSSL keep its shared state until the process is gone, for threads that end without
/// deleteWhenFinished(). Called from: main(), before any thread starts.
void keepOpenSslUntilTheEnd();

} // namespace OddsTap

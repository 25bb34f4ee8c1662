// SPDX-License-Identifier: MIT
#include "threadend.h"

#include <QPointer>
#include <QThread>

#include <openssl/crypto.h>

namespace OddsTap {

void deleteWhenFinished(QThread &thread, QObject *object)
{
    // Direct: `finished` is emitted on the finishing thread, which owns @p object, before
    // QThread::wait() returns. Single-shot: a thread that is started again (a source reconnected,
    // a replay seek) gets a new connection for its new object. A QPointer: an owner may have
    // deleted the object already (deleteLater before quit()).
    QObject::connect(
        &thread, &QThread::finished, &thread,
        [object = QPointer<QObject>(object)] {
            delete object.data();
            OPENSSL_thread_stop();
        },
        Qt::ConnectionType(Qt::DirectConnection | Qt::SingleShotConnection));
}

void keepOpenSslUntilTheEnd()
{
    // The first initialisation decides whether OpenSSL frees its shared state at exit. Threads it
    // does not know of (Qt's network thread, the thread pool's, libpq's) may still free their own
    // state while exit() runs: without the shared state freed under them, that is harmless.
    OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, nullptr);
}

} // namespace OddsTap

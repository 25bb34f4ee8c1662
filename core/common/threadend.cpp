// SPDX-License-Identifier: MIT
#include "threadend.h"

#include <QPointer>
#include <QThread>

#include <openssl/crypto.h>

namespace OddsTap {

void deleteWhenFinished(QThread &thread, QObject *object)
{
    // No context object: the slot runs on the finishing thread itself, which owns @p object, before
    // QThread::wait() returns (unlike deleteLater, which would leave OpenSSL's state to the exit).
    // A QPointer: an owner may have deleted the object already (a connection to the object itself
    // would have gone with it).
    QObject::connect(&thread, &QThread::finished, [object = QPointer<QObject>(object)] {
        delete object.data();
        OPENSSL_thread_stop();
    });
}

} // namespace OddsTap

// SPDX-License-Identifier: MIT
// What the clients that keep a connection alive share (the WebSocket feed client, the Betfair
// stream client): the backoff between attempts and the words for a refused certificate.
#pragma once

#include <core/common/rng.h>

#include <QList>
#include <QSslError>
#include <QStringList>

#include <algorithm>

namespace OddsTap {

/// Full jitter: uniform in [0, min(max, initial * 2^attempt)]; counts the attempt.
inline int fullJitterBackoffMs(Rng &rng, int &attempt, int initialMs, int maxMs)
{
    const qint64 ceiling = std::min<qint64>(maxMs, qint64(initialMs) << std::min(attempt, 20));
    ++attempt;
    return int(rng.below(quint64(ceiling) + 1));
}

/// "TLS verification failed: ..." with each error Qt found.
inline QString tlsFailure(const QList<QSslError> &errors)
{
    QStringList texts;
    for (const QSslError &e : errors) {
        texts << e.errorString();
    }
    return QStringLiteral("TLS verification failed: ") + texts.join(QLatin1String("; "));
}

} // namespace OddsTap

// SPDX-License-Identifier: MIT
#include "redact.h"

#include <QRegularExpression>

namespace OddsTap {

QString redactedUrl(const QUrl &url)
{
    if (!url.isValid()) {
        return redactedUrlText(url.toString());
    }
    return url.adjusted(QUrl::RemoveUserInfo | QUrl::RemoveQuery | QUrl::RemoveFragment).toString();
}

QString redactedUrlText(const QString &text)
{
    QString out = text;
    const qsizetype authority = out.indexOf(QLatin1String("//"));
    if (authority >= 0) {
        const qsizetype at = out.lastIndexOf(QLatin1Char('@'));
        if (at > authority) {
            // Marked, so that what follows is not taken for the host when the '@' was in a query.
            out.replace(authority + 2, at - (authority + 2), QStringLiteral("…"));
        }
    }
    const qsizetype cut = out.indexOf(QRegularExpression(QStringLiteral("[?#]")));
    if (cut >= 0) {
        out.truncate(cut);
    }
    return out;
}

QString urlOrigin(const QUrl &url)
{
    QUrl origin;
    origin.setScheme(url.scheme());
    origin.setHost(url.host());
    origin.setPort(url.port());
    const QString path = url.path();
    return origin.toString() + (path.isEmpty() || path == QLatin1String("/") ? QString() : QStringLiteral("/…"));
}

bool constantTimeEquals(QByteArrayView a, QByteArrayView b)
{
    if (a.size() != b.size()) {
        return false;
    }
    unsigned char diff = 0;
    for (qsizetype i = 0; i < a.size(); ++i) {
        diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    }
    return diff == 0;
}

QString urlError(const QUrl &url)
{
    QString why = url.errorString();
    if (const qsizetype source = why.indexOf(QLatin1String("; source was")); source >= 0) {
        why.truncate(source);
    }
    return why.isEmpty() ? QStringLiteral("not a URL") : why;
}

} // namespace OddsTap

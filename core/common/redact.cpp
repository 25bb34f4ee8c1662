// SPDX-License-Identifier: MIT
#include "redact.h"

#include <QRegularExpression>

namespace OddsTap {
namespace {

/// The length of the text's scheme ("ws" of "ws://..."), or 0 if it starts with none.
qsizetype schemeLength(const QString &text)
{
    static const QRegularExpression scheme(QStringLiteral("^[A-Za-z][A-Za-z0-9+.-]*:"));
    const QRegularExpressionMatch m = scheme.match(text);
    return m.hasMatch() ? m.capturedLength() - 1 : 0;
}

} // namespace

QString redactedUrl(const QUrl &url)
{
    if (!url.isValid()) {
        return QString(); // QUrl keeps no text for an invalid URL: the caller has it (redactedUrlText)
    }
    QUrl shown = url.adjusted(QUrl::RemoveUserInfo | QUrl::RemoveQuery | QUrl::RemoveFragment);
    if (shown.path().contains(QLatin1Char('@'))) {
        // ws://u:1/secret@host/x parses as host "u", port 1 and that path: a password with an
        // unencoded '/'.
        shown.setPath(QStringLiteral("/…"));
    }
    return shown.toString();
}

QString redactedUrl(const QString &text)
{
    const QUrl url(text);
    return url.isValid() ? redactedUrl(url) : redactedUrlText(text);
}

QString redactedUrlText(const QString &text)
{
    const qsizetype scheme = schemeLength(text);
    const QString prefix = scheme > 0 ? text.left(scheme + 1) : QString();
    QString rest = text.mid(prefix.size());
    const qsizetype at = rest.lastIndexOf(QLatin1Char('@'));
    if (at >= 0) {
        if (rest.left(at).contains(QRegularExpression(QStringLiteral("[?#]")))) {
            // Whether the '@' ends a password or sits in a query cannot be told: nothing after the
            // scheme is shown.
            return prefix + QStringLiteral("//…");
        }
        const QString slashes = rest.startsWith(QLatin1String("//")) ? QStringLiteral("//") : QString();
        rest = slashes + QStringLiteral("…@") + rest.mid(at + 1);
    }
    if (const qsizetype cut = rest.indexOf(QRegularExpression(QStringLiteral("[?#]"))); cut >= 0) {
        rest.truncate(cut);
    }
    return prefix + rest;
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

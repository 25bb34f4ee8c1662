// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArrayView>
#include <QString>
#include <QUrl>

namespace OddsTap {

/// A URL as logs, files and views may show it: no user info, query or fragment, where passwords,
/// tokens and keys travel (nor a path with an '@', where a password with a '/' lands). Empty for
/// an invalid URL, whose text QUrl does not keep.
QString redactedUrl(const QUrl &url);

/// The same for text as the user gave it, valid as a URL or not.
QString redactedUrl(const QString &text);

/// The same for text that may not even parse as a URL (what a user typed, quoted in an error):
/// everything between the scheme and the last '@' is shown as "…" (a password with an unencoded
/// '/' or '#' ends wherever a parser thinks), and everything from the next '?' or '#' goes; when a
/// '?' or '#' comes before that '@', only the scheme is left.
QString redactedUrlText(const QString &text);

/// Where a URL goes and no more: scheme, host and port, with "/…" for a path. For a webhook, whose
/// path is the secret on the chat services (Slack, Discord, Teams).
QString urlOrigin(const QUrl &url);

/// Why a URL did not parse, without the URL: QUrl's error text quotes the whole source.
QString urlError(const QUrl &url);

/// Compares a presented secret with the expected one in a time that does not depend on where they
/// differ (a guesser timing the answers learns nothing of the prefix).
bool constantTimeEquals(QByteArrayView a, QByteArrayView b);

} // namespace OddsTap

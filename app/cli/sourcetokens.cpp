// SPDX-License-Identifier: MIT
#include "sourcetokens.h"

#include <core/common/secretfile.h>

#include <algorithm>

namespace OddsTap::Cli {

Result<std::vector<QByteArray>> sourceTokens(
    const QStringList &arguments, const QStringList &valueOptions, qsizetype urls, const QStringList &tokenFiles)
{
    const auto refused = [](const QString &why) { return Error { QStringLiteral("usage"), why }; };
    // Which --url each --token-file follows. QCommandLineParser keeps each option's values in
    // order but not how they interleave, so the arguments are walked here as it reads them: the
    // argument after an option that takes a value is that value, even "--url=...".
    std::vector<qsizetype> owner;
    qsizetype urlSeen = 0;
    for (qsizetype i = 1; i < arguments.size(); ++i) {
        const QString &arg = arguments.at(i);
        if (arg == QLatin1String("--")) {
            break;
        }
        if (arg == QLatin1String("--url") || arg.startsWith(QLatin1String("--url="))) {
            ++urlSeen;
        } else if (arg == QLatin1String("--token-file") || arg.startsWith(QLatin1String("--token-file="))) {
            if (urlSeen == 0) {
                return refused(QStringLiteral("--token-file goes after the --url it is for"));
            }
            owner.push_back(urlSeen - 1);
        }
        if (arg.startsWith(QLatin1String("--")) && !arg.contains(QLatin1Char('='))
            && valueOptions.contains(arg.mid(2))) {
            ++i; // its value
        }
    }
    if (qsizetype(owner.size()) != tokenFiles.size() || urlSeen != urls
        || std::any_of(owner.begin(), owner.end(), [urls](qsizetype o) { return o >= urls; })) {
        return refused(QStringLiteral("cannot tell which --url each --token-file is for: write each right after its "
                                      "--url"));
    }
    const QByteArray envToken = qgetenv("ODDSTAP_TOKEN").trimmed();
    if (!envToken.isEmpty() && urls > 1) {
        return refused(QStringLiteral("ODDSTAP_TOKEN would go to all %1 sources: unset it, and give a --token-file "
                                      "after each --url that needs a token")
                           .arg(urls));
    }
    std::vector<QByteArray> tokens(std::size_t(urls), envToken);
    std::vector<bool> given(std::size_t(urls), false);
    for (qsizetype k = 0; k < tokenFiles.size(); ++k) {
        const std::size_t source = std::size_t(owner[std::size_t(k)]);
        if (given[source]) {
            return refused(QStringLiteral("two --token-file for --url number %1").arg(source + 1));
        }
        given[source] = true;
        tokens[source].clear();
        if (tokenFiles.at(k) == QLatin1String("none")) {
            continue;
        }
        auto token = readSecretFile(tokenFiles.at(k), QStringLiteral("token file"));
        if (!token) {
            return refused(token.error().message);
        }
        tokens[source] = std::move(*token);
    }
    return tokens;
}

} // namespace OddsTap::Cli

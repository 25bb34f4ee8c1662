// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/result.h>

#include <QByteArray>
#include <QStringList>

#include <vector>

namespace OddsTap::Cli {

/// The Bearer token of each --url of a command line: read from the --token-file that follows it
/// (before the next --url), or ODDSTAP_TOKEN when there is a single --url. A token goes to its own
/// source only: one token for several sources would hand each source's secret to the others
/// (another company's server, or one without TLS). @p tokenFiles are the parser's values, in order.
/// One entry per URL (empty: no token), or why the command line is refused.
/// @p valueOptions names the options that take a value: the argument after one is its value,
/// whatever it looks like (as QCommandLineParser reads it).
Result<std::vector<QByteArray>> sourceTokens(
    const QStringList &arguments, const QStringList &valueOptions, qsizetype urls, const QStringList &tokenFiles);

} // namespace OddsTap::Cli

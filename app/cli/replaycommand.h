// SPDX-License-Identifier: MIT
#pragma once

#include <QStringList>

namespace OddsTap::Cli {

/// `oddstap-cli info FILE`: a session quality report of a capture.
int runInfo(const QStringList &arguments);
/// `oddstap-cli replay FILE`: into the pipeline (--db / --no-store) or as a feed server (--serve).
int runReplay(const QStringList &arguments);
/// replay --max: a capture or Betfair files into a database as fast as it takes them.
int runImport(const QStringList &arguments);
/// `oddstap-cli diff A B`: two databases or two captures; exit 0 identical, 1 differ, 2 error.
int runDiff(const QStringList &arguments);
/// `oddstap-cli export-frames FILE --ndjson` and `import-frames IN.ndjson OUT`.
int runExportFrames(const QStringList &arguments);
int runImportFrames(const QStringList &arguments);

} // namespace OddsTap::Cli

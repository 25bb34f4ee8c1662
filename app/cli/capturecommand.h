// SPDX-License-Identifier: MIT
#pragma once

#include <QStringList>
#include <QUrl>

namespace OddsTap {
struct CaptureConfig;
}

namespace OddsTap::Cli {

/// How a command that runs a CaptureSession reports (shared by capture and replay).
struct SessionReport
{
    QString command; ///< "capture" or "replay", for messages
    bool quiet = false;
    QString summaryJson; ///< write the summary here too
    /// What standard output gets at the end: "text", "json" or "none"; empty: none when quiet,
    /// else text on a terminal and json otherwise.
    QString summaryFormat;
    QString ringDir; ///< capture --ring: SIGUSR1 saves the ring here
    QString alertsPath; ///< capture --alerts: the alerts as CSV (empty: on standard error)
    QUrl webhook; ///< capture --webhook: the alerts POSTed as JSON here too
};

/// Runs a session to its end (count, duration, end of a replay, SIGINT/SIGTERM) with the live status
/// line, prints the summary and returns the exit status documented in `capture --help`.
int runSession(const CaptureConfig &config, const SessionReport &report);

/// `oddstap-cli capture`: connect to feed sources, validate, count (and later store).
int runCapture(const QStringList &arguments);

} // namespace OddsTap::Cli

// SPDX-License-Identifier: MIT
// The modes of `oddstap` that packaging, CI and the docs use: each drives the real window on the
// demo feed (or a replay) and calls `done` once with the exit code.
#pragma once

#include <QString>

#include <functional>

namespace OddsTap {

class MainWindow;
struct AppConfig;

/// --self-check: waits until live data shows in the fixtures, market and chart views (in that
/// order), prints a verdict naming the first view that stayed empty; 0 = ok.
void startSelfCheck(MainWindow &window, std::function<void(int exitCode)> done);

/// --bench SECONDS: runs the demo feed, then prints the event-loop lag, snapshot applies, the
/// capture rate and RSS.
void startBench(MainWindow &window, const AppConfig &config, double seconds, std::function<void(int exitCode)> done);

/// --screenshots DIR: after `seconds`, saves the window, every dock, the chart and the export
/// dialog (or, in a replay window, the window and its transport bar) as PNG files.
void startScreenshots(MainWindow &window, const QString &dir, double seconds, std::function<void(int exitCode)> done);

/// Keeps a live fixture selected, so that the market and chart views have something to show.
void keepALiveFixtureSelected(MainWindow &window);

} // namespace OddsTap

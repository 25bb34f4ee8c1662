// SPDX-License-Identifier: MIT
#pragma once

class QThread;

namespace OddsTap {

/// How much the threads that do bulk work behind the views (storage, its WAL checkpoints, the
/// spool) give way to the rest when the cores are busy: their Linux nice value. The desktop sets
/// it, so that its GUI thread gets a core as soon as it has painting to do while the database
/// works through a backlog (they still take every core that is idle). The CLI leaves it at 0: its
/// threads are the capture itself. Process-wide: called from main(), before any thread starts.
void setBackgroundNice(int nice);
int backgroundNice();

/// Makes @p thread run backgroundNice() lower than the thread that created it (nice at most 19),
/// from its start. Called before starting it.
void runsInBackground(QThread &thread);

/// The nice value of the calling thread (Linux's per-thread priority).
int currentThreadNice();

} // namespace OddsTap

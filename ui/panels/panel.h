// SPDX-License-Identifier: MIT
#pragma once

#include <core/session/sessionsnapshot.h>

#include <QWidget>

namespace OddsTap {

/// One dock of the main window. The window hands every panel each coalesced snapshot (about
/// 10 Hz) and tells it when a replay starts over; panels talk to each other through signals the
/// window connects. Lives in: the GUI thread; does no I/O and no per-event work.
class Panel : public QWidget
{
    Q_OBJECT
public:
    using QWidget::QWidget;

    /// The snapshot's part this panel shows.
    virtual void applySnapshot(const SessionSnapshot &snapshot) = 0;
    /// A replay started over: forget what was shown, keep what the user chose.
    virtual void reset() = 0;
};

} // namespace OddsTap

// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>

class QSocketNotifier;

namespace OddsTap::Cli {

/// Turns SIGINT and SIGTERM into a Qt signal on the main thread (self-pipe), so commands can
/// finish cleanly: write their stats or summary, then exit. SIGUSR1 asks for an on-demand action
/// (capture --ring: save the last minutes).
class SignalWatcher : public QObject
{
    Q_OBJECT
public:
    explicit SignalWatcher(QObject *parent = nullptr);
    ~SignalWatcher() override;

signals:
    void terminationRequested(int signal);
    void userRequested();

private:
    QSocketNotifier *m_notifier = nullptr;
};

} // namespace OddsTap::Cli

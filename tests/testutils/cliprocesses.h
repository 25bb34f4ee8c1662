// SPDX-License-Identifier: MIT
// Starting oddstap-cli's simulator as a separate process, as a QA engineer runs it.
#pragma once

#include <QProcess>
#include <QRegularExpression>
#include <QTest>

namespace OddsTap::Testing {

/// Starts `oddstap-cli simulate ARGS` and returns the ws:// URL it listens on, or "" when it did
/// not say within 10 s.
inline QString startSimulator(QProcess &sim, const QString &cli, const QStringList &args)
{
    sim.start(cli, QStringList { QStringLiteral("simulate") } + args);
    if (!sim.waitForStarted(10000) || !QTest::qWaitFor([&] { return sim.peek(200).contains('\n'); }, 10000)) {
        return {};
    }
    const auto listening =
        QRegularExpression(QStringLiteral("ws://127.0.0.1:\\d+")).match(QString::fromUtf8(sim.readAllStandardOutput()));
    return listening.hasMatch() ? listening.captured(0) : QString();
}

} // namespace OddsTap::Testing

// SPDX-License-Identifier: MIT
#pragma once

#include <QStringList>

namespace OddsTap::Cli {

/// `oddstap-cli consume --amqp URL --db postgresql://…`: a broker writer (BrokerWriter).
int runConsume(const QStringList &arguments);
/// `oddstap-cli dead-letters list|requeue --amqp URL`: what the writers could not store.
int runDeadLetters(const QStringList &arguments);

} // namespace OddsTap::Cli

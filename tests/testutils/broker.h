// SPDX-License-Identifier: MIT
// The test RabbitMQ server (ODDSTAP_TEST_AMQP_URL, started by scripts/test).
#pragma once

#include <core/broker/amqpclient.h>
#include <core/broker/brokertopology.h>

namespace OddsTap::Testing {

/// Declares the topology and empties the partition queues and the dead-letter queue that an
/// earlier run may have left; false when the broker at `url` does not answer.
inline bool purgeBrokerQueues(const QString &url)
{
    auto target = AmqpTarget::parse(url);
    if (!target) {
        return false;
    }
    auto c = AmqpConnection::open(*target);
    if (!c || !(*c)->declareTopology()) {
        return false;
    }
    for (int p = 0; p < Broker::kPartitions; ++p) {
        if (!(*c)->purge(Broker::queueName(p))) {
            return false;
        }
    }
    return bool((*c)->purge(QLatin1String(Broker::kDeadLetterQueue)));
}

} // namespace OddsTap::Testing

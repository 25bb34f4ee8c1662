// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/event.h>

#include <QByteArray>

namespace OddsTap {

/// Compact binary form of an EventBatch (QDataStream, versioned), for the disk spool.
QByteArray serializeBatch(const EventBatch &batch);
/// False when the bytes are not a batch of a known version (the caller reports it).
bool deserializeBatch(const QByteArray &bytes, EventBatch &batch);

} // namespace OddsTap

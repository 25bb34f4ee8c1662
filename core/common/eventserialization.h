// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/event.h>

#include <QByteArray>

namespace OddsTap {

class StringCache;

/// Compact binary form of an EventBatch (versioned, with a string table per batch), for the disk
/// spool. Batches written by version 1 (QDataStream) are still read.
QByteArray serializeBatch(const EventBatch &batch);
/// False when the bytes are not a batch of a known version (the caller reports it). With a
/// `strings` cache, the batch's strings share storage with those of earlier batches read through it.
bool deserializeBatch(const QByteArray &bytes, EventBatch &batch, StringCache *strings = nullptr);

} // namespace OddsTap

// SPDX-License-Identifier: MIT
// Inside the capture file format, shared by CaptureWriter and CaptureReader (capturefile.h is the
// public side): the schema, the layout of a frame in a block, and small SQLite helpers.
#pragma once

#include <core/common/event.h>
#include <core/replay/capturefile.h>

#include <QByteArrayView>
#include <QString>
#include <QtEndian>

#include <optional>

struct sqlite3;
struct sqlite3_stmt;

namespace OddsTap::CaptureFormat {

inline constexpr int kApplicationId = kCaptureApplicationId;
extern const char *const kSchema;

/// A frame in a block: its fields little-endian, then its payload.
///   ord i64 | source u32 | connection u32 | wall_ns i64 | mono_ns i64 | binary u8 | length u32
inline constexpr qsizetype kBlockFrameHeader = 8 + 4 + 4 + 8 + 8 + 1 + 4;
/// A block is written once it holds this much, and at every commit.
inline constexpr qsizetype kBlockBytes = 4 * 1024 * 1024;
/// The most a block can hold: just under kBlockBytes, then the largest frame.
inline constexpr qint64 kMaxBlockBytes = kBlockBytes + kBlockFrameHeader + kMaxCaptureFrameBytes;

struct BlockFrame
{
    qint64 ord = 0;
    qint64 source = 0;
    qint64 connection = 0;
    qint64 wallNs = 0;
    qint64 monoNs = 0;
    bool binary = false;
    QByteArrayView payload;
};

template <typename T> void putLittleEndian(char *&at, T value)
{
    qToLittleEndian(value, at);
    at += sizeof(T);
}

template <typename T> T takeLittleEndian(const char *&at)
{
    const T value = qFromLittleEndian<T>(at);
    at += sizeof(T);
    return value;
}

/// Reads the frame at @p at of a block and moves past it. The block is untrusted: every length is
/// checked against what is there, and ords must rise. Returns what is wrong, or "".
QString takeBlockFrame(QByteArrayView block, qsizetype &at, qint64 &lastOrd, BlockFrame &f);

QString sqliteError(sqlite3 *db);
void bindQString(sqlite3_stmt *s, int i, const QString &text);
QString columnText(sqlite3_stmt *s, int i);
/// The state a wire name stands for; nothing for a name no version writes (a damaged file).
std::optional<SourceState> sourceStateFromWire(const QString &text);

} // namespace OddsTap::CaptureFormat

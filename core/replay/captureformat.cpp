// SPDX-License-Identifier: MIT
#include "captureformat.h"

#include <core/storage/sqlitemessage.h>

#include <sqlite3.h>

namespace OddsTap::CaptureFormat {

const char *const kSchema = R"sql(
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE sources (id INTEGER PRIMARY KEY, source_id TEXT NOT NULL UNIQUE, url TEXT NOT NULL);
CREATE TABLE frames (
    ord        INTEGER PRIMARY KEY,
    source     INTEGER NOT NULL REFERENCES sources(id),
    connection INTEGER NOT NULL,
    wall_ns    INTEGER NOT NULL,
    mono_ns    INTEGER NOT NULL,
    binary     INTEGER NOT NULL,
    payload    BLOB NOT NULL
);
CREATE TABLE connection_events (
    ord        INTEGER PRIMARY KEY,
    source     INTEGER NOT NULL REFERENCES sources(id),
    connection INTEGER NOT NULL,
    wall_ns    INTEGER NOT NULL,
    state      TEXT NOT NULL,
    reason     TEXT NOT NULL,
    delay_ms   INTEGER NOT NULL,
    last_seq   INTEGER NOT NULL
);
CREATE TABLE seek_index (second INTEGER PRIMARY KEY, first_ord INTEGER NOT NULL);
CREATE TABLE frame_blocks (
    first_ord     INTEGER PRIMARY KEY,
    last_ord      INTEGER NOT NULL,
    frames        INTEGER NOT NULL,
    payload_bytes INTEGER NOT NULL,
    first_wall_ns INTEGER NOT NULL,
    last_wall_ns  INTEGER NOT NULL,
    first_mono_ns INTEGER NOT NULL,
    last_mono_ns  INTEGER NOT NULL,
    data          BLOB NOT NULL
);
)sql";

QString takeBlockFrame(QByteArrayView block, qsizetype &at, qint64 &lastOrd, BlockFrame &f)
{
    if (block.size() - at < kBlockFrameHeader) {
        return QStringLiteral("a frame header cut short at byte %1").arg(at);
    }
    const char *p = block.data() + at;
    f.ord = takeLittleEndian<qint64>(p);
    f.source = takeLittleEndian<quint32>(p);
    f.connection = takeLittleEndian<quint32>(p);
    f.wallNs = takeLittleEndian<qint64>(p);
    f.monoNs = takeLittleEndian<qint64>(p);
    f.binary = *p++ != 0;
    const quint32 length = takeLittleEndian<quint32>(p);
    const qint64 left = block.size() - at - kBlockFrameHeader;
    if (qint64(length) > left) {
        return QStringLiteral("frame %1 claims %2 bytes where %3 are left").arg(f.ord).arg(length).arg(left);
    }
    if (f.ord <= lastOrd) {
        return QStringLiteral("frame %1 after frame %2").arg(f.ord).arg(lastOrd);
    }
    lastOrd = f.ord;
    f.payload = QByteArrayView(p, qsizetype(length));
    at += kBlockFrameHeader + qsizetype(length);
    return {};
}

QString sqliteError(sqlite3 *db)
{
    return sqliteMessage(db);
}

void bindQString(sqlite3_stmt *s, int i, const QString &text)
{
    const QByteArray utf8 = text.toUtf8();
    sqlite3_bind_text(s, i, utf8.constData(), int(utf8.size()), SQLITE_TRANSIENT);
}

QString columnText(sqlite3_stmt *s, int i)
{
    const auto *text = reinterpret_cast<const char *>(sqlite3_column_text(s, i));
    return text ? QString::fromUtf8(text, sqlite3_column_bytes(s, i)) : QString();
}

std::optional<SourceState> sourceStateFromWire(const QString &text)
{
    for (int i = 0; i < kSourceStateCount; ++i) {
        const auto name = toWire(SourceState(i));
        if (text == QLatin1String(name.data(), qsizetype(name.size()))) {
            return SourceState(i);
        }
    }
    return std::nullopt;
}

} // namespace OddsTap::CaptureFormat

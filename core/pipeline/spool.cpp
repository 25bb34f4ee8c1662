// SPDX-License-Identifier: MIT
#include "spool.h"

#include <core/common/eventserialization.h>
#include <core/common/logging.h>

#include <QDir>
#include <QFile>

#include <algorithm>
#include <cstring>
#include <zlib.h>

namespace OddsTap {
namespace {

constexpr quint32 kRecordMagic = 0x4f545350; // "OTSP"
constexpr qint64 kHeaderBytes = 12;
constexpr quint32 kMaxRecordBytes = 512 * 1024 * 1024;

// CRC-32 (IEEE 802.3, as zip and PNG), through zlib: its table-driven loop takes several bytes per
// step. The byte-at-a-time loop this replaces was 5 % of all CPU of a full-speed run that spills
// (a record is checksummed when written and again when read). Same values: old spools still read.
quint32 crc32(const QByteArray &data)
{
    return quint32(crc32_z(0, reinterpret_cast<const Bytef *>(data.constData()), z_size_t(data.size())));
}

void putU32(char *p, quint32 v)
{
    std::memcpy(p, &v, 4);
}

quint32 getU32(const char *p)
{
    quint32 v = 0;
    std::memcpy(&v, p, 4);
    return v;
}

} // namespace

Spool::Spool(QString directory, qint64 segmentBytes)
    : m_dir(std::move(directory))
    , m_segmentBytes(segmentBytes)
{ }

Spool::~Spool() = default;

Result<void> Spool::open()
{
    if (!QDir().mkpath(m_dir)) {
        return Error { QStringLiteral("spool_io"),
            QStringLiteral("cannot create the spool directory '%1'").arg(m_dir) };
    }
    const QStringList files = QDir(m_dir).entryList({ QStringLiteral("*.seg") }, QDir::Files);
    std::vector<quint64> numbers;
    for (const QString &f : files) {
        bool ok = false;
        const quint64 n = f.chopped(4).toULongLong(&ok);
        if (ok) {
            numbers.push_back(n);
        }
    }
    std::sort(numbers.begin(), numbers.end());
    for (const quint64 n : numbers) {
        Segment s;
        s.number = n;
        s.path = QDir(m_dir).filePath(QStringLiteral("%1.seg").arg(n, 12, 10, QLatin1Char('0')));
        quint64 records = 0;
        if (auto r = scan(s, records); !r) {
            return r;
        }
        m_records += records;
        m_bytes += s.size;
        m_segments.push_back(s);
    }
    if (m_records > 0) {
        qCInfo(lcStorage).noquote() << "spool: picked up" << m_records << "batches left in" << m_dir;
    }
    return {};
}

Result<void> Spool::scan(Segment &segment, quint64 &records)
{
    QFile f(segment.path);
    if (!f.open(QIODevice::ReadOnly)) {
        return Error { QStringLiteral("spool_io"),
            QStringLiteral("cannot read spool segment '%1': %2").arg(segment.path, f.errorString()) };
    }
    segment.size = f.size();
    qint64 offset = 0;
    char header[kHeaderBytes];
    while (f.read(header, kHeaderBytes) == kHeaderBytes && getU32(header) == kRecordMagic) {
        const quint32 length = getU32(header + 4);
        if (length > kMaxRecordBytes || offset + kHeaderBytes + length > segment.size) {
            break; // a record cut short by a crash: the tail is unusable
        }
        f.seek(offset + kHeaderBytes + length);
        offset += kHeaderBytes + length;
        ++records;
    }
    if (offset < segment.size) {
        qCWarning(lcStorage).noquote() << "spool: segment" << segment.path << "ends with" << (segment.size - offset)
                                       << "bytes of an incomplete record (a crash while writing); ignored";
        segment.size = offset;
    }
    return {};
}

Result<void> Spool::openWriter()
{
    if (m_writer && m_writer->size() < m_segmentBytes) {
        return {};
    }
    Segment s;
    s.number = m_segments.empty() ? 1 : m_segments.back().number + 1;
    s.path = QDir(m_dir).filePath(QStringLiteral("%1.seg").arg(s.number, 12, 10, QLatin1Char('0')));
    m_writer = std::make_unique<QFile>(s.path);
    if (!m_writer->open(QIODevice::WriteOnly | QIODevice::Append)) {
        const QString why = m_writer->errorString();
        m_writer.reset();
        return Error { QStringLiteral("spool_io"),
            QStringLiteral("cannot create spool segment '%1': %2").arg(s.path, why) };
    }
    m_segments.push_back(s);
    return {};
}

Result<void> Spool::append(const EventBatch &batch)
{
    if (auto r = openWriter(); !r) {
        return r;
    }
    const QByteArray payload = serializeBatch(batch);
    char header[kHeaderBytes];
    putU32(header, kRecordMagic);
    putU32(header + 4, quint32(payload.size()));
    putU32(header + 8, crc32(payload));
    if (m_writer->write(header, kHeaderBytes) != kHeaderBytes || m_writer->write(payload) != payload.size()
        || !m_writer->flush()) {
        return Error { QStringLiteral("spool_io"),
            QStringLiteral("cannot write to the spool in '%1': %2 (disk full?)").arg(m_dir, m_writer->errorString()) };
    }
    const qint64 written = kHeaderBytes + payload.size();
    m_segments.back().size += written;
    m_bytes += written;
    ++m_records;
    return {};
}

Result<std::optional<EventBatch>> Spool::readNext()
{
    for (Segment &s : m_segments) {
        while (s.readOffset < s.size) {
            if (!m_reader || m_reader->fileName() != s.path) {
                m_reader = std::make_unique<QFile>(s.path);
                if (!m_reader->open(QIODevice::ReadOnly | QIODevice::Unbuffered)) {
                    const QString why = m_reader->errorString();
                    m_reader.reset();
                    return Error { QStringLiteral("spool_io"),
                        QStringLiteral("cannot read spool segment '%1': %2").arg(s.path, why) };
                }
            }
            QFile &f = *m_reader;
            // Unbuffered: the writer appends through its own handle while this one stays open.
            if (!f.seek(s.readOffset)) {
                return Error { QStringLiteral("spool_io"),
                    QStringLiteral("cannot read spool segment '%1': %2").arg(s.path, f.errorString()) };
            }
            char header[kHeaderBytes];
            if (f.read(header, kHeaderBytes) != kHeaderBytes) {
                return Error { QStringLiteral("spool_io"),
                    QStringLiteral("spool segment '%1' is truncated").arg(s.path) };
            }
            const quint32 length = getU32(header + 4);
            const QByteArray payload = f.read(length);
            s.readOffset += kHeaderBytes + length;
            EventBatch batch;
            if (payload.size() != qsizetype(length) || getU32(header + 8) != crc32(payload)
                || !deserializeBatch(payload, batch, &m_strings)) {
                ++m_corrupt;
                qCWarning(lcStorage).noquote() << "spool: a record in" << s.path << "failed its checksum and is skipped"
                                               << "(its events are fetched again by resume if the feed still has them)";
                continue;
            }
            m_reads.emplace_back(s.number, s.readOffset); // a corrupt record before it goes with it
            return std::optional<EventBatch>(std::move(batch));
        }
    }
    return std::optional<EventBatch>();
}

void Spool::consume(quint64 count)
{
    count = std::min<quint64>(count, m_reads.size());
    if (count == 0) {
        return;
    }
    const auto [segmentNumber, offset] = m_reads[count - 1];
    m_reads.erase(m_reads.begin(), m_reads.begin() + qsizetype(count));
    m_records -= std::min(m_records, count);
    // Segments before the consumed one are done; the consumed one is done if read to its end and
    // no longer written to.
    while (!m_segments.empty()) {
        Segment &s = m_segments.front();
        const bool writing = m_writer && m_writer->fileName() == s.path;
        if (s.number == segmentNumber) {
            s.consumedOffset = offset;
            if (offset < s.size || (writing && m_records > 0)) {
                break;
            }
        } else if (s.number > segmentNumber) {
            break;
        }
        if (writing) {
            m_writer.reset(); // the next spill starts a fresh segment
        }
        if (m_reader && m_reader->fileName() == s.path) {
            m_reader.reset();
        }
        m_bytes -= s.size;
        QFile::remove(s.path);
        m_segments.pop_front();
    }
}

} // namespace OddsTap

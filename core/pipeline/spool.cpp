// SPDX-License-Identifier: MIT
#include "spool.h"

#include <core/common/eventserialization.h>
#include <core/common/logging.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStorageInfo>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <zlib.h>

namespace OddsTap {
namespace {

constexpr quint32 kRecordMagic = 0x4f545350; // "OTSP"
constexpr qint64 kHeaderBytes = 12;
constexpr quint64 kNamedCorruptRecords = 5;

// CRC-32 (IEEE 802.3, as zip and PNG), through zlib: its table-driven loop takes several bytes per
// step, and a record is checksummed when written and again when read (a byte-at-a-time loop costs
// about 5 % of all CPU of a full-speed run that spills). Same values as any CRC-32 of the spool.
quint32 crc32(const char *data, qsizetype size)
{
    return quint32(crc32_z(0, reinterpret_cast<const Bytef *>(data), z_size_t(size)));
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

Error ioError(const QString &message)
{
    return Error { QStringLiteral("spool_io"), message };
}

/// Refused by the spool's own limits, not by its disk.
Error fullError(const QString &message)
{
    return Error { QStringLiteral("spool_full"), message };
}

} // namespace

Spool::Spool(QString directory, qint64 segmentBytes)
    : m_dir(std::move(directory))
    , m_segmentBytes(segmentBytes)
{ }

Spool::~Spool() = default;

QString Spool::segmentPath(quint64 number) const
{
    return QDir(m_dir).filePath(QStringLiteral("%1.seg").arg(number, 12, 10, QLatin1Char('0')));
}

const Spool::Segment *Spool::findSegment(quint64 number) const
{
    for (const Segment &s : m_segments) {
        if (s.number == number) {
            return &s;
        }
    }
    return nullptr;
}

Result<void> Spool::open()
{
    std::error_code made;
    std::filesystem::create_directories(QFile::encodeName(m_dir).toStdString(), made);
    if (made || !QFileInfo(m_dir).isDir()) {
        const QString why = made ? QString::fromLocal8Bit(made.message()) : QStringLiteral("a file is in the way");
        return ioError(QStringLiteral("cannot create the spool directory '%1': %2").arg(m_dir, why));
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
        s.path = segmentPath(n);
        if (auto r = scan(s); !r) {
            return r;
        }
        m_bytes += s.size;
        m_segments.push_back(s);
    }
    if (!m_index.empty()) {
        qCInfo(lcStorage).noquote() << "spool: picked up" << m_index.size() << "batches left in" << m_dir;
    }
    return {};
}

Result<void> Spool::scan(Segment &segment)
{
    // An earlier run's segment: its records are indexed by their headers. The first header that
    // does not look like a record (wrong magic, a length beyond the limit or past the end) ends
    // the usable part: a record cut short by a crash, or damage nothing after can be trusted.
    QFile f(segment.path);
    if (!f.open(QIODevice::ReadOnly)) {
        return ioError(QStringLiteral("cannot read spool segment '%1': %2").arg(segment.path, f.errorString()));
    }
    const qint64 fileSize = f.size();
    qint64 offset = 0;
    char header[kHeaderBytes];
    while (f.seek(offset) && f.read(header, kHeaderBytes) == kHeaderBytes && getU32(header) == kRecordMagic) {
        const quint32 length = getU32(header + 4);
        if (length > kMaxRecordBytes || offset + kHeaderBytes + qint64(length) > fileSize) {
            break;
        }
        Record r;
        r.segment = segment.number;
        r.offset = offset;
        r.payloadBytes = length;
        m_index.push_back(r);
        offset += kHeaderBytes + length;
    }
    segment.size = offset;
    if (offset < fileSize) {
        qCWarning(lcStorage).noquote() << "spool: segment" << segment.path << "ends with" << (fileSize - offset)
                                       << "bytes that are not a complete record (a crash while writing); ignored";
    }
    return {};
}

Result<void> Spool::openWriter()
{
    if (m_writer && m_segments.back().size < m_segmentBytes) {
        return {};
    }
    m_writer.reset();
    Segment s;
    s.number = m_segments.empty() ? 1 : m_segments.back().number + 1;
    s.path = segmentPath(s.number);
    // Unbuffered: a failed write must leave nothing behind in a buffer that a later flush or close
    // would put on disk after the record was given up.
    auto writer = std::make_unique<QFile>(s.path);
    if (!writer->open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Unbuffered)) {
        return ioError(QStringLiteral("cannot create spool segment '%1': %2").arg(s.path, writer->errorString()));
    }
    m_writer = std::move(writer);
    m_segments.push_back(s);
    return {};
}

Result<void> Spool::append(const EventBatch &batch)
{
    QByteArray record = serializeBatch(batch);
    if (record.size() > qsizetype(kMaxRecordBytes)) {
        return ioError(QStringLiteral("a batch of %1 bytes is over the spool's record limit").arg(record.size()));
    }
    // Before a new segment is opened: a full spool leaves no empty file behind.
    if (m_maxRecords > 0 && quint64(m_index.size()) >= m_maxRecords) {
        return fullError(
            QStringLiteral("the spool in '%1' is full: it holds %2 batches, its most, while the database is "
                           "away")
                .arg(m_dir)
                .arg(m_index.size()));
    }
    if (m_maxBytes > 0 && m_bytes + kHeaderBytes + record.size() > m_maxBytes) {
        return fullError(
            QStringLiteral("the spool in '%1' is full: %2 MiB on disk, %3 MiB at most, while the database is "
                           "away")
                .arg(m_dir)
                .arg(double(m_bytes) / (1024 * 1024), 0, 'f', 1)
                .arg(double(m_maxBytes) / (1024 * 1024), 0, 'f', 1));
    }
    if (auto r = openWriter(); !r) {
        return r;
    }
    Segment &segment = m_segments.back();
    const quint32 payloadBytes = quint32(record.size());
    char header[kHeaderBytes];
    putU32(header, kRecordMagic);
    putU32(header + 4, payloadBytes);
    putU32(header + 8, crc32(record.constData(), record.size()));
    record.prepend(header, kHeaderBytes);
    if (m_writer->write(record) == record.size()) {
        Record r;
        r.segment = segment.number;
        r.offset = segment.size;
        r.payloadBytes = payloadBytes;
        r.sourceId = batch.sourceId;
        r.prevSeq = batch.prevSeq;
        r.lastSeq = batch.lastSeq;
        r.events = batch.events.size();
        m_index.push_back(std::move(r));
        segment.size += record.size();
        m_bytes += record.size();
        return {};
    }
    // The disk took part of the record, or none. Cut it back so that the next record follows the
    // last good one; if the file cannot even be cut, seal the segment at its last good record
    // (reads never go past segment.size) and start a new one with the next append.
    QString why = m_writer->errorString();
    if (m_writer->error() == QFileDevice::NoError) {
        // A write that took part of the record gives no error of its own: the disk says why.
        const qint64 free = QStorageInfo(m_dir).bytesAvailable();
        why = free >= 0 && free < record.size()
            ? QStringLiteral("the disk is full (%1 bytes free for a record of %2)").arg(free).arg(record.size())
            : QStringLiteral("the disk took part of a record without saying why");
    }
    if (!m_writer->resize(segment.size) || !m_writer->seek(segment.size)) {
        qCWarning(lcStorage).noquote() << "spool: cannot cut a failed write off" << segment.path
                                       << "; the segment is sealed at its last good record";
        m_writer.reset();
    }
    return ioError(QStringLiteral("cannot write to the spool in '%1': %2").arg(m_dir, why));
}

void Spool::loseRecord(Record &record, const QString &path, const QString &reason)
{
    record.lost = true;
    ++m_corrupt;
    LostSpoolRecord lost { path, record.offset, reason, record.sourceId, record.prevSeq, record.lastSeq,
        record.events };
    // The first few named in the log; the rest only counted (corruptRecords(), and the notices).
    if (m_corrupt <= kNamedCorruptRecords) {
        qCWarning(lcStorage).noquote() << "spool: the record at offset" << record.offset << "of" << path
                                       << "cannot be read:" << reason
                                       << (m_corrupt == kNamedCorruptRecords ? "(further ones are counted, not logged)"
                                                                             : "");
    }
    m_lost.push_back(std::move(lost));
}

Result<std::optional<EventBatch>> Spool::readNext()
{
    while (m_nextRead < m_index.size()) {
        Record &rec = m_index[m_nextRead];
        const Segment *segment = findSegment(rec.segment);
        Q_ASSERT(segment);
        const QString &path = segment->path;
        if (!m_reader || m_reader->fileName() != path) {
            // Unbuffered: the writer appends through its own handle while this one stays open.
            m_reader = std::make_unique<QFile>(path);
            if (!m_reader->open(QIODevice::ReadOnly | QIODevice::Unbuffered)) {
                const QString why = m_reader->errorString();
                m_reader.reset();
                return ioError(QStringLiteral("cannot read spool segment '%1': %2").arg(path, why));
            }
        }
        QFile &f = *m_reader;
        if (!f.seek(rec.offset)) {
            return ioError(QStringLiteral("cannot read spool segment '%1': %2").arg(path, f.errorString()));
        }
        ++m_nextRead;
        const qint64 want = kHeaderBytes + qint64(rec.payloadBytes);
        const QByteArray bytes = f.read(want);
        QString damage;
        if (bytes.size() != want) {
            damage = QStringLiteral("the file ends %1 bytes into a %2-byte record").arg(bytes.size()).arg(want);
        } else if (getU32(bytes.constData()) != kRecordMagic || getU32(bytes.constData() + 4) != rec.payloadBytes) {
            damage = QStringLiteral("its header is damaged");
        } else if (getU32(bytes.constData() + 8) != crc32(bytes.constData() + kHeaderBytes, rec.payloadBytes)) {
            damage = QStringLiteral("it fails its checksum");
        }
        EventBatch batch;
        if (damage.isEmpty()
            && !deserializeBatch(
                QByteArray::fromRawData(bytes.constData() + kHeaderBytes, rec.payloadBytes), batch, &m_strings)) {
            damage = QStringLiteral("its contents do not decode");
        }
        if (!damage.isEmpty()) {
            loseRecord(rec, path, damage);
            continue;
        }
        return std::optional<EventBatch>(std::move(batch));
    }
    return std::optional<EventBatch>();
}

std::vector<LostSpoolRecord> Spool::takeLost()
{
    return std::exchange(m_lost, {});
}

void Spool::consume(quint64 count)
{
    // Unreadable records were reported when read; they go with the stored batches around them.
    while (m_nextRead > 0 && (count > 0 || m_index.front().lost)) {
        if (!m_index.front().lost) {
            --count;
        }
        m_index.pop_front();
        --m_nextRead;
    }
    dropDoneSegments();
}

void Spool::dropDoneSegments()
{
    // A segment is done when no record in it is left; the one being written only once the whole
    // spool is empty (the next spill then starts a fresh segment).
    while (!m_segments.empty()) {
        const Segment &s = m_segments.front();
        if (!m_index.empty() && m_index.front().segment <= s.number) {
            break;
        }
        if (m_writer && m_writer->fileName() == s.path) {
            m_writer.reset();
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

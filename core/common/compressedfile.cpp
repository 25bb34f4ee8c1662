// SPDX-License-Identifier: MIT
#include "compressedfile.h"

#include <core/common/paths.h>

#include <QFile>

#include <algorithm>
#include <bzlib.h>
#include <cstdio>
#include <zlib.h>

namespace OddsTap {
namespace {

/// gzip through zlib's inflate: members one after another (files joined with cat) read as one,
/// and bytes after the last member are an error (zlib's gzread drops them without a word), unless
/// they are zeros (padding some tools add).
class GzipDevice : public QIODevice
{
public:
    explicit GzipDevice(std::unique_ptr<QFile> file)
        : m_file(std::move(file))
        , m_in(kChunk, Qt::Uninitialized)
    {
        m_ok = inflateInit2(&m_z, 15 + 16) == Z_OK; // 16: a gzip header, not zlib's
    }
    ~GzipDevice() override { inflateEnd(&m_z); }
    bool isSequential() const override { return true; }

protected:
    qint64 readData(char *data, qint64 maxSize) override
    {
        if (m_failed) {
            return -1; // said once the data before it was taken
        }
        if (!m_ok) {
            return fail(QStringLiteral("zlib could not start"));
        }
        qint64 total = 0;
        while (total < maxSize && !m_failed) {
            if (m_z.avail_in == 0 && !refill()) {
                return m_failed && total == 0 ? -1 : total;
            }
            if (m_betweenMembers) {
                // A member ended: another one, or zeros to the end, or trailing bytes.
                if (uchar(*m_z.next_in) == 0x1f) {
                    inflateReset(&m_z);
                    m_betweenMembers = false;
                    m_memberOutput = 0;
                } else if (*m_z.next_in == 0) {
                    ++m_z.next_in;
                    --m_z.avail_in;
                    continue;
                } else {
                    fail(kTrailing);
                    return total > 0 ? total : -1;
                }
            }
            m_z.next_out = reinterpret_cast<Bytef *>(data + total);
            m_z.avail_out = uInt(std::min<qint64>(maxSize - total, 1 << 30));
            const uInt before = m_z.avail_out;
            const int rc = inflate(&m_z, Z_NO_FLUSH);
            total += before - m_z.avail_out;
            m_memberOutput += before - m_z.avail_out;
            if (rc == Z_STREAM_END) {
                m_betweenMembers = true;
                ++m_members;
            } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
                const QString why = m_z.msg ? QString::fromUtf8(m_z.msg) : QStringLiteral("error %1").arg(rc);
                // Not even a header after an earlier member: bytes that only began like one.
                fail(m_members > 0 && m_memberOutput == 0 ? kTrailing
                                                          : QStringLiteral("the gzip data is damaged (%1)").arg(why));
                return total > 0 ? total : -1;
            }
        }
        return total;
    }
    qint64 writeData(const char *, qint64) override { return -1; }

private:
    static constexpr qsizetype kChunk = 256 * 1024;
    static inline const QString kTrailing =
        QStringLiteral("bytes after the end of the gzip data (the file is damaged, or something was appended to it)");

    /// More input; false at the end of the file (an error said if it ended inside a member).
    bool refill()
    {
        const qint64 n = m_file->read(m_in.data(), m_in.size());
        if (n < 0) {
            fail(QStringLiteral("cannot read: %1").arg(m_file->errorString()));
            return false;
        }
        if (n == 0) {
            if (!m_betweenMembers) {
                fail(QStringLiteral("the gzip data ends too early (the file is truncated)"));
            }
            return false;
        }
        m_z.next_in = reinterpret_cast<Bytef *>(m_in.data());
        m_z.avail_in = uInt(n);
        return true;
    }
    qint64 fail(const QString &message)
    {
        setErrorString(message);
        m_failed = true;
        return -1;
    }

    std::unique_ptr<QFile> m_file;
    QByteArray m_in;
    z_stream m_z {};
    bool m_ok = false;
    bool m_betweenMembers = false;
    bool m_failed = false;
    int m_members = 0; ///< ended so far
    quint64 m_memberOutput = 0; ///< bytes the current member gave so far
};

class Bzip2Device : public QIODevice
{
public:
    explicit Bzip2Device(FILE *file)
        : m_file(file)
    { }
    ~Bzip2Device() override
    {
        closeStream();
        std::fclose(m_file);
    }
    bool isSequential() const override { return true; }

protected:
    qint64 readData(char *data, qint64 maxSize) override
    {
        if (m_trailing) {
            return fail(kTrailing); // said once the data before it was taken
        }
        qint64 total = 0;
        while (total < maxSize) {
            if (!m_bz) {
                if (m_done) {
                    break;
                }
                int error = BZ_OK;
                m_bz = BZ2_bzReadOpen(&error, m_file, 0, 0, m_unused.data(), int(m_unused.size()));
                if (error != BZ_OK) {
                    return fail(QStringLiteral("cannot start reading the bzip2 stream (error %1)").arg(error));
                }
            }
            int error = BZ_OK;
            const int n = BZ2_bzRead(&error, m_bz, data + total, int(std::min<qint64>(maxSize - total, 1 << 30)));
            if (error == BZ_DATA_ERROR_MAGIC && m_streamsRead > 0) {
                return fail(kTrailing); // they began like another stream
            }
            if (error != BZ_OK && error != BZ_STREAM_END) {
                return fail(error == BZ_UNEXPECTED_EOF
                        ? QStringLiteral("the bzip2 data ends too early (the file is truncated)")
                        : error == BZ_DATA_ERROR ? QStringLiteral("the bzip2 data is damaged (a block's checksum "
                                                                  "does not match)")
                        : error == BZ_DATA_ERROR_MAGIC
                        ? QStringLiteral("the bzip2 data is damaged (not a bzip2 stream)")
                        : QStringLiteral("the bzip2 data is damaged (error %1)").arg(error));
            }
            total += std::max(n, 0);
            if (error == BZ_STREAM_END) {
                ++m_streamsRead;
                // Another stream may follow (files joined with cat): go on with its bytes.
                void *unused = nullptr;
                int unusedCount = 0;
                BZ2_bzReadGetUnused(&error, m_bz, &unused, &unusedCount);
                m_unused = QByteArray(static_cast<const char *>(unused), unusedCount);
                closeStream();
                int next = m_unused.isEmpty() ? std::fgetc(m_file) : uchar(m_unused.front());
                if (m_unused.isEmpty() && next != EOF) {
                    std::ungetc(next, m_file);
                }
                if (next == EOF) {
                    m_done = true;
                } else if (next != 'B') {
                    // Zeros to the end are padding; anything else was appended or is damage.
                    m_done = true;
                    m_trailing = !onlyZerosLeft();
                    break;
                }
            }
            if (n == 0 && error != BZ_STREAM_END) {
                break;
            }
        }
        return total;
    }
    qint64 writeData(const char *, qint64) override { return -1; }

private:
    qint64 fail(const QString &message)
    {
        setErrorString(message);
        return -1;
    }
    bool onlyZerosLeft()
    {
        if (std::any_of(m_unused.cbegin(), m_unused.cend(), [](char c) { return c != 0; })) {
            return false;
        }
        char chunk[64 * 1024];
        std::size_t n = 0;
        while ((n = std::fread(chunk, 1, sizeof chunk, m_file)) > 0) {
            if (std::any_of(chunk, chunk + n, [](char c) { return c != 0; })) {
                return false;
            }
        }
        return true;
    }
    void closeStream()
    {
        if (m_bz) {
            int error = BZ_OK;
            BZ2_bzReadClose(&error, m_bz);
            m_bz = nullptr;
        }
    }

    FILE *m_file;
    BZFILE *m_bz = nullptr;
    QByteArray m_unused;
    int m_streamsRead = 0;
    bool m_done = false;
    bool m_trailing = false; ///< bytes after the last stream that are not zeros
    static inline const QString kTrailing =
        QStringLiteral("bytes after the end of the bzip2 data (the file is damaged, or something was appended to it)");
};

} // namespace

Result<std::unique_ptr<QIODevice>> openMaybeCompressed(const QString &path)
{
    // Opened twice (a probe for the compression, then the stream): a pipe would lose what the
    // probe read and wait for a second writer, for ever.
    if (const QString why = notARegularFile(path); !why.isEmpty()) {
        return Error { QStringLiteral("io_error"), why };
    }
    QFile probe(path);
    if (!probe.open(QIODevice::ReadOnly)) {
        return Error { QStringLiteral("io_error"),
            QStringLiteral("cannot open '%1': %2").arg(path, probe.errorString()) };
    }
    const QByteArray head = probe.read(3);
    probe.close();
    const QByteArray local = QFile::encodeName(path);
    std::unique_ptr<QIODevice> device;
    if (head.startsWith("BZh")) {
        FILE *f = std::fopen(local.constData(), "rb");
        if (!f) {
            return Error { QStringLiteral("io_error"), QStringLiteral("cannot open '%1'").arg(path) };
        }
        device = std::make_unique<Bzip2Device>(f);
    } else if (head.startsWith("\x1f\x8b")) {
        auto file = std::make_unique<QFile>(path);
        if (!file->open(QIODevice::ReadOnly)) {
            return Error { QStringLiteral("io_error"),
                QStringLiteral("cannot open '%1': %2").arg(path, file->errorString()) };
        }
        device = std::make_unique<GzipDevice>(std::move(file));
    } else {
        auto file = std::make_unique<QFile>(path);
        if (!file->open(QIODevice::ReadOnly)) {
            return Error { QStringLiteral("io_error"),
                QStringLiteral("cannot open '%1': %2").arg(path, file->errorString()) };
        }
        return std::unique_ptr<QIODevice>(std::move(file));
    }
    if (!device->open(QIODevice::ReadOnly)) {
        return Error { QStringLiteral("io_error"), QStringLiteral("cannot read '%1'").arg(path) };
    }
    return device;
}

} // namespace OddsTap

// SPDX-License-Identifier: MIT
#include "compressedfile.h"

#include <core/common/paths.h>

#include <QFile>

#include <bzlib.h>
#include <cstdio>
#include <zlib.h>

namespace OddsTap {
namespace {

/// gzip through zlib's gz* functions, which also read a plain file as it is.
class GzipDevice : public QIODevice
{
public:
    explicit GzipDevice(gzFile file)
        : m_file(file)
    { }
    ~GzipDevice() override { gzclose(m_file); }
    bool isSequential() const override { return true; }

protected:
    qint64 readData(char *data, qint64 maxSize) override
    {
        const int n = gzread(m_file, data, unsigned(std::min<qint64>(maxSize, 1 << 30)));
        int code = Z_OK;
        const char *why = gzerror(m_file, &code);
        // A truncated file reads as a quiet end; zlib only says so here (Z_BUF_ERROR).
        if (n < 0 || (n == 0 && code != Z_OK)) {
            setErrorString(code == Z_BUF_ERROR ? QStringLiteral("the gzip data ends too early (the file is truncated)")
                                               : QString::fromUtf8(why));
            return -1;
        }
        return n;
    }
    qint64 writeData(const char *, qint64) override { return -1; }

private:
    gzFile m_file;
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
                // Bytes after the last stream that are not another one (padding some tools add):
                // all the data has been read.
                closeStream();
                m_done = true;
                break;
            }
            if (error != BZ_OK && error != BZ_STREAM_END) {
                return fail(QStringLiteral("the bzip2 data is damaged (error %1)").arg(error));
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
                if (m_unused.isEmpty()) {
                    const int c = std::fgetc(m_file);
                    if (c == EOF) {
                        m_done = true;
                    } else {
                        std::ungetc(c, m_file);
                    }
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
    } else {
        gzFile f = gzopen(local.constData(), "rb");
        if (!f) {
            return Error { QStringLiteral("io_error"), QStringLiteral("cannot open '%1'").arg(path) };
        }
        gzbuffer(f, 256 * 1024);
        device = std::make_unique<GzipDevice>(f);
    }
    if (!device->open(QIODevice::ReadOnly)) {
        return Error { QStringLiteral("io_error"), QStringLiteral("cannot read '%1'").arg(path) };
    }
    return device;
}

} // namespace OddsTap

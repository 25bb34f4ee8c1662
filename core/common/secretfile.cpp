// SPDX-License-Identifier: MIT
#include "secretfile.h"

#include <QElapsedTimer>
#include <QFile>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

namespace OddsTap {

Result<QByteArray> readSecretFile(const QString &path, const QString &what, int waitMs, qint64 maxBytes)
{
    const auto failed = [&](const QString &why) {
        return Error { QStringLiteral("usage"), QStringLiteral("%1 '%2' %3").arg(what, path, why) };
    };
    // Non-blocking: opening a FIFO for reading otherwise waits, for ever, for a writer to open it.
    const int fd = ::open(QFile::encodeName(path).constData(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        return failed(QStringLiteral("cannot be read: %1").arg(QString::fromLocal8Bit(std::strerror(errno))));
    }
    struct Closer
    {
        int fd;
        ~Closer() { ::close(fd); }
    } closer { fd };
    struct stat st = {};
    if (::fstat(fd, &st) != 0) {
        return failed(QStringLiteral("cannot be read: %1").arg(QString::fromLocal8Bit(std::strerror(errno))));
    }
    if (S_ISDIR(st.st_mode)) {
        return failed(QStringLiteral("is a directory, not a file"));
    }
    QByteArray bytes;
    QElapsedTimer waited;
    waited.start();
    char chunk[4096];
    for (;;) {
        // Poll before each read: a FIFO no writer opened yet reads as its end, where a pipe about
        // to deliver must be waited for. Linux reports such a FIFO ready only once a writer came.
        pollfd p { fd, POLLIN, 0 };
        const int left = int(std::max<qint64>(0, waitMs - waited.elapsed()));
        const int ready = ::poll(&p, 1, left);
        if (ready < 0 && errno != EINTR) {
            return failed(QStringLiteral("cannot be read: %1").arg(QString::fromLocal8Bit(std::strerror(errno))));
        }
        const bool late = waited.elapsed() >= waitMs;
        if (ready == 0 || (ready < 0 && late)) {
            if (!bytes.isEmpty()) {
                // Something came, but its writer keeps it open (`cat > fifo`, a terminal).
                return failed(QStringLiteral("did not end within %1 s: close what writes it, or put the secret "
                                             "in a file")
                                  .arg(waitMs / 1000.0));
            }
            return failed(waitMs > 0
                    ? QStringLiteral("delivered nothing within %1 s (a pipe nobody writes to, or a password "
                                     "prompt left waiting?): put the secret in a file")
                          .arg(waitMs / 1000.0)
                    : QStringLiteral("has nothing to read now (a pipe nobody writes to?): put the secret in a file"));
        }
        if (ready < 0) {
            continue; // EINTR, with time left
        }
        const ssize_t n = ::read(fd, chunk, sizeof chunk);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
            if (late) { // ready but nothing to read, again and again: a device that never delivers
                return failed(QStringLiteral("delivered nothing readable within %1 s").arg(waitMs / 1000.0));
            }
            continue;
        }
        if (n < 0) {
            return failed(QStringLiteral("cannot be read: %1").arg(QString::fromLocal8Bit(std::strerror(errno))));
        }
        if (n == 0) {
            break;
        }
        bytes.append(chunk, n);
        if (bytes.size() > maxBytes) {
            return failed(QStringLiteral("holds more than %1 bytes: not a secret").arg(maxBytes));
        }
    }
    bytes = bytes.trimmed();
    if (bytes.isEmpty()) {
        return failed(QStringLiteral("is empty"));
    }
    return bytes;
}

} // namespace OddsTap

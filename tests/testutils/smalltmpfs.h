// SPDX-License-Identifier: MIT
#pragma once

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QString>
#include <QTemporaryDir>

#include <unistd.h>

namespace OddsTap::Testing {

/// A real, small filesystem for disk-full faults: a tmpfs of `bytes` mounted on a temporary
/// directory, and a filler file that takes (almost) all of its space and gives it back. Mounting
/// needs root, which scripts/test and CI have; elsewhere ok() is false and error() says why, and
/// the test fails rather than skip. @p type "ramfs" mounts a file system without a size limit
/// that, unlike tmpfs, refuses O_DIRECT.
class SmallTmpfs
{
public:
    explicit SmallTmpfs(qint64 bytes, const QString &type = QStringLiteral("tmpfs"))
    {
        if (!m_dir.isValid()) {
            m_error = QStringLiteral("cannot create a temporary directory");
            return;
        }
        if (::geteuid() != 0) {
            m_error = QStringLiteral("mounting a small file system needs root (scripts/test and CI run as root)");
            return;
        }
        QProcess mount;
        mount.start(QStringLiteral("mount"),
            { QStringLiteral("-t"), type, QStringLiteral("-o"), QStringLiteral("size=%1").arg(bytes),
                QStringLiteral("oddstap-test"), m_dir.path() });
        if (!mount.waitForFinished(10000) || mount.exitCode() != 0) {
            m_error =
                QStringLiteral("mount -t %1 failed: ").arg(type) + QString::fromLocal8Bit(mount.readAllStandardError());
            return;
        }
        m_mounted = true;
    }
    ~SmallTmpfs()
    {
        if (m_mounted) {
            QProcess::execute(QStringLiteral("umount"), { QStringLiteral("-l"), m_dir.path() });
        }
    }
    SmallTmpfs(const SmallTmpfs &) = delete;
    SmallTmpfs &operator=(const SmallTmpfs &) = delete;

    bool ok() const { return m_mounted; }
    QString error() const { return m_error; }
    QString path() const { return m_dir.path(); }

    /// Makes the file system read-only, for everyone including root (who ignores permissions).
    bool remountReadOnly()
    {
        return QProcess::execute(
                   QStringLiteral("mount"), { QStringLiteral("-o"), QStringLiteral("remount,ro"), m_dir.path() })
            == 0;
    }

    /// Takes every free byte, then hands `leaveBytes` back: the next write larger than that fails
    /// part way, as on a disk that really filled up.
    bool fill(qint64 leaveBytes = 0)
    {
        QFile f(fillerPath());
        if (!f.open(QIODevice::WriteOnly | QIODevice::Append | QIODevice::Unbuffered)) {
            return false;
        }
        const QByteArray chunk(4096, 'f');
        while (f.write(chunk) == chunk.size()) { }
        return f.resize(std::max<qint64>(0, f.size() - leaveBytes));
    }
    /// Gives all of the filler's space back.
    bool free() { return !QFile::exists(fillerPath()) || QFile::remove(fillerPath()); }

private:
    QString fillerPath() const { return QDir(m_dir.path()).filePath(QStringLiteral(".filler")); }

    QTemporaryDir m_dir;
    bool m_mounted = false;
    QString m_error;
};

} // namespace OddsTap::Testing

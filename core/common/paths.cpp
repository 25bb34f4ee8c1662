// SPDX-License-Identifier: MIT
#include "paths.h"

#include <QFile>
#include <QFileInfo>
#include <QSaveFile>

#include <filesystem>
#include <sys/stat.h>

namespace OddsTap {

QString makeDirectory(const QString &dir)
{
    if (QFileInfo(dir).isDir()) {
        return {};
    }
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(dir.toStdString()), ec);
    return ec ? QStringLiteral("cannot create the directory '%1': %2").arg(dir, QString::fromStdString(ec.message()))
              : QString();
}

QString makeParentDirectory(const QString &file)
{
    return makeDirectory(QFileInfo(file).absolutePath());
}

QString notARegularFile(const QString &path)
{
    const QFileInfo info(path);
    if (!info.exists() || info.isFile()) {
        return {};
    }
    return QStringLiteral("'%1' is not a regular file (%2): save it to a file first")
        .arg(path, info.isDir() ? QStringLiteral("a directory") : QStringLiteral("a pipe, a socket or a device"));
}

bool isStreamTarget(const QString &path)
{
    struct stat st = {};
    return ::stat(QFile::encodeName(path).constData(), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
}

QString writeWholeFile(const QString &path, const QByteArray &bytes)
{
    if (isStreamTarget(path)) {
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size() || !f.flush()) {
            return QStringLiteral("cannot write '%1': %2").arg(path, f.errorString());
        }
        return {};
    }
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size() || !f.commit()) {
        return QStringLiteral("cannot write '%1': %2").arg(path, f.errorString());
    }
    return {};
}

Result<QByteArray> readSettingsDocument(const QString &path, const QString &tooLargeCode)
{
    constexpr qint64 kLimit = 64 * 1024 * 1024;
    if (const QString why = notARegularFile(path); !why.isEmpty()) {
        return Error { QStringLiteral("io_error"), why };
    }
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        return Error { QStringLiteral("io_error"), QStringLiteral("cannot read %1: %2").arg(path, f.errorString()) };
    }
    QByteArray bytes = f.read(kLimit + 1);
    if (bytes.size() > kLimit) {
        return Error { tooLargeCode, QStringLiteral("%1 is over 64 MB").arg(path) };
    }
    return bytes;
}

} // namespace OddsTap

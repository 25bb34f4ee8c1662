// SPDX-License-Identifier: MIT
#include "paths.h"

#include <QFileInfo>

#include <filesystem>

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

} // namespace OddsTap

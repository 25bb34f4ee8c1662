// SPDX-License-Identifier: MIT
// Test helper: parse a CSV file with a real reader (Python's csv module, strict mode).
#pragma once

#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QStringList>
#include <QtDebug>

namespace OddsTap::Testing {

/// Rows of fields, or an empty list when the file is not valid CSV for Python.
inline QList<QStringList> readCsv(const QString &path, const QString &delimiter = QStringLiteral(","))
{
    QProcess p;
    p.start(QStringLiteral("python3"),
        { QStringLiteral("-c"),
            QStringLiteral("import csv, json, sys\n"
                           "with open(sys.argv[1], newline='', encoding='utf-8-sig') as f:\n"
                           "    print(json.dumps(list(csv.reader(f, delimiter=sys.argv[2], strict=True))))\n"),
            path, delimiter });
    if (!p.waitForFinished(120000) || p.exitCode() != 0) {
        qWarning() << "python3 csv failed:" << p.readAllStandardError();
        return {};
    }
    QList<QStringList> rows;
    const QJsonArray all = QJsonDocument::fromJson(p.readAllStandardOutput()).array();
    for (const QJsonValue &row : all) {
        QStringList fields;
        for (const QJsonValue &f : row.toArray()) {
            fields << f.toString();
        }
        rows << fields;
    }
    return rows;
}

} // namespace OddsTap::Testing

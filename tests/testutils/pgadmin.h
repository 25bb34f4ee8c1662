// SPDX-License-Identifier: MIT
#pragma once

#include <QDebug>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QString>
#include <QUrl>

namespace OddsTap::Testing {

/// Runs one statement on the test PostgreSQL server of `baseUrl` (ODDSTAP_TEST_PG_URL), in
/// `database` or the URL's own; for creating and dropping a fresh database per test.
inline bool pgAdminExec(const QString &baseUrl, const QString &statement, const QString &database = {})
{
    const QUrl base(baseUrl);
    bool ok = false;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), QStringLiteral("pg-admin"));
        db.setHostName(base.host());
        db.setPort(base.port(5432));
        db.setUserName(base.userName());
        db.setDatabaseName(database.isEmpty() ? base.path().mid(1) : database);
        ok = db.open();
        if (ok) {
            QSqlQuery q(db);
            ok = q.exec(statement);
            if (!ok) {
                qWarning() << q.lastError().text();
            }
        } else {
            qWarning() << db.lastError().text();
        }
    }
    QSqlDatabase::removeDatabase(QStringLiteral("pg-admin"));
    return ok;
}

} // namespace OddsTap::Testing

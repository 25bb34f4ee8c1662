// SPDX-License-Identifier: MIT
#pragma once

#include <QCoreApplication>
#include <QDebug>
#include <QDir>
#include <QFile>
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

/// The database one test captures into: an SQLite file in `dir`, or a database of its own on the
/// test PostgreSQL server (ODDSTAP_TEST_PG_URL), dropped again when this goes out of scope.
class TestDatabase
{
public:
    TestDatabase(bool postgres, const QString &dir, const QString &name)
        : m_postgres(postgres)
        , m_baseUrl(qEnvironmentVariable("ODDSTAP_TEST_PG_URL"))
        , m_pgName(QStringLiteral("oddstap_%1_%2").arg(name).arg(QCoreApplication::applicationPid()))
    {
        if (!postgres) {
            m_url = QDir(dir).filePath(name + QStringLiteral(".db"));
        } else if (!m_baseUrl.isEmpty()) {
            QUrl url(m_baseUrl);
            url.setPath(QLatin1Char('/') + m_pgName);
            m_url = url.toString();
        }
    }
    ~TestDatabase()
    {
        if (m_postgres && !m_baseUrl.isEmpty()) {
            pgAdminExec(m_baseUrl, QStringLiteral("DROP DATABASE IF EXISTS %1 WITH (FORCE)").arg(m_pgName));
        }
    }
    TestDatabase(const TestDatabase &) = delete;
    TestDatabase &operator=(const TestDatabase &) = delete;

    /// The --db argument: a file path or a postgresql:// URL.
    const QString &url() const { return m_url; }
    /// Why reset() failed.
    const QString &error() const { return m_error; }

    /// Makes the database new and empty: drops and creates it again, or deletes the file.
    bool reset()
    {
        if (!m_postgres) {
            for (const char *suffix : { "", "-wal", "-shm" }) {
                QFile::remove(m_url + QLatin1String(suffix));
            }
            return true;
        }
        if (m_baseUrl.isEmpty()) {
            m_error = QStringLiteral(
                "ODDSTAP_TEST_PG_URL is not set: run scripts/test, which starts a PostgreSQL server for the tests");
            return false;
        }
        pgAdminExec(m_baseUrl, QStringLiteral("DROP DATABASE IF EXISTS %1 WITH (FORCE)").arg(m_pgName));
        if (!pgAdminExec(m_baseUrl, QStringLiteral("CREATE DATABASE ") + m_pgName)) {
            m_error = QStringLiteral("PostgreSQL unreachable at ") + m_baseUrl;
            return false;
        }
        return true;
    }

private:
    bool m_postgres;
    QString m_baseUrl;
    QString m_pgName;
    QString m_url;
    QString m_error;
};

} // namespace OddsTap::Testing

// SPDX-License-Identifier: MIT
// What logs, files and messages show of a URL a user gave: never its password, token or key,
// however malformed the text around them.
#include <core/common/redact.h>

#include <QTest>

using namespace OddsTap;

class TestRedact : public QObject
{
    Q_OBJECT

private slots:
    void textIsShownWithoutItsSecrets_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("shown");
        QTest::addRow("user info") << QStringLiteral("ws://alice:SECRET@host:1/feed")
                                   << QStringLiteral("ws://…@host:1/feed");
        QTest::addRow("query and fragment")
            << QStringLiteral("wss://host/feed?token=SECRET#SECRET") << QStringLiteral("wss://host/feed");
        QTest::addRow("'/' in the password") << QStringLiteral("postgresql://bob:1/SECRET@127.0.0.1/odds")
                                             << QStringLiteral("postgresql://…@127.0.0.1/odds");
        QTest::addRow("'#' in the password") << QStringLiteral("redis://u:#SECRET@host") << QStringLiteral("redis://…");
        QTest::addRow("'@' in the query")
            << QStringLiteral("amqp://guest@ho st/vh?x=a@b&token=SECRET") << QStringLiteral("amqp://…");
        QTest::addRow("one slash") << QStringLiteral("redis:/:SECRET@host") << QStringLiteral("redis:…@host");
        QTest::addRow("no slashes") << QStringLiteral("alice:SECRET@host") << QStringLiteral("alice:…@host");
        QTest::addRow("nothing secret") << QStringLiteral("ws://127.0.0.1:8765/feed")
                                        << QStringLiteral("ws://127.0.0.1:8765/feed");
    }

    void textIsShownWithoutItsSecrets()
    {
        QFETCH(QString, text);
        QFETCH(QString, shown);
        QCOMPARE(redactedUrlText(text), shown);
        QVERIFY(!redactedUrl(text).contains(QLatin1String("SECRET")));
    }

    void parsedUrlsKeepOnlyWhereTheyGo()
    {
        QCOMPARE(redactedUrl(QUrl(QStringLiteral("ws://u:SECRET@host:1/feed?token=SECRET#SECRET"))),
            QStringLiteral("ws://host:1/feed"));
        // Valid as a URL, but host "u", port 1 and a path that holds the password.
        QCOMPARE(redactedUrl(QStringLiteral("ws://u:1/SECRET@feed.example/x")), QStringLiteral("ws://u:1/…"));
        QCOMPARE(urlOrigin(QUrl(QStringLiteral("https://hooks.example:8443/services/T0/SECRET?token=SECRET"))),
            QStringLiteral("https://hooks.example:8443/…"));
        const QUrl bad(QStringLiteral("ws://alice:SECRET@ho st/feed"), QUrl::StrictMode);
        QVERIFY(!bad.isValid());
        QVERIFY(!urlError(bad).contains(QLatin1String("SECRET")));
        QVERIFY(!urlError(bad).isEmpty());
    }

    void secretsCompareInFullOnly()
    {
        QVERIFY(constantTimeEquals("Bearer abc", "Bearer abc"));
        QVERIFY(!constantTimeEquals("Bearer abc", "Bearer abd"));
        QVERIFY(!constantTimeEquals("Bearer abc", "Bearer ab"));
        QVERIFY(!constantTimeEquals("", "x"));
    }
};

QTEST_GUILESS_MAIN(TestRedact)
#include "tst_redact.moc"

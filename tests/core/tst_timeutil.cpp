// SPDX-License-Identifier: MIT
#include <core/common/timeutil.h>

#include <QDateTime>
#include <QTest>

using namespace OddsTap;

class TestTimeUtil : public QObject
{
    Q_OBJECT

private slots:
    void parses_data();
    void parses();
    void refuses_data();
    void refuses();
    void formatsIsoUtcWithMillis();
    void agreesWithQDateTimeOverManyDays();
};

void TestTimeUtil::parses_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<qint64>("ms");
    QTest::addRow("epoch") << QByteArray("1970-01-01T00:00:00Z") << qint64(0);
    QTest::addRow("protocol example") << QByteArray("2026-11-25T15:00:00Z") << qint64(1795618800000);
    QTest::addRow("millis") << QByteArray("2026-11-25T15:00:00.123Z") << qint64(1795618800123);
    QTest::addRow("micros truncated") << QByteArray("2026-11-25T15:00:00.123987Z") << qint64(1795618800123);
    QTest::addRow("one fraction digit") << QByteArray("2026-11-25T15:00:00.5Z") << qint64(1795618800500);
    QTest::addRow("positive offset") << QByteArray("2026-11-25T16:00:00+01:00") << qint64(1795618800000);
    QTest::addRow("negative offset") << QByteArray("2026-11-25T10:00:00-05:00") << qint64(1795618800000);
    QTest::addRow("zero offset") << QByteArray("2026-11-25T15:00:00+00:00") << qint64(1795618800000);
    QTest::addRow("leap day") << QByteArray("2028-02-29T00:00:00Z") << qint64(1835395200000);
    QTest::addRow("lower case t and z") << QByteArray("2026-11-25t15:00:00z") << qint64(1795618800000);
    QTest::addRow("before epoch") << QByteArray("1969-12-31T23:59:59Z") << qint64(-1000);
}

void TestTimeUtil::parses()
{
    QFETCH(QByteArray, text);
    QFETCH(qint64, ms);
    const auto r = parseIso8601Utc(std::string_view(text.constData(), std::size_t(text.size())));
    QVERIFY(r.has_value());
    QCOMPARE(*r, ms);
}

void TestTimeUtil::refuses_data()
{
    QTest::addColumn<QByteArray>("text");
    for (const char *s : { "", "2026-11-25", "2026-11-25T15:00:00", "2026-11-25 15:00:00Z", "2026-13-01T00:00:00Z",
             "2026-00-01T00:00:00Z", "2026-02-29T00:00:00Z", "2100-02-29T00:00:00Z", "2026-04-31T00:00:00Z",
             "2026-11-25T24:00:00Z", "2026-11-25T23:60:00Z", "2026-11-25T23:59:60Z", "2026-11-25T15:00:00.Z",
             "2026-11-25T15:00:00+1:00", "2026-11-25T15:00:00+01", "2026-11-25T15:00:00Zjunk",
             "2026-11-25T15:00:00+24:00", "2026-1x-25T15:00:00Z", "20261125T150000Z",
             "2026-11-25T15:00:00.1234567890Z" }) {
        QTest::addRow("%s", s) << QByteArray(s);
    }
}

void TestTimeUtil::refuses()
{
    QFETCH(QByteArray, text);
    QVERIFY(!parseIso8601Utc(std::string_view(text.constData(), std::size_t(text.size()))).has_value());
}

void TestTimeUtil::formatsIsoUtcWithMillis()
{
    QCOMPARE(formatIso8601Utc(1795619045123), QStringLiteral("2026-11-25T15:04:05.123Z"));
    QCOMPARE(formatIso8601Utc(0), QStringLiteral("1970-01-01T00:00:00.000Z"));
}

void TestTimeUtil::agreesWithQDateTimeOverManyDays()
{
    // Every day from 1990 to 2100 at a fixed time, against Qt's calendar.
    QDateTime t(QDate(1990, 1, 1), QTime(13, 45, 30, 250), Qt::UTC);
    for (int i = 0; i < 40000; ++i) {
        const QByteArray text = t.toString(Qt::ISODateWithMs).toLatin1();
        const auto r = parseIso8601Utc(std::string_view(text.constData(), std::size_t(text.size())));
        QVERIFY2(r.has_value(), text.constData());
        QCOMPARE(*r, t.toMSecsSinceEpoch());
        t = t.addDays(1);
    }
}

QTEST_GUILESS_MAIN(TestTimeUtil)
#include "tst_timeutil.moc"

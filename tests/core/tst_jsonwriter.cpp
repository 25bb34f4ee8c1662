// SPDX-License-Identifier: MIT
// The simulator's JSON text builder: exact output, checked against printf's
// formatting and against a JSON parser.
#include <core/common/jsonwriter.h>

#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTest>

#include <cstdio>
#include <limits>

using namespace OddsTap;

namespace {

// The reference: C's printf("%.*f"), correctly rounded from the exact binary value, exact ties
// to even (Qt's QByteArray::number rounds those away from zero), then trimmed.
QByteArray referenceDecimal(double value, int decimals)
{
    char buffer[400];
    const int n = std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
    QByteArray text(buffer, n);
    if (text.contains('.')) {
        while (text.endsWith('0')) {
            text.chop(1);
        }
        if (text.endsWith('.')) {
            text.chop(1);
        }
    }
    return text == "-0" ? QByteArray("0") : text;
}

QByteArray decimal(double value, int decimals)
{
    return Json::Text().decimal(value, decimals).take();
}

} // namespace

class TestJsonWriter : public QObject
{
    Q_OBJECT

private slots:
    void decimalsMatchPrintfRounding_data();
    void decimalsMatchPrintfRounding();
    void decimalsAgreeWithQtOnManyValues();
    void nonFiniteNumbersAreNull();
    void integersAtTheLimits();
    void stringsEscapeWhatJsonRequires();
};

void TestJsonWriter::decimalsMatchPrintfRounding_data()
{
    QTest::addColumn<double>("value");
    QTest::addColumn<int>("decimals");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("two places") << 2.15 << 2 << QByteArray("2.15");
    QTest::newRow("trailing zeros trimmed") << 3.10 << 2 << QByteArray("3.1");
    QTest::newRow("whole number") << 3.0 << 2 << QByteArray("3");
    QTest::newRow("binary below half") << 1.005 << 2 << QByteArray("1"); // 1.00499999...
    QTest::newRow("rounds up") << 2.996 << 2 << QByteArray("3");
    QTest::newRow("exact tie to even, down") << 44.125 << 2 << QByteArray("44.12");
    QTest::newRow("exact tie to even, up") << 44.375 << 2 << QByteArray("44.38");
    QTest::newRow("negative zero") << -0.001 << 2 << QByteArray("0");
    QTest::newRow("negative") << -12.345 << 1 << QByteArray("-12.3");
    QTest::newRow("no decimals") << 7.5 << 0 << QByteArray("8");
    QTest::newRow("large") << 1234567.891 << 2 << QByteArray("1234567.89");
}

void TestJsonWriter::decimalsMatchPrintfRounding()
{
    QFETCH(double, value);
    QFETCH(int, decimals);
    QFETCH(QByteArray, expected);
    QCOMPARE(decimal(value, decimals), expected);
    QCOMPARE(decimal(value, decimals), referenceDecimal(value, decimals));
}

void TestJsonWriter::decimalsAgreeWithQtOnManyValues()
{
    QRandomGenerator rng(7);
    for (int i = 0; i < 200000; ++i) {
        // Prices, stakes and the awkward cases around .5 at every scale.
        const double value = i % 3 == 0 ? double(rng.bounded(100000)) / 1000.0 + 0.005
            : i % 3 == 1                ? rng.generateDouble() * 1000.0
                                        : -rng.generateDouble() * 1e9;
        const int decimals = int(rng.bounded(7));
        const QByteArray got = decimal(value, decimals);
        QCOMPARE(got, referenceDecimal(value, decimals));
    }
}

void TestJsonWriter::nonFiniteNumbersAreNull()
{
    QCOMPARE(decimal(std::numeric_limits<double>::quiet_NaN(), 2), QByteArray("null"));
    QCOMPARE(decimal(std::numeric_limits<double>::infinity(), 2), QByteArray("null"));
    QCOMPARE(decimal(std::numeric_limits<double>::max(), 2), referenceDecimal(std::numeric_limits<double>::max(), 2));
}

void TestJsonWriter::integersAtTheLimits()
{
    Json::Text out(4); // smaller than the text: grows as it goes
    out.integer(std::numeric_limits<qint64>::min()).raw(' ').integer(0).raw(' ');
    out.uinteger(std::numeric_limits<quint64>::max());
    QCOMPARE(out.take(), QByteArray("-9223372036854775808 0 18446744073709551615"));
    QCOMPARE(out.take(), QByteArray()); // empty after take()
    QCOMPARE(out.raw("again").take(), QByteArray("again"));
}

void TestJsonWriter::stringsEscapeWhatJsonRequires()
{
    const std::string text =
        std::string("plain \"quoted\" back\\slash\nnew\rret\ttab ") + char(0x01) + char(0x1f) + " caf\xc3\xa9 end";
    const QByteArray out = Json::Text(8).raw("{\"k\":").string(std::string_view(text)).raw('}').take();
    QCOMPARE(out,
        QByteArray("{\"k\":\"plain \\\"quoted\\\" back\\\\slash\\nnew\\rret\\ttab \\u0001\\u001f caf\xc3\xa9 end\"}"));
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(out, &error);
    QCOMPARE(error.error, QJsonParseError::NoError);
    QCOMPARE(doc.object().value(QStringLiteral("k")).toString(), QString::fromStdString(text));

    QCOMPARE(Json::Text().string(std::string_view()).take(), QByteArray("\"\""));
    QCOMPARE(Json::Text().string(QStringLiteral("\u00e9\"x")).take(), QByteArray("\"\xc3\xa9\\\"x\""));
}

QTEST_GUILESS_MAIN(TestJsonWriter)
#include "tst_jsonwriter.moc"

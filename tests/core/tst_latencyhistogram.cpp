// SPDX-License-Identifier: MIT
#include <core/common/latencyhistogram.h>

#include <QTest>

using namespace OddsTap;

class TestLatencyHistogram : public QObject
{
    Q_OBJECT

private slots:
    void percentilesWithinTenPercent();
    void mergeAddsUp();
    void emptyAndExtremes();
};

void TestLatencyHistogram::percentilesWithinTenPercent()
{
    LatencyHistogram h;
    for (qint64 ms = 1; ms <= 1000; ++ms) {
        h.add(ms * 1000000); // 1 ms .. 1000 ms, uniform
    }
    QCOMPARE(h.count(), quint64(1000));
    for (const double p : { 50.0, 95.0, 99.0 }) {
        const double exact = p * 10.0 * 1e6;
        const double got = double(h.percentileNs(p));
        QVERIFY2(got >= exact && got <= exact * 1.1, qPrintable(QStringLiteral("p%1 = %2").arg(p).arg(got)));
    }
    QCOMPARE(h.maxNs(), qint64(1000) * 1000000);
    QCOMPARE(h.percentileNs(100), h.maxNs());
}

void TestLatencyHistogram::mergeAddsUp()
{
    LatencyHistogram a;
    LatencyHistogram b;
    for (int i = 0; i < 90; ++i) {
        a.add(2000000); // 2 ms
    }
    for (int i = 0; i < 10; ++i) {
        b.add(500000000); // 500 ms
    }
    a.merge(b);
    QCOMPARE(a.count(), quint64(100));
    QVERIFY(a.percentileNs(90) < 2300000);
    QVERIFY(a.percentileNs(95) >= 500000000);
}

void TestLatencyHistogram::emptyAndExtremes()
{
    LatencyHistogram h;
    QCOMPARE(h.percentileNs(99), qint64(0));
    h.add(0);
    h.add(-5); // a clock step must not break it
    h.add(qint64(1) << 50);
    QCOMPARE(h.count(), quint64(3));
    QVERIFY(h.percentileNs(50) <= 1100);
}

QTEST_GUILESS_MAIN(TestLatencyHistogram)
#include "tst_latencyhistogram.moc"

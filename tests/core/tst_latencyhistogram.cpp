// SPDX-License-Identifier: MIT
#include <core/common/latencyhistogram.h>
#include <core/models/sourcetablemodel.h>
#include <core/session/feedlatency.h>
#include <core/session/healthalerts.h>

#include <QStringList>
#include <QTest>

using namespace OddsTap;

class TestLatencyHistogram : public QObject
{
    Q_OBJECT

private slots:
    void percentilesWithinTenPercent();
    void mergeAddsUp();
    void emptyAndExtremes();
    void feedLatencyWithoutSkew();
    void feedLatencyCorrectsAClockAheadOrBehind();
    void feedLatencyOffsetAgesOutAfterAMinute();
    void feedLatencyShowsInSourcesAndRaisesAnAlert();
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

namespace {

/// One interval of delays base + 1..100 ms.
FeedLatencyReading interval(FeedLatency &f, qint64 base, qint64 nowMs)
{
    for (qint64 d = 1; d <= 100; ++d) {
        f.add(base + d);
    }
    return f.take(nowMs);
}

} // namespace

void TestLatencyHistogram::feedLatencyWithoutSkew()
{
    FeedLatency f;
    QCOMPARE(f.take(0).samples, quint64(0));
    const FeedLatencyReading r = interval(f, 0, 1000);
    QCOMPARE(r.samples, quint64(100));
    QCOMPARE(r.p50Ms, 50.0);
    QCOMPARE(r.p99Ms, 99.0);
    QCOMPARE(r.maxMs, 100.0);
    QVERIFY(!r.clockOffsetMs); // a least delay of 1 ms is a network's
    QCOMPARE(f.take(1100).samples, quint64(0)); // each interval on its own
}

void TestLatencyHistogram::feedLatencyCorrectsAClockAheadOrBehind()
{
    // The source's clock 3 s ahead: every delay is negative, which no network makes.
    FeedLatency ahead;
    FeedLatencyReading r = interval(ahead, -3000, 1000);
    QCOMPARE(r.clockOffsetMs, std::optional<qint64>(-2999));
    QCOMPARE(r.p50Ms, 49.0); // from the fastest delivery
    QCOMPARE(r.maxMs, 99.0);
    // 10 s behind: a least delay of 10 s is a clock, not a network.
    FeedLatency behind;
    r = interval(behind, 10000, 1000);
    QCOMPARE(r.clockOffsetMs, std::optional<qint64>(10001));
    QCOMPARE(r.p99Ms, 98.0);
    // A slower interval later is measured from the same least delay: its latency shows.
    r = interval(behind, 10500, 2000);
    QCOMPARE(r.clockOffsetMs, std::optional<qint64>(10001));
    QCOMPARE(r.p50Ms, 549.0);
}

void TestLatencyHistogram::feedLatencyOffsetAgesOutAfterAMinute()
{
    FeedLatency f;
    QVERIFY(interval(f, -3000, 1000).clockOffsetMs);
    // The clock was fixed: within the minute the old least delay still counts...
    FeedLatencyReading r = interval(f, 0, 30000);
    QCOMPARE(r.clockOffsetMs, std::optional<qint64>(-2999));
    QCOMPARE(r.p50Ms, 3049.0);
    // ...after it, no longer.
    r = interval(f, 0, 62000);
    QVERIFY(!r.clockOffsetMs);
    QCOMPARE(r.p50Ms, 50.0);
}

void TestLatencyHistogram::feedLatencyShowsInSourcesAndRaisesAnAlert()
{
    FeedLatency f;
    SourceStatus s;
    s.sourceId = QStringLiteral("book");
    s.enabled = true;
    s.state = SourceState::Subscribed;
    for (qint64 d = 1; d <= 100; ++d) {
        f.add(-5000 + d * 30); // 5 s ahead, 30 ms apart: p99 2,940 ms from the fastest
    }
    s.latency = f.take(1000);
    SourceTableModel model;
    model.apply({ s }, 1000);
    QCOMPARE(model.index(0, SourceTableModel::Latency).data().toString(), QStringLiteral("1470 / 2940 ms"));
    QCOMPARE(model.index(0, SourceTableModel::Clock).data().toString(), QStringLiteral("5.0 s ahead"));
    // A clock weeks off reads in days, not in millions of seconds.
    SourceStatus far = s;
    far.latency.clockOffsetMs = 2075457500;
    SourceTableModel farModel;
    farModel.apply({ far }, 1000);
    QCOMPARE(farModel.index(0, SourceTableModel::Clock).data().toString(), QStringLiteral("24 d 0 h behind"));
    far.latency.clockOffsetMs = -(12 * 60 + 5) * 1000;
    farModel.apply({ far }, 2000);
    QCOMPARE(farModel.index(0, SourceTableModel::Clock).data().toString(), QStringLiteral("12 min 5 s ahead"));
    QVERIFY(model.index(0, SourceTableModel::Clock)
                .data(Qt::ToolTipRole)
                .toString()
                .contains(QLatin1String("book's clock is off ours by -4970 ms")));
    MetricsSnapshot m;
    m.atMs = 1000;
    m.latencyAlertMs = 2000;
    m.sources = { s };
    HealthAlerts alerts;
    std::vector<LogEntry> raised = alerts.update(m);
    QCOMPARE(raised.size(), std::size_t(1));
    QCOMPARE(raised[0].message, QStringLiteral("book: feed latency p99 over 2000 ms"));
    QCOMPARE(raised[0].kind, LogKind::Alert);
    QVERIFY(alerts.update(m).empty()); // active: raised once
    QCOMPARE(alerts.active(), QStringList { raised[0].message });
    m.sources[0].latency.p99Ms = 150;
    QVERIFY(alerts.update(m).empty());
    QVERIFY(alerts.active().isEmpty());
    m.latencyAlertMs = 0; // off
    m.sources[0].latency.p99Ms = 1e6;
    QVERIFY(alerts.update(m).empty());
}

QTEST_GUILESS_MAIN(TestLatencyHistogram)
#include "tst_latencyhistogram.moc"

// SPDX-License-Identifier: MIT
#include <core/sim/faultplan.h>

#include <QTest>

using namespace OddsTap;

class TestFaultPlan : public QObject
{
    Q_OBJECT

private slots:
    void parses();
    void refuses_data();
    void refuses();
};

void TestFaultPlan::parses()
{
    const auto plan = FaultPlan::parse(QStringLiteral(
        "drop_every=5000, drop_prob=0.001,stall_every=20000,stall_ms=4000,malformed=0.01,duplicate=0.02,gap=0.5"));
    QVERIFY(plan);
    QCOMPARE(plan->dropEvery, quint64(5000));
    QCOMPARE(plan->dropProbability, 0.001);
    QCOMPARE(plan->stallEvery, quint64(20000));
    QCOMPARE(plan->stallMs, 4000);
    QCOMPARE(plan->malformed, 0.01);
    QCOMPARE(plan->duplicate, 0.02);
    QCOMPARE(plan->gap, 0.5);
    QVERIFY(plan->any());
    QVERIFY(!FaultPlan::parse(QString())->any());
    // Round trip through the stats file's text.
    const auto again = FaultPlan::parse(plan->toString());
    QVERIFY(again);
    QCOMPARE(again->toString(), plan->toString());
}

void TestFaultPlan::refuses_data()
{
    QTest::addColumn<QString>("spec");
    QTest::addColumn<QString>("message");
    QTest::addRow("unknown key") << "explode=1"
                                 << "unknown fault 'explode'";
    QTest::addRow("no value") << "gap"
                              << "is not key=value";
    QTest::addRow("probability above 1") << "gap=1.5"
                                         << "gap must be a probability";
    QTest::addRow("negative probability") << "malformed=-0.1"
                                          << "malformed must be a probability";
    QTest::addRow("count not a number") << "drop_every=often"
                                        << "drop_every must be a non-negative integer";
    QTest::addRow("negative stall") << "stall_ms=-1"
                                    << "stall_ms must be milliseconds";
}

void TestFaultPlan::refuses()
{
    QFETCH(QString, spec);
    QFETCH(QString, message);
    const auto plan = FaultPlan::parse(spec);
    QVERIFY(!plan);
    QVERIFY2(plan.error().message.contains(message), qPrintable(plan.error().message));
}

QTEST_GUILESS_MAIN(TestFaultPlan)
#include "tst_faultplan.moc"

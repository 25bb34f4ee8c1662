// SPDX-License-Identifier: MIT
// When a market's book is stated, and as what: a market seen in part, or with a selection
// suspended, is not a thin book or an arbitrage.
#include <core/common/marketbook.h>

#include <QTest>

#include <cmath>
#include <utility>
#include <vector>

using namespace OddsTap;

namespace {

using Selections = std::vector<std::pair<QStringView, std::optional<double>>>;

std::optional<double> read(const QString &type, const Selections &selections, BookMemory &memory)
{
    MarketBook book(type);
    for (const auto &[name, price] : selections) {
        book.add(name, price);
    }
    return book.read(memory);
}

std::optional<double> read(const QString &type, const Selections &selections)
{
    BookMemory memory;
    return read(type, selections, memory);
}

} // namespace

class TestMarketBook : public QObject
{
    Q_OBJECT
private slots:
    void aKnownTypeIsWholeWithEachOfItsSelectionsOnce_data();
    void aKnownTypeIsWholeWithEachOfItsSelectionsOnce();
    void anotherTypeIsConfirmedByABookOf100OrMore();
    void text();
    void prices_data();
    void prices();
};

void TestMarketBook::aKnownTypeIsWholeWithEachOfItsSelectionsOnce_data()
{
    QTest::addColumn<QString>("type");
    QTest::addColumn<Selections>("selections");
    QTest::addColumn<double>("book"); // -1: none
    const std::optional<double> suspended;
    QTest::newRow("1x2 whole") << QStringLiteral("1x2")
                               << Selections { { u"home", 2.0 }, { u"draw", 4.0 }, { u"away", 5.0 } } << 95.0;
    QTest::newRow("1x2 without its draw")
        << QStringLiteral("1x2") << Selections { { u"home", 2.0 }, { u"away", 3.0 } } << -1.0;
    QTest::newRow("1x2 with a suspended draw")
        << QStringLiteral("1x2") << Selections { { u"home", 2.0 }, { u"draw", suspended }, { u"away", 3.0 } } << -1.0;
    QTest::newRow("spelled in capitals") << QStringLiteral("1X2")
                                         << Selections { { u"Home", 2.0 }, { u"DRAW", 4.0 }, { u"away", 5.0 } } << 95.0;
    QTest::newRow("ou_ line") << QStringLiteral("OU_2.5") << Selections { { u"over", 1.9 }, { u"under", 1.9 } }
                              << 200.0 / 1.9;
    QTest::newRow("ah_ line half seen") << QStringLiteral("ah_-1.5") << Selections { { u"home", 1.5 } } << -1.0;
    // Home and home again (the callers keep names as spelled): no book, whether it would read
    // as too wide or as an arbitrage.
    QTest::newRow("ml home twice") << QStringLiteral("ml") << Selections { { u"home", 1.5 }, { u"Home", 2.0 } } << -1.0;
    QTest::newRow("1x2 whole and home twice")
        << QStringLiteral("1x2")
        << Selections { { u"home", 2.0 }, { u"draw", 4.0 }, { u"away", 5.0 }, { u"Home", 2.0 } } << -1.0;
    // A name the type does not have: judged as another type, so 75 % is not a book.
    QTest::newRow("1x2 with a foreign name")
        << QStringLiteral("1x2") << Selections { { u"home", 2.0 }, { u"tie", 4.0 } } << -1.0;
    QTest::newRow("ou_ alone is not a line")
        << QStringLiteral("ou_") << Selections { { u"over", 3.0 }, { u"under", 3.0 } } << -1.0;
}

void TestMarketBook::aKnownTypeIsWholeWithEachOfItsSelectionsOnce()
{
    QFETCH(QString, type);
    QFETCH(Selections, selections);
    QFETCH(double, book);
    const std::optional<double> got = read(type, selections);
    if (book < 0) {
        QVERIFY2(!got, qPrintable(QString::number(got.value_or(0))));
    } else {
        QVERIFY(got);
        QVERIFY2(qAbs(*got - book) < 1e-9, qPrintable(QString::number(*got)));
    }
}

void TestMarketBook::anotherTypeIsConfirmedByABookOf100OrMore()
{
    BookMemory race;
    const QString win = QStringLiteral("WIN");
    // Two runners priced, 75 %: the others may be missing.
    QVERIFY(!read(win, { { u"Alpha", 2.0 }, { u"Bravo", 4.0 } }, race));
    // A third: 103.6 %, stated, and three open runners confirmed.
    QCOMPARE(qRound(*read(win, { { u"Alpha", 2.0 }, { u"Bravo", 4.0 }, { u"Charlie", 3.5 } }, race) * 10), 1036);
    const quint64 alphaBravoCharlie = race.openWhenWhole;
    QVERIFY(alphaBravoCharlie != 0);
    // Under 100 % with the same three open: a book, and a thin one.
    QCOMPARE(*read(win, { { u"Alpha", 2.0 }, { u"Bravo", 4.0 }, { u"Charlie", 5.0 } }, race), 95.0);
    // Charlie scratched (suspended for good): the other two, 75 %, are not confirmed...
    QVERIFY(!read(win, { { u"Alpha", 2.0 }, { u"Bravo", 4.0 }, { u"Charlie", std::nullopt } }, race));
    // ...until the market is seen at 100 % or more without it; from then on, two runners count.
    QCOMPARE(*read(win, { { u"Alpha", 1.6 }, { u"Bravo", 2.5 }, { u"Charlie", std::nullopt } }, race), 102.5);
    QVERIFY(race.openWhenWhole != alphaBravoCharlie);
    QCOMPARE(
        *read(win, { { u"Alpha", 1.8 }, { u"Bravo", 2.5 }, { u"Charlie", std::nullopt } }, race), 100.0 / 1.8 + 40.0);
    // Three open again, but not the three seen whole: Bravo suspended and Charlie back is another
    // set (95 % here would be a book missing a runner).
    race.openWhenWhole = alphaBravoCharlie;
    QVERIFY(
        !read(win, { { u"Alpha", 2.0 }, { u"Bravo", std::nullopt }, { u"Charlie", 4.0 }, { u"Delta", 5.0 } }, race));
    // A single open runner is never a book.
    QVERIFY(!read(win, { { u"Alpha", 1.01 }, { u"Bravo", std::nullopt } }, race));
}

void TestMarketBook::text()
{
    QCOMPARE(MarketBook::text(106.66), QStringLiteral("106.7 %"));
    QCOMPARE(MarketBook::text(98.784, 2), QStringLiteral("98.78 %"));
}

QTEST_GUILESS_MAIN(TestMarketBook)
/// Prices as a trader writes them, whatever a feed sends.
void TestMarketBook::prices_data()
{
    QTest::addColumn<double>("price");
    QTest::addColumn<QString>("text");
    QTest::newRow("whole") << 2.0 << QStringLiteral("2.00");
    QTest::newRow("one decimal") << 2.1 << QStringLiteral("2.10");
    QTest::newRow("two") << 2.02 << QStringLiteral("2.02");
    QTest::newRow("three") << 1.333 << QStringLiteral("1.333");
    QTest::newRow("a third") << 4.0 / 3.0 << QStringLiteral("1.333333");
    QTest::newRow("exchange maximum") << 1000.0 << QStringLiteral("1000.00");
    QTest::newRow("hostile") << 1e300 << QStringLiteral("1e+300");
    QTest::newRow("not a number") << std::nan("") << QStringLiteral("nan");
}

void TestMarketBook::prices()
{
    QFETCH(double, price);
    QFETCH(QString, text);
    QCOMPARE(formatPrice(price), text);
}

#include "tst_marketbook.moc"

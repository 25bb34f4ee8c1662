// SPDX-License-Identifier: MIT
// Every live model under QAbstractItemModelTester, fed the way the GUI feeds them: coalesced
// snapshots with inserts, changes and ring-buffer overflow. Also the chart thinning.
#include <core/models/bettapemodel.h>
#include <core/models/errorlogmodel.h>
#include <core/models/exposuremodel.h>
#include <core/models/fixturetablemodel.h>
#include <core/models/laddermodel.h>
#include <core/models/marketmodel.h>
#include <core/models/pricehistory.h>
#include <core/models/sourcetablemodel.h>
#include <core/session/capturestats.h>

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

#include <random>

using namespace OddsTap;

namespace {

FixtureState fixture(const QString &id, FixtureStatus status, quint64 seq, quint64 events = 1)
{
    FixtureState f;
    f.sourceId = QStringLiteral("src");
    f.fixture.fixtureId = id;
    f.fixture.sportId = 1;
    f.fixture.tournamentId = 7;
    f.fixture.startTimeMs = 1798761600000LL;
    f.fixture.status = status;
    f.fixture.home = QStringLiteral("Home ") + id;
    f.fixture.away = QStringLiteral("Away ") + id;
    f.fixture.score = QStringLiteral("0-0");
    f.seq = seq;
    f.events = events;
    f.lastEventAtMs = 1798761600000LL;
    return f;
}

PriceState price(const QString &market, const QString &selection, double value, double previous = 0,
    PriceStatus status = PriceStatus::Open)
{
    PriceState p;
    p.sourceId = QStringLiteral("src");
    p.fixtureId = QStringLiteral("fx-1");
    p.marketType = market;
    p.selection = selection;
    p.price = value;
    p.previousPrice = previous;
    p.status = status;
    p.seq = 1;
    return p;
}

Event bet(const QString &fixtureId, const QString &selection, double stake, double odds)
{
    Event e;
    e.type = EventType::Bet;
    e.sourceId = QStringLiteral("src");
    BetData b;
    b.betId = QStringLiteral("b-%1").arg(stake);
    b.userId = QStringLiteral("u-1");
    b.fixtureId = fixtureId;
    b.marketType = QStringLiteral("1x2");
    b.selection = selection;
    b.stake = stake;
    b.oddValue = odds;
    b.potentialWin = stake * odds;
    e.data = b;
    return e;
}

LogEntry logLine(const QString &code, const QString &message, LogSeverity severity = LogSeverity::Error)
{
    return { .atMs = 1798761600000LL,
        .severity = severity,
        .kind = LogKind::Reject,
        .sourceId = QStringLiteral("src"),
        .seq = 5,
        .code = code,
        .message = message,
        .raw = QByteArray("{bad") };
}

} // namespace

class TestLiveModels : public QObject
{
    Q_OBJECT

private slots:
    void fixturesInsertOnceAndChangeInOneRange();
    void updatesPerMinuteHoldsOverTheLastMinuteAtTheSnapshotRate();
    void marketComputesChangeImpliedAndOverround();
    void betTapeKeepsTheNewestWithinCapacity();
    void exposureSumsStakeAndLiabilityOfTheSelectedFixture();
    void errorLogGroupsRepeatsAndCountsDroppedLines();
    void sourcesShowStateAndCountdown();
    void sourcesSayWhyTheyAreDownUntilLiveAgain();
    void thinningKeepsExtremesAndBoundsThePointCount();
    void priceHistoryMergesPastAndLiveWithoutOverlap();
    void priceHistoryCountsMatchedPerSliceFromBooks();
    void priceHistoryKeepsSuspensionsAsPointsArrive();
    void priceHistoryIsBoundedInPointsAndSelections();
    void ladderPlacesEachPriceOnItsTick();
};

void TestLiveModels::fixturesInsertOnceAndChangeInOneRange()
{
    FixtureTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    std::vector<FixtureState> first;
    for (int i = 0; i < 500; ++i) {
        first.push_back(fixture(QStringLiteral("fx-%1").arg(i), FixtureStatus::Scheduled, quint64(i + 1)));
    }
    model.apply(first, 1798761601000LL);
    QCOMPARE(model.rowCount(), 500);
    QCOMPARE(inserted.count(), 1); // one insert range per snapshot
    // A later snapshot: two changed, one new.
    model.apply({ fixture(QStringLiteral("fx-3"), FixtureStatus::Live, 900, 5),
                    fixture(QStringLiteral("fx-7"), FixtureStatus::Suspended, 901, 9),
                    fixture(QStringLiteral("fx-new"), FixtureStatus::Live, 902) },
        1798761602000LL);
    QCOMPARE(model.rowCount(), 501);
    QCOMPARE(inserted.count(), 2);
    // One range for the changed rows (3..7) plus one for the ages/rates column pair.
    bool sawChangedRange = false;
    for (const QList<QVariant> &args : changed) {
        const auto from = args.at(0).value<QModelIndex>();
        const auto to = args.at(1).value<QModelIndex>();
        if (from.row() == 3 && to.row() == 7) {
            sawChangedRange = true;
        }
    }
    QVERIFY(sawChangedRange);
    const int row = model.rowOf(QStringLiteral("src"), QStringLiteral("fx-3"));
    QCOMPARE(row, 3);
    QCOMPARE(model.index(row, FixtureTableModel::Status).data().toString(), QStringLiteral("live"));
    QCOMPARE(model.index(row, FixtureTableModel::Status).data(StatusRole).toString(), QStringLiteral("live"));
    QCOMPARE(model.index(row, FixtureTableModel::Sport).data().toString(), QStringLiteral("Football"));
    // Updates per minute from the event counter: 4 more events in 1 s = 240/min.
    QCOMPARE(model.index(row, FixtureTableModel::UpdatesPerMin).data(SortRole).toDouble(), 240.0);
    // Forgotten fixtures go in contiguous ranges; the index follows.
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    model.remove({ { QStringLiteral("src"), QStringLiteral("fx-10") },
        { QStringLiteral("src"), QStringLiteral("fx-11") }, { QStringLiteral("src"), QStringLiteral("fx-12") },
        { QStringLiteral("src"), QStringLiteral("fx-40") }, { QStringLiteral("src"), QStringLiteral("nope") } });
    QCOMPARE(removed.count(), 2);
    QCOMPARE(model.rowCount(), 497);
    QCOMPARE(model.rowOf(QStringLiteral("src"), QStringLiteral("fx-11")), -1);
    QCOMPARE(model.rowOf(QStringLiteral("src"), QStringLiteral("fx-13")), 10);
    QCOMPARE(model.fixtureAt(10)->fixture.fixtureId, QStringLiteral("fx-13"));
    // Hundreds scattered (the live state's cap reached): one reset, and every row kept keeps its
    // updates/min (its samples move with it).
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    std::vector<std::pair<QString, QString>> many;
    for (int i = 100; i < 500; ++i) {
        if (i % 4 != 0) {
            many.emplace_back(QStringLiteral("src"), QStringLiteral("fx-%1").arg(i));
        }
    }
    const int before = model.rowCount();
    model.remove(many);
    QCOMPARE(reset.count(), 1);
    QCOMPARE(model.rowCount(), before - 300);
    QCOMPARE(model.rowOf(QStringLiteral("src"), QStringLiteral("fx-101")), -1);
    QCOMPARE(model.fixtureAt(model.rowOf(QStringLiteral("src"), QStringLiteral("fx-104")))->fixture.fixtureId,
        QStringLiteral("fx-104"));
    const int kept = model.rowOf(QStringLiteral("src"), QStringLiteral("fx-3"));
    QCOMPARE(model.fixtureAt(kept)->fixture.fixtureId, QStringLiteral("fx-3"));
    QCOMPARE(model.index(kept, FixtureTableModel::UpdatesPerMin).data(SortRole).toDouble(), 240.0);
    const int late = model.rowOf(QStringLiteral("src"), QStringLiteral("fx-new"));
    QVERIFY(late >= 0);
    QCOMPARE(model.fixtureAt(late)->fixture.fixtureId, QStringLiteral("fx-new"));
}

void TestLiveModels::updatesPerMinuteHoldsOverTheLastMinuteAtTheSnapshotRate()
{
    FixtureTableModel model;
    const qint64 t0 = 1798761600000LL;
    const auto rate = [&] { return model.index(0, FixtureTableModel::UpdatesPerMin).data(SortRole).toDouble(); };
    // Two minutes of snapshots at 10 Hz, one event each: 600 a minute, whichever snapshot asks.
    quint64 events = 1;
    for (int i = 0; i <= 1200; ++i) {
        model.apply({ fixture(QStringLiteral("fx"), FixtureStatus::Live, quint64(i + 1), events) }, t0 + i * 100);
        if (i >= 10) {
            QVERIFY2(qAbs(rate() - 600.0) < 1e-9, qPrintable(QStringLiteral("%1 at %2").arg(rate()).arg(i)));
        }
        ++events;
    }
    // Then quiet for 30 s and a burst of 300 in the next snapshot: the minute still counts it.
    model.apply({ fixture(QStringLiteral("fx"), FixtureStatus::Live, 5000, events + 300) }, t0 + 150000);
    // Over about the last minute (samples are a second apart): the 301 events of the burst and
    // the 300 of the 30 s before the quiet.
    QVERIFY2(qAbs(rate() - 601.0) < 1.0, qPrintable(QString::number(rate())));
    // The wall clock steps back an hour: the rate starts over instead of spanning the step.
    events += 300;
    model.apply({ fixture(QStringLiteral("fx"), FixtureStatus::Live, 5001, events) }, t0 - 3600000);
    QCOMPARE(rate(), 0.0);
    model.apply({ fixture(QStringLiteral("fx"), FixtureStatus::Live, 5002, events + 20) }, t0 - 3600000 + 2000);
    QCOMPARE(rate(), 600.0);
}

void TestLiveModels::marketComputesChangeImpliedAndOverround()
{
    MarketModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.apply(QStringLiteral("fx-1"), true,
        { price(QStringLiteral("1x2"), QStringLiteral("home"), 2.0),
            price(QStringLiteral("1x2"), QStringLiteral("draw"), 4.0),
            price(QStringLiteral("1x2"), QStringLiteral("away"), 4.0) },
        1000);
    QCOMPARE(model.rowCount(), 3);
    // In the market's order, not by name: home, draw, away.
    QCOMPARE(model.index(0, MarketModel::Selection).data().toString(), QStringLiteral("home"));
    QCOMPARE(model.index(1, MarketModel::Selection).data().toString(), QStringLiteral("draw"));
    QCOMPARE(model.index(2, MarketModel::Selection).data().toString(), QStringLiteral("away"));
    // 1/2 + 1/4 + 1/4 = 1.0: a book of 100 %, no margin.
    QCOMPARE(model.overround(QStringLiteral("1x2")), std::optional<double>(100.0));
    QCOMPARE(model.index(0, MarketModel::Overround).data().toString(), QStringLiteral("100.0 %"));
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.apply(
        QStringLiteral("fx-1"), false, { price(QStringLiteral("1x2"), QStringLiteral("home"), 1.6, 2.0) }, 2000);
    QCOMPARE(changed.count(), 1); // one range per snapshot
    const int home = 0;
    QCOMPARE(model.index(home, MarketModel::Selection).data().toString(), QStringLiteral("home"));
    QCOMPARE(model.index(home, MarketModel::Price).data().toString(), QStringLiteral("1.60"));
    QCOMPARE(model.index(home, MarketModel::Previous).data().toString(), QStringLiteral("2.00"));
    QCOMPARE(model.index(home, MarketModel::Change).data(SortRole).toDouble(), -20.0);
    QVERIFY(model.index(home, MarketModel::Change).data().toString().startsWith(QStringLiteral("▼")));
    QCOMPARE(model.index(home, MarketModel::Price).data(ChangeRole).toInt(), -1);
    QCOMPARE(model.index(home, MarketModel::Implied).data(SortRole).toDouble(), 62.5);
    QVERIFY(model.index(home, MarketModel::Price).data(FlashRole).toBool());
    // 1/1.6 + 1/4 + 1/4 = 1.125: a book of 112.5 % (a 12.5 % margin), as the rules and Compare say it.
    QVERIFY(qAbs(*model.overround(QStringLiteral("1x2")) - 112.5) < 1e-9);
    QCOMPARE(model.index(home, MarketModel::Overround).data().toString(), QStringLiteral("112.5 %"));
    // A suspended selection is greyed, and the market has no book until it reopens: the other two
    // alone (87.5 %) would read as an arbitrage.
    model.apply(QStringLiteral("fx-1"), false,
        { price(QStringLiteral("1x2"), QStringLiteral("draw"), 4.0, 0, PriceStatus::Suspended) }, 5000);
    QVERIFY(model.index(1, MarketModel::Price).data(SuspendedRole).toBool());
    QVERIFY(!model.index(home, MarketModel::Price).data(FlashRole).toBool()); // the flash is over
    QVERIFY(!model.overround(QStringLiteral("1x2")));
    QCOMPARE(model.index(home, MarketModel::Overround).data().toString(), QString());
    model.apply(QStringLiteral("fx-1"), false, { price(QStringLiteral("1x2"), QStringLiteral("draw"), 5.0) }, 5500);
    QVERIFY(qAbs(*model.overround(QStringLiteral("1x2")) - 107.5) < 1e-9);
    // A new market inserts rows in order; with one of its two selections priced it has no book.
    model.apply(QStringLiteral("fx-1"), false, { price(QStringLiteral("btts"), QStringLiteral("yes"), 1.8) }, 6000);
    QCOMPARE(model.rowCount(), 4);
    QCOMPARE(model.markets(), QStringList({ QStringLiteral("1x2"), QStringLiteral("btts") }));
    QVERIFY(!model.overround(QStringLiteral("btts")));
    model.apply(QStringLiteral("fx-1"), false, { price(QStringLiteral("btts"), QStringLiteral("no"), 2.0) }, 6500);
    QVERIFY(qAbs(*model.overround(QStringLiteral("btts")) - (100.0 / 1.8 + 50.0)) < 1e-9);
    // A new watch replaces everything. Its match has home and away priced, not the draw: no book
    // (83.3 % would read as an arbitrage).
    model.apply(QStringLiteral("fx-2"), true,
        { price(QStringLiteral("1x2"), QStringLiteral("home"), 2.0),
            price(QStringLiteral("1x2"), QStringLiteral("away"), 3.0) },
        7000);
    QCOMPARE(model.rowCount(), 2);
    QVERIFY(!model.overround(QStringLiteral("1x2")));
    QCOMPARE(model.index(0, MarketModel::Overround).data().toString(), QString());
    model.apply(QStringLiteral("fx-3"), true, {}, 8000);
    QCOMPARE(model.rowCount(), 0);
}

void TestLiveModels::betTapeKeepsTheNewestWithinCapacity()
{
    BetTapeModel model(5);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    model.append({ bet(QStringLiteral("fx-1"), QStringLiteral("home"), 1, 2),
        bet(QStringLiteral("fx-1"), QStringLiteral("home"), 2, 2),
        bet(QStringLiteral("fx-1"), QStringLiteral("home"), 3, 2) });
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.betAt(0)->stake, 3.0); // newest on top
    std::vector<Event> more;
    for (int i = 4; i <= 10; ++i) {
        more.push_back(bet(QStringLiteral("fx-1"), QStringLiteral("home"), i, 2));
    }
    model.append(more);
    QCOMPARE(model.rowCount(), 5);
    QCOMPARE(inserted.count(), 2); // one insert per snapshot
    QCOMPARE(model.betAt(0)->stake, 10.0);
    QCOMPARE(model.betAt(4)->stake, 6.0);
    QCOMPARE(model.index(0, BetTapeModel::PotentialWin).data(SortRole).toDouble(), 20.0);
}

void TestLiveModels::exposureSumsStakeAndLiabilityOfTheSelectedFixture()
{
    ExposureModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setFixture(QStringLiteral("src"), QStringLiteral("fx-1"));
    model.add({ bet(QStringLiteral("fx-1"), QStringLiteral("home"), 10, 2.0),
        bet(QStringLiteral("fx-1"), QStringLiteral("away"), 30, 3.0),
        bet(QStringLiteral("fx-2"), QStringLiteral("home"), 500, 2.0),
        bet(QStringLiteral("fx-1"), QStringLiteral("home"), 20, 2.5) });
    QCOMPARE(model.rowCount(), 2); // fx-2 is not selected
    QCOMPARE(model.index(0, ExposureModel::Selection).data().toString(), QStringLiteral("home"));
    QCOMPARE(model.index(0, ExposureModel::Stake).data(SortRole).toDouble(), 30.0);
    QCOMPARE(model.index(0, ExposureModel::Payout).data(SortRole).toDouble(), 70.0);
    // Market stakes 60; if home wins the book pays 70: -10.
    QCOMPARE(model.index(0, ExposureModel::Net).data(SortRole).toDouble(), -10.0);
    QCOMPARE(model.index(0, ExposureModel::Net).data(SeverityRole).toInt(), int(LogSeverity::Error));
    QCOMPARE(model.index(1, ExposureModel::Net).data(SortRole).toDouble(), 60.0 - 90.0);
    model.setFixture(QStringLiteral("src"), QStringLiteral("fx-2"));
    QCOMPARE(model.rowCount(), 0);
}

void TestLiveModels::errorLogGroupsRepeatsAndCountsDroppedLines()
{
    ErrorLogModel model(3);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.append({ logLine(QStringLiteral("malformed_json"), QStringLiteral("not JSON")),
        logLine(QStringLiteral("malformed_json"), QStringLiteral("not JSON")),
        logLine(QStringLiteral("bad_value"), QStringLiteral("odd_value must be > 1.0")) });
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.countAt(0), quint64(2));
    QCOMPARE(model.index(0, ErrorLogModel::Count).data().toString(), QStringLiteral("2"));
    QCOMPARE(model.entryAt(0)->raw, QByteArray("{bad"));
    QCOMPARE(model.index(0, 0).data(SeverityRole).toInt(), int(LogSeverity::Error));
    // The same again in a later snapshot: still grouped.
    model.append({ logLine(QStringLiteral("malformed_json"), QStringLiteral("not JSON")) });
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.countAt(0), quint64(3));
    // Lines the session did not send are counted in a line of their own.
    model.append({}, 42);
    QCOMPARE(model.rowCount(), 3);
    QVERIFY(model.entryAt(2)->message.contains(QLatin1String("42")));
    // Over capacity the oldest group goes.
    model.append({ logLine(QStringLiteral("too_deep"), QStringLiteral("nesting")) });
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.entryAt(0)->code, QStringLiteral("bad_value"));
    // A group that fell off starts again at 1.
    model.append({ logLine(QStringLiteral("malformed_json"), QStringLiteral("not JSON")) });
    QCOMPARE(model.countAt(model.rowCount() - 1), quint64(1));
    const int last = model.rowCount() - 1;
    const QString text = ErrorLogModel::toText(*model.entryAt(last), model.countAt(last));
    QVERIFY(text.contains(QLatin1String("malformed_json")) && text.contains(QLatin1String("{bad")));
    // A long run of lines that differ (values in their text): the groups held stay bounded.
    for (int i = 0; i < 1000; ++i) {
        model.append({ logLine(QStringLiteral("bad_value"), QStringLiteral("got %1").arg(i)) });
    }
    QCOMPARE(model.rowCount(), 3);
    QVERIFY2(model.groupsTracked() <= 3, qPrintable(QString::number(model.groupsTracked())));
    // A 64 KiB frame: a row keeps its start and its size, not the frame (5,000 rows of hostile
    // frames would hold 320 MiB).
    LogEntry big = logLine(QStringLiteral("frame_too_large"), QStringLiteral("frame of 2 MiB"));
    big.raw = QByteArray(64 * 1024, 'x');
    model.append({ big });
    const LogEntry *kept = model.entryAt(model.rowCount() - 1);
    QCOMPARE(kept->raw.size(), ErrorLogModel::kMaxRawBytes);
    QCOMPARE(kept->rawBytes, qsizetype(64 * 1024));
    QVERIFY(kept->raw.constData() != big.raw.constData());
    QVERIFY(ErrorLogModel::toText(*kept, 1).endsWith(QStringLiteral(" … [the first 4096 of 65536 bytes]")));
    // A character across the cut is left out whole, not split into an invalid byte: two-, three-
    // and four-byte characters, each at every offset across the cut.
    for (const QString &c : { QStringLiteral("é"), QStringLiteral("€"), QStringLiteral("😀") }) {
        const QByteArray utf8 = c.toUtf8();
        for (qsizetype before = 1; before < utf8.size(); ++before) {
            big.raw = QByteArray(ErrorLogModel::kMaxRawBytes - before, 'x') + utf8 + utf8;
            model.append({ big });
            kept = model.entryAt(model.rowCount() - 1);
            QCOMPARE(kept->raw.size(), ErrorLogModel::kMaxRawBytes - before);
            QCOMPARE(kept->rawBytes, big.raw.size());
            QVERIFY(!ErrorLogModel::toText(*kept, 1).contains(QChar::ReplacementCharacter));
        }
    }
}

void TestLiveModels::sourcesShowStateAndCountdown()
{
    SourceTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    SourceStatus a;
    a.sourceId = QStringLiteral("a");
    a.state = SourceState::Subscribed;
    a.eventsPerSec = 1234;
    SourceStatus b;
    b.sourceId = QStringLiteral("b");
    b.state = SourceState::BackingOff;
    b.retryAtMs = 10500;
    model.apply({ a, b }, 8000);
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.index(0, SourceTableModel::State).data().toString(), QStringLiteral("live"));
    QCOMPARE(model.index(1, SourceTableModel::State).data().toString(), QStringLiteral("backing off, retry in 3 s"));
    QCOMPARE(model.index(1, 0).data(SeverityRole).toInt(), int(LogSeverity::Error));
    b.enabled = false;
    b.state = SourceState::Stopped;
    model.apply({ a, b }, 9000);
    QCOMPARE(model.index(1, SourceTableModel::State).data().toString(), QStringLiteral("disconnected (by you)"));
    model.apply({ a }, 9100);
    QCOMPARE(model.rowCount(), 1);
}

void TestLiveModels::sourcesSayWhyTheyAreDownUntilLiveAgain()
{
    // The reason of the failure stays while the source backs off and retries ("reconnecting"
    // is not a reason), and goes once the source is live again.
    CaptureStats stats;
    auto transition = [&](SourceState state, const QString &reason) {
        EventBatch batch;
        batch.sourceId = QStringLiteral("book");
        batch.connectionEvents.push_back({ QStringLiteral("book"), 1, state, reason, 0, 0, 1000 });
        stats.add(batch);
        const CaptureStats::Source &s = stats.sources.at(QStringLiteral("book"));
        SourceStatus st;
        st.sourceId = QStringLiteral("book");
        st.state = s.state;
        st.reason = s.lastReason;
        st.problem = s.lastProblem;
        SourceTableModel model;
        model.apply({ st }, 1000);
        return model.index(0, SourceTableModel::Problem).data().toString();
    };
    const QString refused = QStringLiteral("connection refused: nothing is listening on 127.0.0.1:9");
    QCOMPARE(transition(SourceState::Connecting, QStringLiteral("ws://127.0.0.1:9")), QString());
    QCOMPARE(transition(SourceState::Disconnected, refused), refused);
    QCOMPARE(transition(SourceState::BackingOff, QStringLiteral("reconnecting")), refused);
    QCOMPARE(transition(SourceState::Connecting, QStringLiteral("ws://127.0.0.1:9")), refused);
    QCOMPARE(transition(SourceState::Connected, QString()), refused);
    QCOMPARE(transition(SourceState::Subscribed, QStringLiteral("live")), QString());
}

void TestLiveModels::thinningKeepsExtremesAndBoundsThePointCount()
{
    std::vector<SeriesPoint> points;
    points.reserve(1000000);
    for (int i = 0; i < 1000000; ++i) {
        points.push_back({ qint64(i), 2.0 + 0.5 * std::sin(double(i) / 1000.0), false });
    }
    points[500000].price = 9.0; // a spike one pixel must still show
    points[700000].price = 1.01;
    const auto thin = thinSteps(points, 0, 999999, 800);
    QVERIFY(thin.size() <= 4 * 800 + 1);
    QVERIFY(thin.size() >= 800);
    QVERIFY(std::any_of(thin.begin(), thin.end(), [](const SeriesPoint &p) { return p.price == 9.0; }));
    QVERIFY(std::any_of(thin.begin(), thin.end(), [](const SeriesPoint &p) { return p.price == 1.01; }));
    QVERIFY(
        std::is_sorted(thin.begin(), thin.end(), [](const SeriesPoint &a, const SeriesPoint &b) { return a.t < b.t; }));
    QCOMPARE(thin.front().t, qint64(0));
    QCOMPARE(thin.back().t, qint64(999999));
    // A window in the middle keeps the step entering it.
    const auto mid = thinSteps(points, 250000, 260000, 100);
    QCOMPARE(mid.front().t, qint64(249999));
    QVERIFY(mid.size() <= 4 * 100 + 1);
    QVERIFY(thinSteps({}, 0, 10, 10).empty());
}

void TestLiveModels::priceHistoryMergesPastAndLiveWithoutOverlap()
{
    PriceHistory h;
    h.clear(QStringLiteral("src"), QStringLiteral("fx-1"), QStringLiteral("1x2"));
    // Live points arrive before the database answers.
    h.appendLive({ { QStringLiteral("1x2"), QStringLiteral("home"), 300, 2.1, PriceStatus::Open },
        { QStringLiteral("ou_2.5"), QStringLiteral("over"), 300, 1.9, PriceStatus::Open },
        { QStringLiteral("1x2"), QStringLiteral("home"), 400, 2.2, PriceStatus::Suspended } });
    h.loadPast({ { QStringLiteral("home"), 100, 2.0, false }, { QStringLiteral("home"), 200, 2.05, false },
        { QStringLiteral("home"), 300, 2.1, false }, { QStringLiteral("away"), 150, 3.0, false } });
    const auto &home = h.series(QStringLiteral("home"));
    QCOMPARE(home.size(), std::size_t(4)); // 100, 200 from the past; 300, 400 live; no duplicate 300
    QCOMPARE(home.front().t, qint64(100));
    QCOMPARE(home.back().t, qint64(400));
    QCOMPARE(h.selections(),
        QStringList({ QStringLiteral("home"), QStringLiteral("away") })); // the market's order, not by name
    QCOMPARE(h.pointCount(), std::size_t(5));
    QCOMPARE(h.firstTime(), qint64(100));
    QCOMPARE(h.lastTime(), qint64(400));
}

void TestLiveModels::priceHistoryIsBoundedInPointsAndSelections()
{
    const QString market = QStringLiteral("1x2");
    const auto point = [&](const char *selection, qint64 t, double price, bool suspended = false) {
        return PricePoint { market, QString::fromLatin1(selection), t, price,
            suspended ? PriceStatus::Suspended : PriceStatus::Open };
    };
    PriceHistory h(1000);
    h.clear(QStringLiteral("src"), QStringLiteral("fx-1"), market);
    // A market watched for long: "b" and "c" move every ms; "q" priced once at the start and
    // quiet since; "a" (the first selection, whose status the chart shades) suspended at 3,500
    // and quiet since.
    h.appendLive({ point("q", 1, 5.0) });
    for (qint64 t = 1; t <= 5000; ++t) {
        std::vector<PricePoint> batch { point("b", t, 2.0 + double(t % 7) / 10.0),
            point("c", t, 3.0 + double(t % 5) / 10.0) };
        if (t <= 3500) {
            batch.push_back(point("a", t, 1.5, t == 3500));
        }
        h.appendLive(batch);
        QVERIFY2(h.pointCount() <= 1000, qPrintable(QString::number(h.pointCount())));
    }
    QVERIFY(h.pointCount() >= 700); // brought to three quarters of the cap, not to nothing
    QCOMPARE(h.lastTime(), qint64(5000));
    const qint64 cut = h.droppedBeforeMs();
    QVERIFY(cut > 4000);
    QCOMPARE(h.firstTime(), cut);
    // Every series starts at the cut with what held then: the quiet ones keep their line.
    for (const char *selection : { "a", "b", "c", "q" }) {
        QCOMPARE(h.series(QString::fromLatin1(selection)).front().t, cut);
    }
    QCOMPARE(h.series(QStringLiteral("q")).size(), std::size_t(1));
    QCOMPARE(h.series(QStringLiteral("q")).front().price, 5.0);
    QVERIFY(h.series(QStringLiteral("a")).front().suspended);
    QCOMPARE(h.suspensions(), (std::vector<std::pair<qint64, qint64>> { { cut, 5000 } }));
    // Points older than what was let go are not taken again, live or from the database.
    h.appendLive({ point("b", 10, 9.0) });
    h.loadPast({ { QStringLiteral("b"), 20, 9.0, false } });
    QCOMPARE(h.firstTime(), cut);

    // The database's answer larger than the cap: one pass brings it to three quarters.
    PriceHistory past(1000);
    past.clear(QStringLiteral("src"), QStringLiteral("fx-1"), market);
    std::vector<PriceRow> rows;
    for (qint64 t = 1; t <= 2000; ++t) {
        rows.push_back({ QStringLiteral("b"), t, 2.0, false });
    }
    past.loadPast(rows);
    QVERIFY2(past.pointCount() <= 751, qPrintable(QString::number(past.pointCount())));
    QCOMPARE(past.lastTime(), qint64(2000));

    // A feed that stamps every point with one time stays bounded: a step chart shows the last.
    PriceHistory stamped(1000);
    stamped.clear(QStringLiteral("src"), QStringLiteral("fx-1"), market);
    for (int i = 0; i < 3000; ++i) {
        stamped.appendLive({ point("b", 7, 2.0 + i), point("c", 7, 3.0) });
        QVERIFY(stamped.pointCount() <= 1000);
    }
    QVERIFY(stamped.series(QStringLiteral("b")).back().price == 2.0 + 2999);

    // A hostile market with 1,000 selection names: the first 64 to arrive are drawn (not the
    // first in the legend's order), the points of the rest counted.
    PriceHistory wide;
    wide.clear(QStringLiteral("src"), QStringLiteral("fx-2"), market);
    std::vector<PricePoint> many;
    for (int i = 999; i >= 0; --i) {
        many.push_back(
            { market, QStringLiteral("runner %1").arg(i, 4, 10, QLatin1Char('0')), 1000 - i, 3.0, PriceStatus::Open });
    }
    wide.appendLive(many);
    wide.appendLive(many);
    QCOMPARE(wide.selections().size(), qsizetype(PriceHistory::kMaxSelections));
    QVERIFY(wide.selections().contains(QStringLiteral("runner 0999")));
    QVERIFY(!wide.selections().contains(QStringLiteral("runner 0000")));
    QCOMPARE(wide.pointCount(), 2 * PriceHistory::kMaxSelections);
    QCOMPARE(wide.pointsOfSelectionsLeftOut(), quint64(2 * (1000 - PriceHistory::kMaxSelections)));
    wide.loadPast(
        { { QStringLiteral("runner 0000"), 0, 3.0, false }, { QStringLiteral("runner 0999"), 0, 3.0, false } });
    QCOMPARE(wide.selections().size(), qsizetype(PriceHistory::kMaxSelections));
    QCOMPARE(wide.series(QStringLiteral("runner 0999")).size(), std::size_t(3));
    QCOMPARE(wide.pointsOfSelectionsLeftOut(), quint64(2 * (1000 - PriceHistory::kMaxSelections) + 1));
}

void TestLiveModels::priceHistoryKeepsSuspensionsAsPointsArrive()
{
    // The intervals are kept up to date as points arrive; they must always be what a scan of the
    // first selection's whole series gives: after in-order points, out-of-order ones, a new
    // selection that sorts first, and the past loaded late.
    const auto scanned = [](const PriceHistory &h) {
        std::vector<std::pair<qint64, qint64>> out;
        const QStringList selections = h.selections();
        if (selections.isEmpty()) {
            return out;
        }
        qint64 start = -1;
        for (const SeriesPoint &p : h.series(selections.front())) {
            if (p.suspended && start < 0) {
                start = p.t;
            } else if (!p.suspended && start >= 0) {
                out.emplace_back(start, p.t);
                start = -1;
            }
        }
        if (start >= 0) {
            out.emplace_back(start, h.lastTime());
        }
        return out;
    };
    PriceHistory h;
    h.clear(QStringLiteral("src"), QStringLiteral("fx-1"), QStringLiteral("1x2"));
    QVERIFY(h.suspensions().empty());
    std::mt19937 random(7);
    const QStringList names { QStringLiteral("m"), QStringLiteral("k"), QStringLiteral("d"), QStringLiteral("a") };
    qint64 t = 1000;
    for (int step = 0; step < 400; ++step) {
        std::vector<PricePoint> batch;
        for (int i = 0; i < 5; ++i) {
            const bool late = random() % 10 == 0;
            t += 10;
            batch.push_back({ QStringLiteral("1x2"), names[int(random() % std::uint32_t(1 + step / 100))],
                late ? t - 500 : t, 2.0, random() % 3 == 0 ? PriceStatus::Suspended : PriceStatus::Open });
        }
        h.appendLive(batch);
        QCOMPARE(h.suspensions(), scanned(h));
    }
    QVERIFY(!h.suspensions().empty());
    h.loadPast({ { QStringLiteral("a"), 5, 2.0, true }, { QStringLiteral("a"), 8, 2.0, false } });
    QCOMPARE(h.suspensions(), scanned(h));
    QCOMPARE(h.suspensions().front(), std::make_pair(qint64(5), qint64(8)));
    h.clear(QStringLiteral("src"), QStringLiteral("fx-2"), QStringLiteral("1x2"));
    QVERIFY(h.suspensions().empty());
}

void TestLiveModels::priceHistoryCountsMatchedPerSliceFromBooks()
{
    PriceHistory h;
    h.clear(QStringLiteral("bf"), QStringLiteral("9"), QStringLiteral("WIN"));
    const auto book = [](const char *selection, qint64 at, double matched, const char *market = "WIN") {
        PriceLadder l;
        l.sourceId = QStringLiteral("bf");
        l.fixtureId = QStringLiteral("9");
        l.marketType = QLatin1String(market);
        l.selection = QLatin1String(selection);
        l.atMs = at;
        l.tradedTotal = matched;
        return l;
    };
    h.appendBooks({ book("a", 1000, 100), book("b", 1000, 50) }); // 150 matched before the window
    h.appendBooks({ book("a", 2500, 130) }); // +30 in the first half
    h.appendBooks({ book("b", 7000, 90), book("x", 7000, 1e6, "PLACE") }); // +40 in the second; PLACE ignored
    h.appendBooks({ book("a", 9000, 0), book("b", 9000, 0) }); // settled: the exchange clears it
    QCOMPARE(h.volume().size(), std::size_t(4));
    QCOMPARE(h.volume()[2].price, 70.0); // matched since the window watched: 30 + 40
    const std::vector<double> bars = h.volumeBars(0, 10000, 2);
    QCOMPARE(bars, (std::vector<double> { 30.0, 40.0 }));
    QVERIFY(PriceHistory().volumeBars(0, 10, 4) == std::vector<double>(4, 0.0));
}

void TestLiveModels::ladderPlacesEachPriceOnItsTick()
{
    const std::vector<double> &ticks = tickLadder();
    QCOMPARE(ticks.size(), std::size_t(350));
    QCOMPARE(ticks.front(), 1.01);
    QCOMPARE(ticks.back(), 1000.0);
    QCOMPARE(ticks[tickIndex(2.0)], 2.0);
    QCOMPARE(ticks[tickIndex(2.02)], 2.02);
    QCOMPARE(ticks[tickIndex(3.05)], 3.05);
    QCOMPARE(ticks[tickIndex(4.1)], 4.1);
    QCOMPARE(ticks[tickIndex(95)], 95.0);
    QCOMPARE(ticks[tickIndex(2.011)], 2.02); // the nearest tick
    LadderModel m;
    QSignalSpy changed(&m, &QAbstractItemModel::dataChanged);
    PriceLadder l;
    l.back = { { 2.5, 10 }, { 2.48, 20 } };
    l.lay = { { 2.52, 5 } };
    l.traded = { { 2.5, 100 }, { 2.52, 50 } };
    l.lastTraded = 2.5;
    m.setLadder(l);
    const int row = m.rowOf(2.5);
    QCOMPARE(m.index(row, LadderModel::Price).data().toString(), QStringLiteral("2.50"));
    QCOMPARE(m.index(row, LadderModel::Back).data().toString(), QStringLiteral("10.00"));
    QCOMPARE(m.index(row, LadderModel::Traded).data(TradedFractionRole).toDouble(), 1.0);
    QCOMPARE(m.index(m.rowOf(2.52), LadderModel::Traded).data(TradedFractionRole).toDouble(), 0.5);
    QCOMPARE(m.index(m.rowOf(2.52), LadderModel::Lay).data(SideRole).toInt(), 1);
    QVERIFY(m.index(row, LadderModel::Price).data(LastTradedRole).toBool());
    QCOMPARE(*m.centreRow(), (m.rowOf(2.5) + m.rowOf(2.52)) / 2);
    // A new book changes only the rows that differ: one range, near the prices that moved.
    changed.clear();
    l.back.front().size = 12;
    m.setLadder(l);
    QCOMPARE(changed.size(), 1);
    QCOMPARE(changed.first().at(0).value<QModelIndex>().row(), row);
    QCOMPARE(changed.first().at(1).value<QModelIndex>().row(), row);
}

QTEST_GUILESS_MAIN(TestLiveModels)
#include "tst_livemodels.moc"

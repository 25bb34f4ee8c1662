// SPDX-License-Identifier: MIT
#include <core/common/eventserialization.h>
#include <core/common/stringcache.h>
#include <core/feed/framedecoder.h>
#include <core/pipeline/spool.h>
#include <core/pipeline/spoolworker.h>
#include <core/sim/feedgenerator.h>
#include <core/storage/storagewriter.h>
#include <tests/testutils/smalltmpfs.h>

#include <QDataStream>
#include <QDir>
#include <QFile>
#include <QSemaphore>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <algorithm>
#include <cstring>

using namespace OddsTap;

namespace {

// Realistic batches: generated envelopes, decoded, with a reject, a gap and a connection event.
std::vector<EventBatch> makeBatches(int count, int perBatch)
{
    GeneratorConfig config;
    config.seed = 9;
    config.fixtures = 20;
    config.clockBaseMs = 1798761600000LL;
    FeedGenerator gen(config);
    FrameDecoder decoder;
    std::vector<EventBatch> out;
    for (int i = 0; i < count; ++i) {
        EventBatch b;
        b.sourceId = QStringLiteral("src");
        for (int j = 0; j < perBatch; ++j) {
            decoder.decode(gen.next().json, FrameContext { QStringLiteral("src"), 1798761600000LL + i, 77 }, b);
        }
        decoder.decode(QByteArray("{\"type\":\"odds\",\"seq\":1,\"ts\":1,\"raw\":\"\xff\"}"), FrameContext {}, b);
        b.gaps.push_back(GapRecord { QStringLiteral("src"), 5, 9, i % 2 == 0, 3, 42 });
        b.connectionEvents.push_back(ConnectionEvent {
            QStringLiteral("src"), 2, SourceState::BackingOff, QStringLiteral("reason ü"), 250, 7, 1 });
        b.lastSeq = b.events.back().seq;
        b.prevSeq = b.events.front().seq - 1;
        b.streamAdvances = quint64(perBatch);
        b.duplicates = 3;
        out.push_back(std::move(b));
    }
    return out;
}

/// Spools `batches` into a spool in `dir`, then closes it, as a process that ends would.
bool spoolAll(const QString &dir, const std::vector<EventBatch> &batches)
{
    Spool spool(dir);
    if (!spool.open()) {
        return false;
    }
    return std::all_of(batches.begin(), batches.end(), [&spool](const EventBatch &b) { return bool(spool.append(b)); });
}

/// makeBatches(), as the storage queue passes them between threads.
std::vector<BatchPtr> sharedBatches(int count, int perBatch)
{
    std::vector<BatchPtr> out;
    for (EventBatch &b : makeBatches(count, perBatch)) {
        out.push_back(std::make_shared<const EventBatch>(std::move(b)));
    }
    return out;
}

/// The first segment file of the spool in `dir`.
QString firstSegment(const QString &dir)
{
    return QDir(dir).filePath(QDir(dir).entryList({ QStringLiteral("*.seg") }).first());
}

bool sameBatch(const EventBatch &a, const EventBatch &b)
{
    if (a.events.size() != b.events.size() || a.rejects.size() != b.rejects.size() || a.gaps.size() != b.gaps.size()
        || a.connectionEvents.size() != b.connectionEvents.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.events.size(); ++i) {
        if (!(a.events[i] == b.events[i])) {
            return false;
        }
    }
    for (std::size_t i = 0; i < a.rejects.size(); ++i) {
        const Reject &x = a.rejects[i];
        const Reject &y = b.rejects[i];
        if (x.code != y.code || x.message != y.message || x.raw != y.raw || x.seq != y.seq || x.type != y.type) {
            return false;
        }
    }
    return a.sourceId == b.sourceId && a.lastSeq == b.lastSeq && a.prevSeq == b.prevSeq
        && a.streamAdvances == b.streamAdvances && a.duplicates == b.duplicates
        && a.gaps[0].receivedSeq == b.gaps[0].receivedSeq && a.gaps[0].compacted == b.gaps[0].compacted
        && a.connectionEvents[0].reason == b.connectionEvents[0].reason
        && a.connectionEvents[0].state == b.connectionEvents[0].state;
}

/// One of each record the format holds: every payload, a reject with all it can carry, a gap, a
/// connection event, and every optional both set and not. Strings shared by storage are written
/// once in the record's table; equal text in other storage is written again.
EventBatch everyKindOfRecord()
{
    const QString src = QStringLiteral("src");
    const QString fixture = QStringLiteral("fx-1");
    const QString market = QStringLiteral("1X2");
    const QString home = QStringLiteral("home");
    const QString user = QStringLiteral("user-1");
    EventBatch b;
    b.sourceId = src;
    b.frames = 7;
    b.bytes = 1234;
    b.envelopes = 9;
    b.duplicates = 1;
    b.discarded = 2;
    b.heartbeats = 1;
    b.streamAdvances = 5;
    b.lastSeq = 12;
    b.prevSeq = 7;
    auto add = [&](EventType type, quint64 seq, decltype(Event::data) data) {
        Event e;
        e.type = type;
        e.seq = seq;
        e.serverTsMs = 1798761600000LL + qint64(seq);
        e.sourceId = src;
        e.stream = QStringLiteral("stream-ü");
        e.receivedAtMs = 1798761600100LL + qint64(seq);
        e.receivedMonoNs = 5000000 + qint64(seq);
        e.data = std::move(data);
        b.events.push_back(std::move(e));
    };
    add(EventType::Fixture, 8,
        FixtureData { fixture, 1, 17, 1798765200000LL, FixtureStatus::Live, QStringLiteral("Home"),
            QStringLiteral("Away"), QStringLiteral("1-0") });
    add(EventType::Odds, 9, OddsData { fixture, market, home, 2.375, 1798761600009LL, PriceStatus::Suspended });
    add(EventType::Bet, 10,
        BetData { QStringLiteral("bet-1"), user, fixture, market, home, 25.5, 2.375, 60.5625, 1798761600010LL });
    add(EventType::Bet, 11,
        BetData { QStringLiteral("bet-2"), user, fixture, market, QStringLiteral("draw"), 10, std::nullopt, 0,
            1798761600011LL });
    add(EventType::Heartbeat, 0, std::monostate {});
    add(EventType::Error, 0, FeedErrorData { QStringLiteral("rate_limited"), QStringLiteral("slow down") });
    add(EventType::Book, 12,
        BookData { QStringLiteral("1.2 16:20"), QStringLiteral("WIN"), QStringLiteral("Runner"), 1798761600012LL, true,
            1234.5, { { BookSide::Back, 2.5, 100 }, { BookSide::Lay, 2.52, 0 }, { BookSide::Traded, 2.5, 3.25 } } });
    add(EventType::Book, 13,
        BookData { QStringLiteral("1.2 16:20"), QStringLiteral("WIN"), QStringLiteral("Runner"), 1798761600013LL, false,
            std::nullopt, { { BookSide::Lay, 2.54, 17.5 } } });
    Reject r;
    r.code = RejectCode::OutOfRange;
    r.message = QStringLiteral("data.odd_value must be > 1.0, got 0.95");
    r.raw = QByteArray("{\"type\":\"odds\",\"seq\":14}");
    r.rawTruncated = true;
    r.seq = 14;
    r.type = EventType::Odds;
    r.batchIndex = 3;
    r.sourceId = QString::fromUtf8("src"); // the same text in its own storage
    r.receivedAtMs = 1798761600114LL;
    r.receivedMonoNs = 5000014;
    b.rejects.push_back(r);
    r.seq.reset();
    r.type.reset();
    r.rawTruncated = false;
    r.code = RejectCode::MalformedJson;
    r.batchIndex = -1;
    r.sourceId = src;
    b.rejects.push_back(r);
    b.gaps.push_back(GapRecord { src, 5, 8, false, 2, 1798761600105LL });
    b.gaps.push_back(GapRecord { src, 15, 20, true, 2, 1798761600106LL });
    b.connectionEvents.push_back(
        ConnectionEvent { src, 2, SourceState::BackingOff, QStringLiteral("reason ü"), 250, 7, 1798761600001LL });
    return b;
}

} // namespace

class TestSpool : public QObject
{
    Q_OBJECT

private slots:
    void aSpoolDirectoryThatCannotBeMadeSaysWhy();
    void serializationRoundTrips();
    void theRecordFormatIsPinned();
    void batchesComeBackInOrderAndSegmentsAreDeleted();
    void leftoversArePickedUpAfterARestart();
    void corruptRecordIsSkippedAndCounted();
    void recordsCarryTheStandardCrc32();
    void tornTailFromACrashIsIgnored();
    void diskThatFillsAndFreesKeepsEveryRecordReadable();
    void unreadableRecordIsReportedWithWhatItHeld();
    void sharedStringsComeBackShared();
    void batchesReadBackShareStringsAcrossRecords();
    void stringCacheStaysBoundedAndExact();
    void versionOneRecordsAreStillRead();
    void workerKeepsOrderWhenTheDiskRefuses();
    void refusedBatchesGoToTheDiskOnceItTakesWritesAgain();
    void intakeForwardsWithinTheBudgetAndSpoolsBeyond();
    void aFullSpoolRefusesLikeAFullDisk();
    void intakeStartsBehindLeftovers();
    void batchesPostedToAnIntakeThatDoesNotRunHoldTheSourcesOff();
    void aWriterCountsWhatItPostsToTheSpoolsThread();
    void aWriterThatSpillsOftenSaysSoOnceAMinute();
    void manyUnreadableLeftoversAreCountedNotListed();
};

void TestSpool::serializationRoundTrips()
{
    for (const EventBatch &b : makeBatches(20, 50)) {
        EventBatch back;
        QVERIFY(deserializeBatch(serializeBatch(b), back));
        QVERIFY(sameBatch(b, back));
    }
    EventBatch junk;
    QVERIFY(!deserializeBatch(QByteArray("not a batch"), junk));

    // Book changes (exchange profiles) come back level by level, a whole book and a delta.
    EventBatch books;
    books.sourceId = QStringLiteral("bf");
    Event e;
    e.type = EventType::Book;
    e.seq = 7;
    e.sourceId = QStringLiteral("bf");
    e.data = BookData { QStringLiteral("30388764 16:20"), QStringLiteral("WIN"), QStringLiteral("Brother Mcgonagall"),
        1497351300000, true, 1234.5,
        { { BookSide::Back, 2.5, 100 }, { BookSide::Lay, 2.52, 0 }, { BookSide::Traded, 2.5, 3.25 } } };
    books.events.push_back(e);
    e.seq = 8;
    e.data = BookData { QStringLiteral("30388764 16:20"), QStringLiteral("WIN"), QStringLiteral("Brother Mcgonagall"),
        1497351300100, false, std::nullopt, { { BookSide::Lay, 2.54, 17.5 } } };
    books.events.push_back(e);
    const QByteArray bytes = serializeBatch(books);
    EventBatch back;
    QVERIFY(deserializeBatch(bytes, back));
    QVERIFY(back.events == books.events);
    // Cut inside the levels: refused, not read past the end.
    QVERIFY(!deserializeBatch(bytes.left(bytes.size() - 20), junk));
}

void TestSpool::theRecordFormatIsPinned()
{
    // Spool files outlive an upgrade and broker messages pass between versions, so a record's bytes
    // are fixed: tests/data/spool/record-v2.bin holds serializeBatch(everyKindOfRecord()) as
    // OddsTap 5ed4b85 wrote it; a change that alters a byte breaks older spools and collectors.
    QFile golden(QStringLiteral(ODDSTAP_TEST_DATA_DIR "/spool/record-v2.bin"));
    QVERIFY(golden.open(QIODevice::ReadOnly));
    const QByteArray bytes = golden.readAll();
    const EventBatch expected = everyKindOfRecord();
    QCOMPARE(serializeBatch(expected).toHex(), bytes.toHex());

    EventBatch back;
    QVERIFY(deserializeBatch(bytes, back));
    QVERIFY(back.events == expected.events);
    QCOMPARE(back.sourceId, expected.sourceId);
    QCOMPARE(back.frames, 7u);
    QCOMPARE(back.bytes, 1234u);
    QCOMPARE(back.envelopes, 9u);
    QCOMPARE(back.duplicates, 1u);
    QCOMPARE(back.discarded, 2u);
    QCOMPARE(back.heartbeats, 1u);
    QCOMPARE(back.streamAdvances, 5u);
    QCOMPARE(back.lastSeq, std::optional<quint64>(12));
    QCOMPARE(back.prevSeq, std::optional<quint64>(7));
    QCOMPARE(back.rejects.size(), expected.rejects.size());
    for (std::size_t i = 0; i < back.rejects.size(); ++i) {
        const Reject &x = back.rejects[i];
        const Reject &y = expected.rejects[i];
        QCOMPARE(x.code, y.code);
        QCOMPARE(x.message, y.message);
        QCOMPARE(x.raw, y.raw);
        QCOMPARE(x.rawTruncated, y.rawTruncated);
        QCOMPARE(x.seq, y.seq);
        QCOMPARE(x.type, y.type);
        QCOMPARE(x.batchIndex, y.batchIndex);
        QCOMPARE(x.sourceId, y.sourceId);
        QCOMPARE(x.receivedAtMs, y.receivedAtMs);
        QCOMPARE(x.receivedMonoNs, y.receivedMonoNs);
    }
    QCOMPARE(back.gaps.size(), expected.gaps.size());
    for (std::size_t i = 0; i < back.gaps.size(); ++i) {
        QCOMPARE(back.gaps[i].sourceId, expected.gaps[i].sourceId);
        QCOMPARE(back.gaps[i].expectedSeq, expected.gaps[i].expectedSeq);
        QCOMPARE(back.gaps[i].receivedSeq, expected.gaps[i].receivedSeq);
        QCOMPARE(back.gaps[i].compacted, expected.gaps[i].compacted);
        QCOMPARE(back.gaps[i].connection, expected.gaps[i].connection);
        QCOMPARE(back.gaps[i].atMs, expected.gaps[i].atMs);
    }
    QCOMPARE(back.connectionEvents.size(), 1u);
    const ConnectionEvent &c = back.connectionEvents[0];
    QCOMPARE(c.sourceId, QStringLiteral("src"));
    QCOMPARE(c.connection, 2u);
    QCOMPARE(c.state, SourceState::BackingOff);
    QCOMPARE(c.reason, QStringLiteral("reason ü"));
    QCOMPARE(c.delayMs, 250);
    QCOMPARE(c.lastSeq, 7u);
    QCOMPARE(c.atMs, 1798761600001LL);
}

void TestSpool::batchesComeBackInOrderAndSegmentsAreDeleted()
{
    QTemporaryDir dir;
    Spool spool(dir.path(), 64 * 1024); // small segments: several files
    QVERIFY(spool.open());
    const auto batches = makeBatches(60, 40);
    for (const EventBatch &b : batches) {
        QVERIFY(spool.append(b));
    }
    QCOMPARE(spool.records(), quint64(60));
    QVERIFY(QDir(dir.path()).entryList({ QStringLiteral("*.seg") }).size() > 3);
    for (const EventBatch &expected : batches) {
        const auto got = spool.readNext();
        QVERIFY(got && got->has_value());
        QVERIFY(sameBatch(expected, **got));
        spool.consume(1);
    }
    QVERIFY(!spool.readNext()->has_value());
    QVERIFY(spool.empty());
    QCOMPARE(spool.bytesOnDisk(), qint64(0));
    QCOMPARE(QDir(dir.path()).entryList({ QStringLiteral("*.seg") }).size(), 0);
}

void TestSpool::leftoversArePickedUpAfterARestart()
{
    QTemporaryDir dir;
    const auto batches = makeBatches(10, 30);
    {
        Spool spool(dir.path());
        QVERIFY(spool.open());
        for (const EventBatch &b : batches) {
            QVERIFY(spool.append(b));
        }
        const auto first = spool.readNext();
        QVERIFY(first && first->has_value());
        // No consume(): the process dies before the batch is stored.
    }
    Spool again(dir.path());
    QVERIFY(again.open());
    QCOMPARE(again.records(), quint64(10));
    for (const EventBatch &expected : batches) {
        const auto got = again.readNext();
        QVERIFY(got && got->has_value());
        QVERIFY(sameBatch(expected, **got));
    }
}

void TestSpool::recordsCarryTheStandardCrc32()
{
    // The record header's checksum is CRC-32 as zip and PNG have it (and as every earlier OddsTap
    // wrote it): a spool left by an older version still reads. Checked against the textbook
    // bit-by-bit definition over every record of a segment.
    auto reference = [](const char *p, qsizetype n) {
        quint32 crc = 0xffffffffU;
        for (qsizetype i = 0; i < n; ++i) {
            crc ^= quint8(p[i]);
            for (int k = 0; k < 8; ++k) {
                crc = (crc & 1) ? 0xedb88320U ^ (crc >> 1) : crc >> 1;
            }
        }
        return crc ^ 0xffffffffU;
    };
    QCOMPARE(reference("123456789", 9), 0xcbf43926U); // the standard check value
    QTemporaryDir dir;
    const auto batches = makeBatches(3, 700);
    QVERIFY(spoolAll(dir.path(), batches));
    const QStringList files = QDir(dir.path()).entryList({ QStringLiteral("*.seg") });
    QCOMPARE(files.size(), 1);
    QFile f(QDir(dir.path()).filePath(files.first()));
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray all = f.readAll();
    qsizetype offset = 0;
    int records = 0;
    while (offset + 12 <= all.size()) {
        quint32 magic = 0, length = 0, crc = 0;
        std::memcpy(&magic, all.constData() + offset, 4);
        std::memcpy(&length, all.constData() + offset + 4, 4);
        std::memcpy(&crc, all.constData() + offset + 8, 4);
        QCOMPARE(magic, 0x4f545350U);
        QVERIFY(offset + 12 + qsizetype(length) <= all.size());
        QCOMPARE(crc, reference(all.constData() + offset + 12, qsizetype(length)));
        offset += 12 + qsizetype(length);
        ++records;
    }
    QCOMPARE(offset, all.size());
    QCOMPARE(records, 3);
}

void TestSpool::corruptRecordIsSkippedAndCounted()
{
    QTemporaryDir dir;
    const auto batches = makeBatches(3, 20);
    QVERIFY(spoolAll(dir.path(), batches));
    const QString segment = firstSegment(dir.path());
    QFile f(segment);
    QVERIFY(f.open(QIODevice::ReadWrite));
    QVERIFY(f.seek(40)); // inside the first record's payload
    QVERIFY(f.write("XXXX") == 4);
    f.close();
    Spool spool(dir.path());
    QVERIFY(spool.open());
    const auto got = spool.readNext();
    QVERIFY(got && got->has_value());
    QVERIFY(sameBatch(batches[1], **got)); // the damaged first record is skipped...
    QCOMPARE(spool.corruptRecords(), quint64(1)); // ...and counted, not hidden
}

void TestSpool::tornTailFromACrashIsIgnored()
{
    QTemporaryDir dir;
    const auto batches = makeBatches(2, 20);
    QVERIFY(spoolAll(dir.path(), batches));
    const QString segment = firstSegment(dir.path());
    QFile f(segment);
    QVERIFY(f.open(QIODevice::ReadWrite));
    QVERIFY(f.resize(f.size() - 10)); // the second record was half written when the process died
    f.close();
    Spool spool(dir.path());
    QVERIFY(spool.open());
    QCOMPARE(spool.records(), quint64(1));
    const auto got = spool.readNext();
    QVERIFY(got && got->has_value());
    QVERIFY(sameBatch(batches[0], **got));
    QVERIFY(!spool.readNext()->has_value());
}

void TestSpool::diskThatFillsAndFreesKeepsEveryRecordReadable()
{
    // A real small filesystem that fills up part way through a record, then frees space: each
    // failed append must leave the spool as it was, so that every record appended before and
    // after it reads back in order, and none is taken for damage.
    OddsTap::Testing::SmallTmpfs fs(1024 * 1024);
    QVERIFY2(fs.ok(), qPrintable(fs.error()));
    const auto batches = makeBatches(60, 200);
    const qint64 recordBytes = serializeBatch(batches[0]).size();
    QVERIFY(recordBytes > 12 * 1024); // several pages: a write can land in part
    std::vector<std::size_t> appended;
    int failed = 0;
    {
        Spool spool(fs.path() + QStringLiteral("/spool"), 128 * 1024);
        QVERIFY(spool.open());
        for (std::size_t i = 0; i < batches.size(); ++i) {
            if (i % 6 == 2) {
                QVERIFY(fs.fill(recordBytes / 2)); // room for half a record: the write fails part way
            } else if (i % 6 == 4) {
                QVERIFY(fs.free());
            }
            if (spool.append(batches[i])) {
                appended.push_back(i);
            } else {
                ++failed;
            }
        }
        QVERIFY(failed >= 10);
        QVERIFY(appended.size() >= 30);
        QCOMPARE(spool.records(), quint64(appended.size()));
        QVERIFY(fs.free());
        for (const std::size_t i : appended) {
            const auto got = spool.readNext();
            QVERIFY2(got && got->has_value(), qPrintable(QStringLiteral("batch %1 did not come back").arg(i)));
            QVERIFY2(sameBatch(batches[i], **got), qPrintable(QStringLiteral("batch %1 came back wrong").arg(i)));
        }
        QVERIFY(!spool.readNext()->has_value());
        QCOMPARE(spool.corruptRecords(), quint64(0));
        QVERIFY(spool.takeLost().empty());
    }
    // What a crash would leave: the segments read back the same from a fresh start.
    Spool again(fs.path() + QStringLiteral("/spool"), 128 * 1024);
    QVERIFY(again.open());
    QCOMPARE(again.records(), quint64(appended.size()));
    for (const std::size_t i : appended) {
        const auto got = again.readNext();
        QVERIFY(got && got->has_value());
        QVERIFY(sameBatch(batches[i], **got));
    }
    QCOMPARE(again.corruptRecords(), quint64(0));
}

void TestSpool::unreadableRecordIsReportedWithWhatItHeld()
{
    // Damage in the middle of this run's records: the reads stay in step (they go by the index,
    // not by a length read from the damaged header), and the lost record is reported with its
    // source and seqs, for the writer to record as a gap.
    QTemporaryDir dir;
    const auto batches = makeBatches(3, 20);
    Spool spool(dir.path());
    QVERIFY(spool.open());
    for (const EventBatch &b : batches) {
        QVERIFY(spool.append(b));
    }
    const QString segment = firstSegment(dir.path());
    {
        QFile f(segment);
        QVERIFY(f.open(QIODevice::ReadWrite));
        const qint64 second = 12 + serializeBatch(batches[0]).size();
        QVERIFY(f.seek(second + 4)); // the second record's length field
        QVERIFY(f.write("\xff\xff\xff\x7f", 4) == 4);
    }
    auto got = spool.readNext();
    QVERIFY(got && got->has_value());
    QVERIFY(sameBatch(batches[0], **got));
    got = spool.readNext();
    QVERIFY(got && got->has_value());
    QVERIFY(sameBatch(batches[2], **got));
    QVERIFY(!spool.readNext()->has_value());
    const auto lost = spool.takeLost();
    QCOMPARE(lost.size(), std::size_t(1));
    QCOMPARE(lost[0].sourceId, QStringLiteral("src"));
    QCOMPARE(lost[0].prevSeq, batches[1].prevSeq);
    QCOMPARE(lost[0].lastSeq, batches[1].lastSeq);
    QCOMPARE(lost[0].events, quint64(batches[1].events.size()));
    QCOMPARE(spool.corruptRecords(), quint64(1));
    spool.consume(2);
    QCOMPARE(spool.records(), quint64(0));
    QCOMPARE(QDir(dir.path()).entryList({ QStringLiteral("*.seg") }).size(), 0);
}

void TestSpool::sharedStringsComeBackShared()
{
    // The decoder interns repeated fields; the spool's string table keeps them shared, so reading
    // a batch back does not allocate a copy of the same market type for every event.
    const EventBatch b = makeBatches(1, 200).front();
    EventBatch back;
    QVERIFY(deserializeBatch(serializeBatch(b), back));
    QVERIFY(sameBatch(b, back));
    const auto firstOdds =
        std::find_if(back.events.begin(), back.events.end(), [](const Event &e) { return e.odds() != nullptr; });
    QVERIFY(firstOdds != back.events.end());
    const QString first = firstOdds->odds()->marketType;
    int shared = 0;
    for (const Event &e : back.events) {
        if (const OddsData *o = e.odds(); o && o->marketType == first) {
            shared += o->marketType.constData() == first.constData() ? 1 : 0;
        }
        QCOMPARE(e.sourceId.constData(), back.events.front().sourceId.constData());
    }
    QVERIFY(shared > 1);
}

void TestSpool::batchesReadBackShareStringsAcrossRecords()
{
    // Each record has a string table of its own; reading through one Spool gives equal strings of
    // different records one storage, as the decoder does for live batches (the storage writer's
    // per-transaction string index then stays small).
    QTemporaryDir dir;
    Spool spool(dir.path());
    QVERIFY(spool.open());
    const auto batches = makeBatches(2, 100);
    for (const EventBatch &b : batches) {
        QVERIFY(spool.append(b));
    }
    std::vector<EventBatch> back;
    for (const EventBatch &expected : batches) {
        const auto got = spool.readNext();
        QVERIFY(got && got->has_value());
        QVERIFY(sameBatch(expected, **got));
        back.push_back(std::move(**got));
    }
    const Event &a = back[0].events.front();
    const Event &b = back[1].events.front();
    QCOMPARE(a.sourceId, b.sourceId);
    QCOMPARE(a.sourceId.constData(), b.sourceId.constData());
    int sharedAcross = 0;
    for (const Event &x : back[0].events) {
        for (const Event &y : back[1].events) {
            if (x.odds() && y.odds() && x.odds()->fixtureId == y.odds()->fixtureId) {
                QCOMPARE(x.odds()->fixtureId.constData(), y.odds()->fixtureId.constData());
                ++sharedAcross;
            }
        }
    }
    QVERIFY(sharedAcross > 0);
}

void TestSpool::stringCacheStaysBoundedAndExact()
{
    StringCache cache(16);
    auto get = [&cache](const QString &s) { return cache.get(s.constData(), s.size()); };
    const QString fx = QStringLiteral("fx-1");
    const QString first = get(QString(fx.constData(), fx.size()));
    QCOMPARE(first, fx);
    QCOMPARE(get(QString(fx.constData(), fx.size())).constData(), first.constData()); // shared
    QCOMPARE(get(QStringLiteral("fx-")), QStringLiteral("fx-")); // a prefix is another string
    QCOMPARE(get(QString()), QString());
    const QString longText(100, QLatin1Char('x')); // longer than kept: exact, not shared
    QCOMPARE(get(longText), longText);
    QVERIFY(get(longText).constData() != get(longText).constData());
    // Past the bound it starts over: still exact, and a string kept before is no longer shared.
    for (int i = 0; i < 40; ++i) {
        const QString s = QStringLiteral("u-%1").arg(i);
        QCOMPARE(get(s), s);
    }
    const QString again = get(fx);
    QCOMPARE(again, fx);
    QVERIFY(again.constData() != first.constData());
}

void TestSpool::versionOneRecordsAreStillRead()
{
    // A spool left by OddsTap before the binary format (QDataStream, version 1) is still stored.
    QByteArray bytes;
    {
        QDataStream s(&bytes, QIODevice::WriteOnly);
        s.setVersion(QDataStream::Qt_6_4);
        s << quint32(0x0dd5ba7c) << quint16(1) << QStringLiteral("old") << quint64(2) << quint64(300) << quint64(2)
          << quint64(0) << quint64(0) << quint64(0) << quint64(2) << true << quint64(8);
        s << quint32(2);
        // An odds event and a fixture event, as version 1 wrote them.
        s << quint8(EventType::Odds) << quint64(7) << qint64(1000) << QStringLiteral("old") << QStringLiteral("book")
          << qint64(1001) << qint64(5) << quint8(2) << QStringLiteral("fx-1") << QStringLiteral("1x2")
          << QStringLiteral("home") << 2.5 << qint64(999) << quint8(PriceStatus::Suspended);
        s << quint8(EventType::Fixture) << quint64(8) << qint64(1002) << QStringLiteral("old") << QString()
          << qint64(1003) << qint64(6) << quint8(1) << QStringLiteral("fx-1") << qint64(1) << qint64(17)
          << qint64(123456) << quint8(FixtureStatus::Live) << QStringLiteral("Home") << QStringLiteral("Away")
          << QStringLiteral("1-0");
        s << quint32(0) << quint32(0) << quint32(0);
    }
    EventBatch b;
    QVERIFY(deserializeBatch(bytes, b));
    QCOMPARE(b.sourceId, QStringLiteral("old"));
    QCOMPARE(b.lastSeq, std::optional<quint64>(8));
    QCOMPARE(b.events.size(), std::size_t(2));
    QVERIFY(b.events[0].odds());
    QCOMPARE(b.events[0].odds()->oddValue, 2.5);
    QCOMPARE(b.events[0].odds()->status, PriceStatus::Suspended);
    QCOMPARE(b.events[0].stream, QStringLiteral("book"));
    QVERIFY(b.events[1].fixture());
    QCOMPARE(b.events[1].fixture()->score, QStringLiteral("1-0"));
    QCOMPARE(b.events[1].seq, quint64(8));

    // A crafted record: an odds event carrying a fixture's payload would reach storage as an odds
    // row without a price; it is refused, like a count of ten million events in a short record.
    auto versionOne = [](quint8 type, quint32 events, quint8 kind = 1, quint8 rejectType = 2) {
        QByteArray crafted;
        QDataStream s(&crafted, QIODevice::WriteOnly);
        s.setVersion(QDataStream::Qt_6_4);
        s << quint32(0x0dd5ba7c) << quint16(1) << QStringLiteral("old") << quint64(1) << quint64(100) << quint64(1)
          << quint64(0) << quint64(0) << quint64(0) << quint64(1) << true << quint64(8);
        s << events;
        s << type << quint64(8) << qint64(1002) << QStringLiteral("old") << QString() << qint64(1003) << qint64(6)
          << kind << QStringLiteral("fx-1") << qint64(1) << qint64(17) << qint64(123456) << quint8(FixtureStatus::Live)
          << QStringLiteral("Home") << QStringLiteral("Away") << QStringLiteral("1-0");
        // One reject: code, message, raw, truncated, seq, type, index, source, received.
        s << quint32(1) << quint8(RejectCode::BadValue) << QStringLiteral("bad") << QByteArray("{}") << false << true
          << quint64(9) << true << rejectType << qint32(-1) << QStringLiteral("old") << qint64(1004) << qint64(7);
        s << quint32(0) << quint32(0);
        return crafted;
    };
    QVERIFY(deserializeBatch(versionOne(quint8(EventType::Fixture), 1), b));
    QCOMPARE(b.rejects.size(), 1u);
    QCOMPARE(b.rejects[0].type, std::optional<EventType>(EventType::Bet));
    QVERIFY(!deserializeBatch(versionOne(quint8(EventType::Odds), 1), b));
    QVERIFY(!deserializeBatch(versionOne(quint8(EventType::Book), 1, 5), b)); // version 1 had no books
    QVERIFY(!deserializeBatch(versionOne(quint8(EventType::Fixture), 10000000), b));
    // A reject's type past the last is clamped, as version 2 does, never kept out of range.
    QVERIFY(deserializeBatch(versionOne(quint8(EventType::Fixture), 1, 1, 200), b));
    QCOMPARE(b.rejects[0].type, std::optional<EventType>(EventType(kEventTypeCount - 1)));
}

void TestSpool::workerKeepsOrderWhenTheDiskRefuses()
{
    QTemporaryDir dir;
    const QString spoolDir = dir.filePath(QStringLiteral("spool"));
    auto spool = std::make_unique<Spool>(spoolDir, 1); // one record per segment: each append opens a file
    QVERIFY(spool->open());
    SpoolWorker worker(std::move(spool));
    const std::vector<BatchPtr> batches = sharedBatches(6, 10);
    QStringList problems;
    connect(&worker, &SpoolWorker::notice, this, [&](const StorageNotice &n) { problems << n.message; });
    SpoolRead last;
    connect(&worker, &SpoolWorker::readDone, this, [&](const SpoolRead &r) { last = r; });

    worker.append(batches[0]);
    worker.append(batches[1]);
    // The disk goes away: the next batches are kept in memory, behind the two on disk...
    QVERIFY(QDir().rename(spoolDir, spoolDir + QStringLiteral(".away")));
    worker.append(batches[2]);
    QCOMPARE(problems.size(), 1);
    QVERIFY(QDir().rename(spoolDir + QStringLiteral(".away"), spoolDir));
    // ...and so is the next one although the disk is back, or it would overtake them.
    worker.append(batches[3]);
    QCOMPARE(worker.records(), quint64(4));

    worker.read(1000000);
    QCOMPARE(last.batches.size(), std::size_t(4));
    for (std::size_t i = 0; i < 4; ++i) {
        QVERIFY(sameBatch(*batches[i], *last.batches[i]));
    }
    QVERIFY(last.empty);
    worker.consume(4);
    QCOMPARE(worker.records(), quint64(0));
    QCOMPARE(QDir(spoolDir).entryList({ QStringLiteral("*.seg") }).size(), 0);

    // The backlog drained: the disk is used again, and reads stop at the memory budget.
    worker.append(batches[4]);
    worker.append(batches[5]);
    QCOMPARE(QDir(spoolDir).entryList({ QStringLiteral("*.seg") }).size(), 2);
    worker.read(1);
    QCOMPARE(last.batches.size(), std::size_t(1));
    QVERIFY(!last.empty);
    QVERIFY(sameBatch(*batches[4], *last.batches[0]));
    worker.read(1);
    QVERIFY(sameBatch(*batches[5], *last.batches[0]));
    QVERIFY(last.empty);
}

void TestSpool::refusedBatchesGoToTheDiskOnceItTakesWritesAgain()
{
    // With the database down nothing reads the spool: what the disk refused must not wait in
    // memory for the database, but go to the disk when it can (the sources hold off meanwhile).
    QTemporaryDir dir;
    const QString spoolDir = dir.filePath(QStringLiteral("spool"));
    auto spool = std::make_unique<Spool>(spoolDir, 1);
    QVERIFY(spool->open());
    SpoolWorker worker(std::move(spool));
    auto backlog = std::make_shared<StorageBacklog>(1000);
    worker.setIntake(backlog);
    const std::vector<BatchPtr> batches = sharedBatches(5, 10);
    QStringList notices;
    connect(&worker, &SpoolWorker::notice, this, [&](const StorageNotice &n) { notices << n.message; });
    SpoolRead last;
    connect(&worker, &SpoolWorker::readDone, this, [&](const SpoolRead &r) { last = r; });

    worker.append(batches[0]);
    QVERIFY(QDir().rename(spoolDir, spoolDir + QStringLiteral(".away")));
    worker.append(batches[1]);
    worker.append(batches[2]);
    QCOMPARE(backlog->refused.load(), std::size_t(20));
    QCOMPARE(backlog->inMemory(), std::size_t(20));
    QCOMPARE(backlog->peak.load(), std::size_t(20));
    // Retries while the disk still refuses: nothing moves, nothing is lost.
    QTRY_VERIFY_WITH_TIMEOUT(worker.refusedRetries() >= 2, 5000);
    QCOMPARE(backlog->refused.load(), std::size_t(20));
    QCOMPARE(worker.records(), quint64(3));
    QVERIFY(QDir().rename(spoolDir + QStringLiteral(".away"), spoolDir));
    QTRY_COMPARE_WITH_TIMEOUT(backlog->refused.load(), std::size_t(0), 5000);
    QCOMPARE(QDir(spoolDir).entryList({ QStringLiteral("*.seg") }).size(), 3);
    QVERIFY2(notices.last().contains(QLatin1String("writable again")), qPrintable(notices.join(QLatin1Char('\n'))));
    worker.append(batches[3]); // straight to the disk again
    worker.append(batches[4]);
    QCOMPARE(QDir(spoolDir).entryList({ QStringLiteral("*.seg") }).size(), 5);

    worker.read(1000000);
    QCOMPARE(last.batches.size(), std::size_t(5));
    for (std::size_t i = 0; i < 5; ++i) {
        QVERIFY(sameBatch(*batches[i], *last.batches[i]));
    }
    QVERIFY(last.empty);
    QCOMPARE(backlog->held.load(), std::size_t(50)); // the writer's now
}

void TestSpool::aFullSpoolRefusesLikeAFullDisk()
{
    // A database away for long: the spool stops at its limits, what is over waits in memory (and
    // the sources hold off), and goes to the disk once the database took some.
    for (const bool byRecords : { true, false }) {
        QTemporaryDir dir;
        const QString spoolDir = dir.filePath(QStringLiteral("spool"));
        auto spool = std::make_unique<Spool>(spoolDir, 1); // a segment per record: consumed ones leave the disk
        QVERIFY(spool->open());
        const std::vector<BatchPtr> batches = sharedBatches(5, 10);
        std::vector<qint64> recordBytes; // on disk: a 12-byte header and the batch
        for (const BatchPtr &b : batches) {
            recordBytes.push_back(qint64(serializeBatch(*b).size()) + 12);
        }
        // The first three fit and the fourth does not; the last three fit once two are consumed.
        const qint64 limit = std::max(
            recordBytes[0] + recordBytes[1] + recordBytes[2], recordBytes[2] + recordBytes[3] + recordBytes[4]);
        QVERIFY(recordBytes[0] + recordBytes[1] + recordBytes[2] + recordBytes[3] > limit);
        if (byRecords) {
            spool->setLimits(0, 3);
        } else {
            spool->setLimits(limit, 0);
        }
        SpoolWorker worker(std::move(spool));
        auto backlog = std::make_shared<StorageBacklog>(1000);
        worker.setIntake(backlog);
        QStringList notices;
        connect(&worker, &SpoolWorker::notice, this, [&](const StorageNotice &n) { notices << n.message; });
        SpoolRead last;
        connect(&worker, &SpoolWorker::readDone, this, [&](const SpoolRead &r) { last = r; });
        for (const BatchPtr &b : batches) {
            worker.append(b);
        }
        QCOMPARE(worker.records(), quint64(5));
        QCOMPARE(backlog->refused.load(), std::size_t(20)); // two batches of ten wait in memory
        QVERIFY2(notices.size() == 1 && notices[0].contains(QLatin1String("is full")),
            qPrintable(notices.join(QLatin1Char('\n'))));
        QCOMPARE(QDir(spoolDir).entryList({ QStringLiteral("*.seg") }).size(), 3);
        QTRY_VERIFY_WITH_TIMEOUT(worker.refusedRetries() >= 2, 5000);
        QCOMPARE(backlog->refused.load(), std::size_t(20)); // still full: nothing moves, nothing is lost
        // The database takes two: the two waiting go to the disk, behind the rest.
        worker.read(20);
        QCOMPARE(last.batches.size(), std::size_t(2));
        worker.consume(2);
        QTRY_COMPARE_WITH_TIMEOUT(backlog->refused.load(), std::size_t(0), 5000);
        QVERIFY2(notices.last().contains(QLatin1String("writable again")), qPrintable(notices.join(QLatin1Char('\n'))));
        worker.read(1000000);
        QCOMPARE(last.batches.size(), std::size_t(3));
        for (std::size_t i = 0; i < 3; ++i) {
            QVERIFY(sameBatch(*batches[i + 2], *last.batches[i]));
        }
    }
}

void TestSpool::intakeForwardsWithinTheBudgetAndSpoolsBeyond()
{
    QTemporaryDir dir;
    auto spool = std::make_unique<Spool>(dir.filePath(QStringLiteral("spool")));
    QVERIFY(spool->open());
    SpoolWorker worker(std::move(spool));
    auto backlog = std::make_shared<StorageBacklog>(25); // batches of 10 events: two fit, the third does not
    std::atomic<std::size_t> *held = &backlog->held;
    worker.setIntake(backlog);
    const std::vector<BatchPtr> batches = sharedBatches(6, 10);
    std::vector<BatchPtr> forwarded;
    int spills = 0;
    int drains = 0;
    SpoolRead last;
    connect(&worker, &SpoolWorker::forwarded, this, [&](const BatchPtr &b) { forwarded.push_back(b); });
    connect(&worker, &SpoolWorker::spillStarted, this, [&] { ++spills; });
    connect(&worker, &SpoolWorker::drainRequested, this, [&] { ++drains; });
    connect(&worker, &SpoolWorker::readDone, this, [&](const SpoolRead &r) { last = r; });

    worker.intake(batches[0]);
    worker.intake(batches[1]);
    QCOMPARE(forwarded.size(), std::size_t(2));
    QCOMPARE(held->load(), std::size_t(20));
    QCOMPARE(spills, 0);
    worker.intake(batches[2]); // over the budget: spooled
    QCOMPARE(spills, 1);
    QCOMPARE(worker.records(), quint64(1));
    // The writer commits the first two: there is room again, but the next batch must not
    // overtake the spooled one.
    held->fetch_sub(20);
    worker.intake(batches[3]);
    QCOMPARE(forwarded.size(), std::size_t(2));
    QCOMPARE(worker.records(), quint64(2));
    QCOMPARE(spills, 1); // once per episode
    QCOMPARE(worker.spilledBatches(), quint64(2));

    worker.read(10); // one batch of the two
    QCOMPARE(last.batches.size(), std::size_t(1));
    QVERIFY(sameBatch(*batches[2], *last.batches[0]));
    QVERIFY(!last.empty);
    QCOMPARE(held->load(), std::size_t(10)); // read back: held by the writer now
    worker.intake(batches[4]); // still behind batch 3
    QCOMPARE(forwarded.size(), std::size_t(2));
    worker.read(100);
    QCOMPARE(last.batches.size(), std::size_t(2));
    QVERIFY(sameBatch(*batches[3], *last.batches[0]));
    QVERIFY(sameBatch(*batches[4], *last.batches[1]));
    QVERIFY(last.empty);
    worker.consume(3);
    QCOMPARE(worker.records(), quint64(0));

    // Spooling ended: the next batch goes to the writer, if it has room.
    held->store(0);
    worker.intake(batches[5]);
    QCOMPARE(forwarded.size(), std::size_t(3));
    QVERIFY(sameBatch(*batches[5], *forwarded[2]));
    worker.passDrain();
    QCOMPARE(drains, 1);
}

void TestSpool::intakeStartsBehindLeftovers()
{
    QTemporaryDir dir;
    const QString spoolDir = dir.filePath(QStringLiteral("spool"));
    const std::vector<BatchPtr> batches = sharedBatches(2, 5);
    {
        Spool spool(spoolDir);
        QVERIFY(spool.open());
        QVERIFY(spool.append(*batches[0])); // an earlier run died with this spooled
    }
    auto spool = std::make_unique<Spool>(spoolDir);
    QVERIFY(spool->open());
    SpoolWorker worker(std::move(spool));
    worker.setIntake(std::make_shared<StorageBacklog>(1000));
    int forwarded = 0;
    SpoolRead last;
    connect(&worker, &SpoolWorker::forwarded, this, [&](const BatchPtr &) { ++forwarded; });
    connect(&worker, &SpoolWorker::readDone, this, [&](const SpoolRead &r) { last = r; });
    worker.intake(batches[1]); // plenty of room, but the leftover goes first
    QCOMPARE(forwarded, 0);
    worker.read(1000);
    QCOMPARE(last.batches.size(), std::size_t(2));
    QVERIFY(sameBatch(*batches[0], *last.batches[0]));
    QVERIFY(sameBatch(*batches[1], *last.batches[1]));
    QVERIFY(last.empty);
    worker.intake(batches[0]); // the leftovers are read: straight to the writer again
    QCOMPARE(forwarded, 1);
}

void TestSpool::batchesPostedToAnIntakeThatDoesNotRunHoldTheSourcesOff()
{
    // The spool's thread got no CPU for minutes on a busy machine: what was posted to it waited
    // in its queue, counted nowhere, and the desktop grew to 720 MB. Now it counts, and past
    // kPostedCap the sources hold off until the intake took half of it.
    QTemporaryDir dir;
    auto spool = std::make_unique<Spool>(dir.filePath(QStringLiteral("spool")), 1);
    QVERIFY(spool->open());
    SpoolWorker worker(std::move(spool));
    auto backlog = std::make_shared<StorageBacklog>(1000000);
    worker.setIntake(backlog);
    const std::vector<BatchPtr> batches = sharedBatches(30, 5000);
    for (const BatchPtr &b : batches) { // as StorageWriter::submit() posts them
        backlog->posted.fetch_add(b->events.size());
        backlog->notePeak();
    }
    QCOMPARE(backlog->inMemory(), std::size_t(150000));
    QVERIFY(backlog->intakeBehind());
    QVERIFY(backlog->full());
    QVERIFY(!backlog->caughtUp());
    for (std::size_t i = 0; i < 20; ++i) { // the intake's thread runs again
        worker.intake(batches[i]);
    }
    QCOMPARE(backlog->posted.load(), std::size_t(50000));
    QVERIFY(!backlog->full());
    QVERIFY(backlog->caughtUp());
    for (std::size_t i = 20; i < batches.size(); ++i) {
        worker.intake(batches[i]);
    }
    QCOMPARE(backlog->posted.load(), std::size_t(0));
    QCOMPARE(backlog->held.load(), std::size_t(150000)); // forwarded: within the budget
}

void TestSpool::aWriterCountsWhatItPostsToTheSpoolsThread()
{
    // The count above starts in StorageWriter::submit(), as the batch is posted, whether or not
    // the spool's thread gets to run: here it is held until the batches are counted.
    QTemporaryDir dir;
    SpoolConfig config;
    config.directory = dir.filePath(QStringLiteral("spool"));
    config.memoryBudgetEvents = 1000000;
    StorageWriter writer(*StorageTarget::parse(dir.filePath(QStringLiteral("w.db"))), config);
    writer.setSources({ QStringLiteral("src") });
    quint64 rowsWritten = 0;
    connect(&writer, &StorageWriter::committed, this,
        [&rowsWritten](const WriteResult &r) { rowsWritten += r.fixtureUpdates + r.odds + r.bets; });
    writer.start();
    auto *spoolThread = writer.findChild<QThread *>(QStringLiteral("spool"));
    QVERIFY(spoolThread && spoolThread->isRunning());
    QSemaphore blocked;
    QSemaphore gate;
    auto *onSpoolThread = new QObject;
    onSpoolThread->moveToThread(spoolThread);
    QMetaObject::invokeMethod(
        onSpoolThread,
        [&blocked, &gate, onSpoolThread] {
            blocked.release();
            gate.acquire();
            onSpoolThread->deleteLater();
        },
        Qt::QueuedConnection);
    QVERIFY(blocked.tryAcquire(1, 10000));
    std::size_t events = 0;
    for (const BatchPtr &b : sharedBatches(3, 100)) {
        writer.submit(b);
        events += b->events.size();
    }
    QCOMPARE(writer.backlog()->posted.load(), events);
    QCOMPARE(writer.backlog()->inMemory(), events);
    gate.release();
    QTRY_COMPARE_WITH_TIMEOUT(writer.backlog()->posted.load(), std::size_t(0), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(rowsWritten > 0 && writer.backlog()->inMemory() == 0, 10000);
}

void TestSpool::aWriterThatSpillsOftenSaysSoOnceAMinute()
{
    // Storage just behind a fast feed spills and catches up many times a second: each time was a
    // warning row in the desktop's error log (25 in 3 s in the GUI bench). Four spills here, each
    // read back and stored before the next: one notice, which says nothing is lost.
    QTemporaryDir dir;
    SpoolConfig config;
    config.directory = dir.filePath(QStringLiteral("spool"));
    config.memoryBudgetEvents = 50; // below one batch: every round spills
    StorageWriter writer(*StorageTarget::parse(dir.filePath(QStringLiteral("w.db"))), config);
    writer.setSources({ QStringLiteral("src") });
    QStringList notices;
    connect(&writer, &StorageWriter::notice, this, [&notices](const StorageNotice &n) { notices << n.message; });
    quint64 rowsWritten = 0;
    connect(&writer, &StorageWriter::committed, this,
        [&rowsWritten](const WriteResult &r) { rowsWritten += r.fixtureUpdates + r.odds + r.bets; });
    writer.start();
    quint64 spilled = 0;
    connect(&writer, &StorageWriter::committed, this,
        [&spilled](const WriteResult &r) { spilled = std::max(spilled, r.spilledBatches); });
    const std::vector<BatchPtr> batches = sharedBatches(8, 100);
    for (int round = 0; round < 4; ++round) {
        const quint64 before = rowsWritten;
        const quint64 spilledBefore = spilled;
        writer.submit(batches[std::size_t(2 * round)]);
        writer.submit(batches[std::size_t(2 * round + 1)]);
        QTRY_VERIFY_WITH_TIMEOUT(spilled > spilledBefore && rowsWritten > before && writer.backlog()->inMemory() == 0
                && writer.backlog()->spoolBatches.load() == 0,
            10000);
    }
    const QStringList behind = notices.filter(QStringLiteral("storage is behind"));
    QCOMPARE(behind.size(), 1);
    QVERIFY2(behind.first().contains(QLatin1String("nothing is lost")), qPrintable(behind.first()));
}

void TestSpool::manyUnreadableLeftoversAreCountedNotListed()
{
    // An earlier run left 6 batches in the spool, 5 of them damaged (a failing disk): the first
    // is named, the others counted in one notice, instead of one error-log row each.
    QTemporaryDir dir;
    const QString spoolDir = dir.filePath(QStringLiteral("spool"));
    QVERIFY(spoolAll(spoolDir, makeBatches(6, 20)));
    {
        QFile f(firstSegment(spoolDir));
        QVERIFY(f.open(QIODevice::ReadWrite));
        qint64 offset = 0;
        for (int record = 0; record < 5; ++record) {
            QVERIFY(f.seek(offset + 4));
            quint32 length = 0;
            QCOMPARE(f.read(reinterpret_cast<char *>(&length), 4), qint64(4)); // little-endian, as written
            QVERIFY(f.seek(offset + 12 + 10)); // inside the payload: the checksum no longer matches
            QCOMPARE(f.write("XXXX"), qint64(4));
            offset += 12 + qint64(length);
        }
    }
    SpoolConfig config;
    config.directory = spoolDir;
    StorageWriter writer(*StorageTarget::parse(dir.filePath(QStringLiteral("w.db"))), config);
    writer.setSources({ QStringLiteral("src") });
    QStringList notices;
    connect(&writer, &StorageWriter::notice, this, [&notices](const StorageNotice &n) { notices << n.message; });
    writer.start();
    QTRY_VERIFY_WITH_TIMEOUT(!notices.filter(QStringLiteral("could not be read in all")).isEmpty(), 10000);
    const QStringList unreadable = notices.filter(QStringLiteral("be read"));
    QVERIFY2(unreadable.size() == 2, qPrintable(unreadable.join(QLatin1Char('\n'))));
    QVERIFY2(unreadable.at(0).contains(QLatin1String("at offset 0")), qPrintable(unreadable.at(0)));
    QVERIFY2(unreadable.at(1).startsWith(QLatin1String("5 batches left in the spool by an earlier run could not be "
                                                       "read in all")),
        qPrintable(unreadable.at(1)));
}

QTEST_GUILESS_MAIN(TestSpool)
void TestSpool::aSpoolDirectoryThatCannotBeMadeSaysWhy()
{
    QTemporaryDir dir;
    const QString blocker = dir.filePath(QStringLiteral("a-file"));
    QFile file(blocker);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.close();
    for (const QString &path : QStringList { blocker, blocker + QStringLiteral("/spool") }) {
        Spool spool(path);
        const auto opened = spool.open();
        QVERIFY(!opened);
        QVERIFY2(opened.error().message.contains(QStringLiteral("cannot create the spool directory '%1': ").arg(path)),
            qPrintable(opened.error().message));
        QVERIFY2(opened.error().message.contains(QLatin1String("a file is in the way"))
                || opened.error().message.contains(QLatin1String("Not a directory"))
                || opened.error().message.contains(QLatin1String("File exists")),
            qPrintable(opened.error().message));
    }
}

#include "tst_spool.moc"

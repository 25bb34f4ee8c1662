// SPDX-License-Identifier: MIT
#include <core/common/eventserialization.h>
#include <core/feed/framedecoder.h>
#include <core/pipeline/spool.h>
#include <core/sim/feedgenerator.h>

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

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
        b.streamAdvances = quint64(perBatch);
        b.duplicates = 3;
        out.push_back(std::move(b));
    }
    return out;
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
    return a.sourceId == b.sourceId && a.lastSeq == b.lastSeq && a.streamAdvances == b.streamAdvances
        && a.duplicates == b.duplicates && a.gaps[0].receivedSeq == b.gaps[0].receivedSeq
        && a.gaps[0].compacted == b.gaps[0].compacted && a.connectionEvents[0].reason == b.connectionEvents[0].reason
        && a.connectionEvents[0].state == b.connectionEvents[0].state;
}

} // namespace

class TestSpool : public QObject
{
    Q_OBJECT

private slots:
    void serializationRoundTrips();
    void batchesComeBackInOrderAndSegmentsAreDeleted();
    void leftoversArePickedUpAfterARestart();
    void corruptRecordIsSkippedAndCounted();
    void tornTailFromACrashIsIgnored();
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

void TestSpool::corruptRecordIsSkippedAndCounted()
{
    QTemporaryDir dir;
    const auto batches = makeBatches(3, 20);
    {
        Spool spool(dir.path());
        QVERIFY(spool.open());
        for (const EventBatch &b : batches) {
            QVERIFY(spool.append(b));
        }
    }
    const QString segment = QDir(dir.path()).filePath(QDir(dir.path()).entryList({ QStringLiteral("*.seg") }).first());
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
    {
        Spool spool(dir.path());
        QVERIFY(spool.open());
        for (const EventBatch &b : batches) {
            QVERIFY(spool.append(b));
        }
    }
    const QString segment = QDir(dir.path()).filePath(QDir(dir.path()).entryList({ QStringLiteral("*.seg") }).first());
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

QTEST_GUILESS_MAIN(TestSpool)
#include "tst_spool.moc"

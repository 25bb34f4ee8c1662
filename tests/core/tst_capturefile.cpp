// SPDX-License-Identifier: MIT
// Capture files as the recorder writes them: batches of received frames with their connection
// events in order, a file read while it is still being recorded, and the ring's save of exactly
// the last minutes.
#include <core/common/event.h>
#include <core/replay/capturefile.h>
#include <core/replay/recorder.h>
#include <core/storage/directwritevfs.h>
#include <tests/testutils/smalltmpfs.h>

#include <QElapsedTimer>
#include <QFileInfo>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <sqlite3.h>

#include <atomic>
#include <fcntl.h>
#include <latch>
#include <optional>
#include <thread>
#include <unistd.h>

using namespace OddsTap;

namespace {

constexpr qint64 kT0Ns = 1'700'000'000'000'000'000;

ConnectionEvent connectionAt(qint64 wallNs, SourceState state)
{
    ConnectionEvent e;
    e.sourceId = QStringLiteral("book");
    e.connection = 1;
    e.state = state;
    e.atMs = wallNs / 1000000;
    e.reason = QStringLiteral("test");
    return e;
}

QByteArray payloadOf(int n)
{
    return QByteArrayLiteral("{\"type\":\"odds_change\",\"seq\":") + QByteArray::number(n) + '}';
}

/// Frames n0 .. n0+count-1, 10 ms apart from kT0Ns, with connection events before the frames
/// whose index is in @p connectionsBefore.
std::shared_ptr<ReceivedFrames> framesOf(int n0, int count, const std::vector<int> &connectionsBefore = {})
{
    auto r = std::make_shared<ReceivedFrames>();
    r->sourceId = QStringLiteral("book");
    for (int i = n0; i < n0 + count; ++i) {
        const qint64 wallNs = kT0Ns + qint64(i) * 10'000'000;
        if (std::find(connectionsBefore.begin(), connectionsBefore.end(), i) != connectionsBefore.end()) {
            r->appendConnectionEvent(connectionAt(wallNs, SourceState::Subscribed));
        }
        r->append(payloadOf(i), wallNs, wallNs / 7, 1, false);
    }
    return r;
}

CaptureHeader header()
{
    CaptureHeader h;
    h.oddstapVersion = QStringLiteral("test");
    h.sources = { { QStringLiteral("book"), QStringLiteral("ws://127.0.0.1:1") } };
    return h;
}

/// Every record of the file, in order, as "F<seq>" for a frame and "C" for a connection event.
QStringList readAll(const QString &path)
{
    auto reader = CaptureReader::open(path);
    if (!reader) {
        return { QStringLiteral("error: ") + reader.error().message };
    }
    QStringList out;
    CaptureRecord r;
    while ((*reader)->next(r)) {
        out << (r.kind == CaptureRecord::Kind::Frame
                ? QStringLiteral("F") + QString::fromUtf8(r.frame.bytes.mid(28).chopped(1))
                : QStringLiteral("C"));
    }
    if (!(*reader)->error().isEmpty()) {
        out << QStringLiteral("error: ") + (*reader)->error();
    }
    return out;
}

/// Whether the file system of @p dir takes O_DIRECT (tmpfs does since Linux 6.6; ramfs never).
bool takesDirectIo(const QString &dir)
{
    const QByteArray probe = (dir + QStringLiteral("/.direct-probe")).toUtf8();
    const int fd = ::open(probe.constData(), O_CREAT | O_WRONLY | O_DIRECT | O_CLOEXEC, 0600);
    if (fd >= 0) {
        ::close(fd);
        ::unlink(probe.constData());
    }
    return fd >= 0;
}

/// What recording 12 MiB (frames 0 to 11,999 of about 1 KiB, committed every 1,000 frames) into
/// @p path wrote with O_DIRECT and through the page cache; the file is checked frame by frame.
struct RecordedWrites
{
    DirectWriteCounts written;
    qint64 fileBytes = 0;
    QString problem; ///< empty when every frame read back, in order
};

RecordedWrites recordTwelveMegabytes(const QString &path)
{
    RecordedWrites out;
    const DirectWriteCounts before = directWriteCounts();
    auto writer = CaptureWriter::create(path, header());
    if (!writer) {
        out.problem = writer.error().message;
        return out;
    }
    const QByteArray padding(1000, 'x');
    for (int batch = 0; batch < 12; ++batch) {
        ReceivedFrames frames;
        frames.sourceId = QStringLiteral("book");
        for (int i = batch * 1000; i < (batch + 1) * 1000; ++i) {
            frames.append(QByteArray(payloadOf(i) + padding), kT0Ns + qint64(i) * 1000, i, 1, false);
        }
        (*writer)->addReceived(frames);
        if (auto r = (*writer)->commit(); !r) {
            out.problem = r.error().message;
            return out;
        }
    }
    if (auto r = (*writer)->finish(kT0Ns / 1000000 + 1000); !r) {
        out.problem = r.error().message;
        return out;
    }
    writer->reset();
    const DirectWriteCounts after = directWriteCounts();
    out.written = { after.directBytes - before.directBytes, after.bufferedBytes - before.bufferedBytes,
        after.directWrites - before.directWrites };
    out.fileBytes = QFileInfo(path).size();
    auto reader = CaptureReader::open(path);
    if (!reader) {
        out.problem = reader.error().message;
        return out;
    }
    CaptureRecord r;
    int n = 0;
    while ((*reader)->next(r)) {
        if (r.frame.bytes != payloadOf(n) + padding) {
            out.problem = QStringLiteral("frame %1 differs").arg(n);
            return out;
        }
        ++n;
    }
    if (n != 12000 || !(*reader)->error().isEmpty()) {
        out.problem = QStringLiteral("%1 frames read back: %2").arg(n).arg((*reader)->error());
    }
    return out;
}

/// A capture of frames 0 to 99, committed, that another program (an sqlite3 shell, say) holds
/// open in a read transaction.
struct HeldCapture
{
    std::unique_ptr<CaptureWriter> writer;
    sqlite3 *other = nullptr;

    static std::unique_ptr<HeldCapture> open(const QString &path)
    {
        auto held = std::make_unique<HeldCapture>();
        auto created = CaptureWriter::create(path, header());
        if (!created) {
            return {};
        }
        held->writer = std::move(*created);
        held->writer->addReceived(*framesOf(0, 100));
        if (!held->writer->commit()
            || sqlite3_open_v2(path.toUtf8().constData(), &held->other, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK
            || sqlite3_exec(held->other, "BEGIN; SELECT count(*) FROM frame_blocks;", nullptr, nullptr, nullptr)
                != SQLITE_OK) {
            return {};
        }
        return held;
    }
    /// The other program ends its transaction.
    bool release() { return sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK; }
    ~HeldCapture() { sqlite3_close_v2(other); }
};

} // namespace

class TestCaptureFile : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        registerMetaTypes();
        QVERIFY(m_dir.isValid());
    }

    void connectionEventsKeepTheirPlaceAmongTheFrames()
    {
        const QString path = m_dir.filePath(QStringLiteral("order.odtc"));
        auto writer = CaptureWriter::create(path, header());
        QVERIFY2(writer, qPrintable(writer ? QString() : writer.error().message));
        const auto frames = framesOf(0, 3, { 0, 2 });
        auto withLast = std::make_shared<ReceivedFrames>(*frames);
        withLast->appendConnectionEvent(connectionAt(kT0Ns + 30'000'000, SourceState::Disconnected));
        (*writer)->addReceived(*withLast);
        QVERIFY((*writer)->finish(kT0Ns / 1000000 + 1000));
        QCOMPARE(readAll(path).join(QLatin1Char(' ')), QStringLiteral("C F0 F1 C F2 C"));
        // The replay runs to the disconnection after the last frame, not to that frame (the
        // replay window showed 00:44.5 of 00:41.5 at the end of such a capture).
        auto reader = CaptureReader::open(path);
        QVERIFY2(reader, qPrintable(reader ? QString() : reader.error().message));
        const CaptureInfo &info = (*reader)->info();
        QCOMPARE(info.lastWallNs, kT0Ns + 20'000'000);
        QCOMPARE(info.lastRecordWallNs, kT0Ns + 30'000'000);
        QCOMPARE(info.firstRecordWallNs, kT0Ns);
    }

    void craftedSchemasAreRefusedAndSecretsNeverWritten()
    {
        // A source URL with a password, a token and a Betfair app key, as an imported file may
        // carry: the capture keeps the address only.
        const QString path = m_dir.filePath(QStringLiteral("secret.odtc"));
        CaptureHeader h = header();
        h.sources = { { QStringLiteral("book"),
                          QStringLiteral("wss://alice:hunter2@feed.example/stream?token=SECRETTOKEN") },
            { QStringLiteral("bf"), QStringLiteral("betfair://h:443?appKey=APPKEY123&session=SESSIONTOK") } };
        {
            auto writer = CaptureWriter::create(path, h);
            QVERIFY(writer);
            (*writer)->addReceived(*framesOf(0, 3));
            QVERIFY((*writer)->finish(kT0Ns / 1000000 + 1000));
        }
        QFile raw(path);
        QVERIFY(raw.open(QIODevice::ReadOnly));
        const QByteArray bytes = raw.readAll();
        for (const char *secret : { "hunter2", "SECRETTOKEN", "APPKEY123", "SESSIONTOK", "alice" }) {
            QVERIFY2(!bytes.contains(secret), secret);
        }
        {
            auto reader = CaptureReader::open(path);
            QVERIFY(reader);
            QCOMPARE((*reader)->info().header.sources.at(0).url, QStringLiteral("wss://feed.example/stream"));
        }
        // Tables replaced by views: one of gigabytes, one endless. Each refused at open, at once.
        const auto crafted = [&](const QString &name, const char *sql) {
            const QString copy = m_dir.filePath(name);
            QFile::remove(copy);
            if (!QFile::copy(path, copy)) {
                return QStringLiteral("cannot copy");
            }
            sqlite3 *db = nullptr;
            sqlite3_open(copy.toUtf8().constData(), &db);
            char *err = nullptr;
            const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
            sqlite3_free(err);
            sqlite3_close(db);
            if (rc != SQLITE_OK) {
                return QStringLiteral("cannot craft");
            }
            QElapsedTimer t;
            t.start();
            auto reader = CaptureReader::open(copy);
            if (reader) {
                return QStringLiteral("opened");
            }
            return t.elapsed() < 5000 ? reader.error().message : QStringLiteral("slow");
        };
        QString why = crafted(QStringLiteral("huge.odtc"),
            "DROP TABLE meta; CREATE VIEW meta(key, value) AS SELECT 'notes', printf('%.*c', 900000000, 'x')");
        QVERIFY2(why.contains(QLatin1String("its 'meta' is a view, not a table")), qPrintable(why));
        why = crafted(QStringLiteral("endless.odtc"),
            "DROP TABLE sources; CREATE VIEW sources(id, source_id, url) AS WITH RECURSIVE c(x) AS (SELECT 1 UNION "
            "ALL SELECT x + 1 FROM c) SELECT x, 's' || x, '' FROM c");
        QVERIFY2(why.contains(QLatin1String("its 'sources' is a view, not a table")), qPrintable(why));
        // A real table with a value past any a capture holds: its query fails, named as damage.
        why = crafted(QStringLiteral("bigvalue.odtc"),
            "INSERT INTO meta(key, value) VALUES ('notes2', zeroblob(100 * 1024 * 1024))");
        QVERIFY2(why.contains(QLatin1String("damaged")), qPrintable(why));
        why =
            crafted(QStringLiteral("junkversion.odtc"), "UPDATE meta SET value = '2junk' WHERE key = 'format_version'");
        QVERIFY2(why.contains(QLatin1String("its format version is '2junk', not a number")), qPrintable(why));
    }

    void aCaptureHoldsAtMostItsSourceCap()
    {
        // Readers index sources in 16 bits' worth of rows: a writer asked for one more fails with
        // the reason instead of writing a file no reader opens.
        const QString path = m_dir.filePath(QStringLiteral("manysources.odtc"));
        auto writer = CaptureWriter::create(path, header());
        QVERIFY(writer);
        for (qint64 i = 1; i < kMaxCaptureSources; ++i) { // the header names one
            (*writer)->addSource({ QStringLiteral("s%1").arg(i), QString() });
        }
        QVERIFY2((*writer)->error().isEmpty(), qPrintable((*writer)->error()));
        QVERIFY((*writer)->commit());
        (*writer)->addSource({ QStringLiteral("s1"), QString() }); // known: no new source
        QVERIFY((*writer)->error().isEmpty());
        {
            auto reader = CaptureReader::open(path);
            QVERIFY2(reader, qPrintable(reader ? QString() : reader.error().message));
            QCOMPARE(qint64((*reader)->info().header.sources.size()), kMaxCaptureSources);
        }
        (*writer)->addSource({ QStringLiteral("one-too-many"), QString() });
        QVERIFY2((*writer)->error().contains(QLatin1String("more than 65536 sources in one capture")),
            qPrintable((*writer)->error()));
        QVERIFY(!(*writer)->commit());
        auto reader = CaptureReader::open(path); // what was committed stays readable
        QVERIFY2(reader, qPrintable(reader ? QString() : reader.error().message));
    }

    void aCaptureIsReadWhileItIsRecorded()
    {
        // A reader in the middle of the file holds no lock between its reads: the recorder's
        // commits go on (a held lock would fail them with "database is locked" after its wait),
        // and the reader goes on into what was committed after it opened the file.
        const QString path = m_dir.filePath(QStringLiteral("live.odtc"));
        auto writer = CaptureWriter::create(path, header());
        QVERIFY(writer);
        CaptureWriter &w = **writer;
        w.addReceived(*framesOf(0, 100, { 0, 50 }));
        QVERIFY(w.commit());
        w.addReceived(*framesOf(100, 100));
        QVERIFY(w.commit());

        auto reader = CaptureReader::open(path);
        QVERIFY2(reader, qPrintable(reader ? QString() : reader.error().message));
        CaptureRecord r;
        for (int i = 0; i < 60; ++i) {
            QVERIFY((*reader)->next(r));
        }
        for (int batch = 2; batch < 6; ++batch) {
            w.addReceived(*framesOf(batch * 100, 100, { batch * 100 + 10 }));
            const Result<void> committed = w.commit();
            QVERIFY2(committed, qPrintable(committed ? QString() : committed.error().message));
        }
        int frames = 0;
        int connections = 0;
        qint64 lastOrd = r.ord;
        while ((*reader)->next(r)) {
            QVERIFY(r.ord > lastOrd);
            lastOrd = r.ord;
            (r.kind == CaptureRecord::Kind::Frame ? frames : connections) += 1;
        }
        QVERIFY2((*reader)->error().isEmpty(), qPrintable((*reader)->error()));
        // 60 records were read: 58 frames and the 2 connection events of the first batch.
        QCOMPARE(frames, 600 - 58);
        QCOMPARE(connections, 4);
        QVERIFY(w.finish(kT0Ns / 1000000 + 10000));
        QCOMPARE(readAll(path).size(), 600 + 6);
    }

    void theRingSavesExactlyTheLastKeepMs()
    {
        // Batches of 25 frames (250 ms each) over 3 s; the ring keeps one second. It drops whole
        // batches, so it holds a little more, and a save cuts exactly at the second.
        CaptureRecorder recorder;
        recorder.setRing(1000, 0);
        for (int n0 = 0; n0 < 300; n0 += 25) {
            recorder.append(framesOf(n0, 25, { 260 }));
        }
        const QString path = m_dir.filePath(QStringLiteral("ring.odtc"));
        QSignalSpy saved(&recorder, &CaptureRecorder::ringSaved);
        recorder.saveRing(path, header());
        QCOMPARE(saved.size(), 1);
        QCOMPARE(saved.at(0).at(2).toString(), QString());
        // The newest frame is 299 (at 2.99 s): the last second holds frames 199 to 299.
        QCOMPARE(saved.at(0).at(1).toULongLong(), 101ULL);
        const QStringList records = readAll(path);
        QCOMPARE(records.size(), 102);
        QCOMPARE(records.first(), QStringLiteral("F199"));
        QCOMPARE(records.last(), QStringLiteral("F299"));
        QCOMPARE(records.at(records.indexOf(QStringLiteral("F260")) - 1), QStringLiteral("C"));
    }

    void aRingSaveThatHoldsNothingLeavesNoFile()
    {
        // The disk has room to create the file but not for the ring's 2 MB: the save fails, says
        // so, and leaves no empty capture taking the name.
        OddsTap::Testing::SmallTmpfs disk(4 * 1024 * 1024);
        QVERIFY2(disk.ok(), qPrintable(disk.error()));
        QVERIFY(disk.fill(256 * 1024));
        CaptureRecorder recorder;
        recorder.setRing(60000, 0);
        const QByteArray padding(1000, 'x');
        auto frames = std::make_shared<ReceivedFrames>();
        frames->sourceId = QStringLiteral("book");
        for (int i = 0; i < 2000; ++i) {
            frames->append(QByteArray(payloadOf(i) + padding), kT0Ns + qint64(i) * 1000, i, 1, false);
        }
        recorder.append(frames);
        const QString path = disk.path() + QStringLiteral("/ring.odtc");
        QSignalSpy saved(&recorder, &CaptureRecorder::ringSaved);
        recorder.saveRing(path, header());
        QCOMPARE(saved.size(), 1);
        QCOMPARE(saved.at(0).at(1).toULongLong(), 0ULL);
        QVERIFY2(
            saved.at(0).at(2).toString().contains(QStringLiteral("full")), qPrintable(saved.at(0).at(2).toString()));
        QVERIFY(!QFileInfo::exists(path));
        QVERIFY(!QFileInfo::exists(path + QStringLiteral("-journal")));
    }

    void aReaderThatHoldsTheFileDelaysCommitsWithoutLosingThem()
    {
        // Another program reads the file in a transaction (an sqlite3 shell): the recorder's
        // commits wait in its open transaction, and all of it is written once the reader lets go.
        const QString path = m_dir.filePath(QStringLiteral("held.odtc"));
        const auto held = HeldCapture::open(path);
        QVERIFY(held);
        CaptureWriter &w = *held->writer;
        for (int batch = 1; batch < 4; ++batch) {
            w.addReceived(*framesOf(batch * 100, 100));
            const Result<void> committed = w.commit();
            QVERIFY2(committed, qPrintable(committed ? QString() : committed.error().message));
        }
        // Its commit waiting, the recorder keeps new readers out until the other program lets go.
        const QString locked = readAll(path).constFirst();
        QVERIFY2(locked.contains(QLatin1String("is locked: it is being recorded")), qPrintable(locked));
        QVERIFY(held->release());
        QVERIFY(w.commit());
        QCOMPARE(readAll(path).size(), 400);
        QCOMPARE(readAll(path).last(), QStringLiteral("F399"));
    }

    void stoppingWhileAReaderHoldsTheFileSaysWhatIsLost()
    {
        // The last commit waits 10 s for the other program, then gives up what waits and says
        // so: nothing written later contradicts the message.
        const QString path = m_dir.filePath(QStringLiteral("stopped.odtc"));
        const auto held = HeldCapture::open(path);
        QVERIFY(held);
        CaptureWriter &w = *held->writer;
        w.addReceived(*framesOf(100, 100));
        const Result<void> finished = w.finish(kT0Ns / 1000000 + 2000);
        QVERIFY(!finished);
        QVERIFY2(finished.error().message.contains(QLatin1String("could not be written")),
            qPrintable(finished.error().message));
        QCOMPARE(w.frames(), 200ULL);
        QCOMPARE(w.committedFrames(), 100ULL); // what a recording's summary reports
        QVERIFY(held->release());
        held->writer.reset();
        const QStringList records = readAll(path);
        QCOMPARE(records.size(), 100);
        QCOMPARE(records.last(), QStringLiteral("F99"));
    }

    void aCommitCutShortIsRolledBackWhenTheFileOpens()
    {
        // What a recorder killed in the middle of a commit leaves: the file with half of a
        // transaction's pages in it, and the journal that undoes them. Made here by copying both
        // while another connection's transaction has spilled its pages into the file.
        const QString path = m_dir.filePath(QStringLiteral("cut.odtc"));
        {
            auto writer = CaptureWriter::create(path, header());
            QVERIFY(writer);
            (*writer)->addReceived(*framesOf(0, 100, { 0 }));
            QVERIFY((*writer)->commit());
        }
        const QString copy = m_dir.filePath(QStringLiteral("cut-copy.odtc"));
        sqlite3 *db = nullptr;
        QCOMPARE(sqlite3_open_v2(path.toUtf8().constData(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
        const auto closeDb = qScopeGuard([db] { sqlite3_close_v2(db); });
        QCOMPARE(sqlite3_exec(db,
                     "PRAGMA cache_size=8; BEGIN; UPDATE meta SET value = 'half' WHERE key = 'notes';"
                     "INSERT INTO frame_blocks VALUES(1000000, 1000000, 1, 4, 0, 0, 0, 0, zeroblob(2000000));",
                     nullptr, nullptr, nullptr),
            SQLITE_OK);
        QVERIFY(QFileInfo(path + QStringLiteral("-journal")).size() > 0);
        for (const QString &suffix : { QString(), QStringLiteral("-journal") }) {
            QVERIFY(QFile::copy(path + suffix, copy + suffix));
        }
        QCOMPARE(sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
        const QStringList records = readAll(copy);
        QCOMPARE(records.size(), 101);
        QCOMPARE(records.first(), QStringLiteral("C"));
        QCOMPARE(records.last(), QStringLiteral("F99"));
        QVERIFY(!QFileInfo::exists(copy + QStringLiteral("-journal"))
            || QFileInfo(copy + QStringLiteral("-journal")).size() == 0);
    }

    void aCaptureIsWrittenPastThePageCache()
    {
        // Where the file system takes O_DIRECT, a capture's pages go to the file in large direct
        // writes (the CPU a recording costs is mostly the kernel's buffered write path); what is
        // left for ordinary writes is a handful of pages. Either way every frame reads back.
        const QString path = m_dir.filePath(QStringLiteral("direct.odtc"));
        const RecordedWrites w = recordTwelveMegabytes(path);
        QVERIFY2(w.problem.isEmpty(), qPrintable(w.problem));
        QVERIFY(w.fileBytes > 12'000'000);
        qInfo("file %lld bytes: %llu written direct in %llu writes, %llu through the page cache", w.fileBytes,
            w.written.directBytes, w.written.directWrites, w.written.bufferedBytes);
        if (takesDirectIo(m_dir.path())) {
            QVERIFY2(w.written.directBytes >= quint64(w.fileBytes) * 9 / 10,
                qPrintable(QStringLiteral("%1 of %2 bytes direct").arg(w.written.directBytes).arg(w.fileBytes)));
            QVERIFY2(w.written.bufferedBytes < quint64(w.fileBytes) / 10,
                qPrintable(QStringLiteral("%1 bytes buffered").arg(w.written.bufferedBytes)));
            // Gathered: a commit's new pages go in one write, not one per 16 KiB page.
            QVERIFY(w.written.directBytes / w.written.directWrites >= 128 * 1024);
        } else {
            qInfo("%s takes no O_DIRECT: the capture was written through the page cache", qPrintable(m_dir.path()));
            QCOMPARE(w.written.directBytes, 0ULL);
            QVERIFY(w.written.bufferedBytes >= quint64(w.fileBytes) * 9 / 10);
        }
    }

    void aFileSystemWithoutDirectIoGetsOrdinaryWrites()
    {
        // ramfs refuses O_DIRECT when the file is opened: the same capture is written through the
        // page cache, complete.
        OddsTap::Testing::SmallTmpfs ramfs(0, QStringLiteral("ramfs"));
        QVERIFY2(ramfs.ok(), qPrintable(ramfs.error()));
        QVERIFY(!takesDirectIo(ramfs.path()));
        const RecordedWrites w = recordTwelveMegabytes(ramfs.path() + QStringLiteral("/ordinary.odtc"));
        QVERIFY2(w.problem.isEmpty(), qPrintable(w.problem));
        QCOMPARE(w.written.directBytes, 0ULL);
        QVERIFY(w.written.bufferedBytes >= quint64(w.fileBytes) * 9 / 10);
    }

    void aRefusalOnTheFirstWriteFallsBackToOrdinaryWrites()
    {
        // No file system here takes O_DIRECT at open and refuses it on the first write, as one on a
        // device with blocks larger than 4 KiB would: the write call is made to refuse. The run it
        // refused (larger than SQLite's unix VFS writes in one call) and everything after go
        // through the page cache.
        setDirectPwriteForTests([](int, const void *, size_t, off_t) -> ssize_t {
            errno = EINVAL;
            return -1;
        });
        const auto restore = qScopeGuard([] { setDirectPwriteForTests(nullptr); });
        const RecordedWrites w = recordTwelveMegabytes(m_dir.filePath(QStringLiteral("refused.odtc")));
        QVERIFY2(w.problem.isEmpty(), qPrintable(w.problem));
        QCOMPARE(w.written.directBytes, 0ULL);
        QVERIFY(w.written.bufferedBytes >= quint64(w.fileBytes) * 9 / 10);
    }

    void aFailingDiskIsNamedAsOne()
    {
        // A write the device fails (EIO) is reported with the system's own error, not only SQLite's
        // "disk I/O error" (or "malformed", which it says when a read comes back short).
        static std::atomic<int> calls { 0 };
        static std::atomic<bool> failing { false };
        calls = 0;
        failing = false;
        setDirectPwriteForTests([](int fd, const void *data, size_t size, off_t offset) -> ssize_t {
            ++calls;
            if (!failing) {
                return ::pwrite(fd, data, size, offset); // the schema's commit
            }
            errno = EIO;
            return -1;
        });
        const auto restore = qScopeGuard([] { setDirectPwriteForTests(nullptr); });
        const QString path = m_dir.filePath(QStringLiteral("eio.odtc"));
        auto writer = CaptureWriter::create(path, header());
        QVERIFY2(writer, qPrintable(writer ? QString() : writer.error().message));
        failing = true;
        ReceivedFrames frames;
        frames.sourceId = QStringLiteral("book");
        for (int i = 0; i < 2000; ++i) {
            frames.append(QByteArray(payloadOf(i) + QByteArray(1000, 'x')), kT0Ns + i, i, 1, false);
        }
        (*writer)->addReceived(frames);
        const Result<void> failed = (*writer)->commit();
        if (calls == 0) {
            QSKIP("the file system of the test directory does not take O_DIRECT, so no write goes through the seam");
        }
        QVERIFY(!failed);
        QVERIFY2(
            failed.error().message.contains(QStringLiteral("Input/output error")), qPrintable(failed.error().message));
    }

    void aCaptureDeletedWhileRecordedSaysSo()
    {
        const QString path = m_dir.filePath(QStringLiteral("deleted.odtc"));
        auto writer = CaptureWriter::create(path, header());
        QVERIFY2(writer, qPrintable(writer ? QString() : writer.error().message));
        const auto framesFrom = [](int n0) {
            ReceivedFrames frames;
            frames.sourceId = QStringLiteral("book");
            for (int i = n0; i < n0 + 10; ++i) {
                frames.append(payloadOf(i), kT0Ns + i, i, 1, false);
            }
            return frames;
        };
        (*writer)->addReceived(framesFrom(0));
        QVERIFY((*writer)->commit());
        QVERIFY(QFile::remove(path));
        (*writer)->addReceived(framesFrom(10));
        const Result<void> failed = (*writer)->commit();
        QVERIFY(!failed);
        QVERIFY2(failed.error().message.contains(QStringLiteral("deleted, renamed or its file system unmounted")),
            qPrintable(failed.error().message));
    }

    void aDiskThatFillsKeepsTheLastCommit()
    {
        // The disk fills between two commits: the second fails and says so, and the file holds the
        // first commit's frames.
        OddsTap::Testing::SmallTmpfs disk(8 * 1024 * 1024);
        QVERIFY2(disk.ok(), qPrintable(disk.error()));
        const QString path = disk.path() + QStringLiteral("/full.odtc");
        auto writer = CaptureWriter::create(path, header());
        QVERIFY2(writer, qPrintable(writer ? QString() : writer.error().message));
        const QByteArray padding(1000, 'x');
        const auto framesFrom = [&](int n0, int count) {
            ReceivedFrames frames;
            frames.sourceId = QStringLiteral("book");
            for (int i = n0; i < n0 + count; ++i) {
                frames.append(QByteArray(payloadOf(i) + padding), kT0Ns + qint64(i) * 1000, i, 1, false);
            }
            return frames;
        };
        (*writer)->addReceived(framesFrom(0, 1000));
        QVERIFY((*writer)->commit());
        QVERIFY(disk.fill());
        (*writer)->addReceived(framesFrom(1000, 2000));
        const Result<void> full = (*writer)->commit();
        QVERIFY(!full);
        QVERIFY2(full.error().message.contains(QStringLiteral("full")), qPrintable(full.error().message));
        writer->reset();
        // Rolled back as it failed: no journal left to replay, so the file reads while the disk is
        // still full, and travels alone.
        QCOMPARE(QFileInfo(path + QStringLiteral("-journal")).size(), 0);
        auto reader = CaptureReader::open(path);
        QVERIFY2(reader, qPrintable(reader ? QString() : reader.error().message));
        CaptureRecord r;
        int n = 0;
        while ((*reader)->next(r)) {
            QCOMPARE(r.frame.bytes, QByteArray(payloadOf(n) + padding));
            ++n;
        }
        QVERIFY2((*reader)->error().isEmpty(), qPrintable((*reader)->error()));
        QCOMPARE(n, 1000);
    }

    void twoRecordingsStartedOnOneNameAtOnceGetOneFile()
    {
        // Both find no file there; one makes it, the other is told it exists, as it would be a
        // moment later (not "database is locked" or a half-made schema).
        for (int round = 0; round < 20; ++round) {
            const QString path = m_dir.filePath(QStringLiteral("race-%1.odtc").arg(round));
            std::optional<Result<std::unique_ptr<CaptureWriter>>> a;
            std::optional<Result<std::unique_ptr<CaptureWriter>>> b;
            std::latch go(2); // both past thread start-up, then both at once
            std::thread first([&] {
                go.arrive_and_wait();
                a.emplace(CaptureWriter::create(path, header()));
            });
            std::thread second([&] {
                go.arrive_and_wait();
                b.emplace(CaptureWriter::create(path, header()));
            });
            first.join();
            second.join();
            QVERIFY(bool(*a) != bool(*b));
            const Result<std::unique_ptr<CaptureWriter>> &loser = *a ? *b : *a;
            QCOMPARE(loser.error().code, QStringLiteral("exists"));
            QVERIFY2(
                loser.error().message.contains(QStringLiteral("exists already")), qPrintable(loser.error().message));
        }
    }

    void namesSqliteWouldMisreadAreRefused()
    {
        // The writer's own check (the GUI, ring saves and imports rely on it), beyond the CLI's.
        const auto make = [this](const QString &name, const QByteArray &bytes) {
            QFile f(m_dir.filePath(name));
            return f.open(QIODevice::WriteOnly) && f.write(bytes) == bytes.size();
        };
        QVERIFY(make(QStringLiteral("shm.odtc-shm"), "x"));
        const auto beside = CaptureWriter::create(m_dir.filePath(QStringLiteral("shm.odtc")), header());
        QVERIFY(!beside);
        QVERIFY2(
            beside.error().message.contains(QStringLiteral("its own shm file")), qPrintable(beside.error().message));
        QVERIFY(make(QStringLiteral("store.db"), "not a capture"));
        const auto wal = CaptureWriter::create(m_dir.filePath(QStringLiteral("store.db-wal")), header());
        QVERIFY(!wal);
        QVERIFY2(wal.error().message.contains(QStringLiteral("is named as the wal file of the database")),
            qPrintable(wal.error().message));
        QVERIFY(!QFileInfo::exists(m_dir.filePath(QStringLiteral("store.db-wal"))));
        QVERIFY(QFile::link(m_dir.filePath(QStringLiteral("nowhere")), m_dir.filePath(QStringLiteral("link.odtc"))));
        const auto link = CaptureWriter::create(m_dir.filePath(QStringLiteral("link.odtc")), header());
        QVERIFY(!link);
        QVERIFY2(link.error().message.contains(QStringLiteral("exists already")), qPrintable(link.error().message));
        // An empty journal (what a stopped recording leaves) holds nothing: the name is free.
        QVERIFY(make(QStringLiteral("empty.odtc-journal"), QByteArray()));
        QVERIFY(CaptureWriter::create(m_dir.filePath(QStringLiteral("empty.odtc")), header()));
    }

    void aCaptureThatCannotBeCreatedLeavesNoFile()
    {
        // A full disk at creation: the error says so and no empty or half-made file takes the name.
        OddsTap::Testing::SmallTmpfs disk(1024 * 1024);
        QVERIFY2(disk.ok(), qPrintable(disk.error()));
        QVERIFY(disk.fill());
        const QString path = disk.path() + QStringLiteral("/new.odtc");
        const auto refused = CaptureWriter::create(path, header());
        QVERIFY(!refused);
        QVERIFY2(refused.error().message.contains(QStringLiteral("full")), qPrintable(refused.error().message));
        QVERIFY(!QFileInfo::exists(path));
        QVERIFY(!QFileInfo::exists(path + QStringLiteral("-journal")));
        QVERIFY(disk.free());
        QVERIFY(CaptureWriter::create(path, header()));
    }

    void aCraftedTableWithoutItsKeyIsRefused()
    {
        // Records are read one query each by their key: without it, each query would scan the
        // table, and a million tiny blocks would take hours.
        const QString path = m_dir.filePath(QStringLiteral("unkeyed.odtc"));
        {
            auto writer = CaptureWriter::create(path, header());
            QVERIFY(writer);
            (*writer)->addReceived(*framesOf(0, 10));
            QVERIFY((*writer)->finish(kT0Ns / 1000000 + 1000));
        }
        sqlite3 *db = nullptr;
        QCOMPARE(sqlite3_open_v2(path.toUtf8().constData(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
        QCOMPARE(sqlite3_exec(db,
                     "CREATE TABLE copy AS SELECT * FROM frame_blocks; DROP TABLE frame_blocks;"
                     "ALTER TABLE copy RENAME TO frame_blocks;",
                     nullptr, nullptr, nullptr),
            SQLITE_OK);
        sqlite3_close_v2(db);
        auto reader = CaptureReader::open(path);
        QVERIFY(!reader);
        QVERIFY2(reader.error().message.contains(QLatin1String("its frame_blocks table is not keyed by first_ord")),
            qPrintable(reader.error().message));
    }

    void theRingKeepsToItsMemoryCap()
    {
        // A cap of three and a half batches' buffers: the ring drops the oldest batches, keeps
        // the newest three, and a save holds what it kept.
        std::vector<ReceivedFramesPtr> batches;
        for (int n0 = 0; n0 < 300; n0 += 25) {
            batches.push_back(framesOf(n0, 25));
        }
        const auto memoryOf = [](const ReceivedFrames &r) {
            return qint64(r.payloads.capacity()) + qint64(r.frames.capacity() * sizeof(ReceivedFrames::Frame));
        };
        const qint64 cap = memoryOf(*batches[11]) + memoryOf(*batches[10]) + memoryOf(*batches[9])
            + std::min(memoryOf(*batches[8]), memoryOf(*batches[9])) / 2;
        CaptureRecorder recorder;
        recorder.setRing(60000, cap);
        for (const ReceivedFramesPtr &b : batches) {
            recorder.append(b);
        }
        const QString path = m_dir.filePath(QStringLiteral("capped.odtc"));
        QSignalSpy saved(&recorder, &CaptureRecorder::ringSaved);
        recorder.saveRing(path, header());
        QCOMPARE(saved.size(), 1);
        QCOMPARE(saved.at(0).at(1).toULongLong(), 75ULL);
        const QStringList records = readAll(path);
        QCOMPARE(records.first(), QStringLiteral("F225"));
        QCOMPARE(records.last(), QStringLiteral("F299"));
    }

private:
    QTemporaryDir m_dir;
};

QTEST_GUILESS_MAIN(TestCaptureFile)
#include "tst_capturefile.moc"

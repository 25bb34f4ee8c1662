// SPDX-License-Identifier: MIT
// Reading a secret (a token, a webhook URL) from a file the user names: whatever the path turns
// out to be (a pipe nobody writes, an endless device, a directory), an answer in bounded time and
// memory, and the secret itself only when there is one.
#include <core/common/secretfile.h>

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

using namespace OddsTap;

class TestSecretFile : public QObject
{
    Q_OBJECT

private slots:
    void aFileGivesItsSecretTrimmed()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("token"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("  s3cret-token\n");
        f.close();
        const auto read = readSecretFile(path, QStringLiteral("token file"));
        QVERIFY2(read, read ? "" : qPrintable(read.error().message));
        QCOMPARE(*read, QByteArray("s3cret-token"));
    }

    void whatIsNotASecretSaysWhy_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("message");
        QTest::addRow("missing") << QStringLiteral("/nonexistent/token")
                                 << QStringLiteral("token file '/nonexistent/token' cannot be read: ");
        QTest::addRow("endless device") << QStringLiteral("/dev/zero")
                                        << QStringLiteral("token file '/dev/zero' holds more than 65536 bytes");
        QTest::addRow("directory") << QStringLiteral("/tmp") << QStringLiteral("token file '/tmp' is a directory");
        QTest::addRow("empty device") << QStringLiteral("/dev/null")
                                      << QStringLiteral("token file '/dev/null' is empty");
    }

    void whatIsNotASecretSaysWhy()
    {
        QFETCH(QString, path);
        QFETCH(QString, message);
        const auto read = readSecretFile(path, QStringLiteral("token file"));
        QVERIFY(!read);
        QVERIFY2(read.error().message.startsWith(message), qPrintable(read.error().message));
    }

    void aFifoNobodyWritesEndsInAnErrorNotAHang()
    {
        // Opening a FIFO for reading blocks until a writer comes: a token file that is one, left
        // without a writer, held the command for ever.
        QTemporaryDir dir;
        const QString fifo = dir.filePath(QStringLiteral("fifo"));
        QCOMPARE(::mkfifo(QFile::encodeName(fifo).constData(), 0600), 0);
        QElapsedTimer took;
        took.start();
        const auto read = readSecretFile(fifo, QStringLiteral("token file"), 300);
        QVERIFY(!read);
        QVERIFY2(read.error().message.contains(QLatin1String("delivered nothing within 0.3 s")),
            qPrintable(read.error().message));
        QVERIFY(took.elapsed() < 5000);
        // The GUI thread does not wait at all.
        const auto now = readSecretFile(fifo, QStringLiteral("token file"), 0);
        QVERIFY(!now);
        QVERIFY2(now.error().message.contains(QLatin1String("nothing to read now")), qPrintable(now.error().message));
    }

    void theSizeOfASecretIsCapped()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("big"));
        for (const qint64 size : { kMaxSecretFileBytes, kMaxSecretFileBytes + 1 }) {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
            QVERIFY(f.write(QByteArray(size, 'k')) == size);
            f.close();
            const auto read = readSecretFile(path, QStringLiteral("token file"));
            if (size == kMaxSecretFileBytes) {
                QVERIFY2(read, read ? "" : qPrintable(read.error().message));
                QCOMPARE(read->size(), size);
            } else {
                QVERIFY(!read);
                QVERIFY(read.error().message.contains(QLatin1String("holds more than 65536 bytes")));
                QVERIFY(!read.error().message.contains(QLatin1String("kkk"))); // never the content
            }
        }
    }

    void aWriterThatNeverClosesEndsInAnError()
    {
        // `cat > fifo` left open, or a terminal: something came, the end never did.
        QTemporaryDir dir;
        const QString fifo = dir.filePath(QStringLiteral("fifo"));
        QCOMPARE(::mkfifo(QFile::encodeName(fifo).constData(), 0600), 0);
        QProcess writer;
        writer.start(QStringLiteral("sh"),
            { QStringLiteral("-c"), QStringLiteral("exec 3> '%1'; printf 'half' >&3; sleep 5").arg(fifo) });
        QVERIFY(writer.waitForStarted());
        const auto read = readSecretFile(fifo, QStringLiteral("token file"), 1000);
        QVERIFY(!read);
        QVERIFY2(
            read.error().message.contains(QLatin1String("did not end within 1 s")), qPrintable(read.error().message));
        QVERIFY(!read.error().message.contains(QLatin1String("half")));
        writer.kill();
        writer.waitForFinished();
    }

    void aFifoWhoseWriterComesLateDeliversTheSecret()
    {
        // As `--token-file <(pass show feed)` or a FIFO a password manager writes: the writer
        // opens and writes after the reader started.
        QTemporaryDir dir;
        const QString fifo = dir.filePath(QStringLiteral("fifo"));
        QCOMPARE(::mkfifo(QFile::encodeName(fifo).constData(), 0600), 0);
        QProcess writer;
        writer.start(QStringLiteral("sh"),
            { QStringLiteral("-c"), QStringLiteral("sleep 0.3; printf 'late-token\\n' > '%1'").arg(fifo) });
        QVERIFY(writer.waitForStarted());
        const auto read = readSecretFile(fifo, QStringLiteral("token file"), 10000);
        QVERIFY2(read, read ? "" : qPrintable(read.error().message));
        QCOMPARE(*read, QByteArray("late-token"));
        QVERIFY(writer.waitForFinished());
    }
};

QTEST_GUILESS_MAIN(TestSecretFile)
#include "tst_secretfile.moc"

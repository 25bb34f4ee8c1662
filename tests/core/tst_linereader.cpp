// SPDX-License-Identifier: MIT
#include <core/common/linereader.h>

#include <QBuffer>
#include <QTest>

using namespace OddsTap;

class TestLineReader : public QObject
{
    Q_OBJECT

private slots:
    void splits_data();
    void splits();
    void truncatesLongLinesAndSkipsTheRest();
    void crossesChunkBoundaries();
};

void TestLineReader::splits_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QList<QByteArray>>("lines");
    QTest::addRow("empty input") << QByteArray() << QList<QByteArray> {};
    QTest::addRow("one line, newline") << QByteArray("a\n") << QList<QByteArray> { "a" };
    QTest::addRow("one line, no newline") << QByteArray("a") << QList<QByteArray> { "a" };
    QTest::addRow("CRLF") << QByteArray("a\r\nb\r\n") << QList<QByteArray> { "a", "b" };
    QTest::addRow("blank lines kept") << QByteArray("a\n\n\nb") << QList<QByteArray> { "a", "", "", "b" };
    QTest::addRow("only newline") << QByteArray("\n") << QList<QByteArray> { "" };
}

void TestLineReader::splits()
{
    QFETCH(QByteArray, input);
    QFETCH(QList<QByteArray>, lines);
    QBuffer buffer(&input);
    QVERIFY(buffer.open(QIODevice::ReadOnly));
    LineReader reader(&buffer, 1024);
    LineReader::Line line;
    QList<QByteArray> got;
    while (reader.next(line)) {
        QCOMPARE(line.number, qint64(got.size() + 1));
        QVERIFY(!line.truncated);
        got.append(line.text);
    }
    QCOMPARE(got, lines);
    QVERIFY(!reader.hasError());
}

void TestLineReader::truncatesLongLinesAndSkipsTheRest()
{
    QByteArray input = QByteArray(1'000'000, 'x') + "\nshort\n";
    QBuffer buffer(&input);
    QVERIFY(buffer.open(QIODevice::ReadOnly));
    LineReader reader(&buffer, 10);
    LineReader::Line line;
    QVERIFY(reader.next(line));
    QVERIFY(line.truncated);
    QCOMPARE(line.text, QByteArray(10, 'x'));
    QCOMPARE(line.fullLength, qint64(1'000'000));
    QVERIFY(reader.next(line));
    QVERIFY(!line.truncated);
    QCOMPARE(line.text, QByteArray("short"));
    QCOMPARE(line.number, qint64(2));
    QVERIFY(!reader.next(line));
}

void TestLineReader::crossesChunkBoundaries()
{
    QByteArray input;
    for (int i = 0; i < 100000; ++i) {
        input += QByteArray::number(i) + '\n';
    }
    QBuffer buffer(&input);
    QVERIFY(buffer.open(QIODevice::ReadOnly));
    LineReader reader(&buffer, 64);
    LineReader::Line line;
    int i = 0;
    while (reader.next(line)) {
        QCOMPARE(line.text, QByteArray::number(i));
        ++i;
    }
    QCOMPARE(i, 100000);
}

QTEST_GUILESS_MAIN(TestLineReader)
#include "tst_linereader.moc"

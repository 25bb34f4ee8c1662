// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>

class QIODevice;

namespace OddsTap {

/// Reads newline-delimited records (NDJSON) from a device in constant memory: a line longer than
/// the limit is returned as a prefix with `truncated` set, and the rest of it is skipped.
/// Strips the trailing "\n" or "\r\n". Lives in: the caller's thread; the device must stay open.
class LineReader
{
public:
    struct Line
    {
        QByteArray text; ///< at most maxLineBytes bytes
        qint64 number = 0; ///< 1-based
        qint64 fullLength = 0; ///< length of the whole line, even when truncated
        bool truncated = false;
    };

    LineReader(QIODevice *device, qint64 maxLineBytes);

    /// Next line, or false at the end of input (or on a read error: see error()).
    bool next(Line &line);
    bool hasError() const { return m_error; }

private:
    bool fill();

    QIODevice *m_device;
    qint64 m_maxLineBytes;
    QByteArray m_buffer;
    qsizetype m_pos = 0;
    qint64 m_lineNumber = 0;
    bool m_eof = false;
    bool m_error = false;
};

} // namespace OddsTap

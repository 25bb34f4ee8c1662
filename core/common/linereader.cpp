// SPDX-License-Identifier: MIT
#include "linereader.h"

#include <QIODevice>

namespace OddsTap {

namespace {
constexpr qint64 kChunk = 256 * 1024;
}

LineReader::LineReader(QIODevice *device, qint64 maxLineBytes)
    : m_device(device)
    , m_maxLineBytes(maxLineBytes)
{ }

bool LineReader::fill()
{
    if (m_eof) {
        return false;
    }
    if (m_pos > 0) {
        m_buffer.remove(0, m_pos);
        m_pos = 0;
    }
    const qsizetype old = m_buffer.size();
    m_buffer.resize(old + kChunk);
    qint64 n = m_device->read(m_buffer.data() + old, kChunk);
    if (n == 0 && !m_device->atEnd() && m_device->isSequential()) {
        // Sequential devices (stdin, pipes) may need to wait for data.
        if (m_device->waitForReadyRead(-1)) {
            n = m_device->read(m_buffer.data() + old, kChunk);
        }
    }
    if (n < 0) {
        m_error = true;
        n = 0;
    }
    m_buffer.resize(old + qsizetype(n));
    if (n == 0) {
        m_eof = true;
        return false;
    }
    return true;
}

bool LineReader::next(Line &line)
{
    line.text.resize(0); // keeps the capacity across lines
    line.truncated = false;
    line.fullLength = 0;
    for (;;) {
        const qsizetype nl = m_buffer.indexOf('\n', m_pos);
        const qsizetype end = nl >= 0 ? nl : m_buffer.size();
        const qsizetype available = end - m_pos;
        const qint64 room = m_maxLineBytes - line.text.size();
        if (room > 0) {
            line.text.append(m_buffer.constData() + m_pos, qsizetype(std::min<qint64>(available, room)));
        }
        if (available > room) {
            line.truncated = true;
        }
        line.fullLength += available;
        if (nl >= 0) {
            m_pos = nl + 1;
            break;
        }
        m_pos = m_buffer.size();
        if (!fill()) {
            if (line.fullLength == 0) {
                return false; // clean end of input
            }
            break; // last line without a final newline
        }
    }
    if (!line.truncated && line.text.endsWith('\r')) {
        line.text.chop(1);
        --line.fullLength;
    }
    line.number = ++m_lineNumber;
    return true;
}

} // namespace OddsTap

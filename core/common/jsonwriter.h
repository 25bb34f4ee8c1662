// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QString>

#include <cstring>
#include <string_view>

namespace OddsTap::Json {

/// Minimal, fast JSON text building for the hot path that emits envelopes (the simulator): the
/// pieces go through a raw cursor into one buffer reserved up front. Qt 6.4's QByteArray::append
/// is a general insert (alias check, detach, memmove) per piece, which cost about a tenth of the
/// simulator thread's time at full speed.
class Text
{
public:
    explicit Text(qsizetype capacity = 256)
        : m_out(capacity, Qt::Uninitialized)
        , m_begin(m_out.data())
    { }

    /// Copied as is (JSON punctuation, keys, text known to need no escaping).
    Text &raw(std::string_view s)
    {
        std::memcpy(room(s.size()), s.data(), s.size());
        m_size += qsizetype(s.size());
        return *this;
    }
    Text &raw(const char *s) { return raw(std::string_view(s)); }
    Text &raw(const QByteArray &s) { return raw(std::string_view(s.constData(), std::size_t(s.size()))); }
    Text &raw(char c)
    {
        *room(1) = c;
        ++m_size;
        return *this;
    }
    /// A JSON string: quoted, with what JSON requires escaped.
    Text &string(std::string_view utf8);
    Text &string(const QString &text);
    /// A number with at most `decimals` fraction digits and no trailing zeros ("2.15", "3"),
    /// rounded as printf's "%.*f" (exact ties to even); NaN and infinities as null.
    Text &decimal(double value, int decimals);
    Text &integer(qint64 v);
    Text &uinteger(quint64 v);

    /// The text built so far; the builder is empty afterwards.
    QByteArray take();

private:
    /// Room for `n` more bytes at the cursor.
    char *room(std::size_t n)
    {
        if (std::size_t(m_out.size() - m_size) < n) {
            grow(n);
        }
        return m_begin + m_size;
    }
    void grow(std::size_t n);

    QByteArray m_out;
    char *m_begin;
    qsizetype m_size = 0;
};

} // namespace OddsTap::Json

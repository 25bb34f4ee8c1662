// SPDX-License-Identifier: MIT
#include "jsonwriter.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace OddsTap::Json {
namespace {

bool needsEscape(unsigned char c)
{
    return c < 0x20 || c == '"' || c == '\\';
}

} // namespace

void Text::grow(std::size_t n)
{
    const qsizetype wanted = std::max(m_out.size() * 2, m_size + qsizetype(n));
    m_out.resize(wanted);
    m_begin = m_out.data();
}

QByteArray Text::take()
{
    m_out.resize(m_size);
    QByteArray out = std::move(m_out);
    m_out = QByteArray();
    m_begin = nullptr;
    m_size = 0;
    return out;
}

Text &Text::string(std::string_view s)
{
    static constexpr char kHex[] = "0123456789abcdef";
    raw('"');
    // Runs of plain characters go in one copy; only the rare escapes go one by one.
    std::size_t runStart = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto u = static_cast<unsigned char>(s[i]);
        if (!needsEscape(u)) {
            continue;
        }
        raw(s.substr(runStart, i - runStart));
        runStart = i + 1;
        switch (u) {
        case '"':
            raw("\\\"");
            break;
        case '\\':
            raw("\\\\");
            break;
        case '\n':
            raw("\\n");
            break;
        case '\r':
            raw("\\r");
            break;
        case '\t':
            raw("\\t");
            break;
        default: {
            const char escaped[] = { '\\', 'u', '0', '0', kHex[u >> 4], kHex[u & 0xf] };
            raw(std::string_view(escaped, sizeof escaped));
        }
        }
    }
    raw(s.substr(runStart));
    return raw('"');
}

Text &Text::string(const QString &text)
{
    const QByteArray utf8 = text.toUtf8();
    return string(std::string_view(utf8.constData(), std::size_t(utf8.size())));
}

Text &Text::integer(qint64 v)
{
    char *p = room(24);
    m_size += std::to_chars(p, p + 24, v).ptr - p;
    return *this;
}

Text &Text::uinteger(quint64 v)
{
    char *p = room(24);
    m_size += std::to_chars(p, p + 24, v).ptr - p;
    return *this;
}

Text &Text::decimal(double value, int decimals)
{
    if (!std::isfinite(value)) {
        return raw("null"); // JSON has no NaN or infinity
    }
    // Correctly rounded, as printf's %.*f; then no trailing zeros and no "-0".
    char buffer[400]; // 1e308 in fixed notation, plus the fraction digits
    const auto r = std::to_chars(
        std::begin(buffer), std::end(buffer), value, std::chars_format::fixed, std::clamp(decimals, 0, 17));
    if (r.ec != std::errc()) {
        return raw("null");
    }
    const char *end = r.ptr;
    if (std::find(static_cast<const char *>(buffer), end, '.') != end) {
        while (end[-1] == '0') {
            --end;
        }
        if (end[-1] == '.') {
            --end;
        }
    }
    if (end - buffer == 2 && buffer[0] == '-' && buffer[1] == '0') {
        return raw('0');
    }
    return raw(std::string_view(buffer, std::size_t(end - buffer)));
}

} // namespace OddsTap::Json

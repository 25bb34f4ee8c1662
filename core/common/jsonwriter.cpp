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

void appendString(QByteArray &out, std::string_view s)
{
    static constexpr char kHex[] = "0123456789abcdef";
    out += '"';
    // Runs of plain characters go in one append; only the rare escapes go one by one.
    std::size_t runStart = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto u = static_cast<unsigned char>(s[i]);
        if (!needsEscape(u)) {
            continue;
        }
        out.append(s.data() + runStart, qsizetype(i - runStart));
        runStart = i + 1;
        switch (u) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default: {
            const char escaped[] = { '\\', 'u', '0', '0', kHex[u >> 4], kHex[u & 0xf] };
            out.append(escaped, qsizetype(sizeof escaped));
        }
        }
    }
    out.append(s.data() + runStart, qsizetype(s.size() - runStart));
    out += '"';
}

void appendString(QByteArray &out, const QString &text)
{
    const QByteArray utf8 = text.toUtf8();
    appendString(out, std::string_view(utf8.constData(), std::size_t(utf8.size())));
}

template <typename Integer> void appendInteger(QByteArray &out, Integer v)
{
    char buffer[24];
    const auto r = std::to_chars(std::begin(buffer), std::end(buffer), v);
    out.append(buffer, qsizetype(r.ptr - buffer));
}

void appendInt(QByteArray &out, qint64 v)
{
    appendInteger(out, v);
}

void appendUInt(QByteArray &out, quint64 v)
{
    appendInteger(out, v);
}

void appendDecimal(QByteArray &out, double value, int decimals)
{
    if (!std::isfinite(value)) {
        out += "null"; // JSON has no NaN or infinity
        return;
    }
    // Correctly rounded, as printf's %.*f; then no trailing zeros and no "-0".
    char buffer[400]; // 1e308 in fixed notation, plus the fraction digits
    const auto r = std::to_chars(
        std::begin(buffer), std::end(buffer), value, std::chars_format::fixed, std::clamp(decimals, 0, 17));
    if (r.ec != std::errc()) {
        out += "null";
        return;
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
        out += '0';
        return;
    }
    out.append(buffer, qsizetype(end - buffer));
}

} // namespace OddsTap::Json

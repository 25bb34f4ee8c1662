// SPDX-License-Identifier: MIT
#include "marketbook.h"

#include <array>
#include <cmath>

namespace OddsTap {
namespace {

struct Shape
{
    QStringView type; ///< the type, or its prefix when it ends with '_' (ou_2.5)
    std::array<QStringView, 3> selections;
    int count;
};

constexpr std::array kShapes = {
    Shape { u"1x2", { u"home", u"draw", u"away" }, 3 },
    Shape { u"ml", { u"home", u"away", {} }, 2 },
    Shape { u"btts", { u"yes", u"no", {} }, 2 },
    Shape { u"ou_", { u"over", u"under", {} }, 2 },
    Shape { u"ah_", { u"home", u"away", {} }, 2 },
};

int shapeOf(QStringView type)
{
    for (std::size_t i = 0; i < kShapes.size(); ++i) {
        const QStringView t = kShapes[i].type;
        if (t.endsWith(u'_') ? type.startsWith(t, Qt::CaseInsensitive) && type.size() > t.size()
                             : type.compare(t, Qt::CaseInsensitive) == 0) {
            return int(i);
        }
    }
    return -1;
}

/// A name's part of a set's hash: FNV-1a over its UTF-16, then mixed, so that a sum of them
/// (the set, in no order) collides only by chance. The same on every run: a back-test agrees.
quint64 nameHash(QStringView name)
{
    quint64 h = 14695981039346656037ULL;
    for (const QChar c : name) {
        h = (h ^ c.unicode()) * 1099511628211ULL;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    return h ^ (h >> 33);
}

} // namespace

QString formatPrice(double price)
{
    if (!std::isfinite(price) || std::abs(price) >= 1e6) {
        return QString::number(price, 'g', 6);
    }
    QString text = QString::number(price, 'f', 6);
    const qsizetype point = text.indexOf(u'.');
    while (point >= 0 && text.size() > point + 3 && text.endsWith(u'0')) {
        text.chop(1);
    }
    return text;
}

MarketBook::MarketBook(QStringView marketType)
    : m_shape(shapeOf(marketType))
{ }

void MarketBook::add(QStringView selection, std::optional<double> openPrice)
{
    if (openPrice && *openPrice > 1.0) {
        ++m_open;
        m_openSet += nameHash(selection);
        m_sum += 100.0 / *openPrice;
    } else {
        m_anySuspended = true;
    }
    if (m_shape < 0) {
        return;
    }
    const Shape &shape = kShapes[std::size_t(m_shape)];
    for (int i = 0; i < shape.count; ++i) {
        if (shape.selections[std::size_t(i)].compare(selection, Qt::CaseInsensitive) == 0) {
            const unsigned bit = 1u << i;
            m_twice = m_twice || (m_slots & bit) != 0;
            m_slots |= bit;
            return;
        }
    }
    m_shape = -1; // a selection the type does not have: not the table's shape
}

int MarketBook::selectionRank(QStringView marketType, QStringView selection)
{
    const int shape = shapeOf(marketType);
    if (shape >= 0) {
        const Shape &known = kShapes[std::size_t(shape)];
        for (int i = 0; i < known.count; ++i) {
            if (known.selections[std::size_t(i)].compare(selection, Qt::CaseInsensitive) == 0) {
                return i;
            }
        }
    }
    return kOther;
}

bool MarketBook::selectionBefore(QStringView marketType, QStringView a, QStringView b)
{
    const int ra = selectionRank(marketType, a);
    const int rb = selectionRank(marketType, b);
    return ra != rb ? ra < rb : a < b;
}

std::optional<bool> MarketBook::shapeWhole() const
{
    if (m_shape < 0) {
        return std::nullopt;
    }
    return !m_twice && m_slots == (1u << kShapes[std::size_t(m_shape)].count) - 1;
}

std::optional<double> MarketBook::read(BookMemory &memory) const
{
    if (m_twice) {
        return std::nullopt; // even when a name the type lacks came after
    }
    if (const std::optional<bool> whole = shapeWhole()) {
        return *whole && !m_anySuspended ? std::optional<double>(m_sum) : std::nullopt;
    }
    if (m_open < 2) {
        return std::nullopt;
    }
    if (m_sum >= 100.0) {
        memory.openWhenWhole = m_openSet;
        return m_sum;
    }
    return m_openSet == memory.openWhenWhole ? std::optional<double>(m_sum) : std::nullopt;
}

QString MarketBook::text(double percent, int decimals)
{
    return QString::number(percent, 'f', decimals) + QStringLiteral(" %");
}

} // namespace OddsTap

// SPDX-License-Identifier: MIT
#include "marketbook.h"

#include <algorithm>
#include <array>
#include <span>

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

} // namespace

MarketBook::MarketBook(QStringView marketType)
    : m_shape(shapeOf(marketType))
{ }

void MarketBook::add(QStringView selection, std::optional<double> openPrice)
{
    ++m_seen;
    if (openPrice && *openPrice > 1.0) {
        m_sum += 100.0 / *openPrice;
    } else {
        m_allOpen = false;
    }
    if (m_shape < 0) {
        return;
    }
    // The callers hold each selection once, so counting the type's names seen is enough.
    const Shape &shape = kShapes[std::size_t(m_shape)];
    const auto names = std::span(shape.selections).first(std::size_t(shape.count));
    if (std::any_of(names.begin(), names.end(),
            [&](QStringView name) { return name.compare(selection, Qt::CaseInsensitive) == 0; })) {
        ++m_known;
    } else {
        m_shape = -1; // a selection the type does not have: its shape is not the table's
    }
}

std::optional<double> MarketBook::percent(int &wholeWith) const
{
    if (!m_allOpen || m_seen < 2) {
        return std::nullopt;
    }
    if (const std::optional<bool> whole = shapeWhole()) {
        return *whole ? std::optional<double>(m_sum) : std::nullopt;
    }
    if (m_sum >= 100.0) {
        wholeWith = std::max(wholeWith, m_seen);
        return m_sum;
    }
    return wholeWith > 0 && m_seen >= wholeWith ? std::optional<double>(m_sum) : std::nullopt;
}

std::optional<bool> MarketBook::shapeWhole() const
{
    return m_shape < 0 ? std::nullopt : std::optional<bool>(m_known == kShapes[std::size_t(m_shape)].count);
}

QString MarketBook::text(double percent, int decimals)
{
    return QString::number(percent, 'f', decimals) + QStringLiteral(" %");
}

} // namespace OddsTap

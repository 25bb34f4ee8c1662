// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/event.h>
#include <core/common/sharedstringindex.h>

#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

namespace OddsTap {

/// The odds of one transaction, ready to write in index-key order (fixture_id, market_type,
/// timestamp), which keeps the B-tree writes local (SQLite and PostgreSQL alike). The fields are
/// copied out of the events in one sequential pass: binding in key order straight from the events
/// missed the cache on nearly every row (60 % of write()'s own time). Each distinct string is
/// converted to UTF-8 once, and the sort compares integer ranks, not strings.
class OddsRows
{
public:
    struct Row
    {
        quint32 fixtureRank;
        quint32 marketRank;
        qint64 timestampMs;
        quint32 source, fixture, market, selection; ///< indexes into text()
        quint64 seq;
        qint64 serverTsMs;
        qint64 receivedAtMs;
        double oddValue;
        PriceStatus status;
    };

    void reserve(std::size_t n)
    {
        m_rows.reserve(n);
    }
    void add(const Event &e, const OddsData &o)
    {
        m_rows.push_back({ 0, 0, o.timestampMs, m_strings.indexOf(e.sourceId), m_strings.indexOf(o.fixtureId),
            m_strings.indexOf(o.marketType), m_strings.indexOf(o.selection), e.seq, e.serverTsMs, e.receivedAtMs,
            o.oddValue, o.status });
    }
    /// Converts the strings and sorts the rows; call once, after the last add(). Each distinct
    /// string goes through `encode` (UTF-8 in, the back end's form out) once.
    template <typename Encode> const std::vector<Row> &sorted(Encode encode)
    {
        const auto n = quint32(m_strings.size());
        m_utf8.resize(n);
        std::vector<quint32> order(n);
        for (quint32 i = 0; i < n; ++i) {
            m_utf8[i] = m_strings.at(i).toStdString();
            order[i] = i;
        }
        // UTF-8 byte order is SQLite's BINARY collation; equal text in two storages gets one rank.
        std::sort(order.begin(), order.end(), [this](quint32 a, quint32 b) { return m_utf8[a] < m_utf8[b]; });
        std::vector<quint32> rank(n);
        for (quint32 i = 0, r = 0; i < n; ++i) {
            if (i > 0 && m_utf8[order[i]] != m_utf8[order[i - 1]]) {
                ++r;
            }
            rank[order[i]] = r;
        }
        for (Row &row : m_rows) {
            row.fixtureRank = rank[row.fixture];
            row.marketRank = rank[row.market];
        }
        for (std::string &text : m_utf8) {
            text = encode(std::move(text));
        }
        std::sort(m_rows.begin(), m_rows.end(), [](const Row &a, const Row &b) {
            return std::tie(a.fixtureRank, a.marketRank, a.timestampMs)
                < std::tie(b.fixtureRank, b.marketRank, b.timestampMs);
        });
        return m_rows;
    }
    const std::vector<Row> &sorted()
    {
        return sorted([](std::string &&s) { return std::move(s); });
    }
    const std::string &text(quint32 index) const
    {
        return m_utf8[index];
    }

private:
    SharedStringIndex m_strings;
    std::vector<std::string> m_utf8;
    std::vector<Row> m_rows;
};

} // namespace OddsTap

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

    std::size_t size() const { return m_rows.size(); }
    void reserve(std::size_t n) { m_rows.reserve(n); }
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
        quint32 r = 0;
        for (quint32 i = 0; i < n; ++i) {
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
        sortRows(r + 1);
        return m_rows;
    }
    const std::vector<Row> &sorted()
    {
        return sorted([](std::string &&s) { return std::move(s); });
    }
    const std::string &text(quint32 index) const { return m_utf8[index]; }

private:
    /// Orders the rows by (fixtureRank, marketRank, timestampMs), stable, ranks below `ranks`. A
    /// transaction holds a few thousand (fixture, market) groups, each mostly in time order already
    /// (events arrive in time order), so a counting sort by group, stable, then a check of each
    /// group's times replaces a comparison sort of the whole transaction (which was 14 % of the
    /// PostgreSQL writer's samples). Falls back to the comparison sort when the groups would not
    /// fit a small table.
    void sortRows(quint32 ranks)
    {
        auto byKey = [](const Row &a, const Row &b) {
            return std::tie(a.fixtureRank, a.marketRank, a.timestampMs)
                < std::tie(b.fixtureRank, b.marketRank, b.timestampMs);
        };
        // Dense ids for the fixture and market ranks in use, in rank order.
        std::vector<qint32> fixtureId(ranks, -1);
        std::vector<qint32> marketId(ranks, -1);
        for (const Row &row : m_rows) {
            fixtureId[row.fixtureRank] = 0;
            marketId[row.marketRank] = 0;
        }
        qint32 fixtures = 0;
        qint32 markets = 0;
        for (quint32 i = 0; i < ranks; ++i) {
            if (fixtureId[i] == 0) {
                fixtureId[i] = ++fixtures;
            }
            if (marketId[i] == 0) {
                marketId[i] = ++markets;
            }
        }
        const std::size_t groups = std::size_t(fixtures) * std::size_t(markets);
        if (groups > 4 * m_rows.size() + 1024) {
            std::stable_sort(m_rows.begin(), m_rows.end(), byKey);
            return;
        }
        auto groupOf = [&](const Row &row) {
            return std::size_t(fixtureId[row.fixtureRank] - 1) * std::size_t(markets)
                + std::size_t(marketId[row.marketRank] - 1);
        };
        std::vector<quint32> start(groups + 1, 0);
        for (const Row &row : m_rows) {
            ++start[groupOf(row) + 1];
        }
        for (std::size_t g = 0; g < groups; ++g) {
            start[g + 1] += start[g];
        }
        std::vector<Row> out(m_rows.size());
        std::vector<quint32> next(start.begin(), start.end() - 1);
        for (const Row &row : m_rows) {
            out[next[groupOf(row)]++] = row;
        }
        for (std::size_t g = 0; g < groups; ++g) {
            const auto first = out.begin() + qsizetype(start[g]);
            const auto last = out.begin() + qsizetype(start[g + 1]);
            if (!std::is_sorted(first, last, byKey)) {
                std::stable_sort(first, last, byKey);
            }
        }
        m_rows = std::move(out);
    }

    SharedStringIndex m_strings;
    std::vector<std::string> m_utf8;
    std::vector<Row> m_rows;
};

} // namespace OddsTap

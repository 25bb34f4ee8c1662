// SPDX-License-Identifier: MIT
#pragma once

#include <QtGlobal>

#include <array>
#include <cmath>

namespace OddsTap {

/// Latency distribution in log buckets 10 % wide from 1 us to about 3 minutes: percentiles within
/// 10 %, fixed size (about 1.6 KB), cheap to merge and to copy across threads. Plain value type.
class LatencyHistogram
{
public:
    void add(qint64 ns)
    {
        ++m_count;
        m_sumNs += double(ns);
        m_maxNs = std::max(m_maxNs, ns);
        ++m_buckets[bucketOf(ns)];
    }
    void merge(const LatencyHistogram &other)
    {
        for (std::size_t i = 0; i < kBuckets; ++i) {
            m_buckets[i] += other.m_buckets[i];
        }
        m_count += other.m_count;
        m_sumNs += other.m_sumNs;
        m_maxNs = std::max(m_maxNs, other.m_maxNs);
    }
    quint64 count() const { return m_count; }
    double sumNs() const { return m_sumNs; }
    qint64 maxNs() const { return m_maxNs; }
    /// Upper bound of the bucket holding the p-th percentile (0 < p <= 100); 0 when empty.
    qint64 percentileNs(double p) const
    {
        if (m_count == 0) {
            return 0;
        }
        const auto rank = quint64(std::ceil(double(m_count) * p / 100.0));
        quint64 seen = 0;
        for (std::size_t i = 0; i < kBuckets; ++i) {
            seen += m_buckets[i];
            if (seen >= rank) {
                return std::min(m_maxNs, qint64(kMinNs * std::pow(kGrowth, double(i + 1))));
            }
        }
        return m_maxNs;
    }

    /// Observations at or below `ns`, to the buckets' resolution (a bucket counts once its upper
    /// bound is at or below `ns`): the cumulative buckets of a Prometheus histogram.
    quint64 countAtMostNs(qint64 ns) const
    {
        quint64 n = 0;
        for (std::size_t i = 0; i < kBuckets && kMinNs * std::pow(kGrowth, double(i + 1)) <= double(ns); ++i) {
            n += m_buckets[i];
        }
        return n;
    }

private:
    static constexpr std::size_t kBuckets = 200;
    static constexpr double kMinNs = 1000.0;
    static constexpr double kGrowth = 1.1;
    static std::size_t bucketOf(qint64 ns)
    {
        if (ns <= qint64(kMinNs)) {
            return 0;
        }
        const auto i = std::size_t(std::log(double(ns) / kMinNs) / std::log(kGrowth));
        return std::min(i, kBuckets - 1);
    }
    std::array<quint64, kBuckets> m_buckets {}; // 64-bit: a process-lifetime total at 300k/s
    quint64 m_count = 0;
    double m_sumNs = 0; // a double: no overflow from a few absurd values (a feed ts of 0)
    qint64 m_maxNs = 0;
};

} // namespace OddsTap

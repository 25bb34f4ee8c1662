// SPDX-License-Identifier: MIT
#pragma once

#include <cmath>
#include <cstdint>

namespace OddsTap {

/// xoshiro256** seeded through splitmix64, with its own distributions: unlike std::*_distribution,
/// the sequence is identical on every platform and standard library, so a seed reproduces a run
/// to the byte. Not thread-safe; cheap to copy.
class Rng
{
public:
    explicit Rng(std::uint64_t seed = 0x0dd57a9ULL)
    {
        for (auto &word : m_s) {
            seed += 0x9e3779b97f4a7c15ULL;
            std::uint64_t z = seed;
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
            z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
            word = z ^ (z >> 31);
        }
    }

    std::uint64_t next()
    {
        const std::uint64_t result = rotl(m_s[1] * 5, 7) * 9;
        const std::uint64_t t = m_s[1] << 17;
        m_s[2] ^= m_s[0];
        m_s[3] ^= m_s[1];
        m_s[1] ^= m_s[2];
        m_s[0] ^= m_s[3];
        m_s[2] ^= t;
        m_s[3] = rotl(m_s[3], 45);
        return result;
    }

    /// Uniform in [0, 1).
    double uniform() { return double(next() >> 11) * 0x1.0p-53; }
    /// Uniform integer in [0, n), n > 0 (tiny modulo bias is irrelevant here).
    std::uint64_t below(std::uint64_t n) { return next() % n; }
    bool chance(double p) { return uniform() < p; }
    /// Standard normal (Box-Muller; one value per call, for simplicity and reproducibility).
    double normal()
    {
        const double u1 = 1.0 - uniform(); // (0, 1]
        const double u2 = uniform();
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    }
    double logNormal(double mu, double sigma) { return std::exp(mu + sigma * normal()); }

private:
    static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    std::uint64_t m_s[4] {};
};

} // namespace OddsTap

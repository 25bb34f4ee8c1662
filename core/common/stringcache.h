// SPDX-License-Identifier: MIT
#pragma once

#include <QHashFunctions>
#include <QString>

#include <algorithm>
#include <bit>
#include <cstring>
#include <vector>

namespace OddsTap {

/// Gives equal strings one shared storage across the batches one reader produces (the spool's,
/// for instance), as the frame decoder does for live batches: a fixture id read back from a
/// thousand spooled batches is then one QString, not a thousand. Everything downstream gains:
/// the storage writer's SharedStringIndex finds a transaction's few hundred distinct strings
/// instead of one entry per batch and string (its table fell out of the CPU caches), and freeing
/// a batch releases references instead of allocations.
///
/// Bounded: after `maxEntries` distinct strings (bet ids are mostly unique) it starts over, which
/// only costs a second storage for the strings seen again. Strings longer than 64 characters are
/// not kept. Lives in: one thread (the reader's).
class StringCache
{
public:
    explicit StringCache(std::size_t maxEntries = 16384)
        : m_maxEntries(std::max<std::size_t>(16, maxEntries))
    { }

    /// The string of `units` UTF-16 code units in host byte order at `data` (any alignment).
    QString get(const void *data, qsizetype units)
    {
        const std::size_t bytes = std::size_t(units) * sizeof(char16_t);
        if (units == 0 || units > kMaxUnits) {
            return make(data, units);
        }
        if (m_size >= m_maxEntries || m_slots.empty()) {
            m_slots.assign(std::size_t(1) << std::bit_width(m_maxEntries * 2 - 1), QString());
            m_size = 0;
        }
        const std::size_t mask = m_slots.size() - 1;
        for (std::size_t i = qHashBits(data, bytes) & mask;; i = (i + 1) & mask) {
            QString &slot = m_slots[i];
            if (slot.isNull()) {
                slot = make(data, units);
                ++m_size;
                return slot;
            }
            if (slot.size() == units && std::memcmp(slot.constData(), data, bytes) == 0) {
                return slot;
            }
        }
    }

private:
    static constexpr qsizetype kMaxUnits = 64;
    static QString make(const void *data, qsizetype units)
    {
        QString s(units, Qt::Uninitialized);
        std::memcpy(s.data(), data, std::size_t(units) * sizeof(char16_t));
        return s;
    }

    std::size_t m_maxEntries;
    std::size_t m_size = 0;
    std::vector<QString> m_slots; ///< open addressing; a null QString is an empty slot
};

} // namespace OddsTap

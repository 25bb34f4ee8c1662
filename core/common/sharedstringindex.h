// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

#include <algorithm>
#include <vector>

namespace OddsTap {

/// Dense indexes for the distinct strings of a batch or a transaction, keyed by their storage:
/// implicitly shared copies (the decoder interns repeated fields) are one entry, and a lookup is
/// a few instructions with no hashing of the text. Two different storages with equal text get two
/// entries; callers that need equality by content compare the entries (see SqliteStorage).
/// The strings must outlive the index.
class SharedStringIndex
{
public:
    quint32 indexOf(const QString &s)
    {
        const Key key { s.constData(), s.size() };
        if (m_strings.size() * 2 >= m_slots.size()) {
            grow();
        }
        std::size_t i = slotOf(key);
        while (m_slots[i] != 0) {
            const quint32 index = m_slots[i] - 1;
            if (m_keys[index] == key) {
                return index;
            }
            i = (i + 1) & (m_slots.size() - 1);
        }
        m_slots[i] = quint32(m_strings.size()) + 1;
        m_keys.push_back(key);
        m_strings.push_back(&s);
        return quint32(m_strings.size() - 1);
    }
    std::size_t size() const { return m_strings.size(); }
    const QString &at(quint32 index) const { return *m_strings[index]; }

private:
    struct Key
    {
        const QChar *data;
        qsizetype size;
        bool operator==(const Key &) const = default;
    };
    std::size_t slotOf(const Key &k) const
    {
        const auto h = (quintptr(k.data) >> 3) * 0x9e3779b97f4a7c15ULL + quintptr(k.size);
        return std::size_t(h >> 20) & (m_slots.size() - 1);
    }
    void grow()
    {
        m_slots.assign(std::max<std::size_t>(64, m_slots.size() * 2), 0);
        for (std::size_t n = 0; n < m_keys.size(); ++n) {
            std::size_t i = slotOf(m_keys[n]);
            while (m_slots[i] != 0) {
                i = (i + 1) & (m_slots.size() - 1);
            }
            m_slots[i] = quint32(n) + 1;
        }
    }
    std::vector<quint32> m_slots; ///< 0: empty, else index + 1
    std::vector<Key> m_keys;
    std::vector<const QString *> m_strings;
};

} // namespace OddsTap

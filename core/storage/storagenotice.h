// SPDX-License-Identifier: MIT
#pragma once

#include <QMetaType>
#include <QString>

#include <cstdint>

namespace OddsTap {

/// What the storage writer, or its spool, tells the session: which part, how its state changed,
/// and a message for the user. The session decides on `subject` and `change`, never on the text.
struct StorageNotice
{
    enum class Subject : std::uint8_t
    {
        Database,
        Spool,
    };
    enum class Change : std::uint8_t
    {
        Note, ///< worth telling; nothing is failing
        Failing, ///< writes fail and are retried (an outage, or a spool disk that refuses)
        Recovered, ///< the failing part works again
    };
    Subject subject = Subject::Database;
    Change change = Change::Note;
    QString message;
};

} // namespace OddsTap

Q_DECLARE_METATYPE(OddsTap::StorageNotice)

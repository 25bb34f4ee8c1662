// SPDX-License-Identifier: MIT
#include "jsonvalue.h"

namespace OddsTap {

QString describeJson(const simdjson::dom::element &v)
{
    using simdjson::dom::element_type;
    switch (v.type()) {
    case element_type::ARRAY:
        return QStringLiteral("an array");
    case element_type::OBJECT:
        return QStringLiteral("an object");
    case element_type::INT64:
        return QStringLiteral("the integer %1").arg(v.get_int64().value_unsafe());
    case element_type::UINT64:
        return QStringLiteral("the integer %1").arg(v.get_uint64().value_unsafe());
    case element_type::DOUBLE:
        return QStringLiteral("the number %1").arg(v.get_double().value_unsafe(), 0, 'g', 17);
    case element_type::STRING: {
        QString s = jsonText(v.get_string().value_unsafe());
        if (s.size() > 40) {
            s = s.left(40) + QStringLiteral("...");
        }
        return QStringLiteral("the string \"%1\"").arg(s);
    }
    case element_type::BOOL:
        return QStringLiteral("a boolean");
    case element_type::NULL_VALUE:
        return QStringLiteral("null");
    }
    return QStringLiteral("an unknown value");
}

} // namespace OddsTap

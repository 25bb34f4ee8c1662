// SPDX-License-Identifier: MIT
#include "alertcsv.h"

#include <core/common/timeutil.h>

namespace OddsTap {
namespace {

void field(QByteArray &out, const QString &text)
{
    QByteArray utf8 = text.toUtf8();
    if (utf8.contains(',') || utf8.contains('"') || utf8.contains('\n') || utf8.contains('\r')) {
        utf8.replace('"', "\"\"");
        out += '"' + utf8 + '"';
    } else {
        out += utf8;
    }
}

} // namespace

QByteArray alertCsvHeader()
{
    return "at,rule,type,source_id,fixture_id,market_type,selection,before,after,seq\n";
}

QByteArray alertCsvLine(const Alert &a)
{
    QByteArray out = formatIso8601Utc(a.atMs).toLatin1();
    out += ',';
    field(out, a.rule);
    out += ',';
    field(out, alertKindName(a.kind));
    for (const QString *text : { &a.sourceId, &a.fixtureId, &a.marketType, &a.selection, &a.before, &a.after }) {
        out += ',';
        field(out, *text);
    }
    out += ',' + QByteArray::number(a.seq) + '\n';
    return out;
}

} // namespace OddsTap

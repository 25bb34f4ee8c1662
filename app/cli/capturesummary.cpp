// SPDX-License-Identifier: MIT
#include "capturesummary.h"

#include <core/session/capturestats.h>

#include <QJsonArray>
#include <QLocale>
#include <QStringList>

namespace OddsTap::Cli {

QString captureStatusLine(const CaptureStats &stats, double rate)
{
    QStringList parts;
    for (const auto &[id, s] : stats.sources) {
        const auto state = toWire(s.state);
        parts << QStringLiteral("%1 %2 seq %3")
                     .arg(id, QLatin1String(state.data(), qsizetype(state.size())))
                     .arg(s.lastSeq);
    }
    const auto t = stats.total();
    return QStringLiteral("%1 | %2 ev/s | accepted %3 | rejected %4 | dup %5 | gaps %6 | reconnects %7")
        .arg(parts.join(QLatin1String(", ")))
        .arg(qint64(rate))
        .arg(t.acceptedTotal())
        .arg(t.rejectedTotal())
        .arg(t.duplicates)
        .arg(t.gaps)
        .arg(t.reconnects);
}

QString humanCaptureSummary(const QJsonObject &s)
{
    const QLocale locale(QLocale::English);
    const auto n = [&](const QJsonValue &v) { return locale.toString(v.toInteger()); };
    const QJsonObject accepted = s.value(QStringLiteral("accepted")).toObject();
    const QJsonObject rejected = s.value(QStringLiteral("rejected")).toObject();
    QStringList codes;
    const QJsonObject byCode = rejected.value(QStringLiteral("by_code")).toObject();
    for (auto it = byCode.begin(); it != byCode.end(); ++it) {
        if (it.value().toInteger() > 0) {
            codes << QStringLiteral("%1 %2").arg(it.key(), n(it.value()));
        }
    }
    const QJsonObject rec = s.value(QStringLiteral("reconciliation")).toObject();
    QStringList lines;
    lines << QStringLiteral("Captured %1 events in %2 s (%3 fixture, %4 odds, %5 bet updates); stopped: %6.")
                 .arg(n(s.value(QStringLiteral("accepted_total"))))
                 .arg(double(s.value(QStringLiteral("duration_ms")).toInteger()) / 1000.0, 0, 'f', 1)
                 .arg(n(accepted.value(QStringLiteral("fixture"))), n(accepted.value(QStringLiteral("odds"))),
                     n(accepted.value(QStringLiteral("bet"))), s.value(QStringLiteral("stop_reason")).toString());
    lines << QStringLiteral("Rejected %1 (%2); duplicates %3; gaps %4; reconnects %5.")
                 .arg(n(rejected.value(QStringLiteral("total"))),
                     codes.isEmpty() ? QStringLiteral("none") : codes.join(QStringLiteral(", ")),
                     n(s.value(QStringLiteral("duplicates"))), n(s.value(QStringLiteral("gaps"))),
                     n(s.value(QStringLiteral("reconnects"))));
    lines << QStringLiteral("Reconciliation: %1 envelopes received, %2 accounted for: %3.")
                 .arg(n(rec.value(QStringLiteral("received"))), n(rec.value(QStringLiteral("accounted"))),
                     rec.value(QStringLiteral("ok")).toBool() ? QStringLiteral("OK") : QStringLiteral("MISMATCH"));
    if (const QJsonObject p = s.value(QStringLiteral("persisted")).toObject(); !p.isEmpty()) {
        const bool exact =
            s.value(QStringLiteral("storage_reconciliation")).toObject().value(QStringLiteral("ok")).toBool();
        const qint64 books = p.value(QStringLiteral("books")).toInteger();
        lines << QStringLiteral("Stored in %1: %2 fixture updates, %3 odds, %4 bets%5, %6 rejects: %7.")
                     .arg(s.value(QStringLiteral("database")).toString(), n(p.value(QStringLiteral("fixture_updates"))),
                         n(p.value(QStringLiteral("odds"))), n(p.value(QStringLiteral("bets"))),
                         books > 0 ? QStringLiteral(", %1 book changes").arg(books) : QString(),
                         n(p.value(QStringLiteral("rejects"))),
                         exact ? QStringLiteral("exact") : QStringLiteral("MISMATCH"));
    }
    if (const QJsonObject r = s.value(QStringLiteral("recording")).toObject(); !r.isEmpty()) {
        const QString error = r.value(QStringLiteral("error")).toString();
        lines << QStringLiteral("Recorded %1 frames into %2%3.")
                     .arg(n(r.value(QStringLiteral("frames"))), r.value(QStringLiteral("file")).toString(),
                         error.isEmpty() ? QString() : QStringLiteral(", then the recording failed: ") + error);
    }
    const QJsonArray saves = s.value(QStringLiteral("ring_saves")).toArray();
    for (const QJsonValue &v : saves) {
        const QJsonObject save = v.toObject();
        const QString error = save.value(QStringLiteral("error")).toString();
        lines << (error.isEmpty()
                ? QStringLiteral("Saved the ring: %1 frames into %2.")
                      .arg(n(save.value(QStringLiteral("frames"))), save.value(QStringLiteral("file")).toString())
                : QStringLiteral("Could not save the ring into %1: %2.")
                      .arg(save.value(QStringLiteral("file")).toString(), error));
    }
    return lines.join(QLatin1Char('\n')) + QLatin1Char('\n');
}

} // namespace OddsTap::Cli

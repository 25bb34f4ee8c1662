// SPDX-License-Identifier: MIT
// The field readers of StreamParser, in a header of their own so that the parser's file stays
// about parsing a line. Included by betfairparser.cpp only.
#pragma once

#include <core/common/jsonvalue.h>
#include <core/providers/betfair/betfairstream.h>

#include <simdjson.h>

#include <cmath>

namespace OddsTap::Betfair::detail {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

constexpr double kMinPrice = 1.01;
constexpr double kMaxPrice = 1000.0;

/// A field's path for a message: a QString, or a callable building one only when it is needed
/// (the hot path reads thousands of ladder entries and names none of them unless one is wrong).
template <typename P> QString pathText(const P &path)
{
    if constexpr (std::is_invocable_v<P>) {
        return path();
    } else {
        return path;
    }
}

class Reader
{
public:
    explicit Reader(const StreamLimits &limits)
        : m_limits(limits)
    { }

    StreamError error;

    bool fail(RejectCode code, QString message)
    {
        error = { code, std::move(message) };
        return false;
    }
    template <typename P> bool badType(const P &path, const char *expected, const element &v)
    {
        return fail(RejectCode::BadType,
            QStringLiteral("%1 must be %2, got %3").arg(pathText(path), QLatin1String(expected), describeJson(v)));
    }

    template <typename P> bool number(const element &v, const P &path, double &out)
    {
        if (v.type() != element_type::DOUBLE && v.type() != element_type::INT64 && v.type() != element_type::UINT64) {
            return badType(path, "a number", v);
        }
        out = v.get_double().value_unsafe();
        if (!std::isfinite(out)) {
            return fail(RejectCode::OutOfRange, QStringLiteral("%1 must be finite").arg(pathText(path)));
        }
        return true;
    }
    template <typename P> bool price(const element &v, const P &path, double &out)
    {
        if (!number(v, path, out)) {
            return false;
        }
        if (out < kMinPrice || out > kMaxPrice) {
            return fail(RejectCode::OutOfRange,
                QStringLiteral("%1 must be a price from 1.01 to 1000, got %2")
                    .arg(pathText(path))
                    .arg(out, 0, 'g', 10));
        }
        return true;
    }
    template <typename P> bool size(const element &v, const P &path, double &out)
    {
        if (!number(v, path, out)) {
            return false;
        }
        if (out < 0) {
            return fail(RejectCode::OutOfRange,
                QStringLiteral("%1 must not be negative, got %2").arg(pathText(path)).arg(out, 0, 'g', 10));
        }
        return true;
    }
    template <typename P> bool integer(const element &v, const P &path, qint64 min, qint64 max, qint64 &out)
    {
        if (v.type() == element_type::INT64) {
            out = v.get_int64().value_unsafe();
        } else if (v.type() == element_type::UINT64) {
            return fail(RejectCode::OutOfRange, QStringLiteral("%1 is beyond the 64-bit range").arg(pathText(path)));
        } else if (v.type() == element_type::DOUBLE) {
            const double d = v.get_double().value_unsafe();
            if (d != std::floor(d) || d < -9e15 || d > 9e15) {
                return badType(path, "an integer", v);
            }
            out = qint64(d);
        } else {
            return badType(path, "an integer", v);
        }
        if (out < min || out > max) {
            return fail(RejectCode::OutOfRange,
                QStringLiteral("%1 must be from %2 to %3, got %4").arg(pathText(path)).arg(min).arg(max).arg(out));
        }
        return true;
    }
    template <typename P> bool string(const element &v, const P &path, QString &out)
    {
        if (v.type() != element_type::STRING) {
            return badType(path, "a string", v);
        }
        out = jsonText(v.get_string().value_unsafe());
        return true;
    }
    /// Ids are strings in some messages and numbers in others ("eventId":"28270094", "id":2).
    template <typename P> bool idText(const element &v, const P &path, QString &out)
    {
        if (v.type() == element_type::INT64) {
            out = QString::number(v.get_int64().value_unsafe());
            return true;
        }
        if (v.type() == element_type::UINT64) {
            out = QString::number(v.get_uint64().value_unsafe());
            return true;
        }
        if (!string(v, path, out)) {
            return false;
        }
        if (out.isEmpty()) {
            return fail(RejectCode::BadValue, QStringLiteral("%1 must not be empty").arg(pathText(path)));
        }
        return true;
    }
    template <typename P> bool boolean(const element &v, const P &path, bool &out)
    {
        if (v.type() != element_type::BOOL) {
            return badType(path, "a boolean", v);
        }
        out = v.get_bool().value_unsafe();
        return true;
    }
    template <typename P> bool time(const element &v, const P &path, qint64 &out)
    {
        QString text;
        if (!string(v, path, text)) {
            return false;
        }
        out = parseIsoTimeMs(text);
        if (out == 0) {
            return fail(RejectCode::BadValue,
                QStringLiteral("%1 must be an ISO 8601 time, got '%2'").arg(pathText(path), text.left(40)));
        }
        return true;
    }
    template <typename P> bool arrayOf(const element &v, const P &path, std::size_t max, array &out)
    {
        if (v.type() != element_type::ARRAY) {
            return badType(path, "an array", v);
        }
        out = v.get_array().value_unsafe();
        if (out.size() > max) {
            return fail(RejectCode::OutOfRange,
                QStringLiteral("%1 has %2 entries, more than the limit of %3")
                    .arg(pathText(path))
                    .arg(out.size())
                    .arg(max));
        }
        return true;
    }
    template <typename P> bool objectOf(const element &v, const P &path, object &out)
    {
        if (v.type() != element_type::OBJECT) {
            return badType(path, "an object", v);
        }
        out = v.get_object().value_unsafe();
        return true;
    }

    /// An array of fixed-size arrays ([[price, size], ...] or [[level, price, size], ...]): each
    /// entry is checked for its length, then handed to @p entry with a path builder for its parts.
    template <std::size_t N, typename P, typename T, typename F>
    bool entries(const element &v, const P &path, const char *shape, std::vector<T> &out, F entry)
    {
        array a;
        if (!arrayOf(v, path, m_limits.maxLadder, a)) {
            return false;
        }
        out.clear();
        out.reserve(a.size());
        std::size_t i = 0;
        for (const element e : a) {
            const std::size_t index = i++;
            const auto at = [&]() -> QString { return QStringLiteral("%1[%2]").arg(pathText(path)).arg(index); };
            array t;
            if (!arrayOf(e, at, N, t)) {
                return false;
            }
            if (t.size() != N) {
                return fail(RejectCode::BadValue, QStringLiteral("%1 must be %2").arg(at(), QLatin1String(shape)));
            }
            const auto part = [&at](int n) {
                return [&at, n]() -> QString { return at() + QStringLiteral("[%1]").arg(n); };
            };
            T item {};
            if (!entry(t, part, item)) {
                return false;
            }
            out.push_back(item);
        }
        return true;
    }
    template <typename P> bool ladder(const element &v, const P &path, std::vector<PriceSize> &out)
    {
        return entries<2>(v, path, "[price, size]", out, [this](const array &t, const auto &part, PriceSize &ps) {
            return price(t.at(0).value_unsafe(), part(0), ps.price) && size(t.at(1).value_unsafe(), part(1), ps.size);
        });
    }
    /// A price of 0 with a size of 0 clears the level.
    template <typename P> bool levels(const element &v, const P &path, std::vector<LevelPriceSize> &out)
    {
        return entries<3>(
            v, path, "[level, price, size]", out, [this](const array &t, const auto &part, LevelPriceSize &l) {
                qint64 level = 0;
                if (!integer(t.at(0).value_unsafe(), part(0), 0, m_limits.maxLevel - 1, level)
                    || !size(t.at(2).value_unsafe(), part(2), l.size)) {
                    return false;
                }
                l.level = int(level);
                return l.size > 0 ? price(t.at(1).value_unsafe(), part(1), l.price)
                                  : number(t.at(1).value_unsafe(), part(1), l.price);
            });
    }

    bool runnerDefinition(const element &v, const QString &path, RunnerDefinition &r)
    {
        object o;
        if (!objectOf(v, path, o)) {
            return false;
        }
        bool haveId = false;
        for (const auto field : o) {
            const std::string_view k = field.key;
            if (field.value.is_null()) {
                continue; // written by some recorders for a field without a value: absent
            }
            const QString at = path + QLatin1Char('.') + jsonText(k);
            bool ok = true;
            if (k == "id") {
                ok = integer(field.value, at, 1, std::numeric_limits<qint64>::max() / 2, r.id);
                haveId = true;
            } else if (k == "hc") {
                ok = number(field.value, at, r.handicap);
            } else if (k == "status") {
                ok = string(field.value, at, r.status);
            } else if (k == "adjustmentFactor") {
                double f = 0;
                ok = number(field.value, at, f);
                r.adjustmentFactor = f;
            } else if (k == "removalDate") {
                ok = string(field.value, at, r.removalDate);
            } else if (k == "name") {
                ok = string(field.value, at, r.name);
            } else if (k == "sortPriority") {
                qint64 p = 0;
                ok = integer(field.value, at, 0, 1000000, p);
                r.sortPriority = int(p);
            } else if (k == "bsp") {
                double b = 0;
                ok = field.value.type() == element_type::STRING
                    || number(field.value, at, b); // "Infinity" or NaN as text
                if (ok && field.value.type() != element_type::STRING) {
                    r.bsp = b;
                }
            }
            if (!ok) {
                return false;
            }
        }
        if (!haveId) {
            return fail(RejectCode::MissingField, QStringLiteral("%1.id is missing").arg(path));
        }
        return true;
    }

    bool marketDefinition(const element &v, const QString &path, MarketDefinition &m)
    {
        object o;
        if (!objectOf(v, path, o)) {
            return false;
        }
        for (const auto field : o) {
            const std::string_view k = field.key;
            if (field.value.is_null()) {
                continue; // written by some recorders for a field without a value: absent
            }
            const QString at = path + QLatin1Char('.') + jsonText(k);
            bool ok = true;
            qint64 n = 0;
            if (k == "status") {
                ok = string(field.value, at, m.status);
            } else if (k == "inPlay") {
                ok = boolean(field.value, at, m.inPlay);
            } else if (k == "complete") {
                ok = boolean(field.value, at, m.complete);
            } else if (k == "bspMarket") {
                ok = boolean(field.value, at, m.bspMarket);
            } else if (k == "bspReconciled") {
                ok = boolean(field.value, at, m.bspReconciled);
            } else if (k == "turnInPlayEnabled") {
                ok = boolean(field.value, at, m.turnInPlayEnabled);
            } else if (k == "crossMatching") {
                ok = boolean(field.value, at, m.crossMatching);
            } else if (k == "runnersVoidable") {
                ok = boolean(field.value, at, m.runnersVoidable);
            } else if (k == "marketType") {
                ok = string(field.value, at, m.marketType);
            } else if (k == "bettingType") {
                ok = string(field.value, at, m.bettingType);
            } else if (k == "eventId") {
                ok = idText(field.value, at, m.eventId);
            } else if (k == "eventTypeId") {
                ok = idText(field.value, at, m.eventTypeId);
            } else if (k == "eventName") {
                ok = string(field.value, at, m.eventName);
            } else if (k == "name") {
                ok = string(field.value, at, m.name);
            } else if (k == "venue") {
                ok = string(field.value, at, m.venue);
            } else if (k == "countryCode") {
                ok = string(field.value, at, m.countryCode);
            } else if (k == "marketTime") {
                ok = time(field.value, at, m.marketTimeMs);
            } else if (k == "openDate") {
                ok = time(field.value, at, m.openDateMs);
            } else if (k == "settledTime") {
                ok = time(field.value, at, m.settledTimeMs);
            } else if (k == "version") {
                ok = integer(field.value, at, 0, std::numeric_limits<qint64>::max() / 2, m.version);
            } else if (k == "betDelay") {
                ok = integer(field.value, at, 0, 86400, n);
                m.betDelay = int(n);
            } else if (k == "numberOfWinners") {
                ok = integer(field.value, at, 0, 100000, n);
                m.numberOfWinners = int(n);
            } else if (k == "numberOfActiveRunners") {
                ok = integer(field.value, at, 0, 100000, n);
                m.numberOfActiveRunners = int(n);
            } else if (k == "runners") {
                array a;
                ok = arrayOf(field.value, at, m_limits.maxRunners, a);
                if (ok) {
                    m.runners.resize(a.size());
                    std::size_t i = 0;
                    for (const element r : a) {
                        if (!runnerDefinition(r, QStringLiteral("%1[%2]").arg(at).arg(i), m.runners[i])) {
                            return false;
                        }
                        ++i;
                    }
                }
            }
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    template <typename P> bool runnerChange(const element &v, const P &path, RunnerChange &r)
    {
        object o;
        if (!objectOf(v, path, o)) {
            return false;
        }
        bool haveId = false;
        for (const auto field : o) {
            const std::string_view k = field.key;
            if (field.value.is_null()) {
                continue; // written by some recorders for a field without a value: absent
            }
            const auto at = [&]() -> QString { return pathText(path) + QLatin1Char('.') + jsonText(k); };
            bool ok = true;
            double d = 0;
            if (k == "id") {
                ok = integer(field.value, at, 1, std::numeric_limits<qint64>::max() / 2, r.id);
                haveId = true;
            } else if (k == "hc") {
                ok = number(field.value, at, r.handicap);
            } else if (k == "ltp") {
                ok = price(field.value, at, d);
                r.ltp = d;
            } else if (k == "tv") {
                ok = size(field.value, at, d);
                r.tv = d;
            } else if (k == "spn" || k == "spf") {
                // Betfair sends "NaN" and "Infinity" as strings while no projection exists.
                if (field.value.type() != element_type::STRING) {
                    ok = number(field.value, at, d);
                    (k == "spn" ? r.spn : r.spf) = d;
                }
            } else if (k == "atb") {
                ok = ladder(field.value, at, r.atb);
                r.present |= RunnerChange::Atb;
            } else if (k == "atl") {
                ok = ladder(field.value, at, r.atl);
                r.present |= RunnerChange::Atl;
            } else if (k == "trd") {
                ok = ladder(field.value, at, r.trd);
                r.present |= RunnerChange::Trd;
            } else if (k == "spb") {
                ok = ladder(field.value, at, r.spb);
                r.present |= RunnerChange::Spb;
            } else if (k == "spl") {
                ok = ladder(field.value, at, r.spl);
                r.present |= RunnerChange::Spl;
            } else if (k == "batb") {
                ok = levels(field.value, at, r.batb);
                r.present |= RunnerChange::Batb;
            } else if (k == "batl") {
                ok = levels(field.value, at, r.batl);
                r.present |= RunnerChange::Batl;
            } else if (k == "bdatb") {
                ok = levels(field.value, at, r.bdatb);
                r.present |= RunnerChange::Bdatb;
            } else if (k == "bdatl") {
                ok = levels(field.value, at, r.bdatl);
                r.present |= RunnerChange::Bdatl;
            }
            if (!ok) {
                return false;
            }
        }
        if (!haveId) {
            return fail(RejectCode::MissingField, QStringLiteral("%1.id is missing").arg(pathText(path)));
        }
        return true;
    }

    template <typename P> bool marketChange(const element &v, const P &path, MarketChange &m)
    {
        object o;
        if (!objectOf(v, path, o)) {
            return false;
        }
        for (const auto field : o) {
            const std::string_view k = field.key;
            if (field.value.is_null()) {
                continue; // written by some recorders for a field without a value: absent
            }
            const auto at = [&]() -> QString { return pathText(path) + QLatin1Char('.') + jsonText(k); };
            bool ok = true;
            if (k == "id") {
                ok = idText(field.value, at, m.id);
            } else if (k == "img") {
                ok = boolean(field.value, at, m.image);
            } else if (k == "con") {
                ok = boolean(field.value, at, m.conflated);
            } else if (k == "tv") {
                double d = 0;
                ok = size(field.value, at, d);
                m.tv = d;
            } else if (k == "marketDefinition") {
                m.definition.emplace();
                ok = marketDefinition(field.value, at(), *m.definition);
            } else if (k == "rc") {
                array a;
                ok = arrayOf(field.value, at, m_limits.maxRunners, a);
                if (ok) {
                    m.runners.resize(a.size());
                    std::size_t i = 0;
                    for (const element r : a) {
                        const auto rcPath = [&]() -> QString { return QStringLiteral("%1[%2]").arg(at()).arg(i); };
                        if (!runnerChange(r, rcPath, m.runners[i])) {
                            return false;
                        }
                        ++i;
                    }
                }
            }
            if (!ok) {
                return false;
            }
        }
        if (m.id.isEmpty()) {
            return fail(RejectCode::MissingField, QStringLiteral("%1.id is missing").arg(pathText(path)));
        }
        return true;
    }

    bool cricketChange(const element &v, const QString &path, CricketChange &c)
    {
        object o;
        if (!objectOf(v, path, o)) {
            return false;
        }
        for (const auto field : o) {
            const std::string_view k = field.key;
            if (field.value.is_null()) {
                continue; // written by some recorders for a field without a value: absent
            }
            const QString at = path + QLatin1Char('.') + jsonText(k);
            bool ok = true;
            if (k == "eventId") {
                ok = idText(field.value, at, c.eventId);
            } else if (k == "marketId") {
                ok = idText(field.value, at, c.marketId);
            } else if (k == "fixtureInfo") {
                ok = fixtureInfo(field.value, at, c);
            } else if (k == "homeTeam" || k == "awayTeam") {
                object team;
                ok = objectOf(field.value, at, team);
                if (ok) {
                    element name;
                    if (team["name"].get(name) == simdjson::SUCCESS) {
                        ok = string(name, at + QStringLiteral(".name"), k == "homeTeam" ? c.homeTeam : c.awayTeam);
                    }
                }
            } else if (k == "matchStats") {
                ok = matchStats(field.value, at, c);
            }
            if (!ok) {
                return false;
            }
        }
        if (c.eventId.isEmpty()) {
            return fail(RejectCode::MissingField, QStringLiteral("%1.eventId is missing").arg(path));
        }
        return true;
    }

    bool fixtureInfo(const element &v, const QString &path, CricketChange &c)
    {
        object o;
        if (!objectOf(v, path, o)) {
            return false;
        }
        for (const auto field : o) {
            const std::string_view k = field.key;
            if (field.value.is_null()) {
                continue; // written by some recorders for a field without a value: absent
            }
            const QString at = path + QLatin1Char('.') + jsonText(k);
            bool ok = true;
            if (k == "fixtureStatus") {
                ok = string(field.value, at, c.fixtureStatus);
            } else if (k == "eventStatus") {
                ok = string(field.value, at, c.eventStatus);
            } else if (k == "eventDescription") {
                ok = string(field.value, at, c.eventDescription);
            } else if (k == "homeTeam") {
                ok = string(field.value, at, c.homeTeam);
            } else if (k == "awayTeam") {
                ok = string(field.value, at, c.awayTeam);
            } else if (k == "expectedStartTime") {
                ok = integer(field.value, at, 0, kMaxTimeMs, c.expectedStartMs);
            }
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    bool matchStats(const element &v, const QString &path, CricketChange &c)
    {
        object o;
        if (!objectOf(v, path, o)) {
            return false;
        }
        c.hasStats = true;
        element list;
        if (o["inningsStats"].get(list) != simdjson::SUCCESS) {
            return true;
        }
        array a;
        if (!arrayOf(list, path + QStringLiteral(".inningsStats"), 8, a)) {
            return false;
        }
        std::size_t i = 0;
        for (const element e : a) {
            const QString at = QStringLiteral("%1.inningsStats[%2]").arg(path).arg(i++);
            object inn;
            if (!objectOf(e, at, inn)) {
                return false;
            }
            CricketChange::Innings x;
            for (const auto field : inn) {
                const std::string_view k = field.key;
                if (field.value.is_null()) {
                    continue; // written by some recorders for a field without a value: absent
                }
                const QString fat = at + QLatin1Char('.') + jsonText(k);
                bool ok = true;
                qint64 n = 0;
                if (k == "inningsNum") {
                    ok = integer(field.value, fat, 0, 100, n);
                    x.number = int(n);
                } else if (k == "battingTeam") {
                    ok = string(field.value, fat, x.battingTeam);
                } else if (k == "inningsRuns") {
                    ok = integer(field.value, fat, 0, 100000, x.runs);
                } else if (k == "inningsWickets") {
                    ok = integer(field.value, fat, 0, 100, x.wickets);
                } else if (k == "inningsOvers") {
                    ok = string(field.value, fat, x.overs);
                }
                if (!ok) {
                    return false;
                }
            }
            c.innings.push_back(std::move(x));
        }
        return true;
    }

private:
    const StreamLimits &m_limits;
};

} // namespace OddsTap::Betfair::detail

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
        // Names and ids are held per market and runner for the session: a hostile stream's
        // megabyte names would make each of them hold megabytes.
        constexpr std::size_t kMaxBytes = 1024;
        const std::string_view s = v.get_string().value_unsafe();
        if (s.size() > kMaxBytes) {
            return fail(RejectCode::BadValue,
                QStringLiteral("%1 must be at most %2 bytes, got %3").arg(pathText(path)).arg(kMaxBytes).arg(s.size()));
        }
        if (s.find('\0') != std::string_view::npos) {
            // Valid JSON, but no PostgreSQL text holds it: stored, it would stop every write after it.
            return fail(RejectCode::BadValue,
                QStringLiteral("%1 holds a NUL character (\\u0000), which a database cannot store")
                    .arg(pathText(path)));
        }
        out = jsonText(s);
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
    /// @p read, or a missing-field refusal when it read the object but @p present is false.
    template <typename P> bool required(bool read, bool present, const P &path, const char *field)
    {
        if (read && !present) {
            return fail(
                RejectCode::MissingField, QStringLiteral("%1.%2 is missing").arg(pathText(path), QLatin1String(field)));
        }
        return read;
    }
    /// An object's fields, each handed to @p read(key, value, at) with a path builder for its
    /// messages; null fields are skipped (some recorders write them for a field without a value).
    /// Stops at the first field @p read refuses.
    template <typename P, typename F> bool fields(const element &v, const P &path, F &&read)
    {
        object o;
        if (!objectOf(v, path, o)) {
            return false;
        }
        for (const auto field : o) {
            if (field.value.is_null()) {
                continue;
            }
            const std::string_view k = field.key;
            // The line's own fields (an empty path) are named by their key alone.
            const auto at = [&]() -> QString {
                const QString parent = pathText(path);
                return parent.isEmpty() ? jsonText(k) : parent + QLatin1Char('.') + jsonText(k);
            };
            if (!read(k, field.value, at)) {
                return false;
            }
        }
        return true;
    }
    /// An array of at most @p max entries into @p out, one item each, read by
    /// @p read(entry, at, item) with a path builder for its messages.
    template <typename P, typename T, typename F>
    bool items(const element &v, const P &path, std::size_t max, std::vector<T> &out, F &&read)
    {
        array a;
        if (!arrayOf(v, path, max, a)) {
            return false;
        }
        out.resize(a.size());
        std::size_t i = 0;
        for (const element e : a) {
            const std::size_t index = i++;
            const auto at = [&]() -> QString { return QStringLiteral("%1[%2]").arg(pathText(path)).arg(index); };
            if (!read(e, at, out[index])) {
                return false;
            }
        }
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

    template <typename P> bool runnerDefinition(const element &v, const P &path, RunnerDefinition &r)
    {
        bool haveId = false;
        const bool read = fields(v, path, [&](std::string_view k, const element &value, const auto &at) {
            if (k == "id") {
                haveId = true;
                return integer(value, at, 1, std::numeric_limits<qint64>::max() / 2, r.id);
            }
            if (k == "hc") {
                return number(value, at, r.handicap);
            }
            if (k == "status") {
                return string(value, at, r.status);
            }
            if (k == "adjustmentFactor") {
                double f = 0;
                const bool ok = number(value, at, f);
                r.adjustmentFactor = f;
                return ok;
            }
            if (k == "removalDate") {
                return string(value, at, r.removalDate);
            }
            if (k == "name") {
                return string(value, at, r.name);
            }
            if (k == "sortPriority") {
                qint64 p = 0;
                const bool ok = integer(value, at, 0, 1000000, p);
                r.sortPriority = int(p);
                return ok;
            }
            if (k == "bsp" && value.type() != element_type::STRING) { // "Infinity" or NaN as text
                double b = 0;
                const bool ok = number(value, at, b);
                r.bsp = b;
                return ok;
            }
            return true;
        });
        return required(read, haveId, path, "id");
    }

    template <typename P> bool marketDefinition(const element &v, const P &path, MarketDefinition &m)
    {
        // Fields of one kind, by name: most of a definition is flags and names.
        static constexpr std::pair<std::string_view, bool MarketDefinition::*> kFlags[] = {
            { "inPlay", &MarketDefinition::inPlay },
            { "complete", &MarketDefinition::complete },
            { "bspMarket", &MarketDefinition::bspMarket },
            { "bspReconciled", &MarketDefinition::bspReconciled },
            { "turnInPlayEnabled", &MarketDefinition::turnInPlayEnabled },
            { "crossMatching", &MarketDefinition::crossMatching },
            { "runnersVoidable", &MarketDefinition::runnersVoidable },
        };
        static constexpr std::pair<std::string_view, QString MarketDefinition::*> kTexts[] = {
            { "status", &MarketDefinition::status },
            { "marketType", &MarketDefinition::marketType },
            { "bettingType", &MarketDefinition::bettingType },
            { "eventName", &MarketDefinition::eventName },
            { "name", &MarketDefinition::name },
            { "venue", &MarketDefinition::venue },
            { "countryCode", &MarketDefinition::countryCode },
        };
        static constexpr std::pair<std::string_view, QString MarketDefinition::*> kIds[] = {
            { "eventId", &MarketDefinition::eventId },
            { "eventTypeId", &MarketDefinition::eventTypeId },
        };
        static constexpr std::pair<std::string_view, qint64 MarketDefinition::*> kTimes[] = {
            { "marketTime", &MarketDefinition::marketTimeMs },
            { "openDate", &MarketDefinition::openDateMs },
            { "settledTime", &MarketDefinition::settledTimeMs },
        };
        static constexpr std::tuple<std::string_view, int MarketDefinition::*, qint64> kCounts[] = {
            { "betDelay", &MarketDefinition::betDelay, 86400 },
            { "numberOfWinners", &MarketDefinition::numberOfWinners, 100000 },
            { "numberOfActiveRunners", &MarketDefinition::numberOfActiveRunners, 100000 },
        };
        return fields(v, path, [&](std::string_view k, const element &value, const auto &at) {
            for (const auto &[name, member] : kFlags) {
                if (k == name) {
                    return boolean(value, at, m.*member);
                }
            }
            for (const auto &[name, member] : kTexts) {
                if (k == name) {
                    return string(value, at, m.*member);
                }
            }
            for (const auto &[name, member] : kIds) {
                if (k == name) {
                    return idText(value, at, m.*member);
                }
            }
            for (const auto &[name, member] : kTimes) {
                if (k == name) {
                    return time(value, at, m.*member);
                }
            }
            for (const auto &[name, member, max] : kCounts) {
                if (k == name) {
                    qint64 n = 0;
                    const bool ok = integer(value, at, 0, max, n);
                    m.*member = int(n);
                    return ok;
                }
            }
            if (k == "version") {
                return integer(value, at, 0, std::numeric_limits<qint64>::max() / 2, m.version);
            }
            if (k == "runners") {
                return items(value, at, m_limits.maxRunners, m.runners,
                    [&](const element &r, const auto &runnerAt, RunnerDefinition &runner) {
                        return runnerDefinition(r, runnerAt, runner);
                    });
            }
            return true;
        });
    }

    template <typename P> bool runnerChange(const element &v, const P &path, RunnerChange &r)
    {
        // The ladders: [price, size] and [level, price, size] entries.
        static constexpr std::tuple<std::string_view, std::vector<PriceSize> RunnerChange::*, int> kLadders[] = {
            { "atb", &RunnerChange::atb, RunnerChange::Atb },
            { "atl", &RunnerChange::atl, RunnerChange::Atl },
            { "trd", &RunnerChange::trd, RunnerChange::Trd },
            { "spb", &RunnerChange::spb, RunnerChange::Spb },
            { "spl", &RunnerChange::spl, RunnerChange::Spl },
        };
        static constexpr std::tuple<std::string_view, std::vector<LevelPriceSize> RunnerChange::*, int> kLevels[] = {
            { "batb", &RunnerChange::batb, RunnerChange::Batb },
            { "batl", &RunnerChange::batl, RunnerChange::Batl },
            { "bdatb", &RunnerChange::bdatb, RunnerChange::Bdatb },
            { "bdatl", &RunnerChange::bdatl, RunnerChange::Bdatl },
        };
        bool haveId = false;
        const bool read = fields(v, path, [&](std::string_view k, const element &value, const auto &at) {
            for (const auto &[name, member, bit] : kLadders) {
                if (k == name) {
                    r.present |= bit;
                    return ladder(value, at, r.*member);
                }
            }
            for (const auto &[name, member, bit] : kLevels) {
                if (k == name) {
                    r.present |= bit;
                    return levels(value, at, r.*member);
                }
            }
            double d = 0;
            bool ok = true;
            if (k == "id") {
                haveId = true;
                ok = integer(value, at, 1, std::numeric_limits<qint64>::max() / 2, r.id);
            } else if (k == "hc") {
                ok = number(value, at, r.handicap);
            } else if (k == "ltp") {
                ok = price(value, at, d);
                r.ltp = d;
            } else if (k == "tv") {
                ok = size(value, at, d);
                r.tv = d;
            } else if ((k == "spn" || k == "spf") && value.type() != element_type::STRING) {
                // Betfair sends "NaN" and "Infinity" as strings while no projection exists.
                ok = number(value, at, d);
                (k == "spn" ? r.spn : r.spf) = d;
            }
            return ok;
        });
        return required(read, haveId, path, "id");
    }

    template <typename P> bool marketChange(const element &v, const P &path, MarketChange &m)
    {
        const bool read = fields(v, path, [&](std::string_view k, const element &value, const auto &at) {
            double d = 0;
            bool ok = true;
            if (k == "id") {
                ok = idText(value, at, m.id);
            } else if (k == "img") {
                ok = boolean(value, at, m.image);
            } else if (k == "con") {
                ok = boolean(value, at, m.conflated);
            } else if (k == "tv") {
                ok = size(value, at, d);
                m.tv = d;
            } else if (k == "marketDefinition") {
                ok = marketDefinition(value, at, m.definition.emplace());
            } else if (k == "rc") {
                ok = items(value, at, m_limits.maxRunners, m.runners,
                    [&](const element &r, const auto &runnerAt, RunnerChange &runner) {
                        return runnerChange(r, runnerAt, runner);
                    });
            }
            return ok;
        });
        return required(read, !m.id.isEmpty(), path, "id");
    }

    template <typename P> bool cricketChange(const element &v, const P &path, CricketChange &c)
    {
        const bool read = fields(v, path, [&](std::string_view k, const element &value, const auto &at) {
            if (k == "eventId") {
                return idText(value, at, c.eventId);
            }
            if (k == "marketId") {
                return idText(value, at, c.marketId);
            }
            if (k == "fixtureInfo") {
                return fixtureInfo(value, at, c);
            }
            if (k == "homeTeam" || k == "awayTeam") {
                object team;
                element name;
                if (!objectOf(value, at, team)) {
                    return false;
                }
                // Its first "name" only, and a null one is refused (not a field left out).
                const auto nameAt = [&]() -> QString { return at() + QStringLiteral(".name"); };
                return team["name"].get(name) != simdjson::SUCCESS
                    || string(name, nameAt, k == "homeTeam" ? c.homeTeam : c.awayTeam);
            }
            if (k == "matchStats") {
                return matchStats(value, at, c);
            }
            return true;
        });
        return required(read, !c.eventId.isEmpty(), path, "eventId");
    }

    template <typename P> bool fixtureInfo(const element &v, const P &path, CricketChange &c)
    {
        static constexpr std::pair<std::string_view, QString CricketChange::*> kTexts[] = {
            { "fixtureStatus", &CricketChange::fixtureStatus },
            { "eventStatus", &CricketChange::eventStatus },
            { "eventDescription", &CricketChange::eventDescription },
            { "homeTeam", &CricketChange::homeTeam },
            { "awayTeam", &CricketChange::awayTeam },
        };
        return fields(v, path, [&](std::string_view k, const element &value, const auto &at) {
            for (const auto &[name, member] : kTexts) {
                if (k == name) {
                    return string(value, at, c.*member);
                }
            }
            return k != "expectedStartTime" || integer(value, at, 0, kMaxTimeMs, c.expectedStartMs);
        });
    }

    template <typename P> bool matchStats(const element &v, const P &path, CricketChange &c)
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
        const auto listAt = [&]() -> QString { return pathText(path) + QStringLiteral(".inningsStats"); };
        return items(list, listAt, 8, c.innings, [&](const element &e, const auto &at, CricketChange::Innings &x) {
            return fields(e, at, [&](std::string_view k, const element &value, const auto &fieldAt) {
                qint64 n = 0;
                bool ok = true;
                if (k == "inningsNum") {
                    ok = integer(value, fieldAt, 0, 100, n);
                    x.number = int(n);
                } else if (k == "battingTeam") {
                    ok = string(value, fieldAt, x.battingTeam);
                } else if (k == "inningsRuns") {
                    ok = integer(value, fieldAt, 0, 100000, x.runs);
                } else if (k == "inningsWickets") {
                    ok = integer(value, fieldAt, 0, 100, x.wickets);
                } else if (k == "inningsOvers") {
                    ok = string(value, fieldAt, x.overs);
                }
                return ok;
            });
        });
    }

private:
    const StreamLimits &m_limits;
};

} // namespace OddsTap::Betfair::detail

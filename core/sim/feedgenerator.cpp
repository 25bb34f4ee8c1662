// SPDX-License-Identifier: MIT
#include "feedgenerator.h"

#include <core/common/jsonwriter.h>
#include <core/common/sports.h>
#include <core/common/timeutil.h>

#include <algorithm>
#include <array>
#include <cmath>

namespace OddsTap {
namespace {

struct MarketSpec
{
    const char *type;
    std::vector<const char *> selections;
};

/// Names a pool grows from: the real ones first, then every city with every suffix, so a book of a
/// thousand fixtures never needs one team twice at a time.
struct PoolSpec
{
    std::vector<const char *> real;
    std::vector<const char *> firsts; ///< cities, or initials in tennis
    std::vector<const char *> seconds; ///< club suffixes or nicknames, or surnames in tennis
};

struct SportSpec
{
    Sport id;
    std::vector<int> tournaments;
    /// Who can meet whom: one pool per sport, two in tennis (the men's and the women's tour).
    std::vector<std::vector<QByteArray>> pools;
    std::vector<MarketSpec> markets;
    /// A scoring play while live: its chance per fixture update, and the points it is worth
    /// (basketball 1-3, so a game reaches about a hundred a side; a goal or a set elsewhere).
    double scoreChance;
    std::vector<int> points;
};

std::vector<QByteArray> makePool(const PoolSpec &spec)
{
    std::vector<QByteArray> names(spec.real.begin(), spec.real.end());
    for (const char *first : spec.firsts) {
        for (const char *second : spec.seconds) {
            names.push_back(QByteArray(first) + ' ' + second);
        }
    }
    return names;
}

const std::vector<const char *> &cities()
{
    static const std::vector<const char *> kCities = { "Aberdeen", "Bristol", "Cardiff", "Derby", "Exeter", "Falkirk",
        "Hull", "Ipswich", "Kilmarnock", "Leeds", "Motherwell", "Norwich", "Oxford", "Preston", "Reading", "Stoke",
        "Swansea", "Walsall", "York", "Bremen", "Hannover", "Mainz", "Freiburg", "Augsburg", "Bochum", "Kiel",
        "Rostock", "Nantes", "Rennes", "Lille", "Nice", "Lens", "Brest", "Metz", "Reims", "Bilbao", "Vigo", "Cadiz",
        "Girona", "Malaga", "Getafe", "Elche", "Almeria", "Parma", "Bologna", "Genoa", "Torino", "Verona", "Lecce",
        "Empoli", "Udine", "Braga", "Guimaraes", "Utrecht", "Twente", "Groningen", "Breda", "Gent", "Brugge", "Genk",
        "Mechelen", "Aarhus" };
    return kCities;
}

const std::vector<SportSpec> &sports()
{
    static const std::vector<SportSpec> kSports = {
        { Sport::Football, { 17, 8, 35, 23, 34 },
            { makePool(
                { { "Arsenal", "Chelsea", "Liverpool", "Everton", "Tottenham", "Newcastle", "Aston Villa", "Brighton",
                      "Real Madrid", "Barcelona", "Sevilla", "Valencia", "Bayern", "Dortmund", "Leipzig", "Leverkusen",
                      "Juventus", "Inter", "AC Milan", "Napoli", "Roma", "Lazio", "PSG", "Marseille", "Lyon", "Monaco",
                      "Ajax", "PSV", "Feyenoord", "Benfica", "Porto", "Sporting" },
                    cities(),
                    { "United", "City", "Athletic", "Rovers", "Town", "Wanderers", "Albion", "FC", "Rangers",
                        "Sporting", "Dynamo", "Olympic" } }) },
            { { "1x2", { "home", "draw", "away" } }, { "ou_2.5", { "over", "under" } },
                { "ah_-1.5", { "home", "away" } }, { "btts", { "yes", "no" } } },
            0.01, { 1 } },
        { Sport::Basketball, { 132, 138 },
            { makePool({ { "Lakers", "Celtics", "Warriors", "Bulls", "Heat", "Knicks", "Nets", "Suns", "Bucks",
                             "Nuggets", "Real Madrid Baloncesto", "Olympiacos", "Fenerbahce", "Panathinaikos",
                             "Maccabi Tel Aviv", "Anadolu Efes" },
                cities(),
                { "Rockets", "Hawks", "Kings", "Storm", "Thunder", "Wolves", "Bears", "Comets", "Sharks", "Titans",
                    "Giants", "Falcons", "Pioneers", "Raptors", "Mustangs", "Express" } }) },
            { { "ml", { "home", "away" } }, { "ou_220.5", { "over", "under" } }, { "ah_-1.5", { "home", "away" } } },
            0.3, { 1, 2, 2, 2, 3 } },
        { Sport::Tennis, { 2555, 2556 },
            { makePool({ { "Alcaraz", "Sinner", "Djokovic", "Medvedev", "Zverev", "Rune", "Ruud", "Fritz", "Rublev",
                             "De Minaur", "Tsitsipas", "Hurkacz" },
                  { "A.", "B.", "C.", "D.", "F.", "J.", "L.", "M." },
                  { "Berger", "Novak", "Lindqvist", "Moreau", "Kowalski", "Ferreira", "Olsen", "Rossi", "Hartmann",
                      "Dubois", "Varga", "Petrov", "Santos", "Keller", "Nilsson", "Horvat", "Costa", "Weber", "Marin",
                      "Lambert", "Brandt", "Sorensen", "Ortiz", "Baker", "Jensen", "Koch", "Silva", "Fischer",
                      "Garnier", "Popescu" } }),
                makePool({ { "Swiatek", "Sabalenka", "Gauff", "Rybakina", "Pegula", "Jabeur", "Vondrousova", "Muchova",
                               "Zheng", "Paolini", "Navarro", "Keys" },
                    { "A.", "C.", "E.", "I.", "K.", "M.", "N.", "S." },
                    { "Andersen", "Bianchi", "Castillo", "Duval", "Eriksson", "Fontaine", "Greco", "Hansen", "Ivanova",
                        "Jovanovic", "Kuznetsova", "Larsen", "Meyer", "Nowak", "Orlova", "Pavlova", "Quinn", "Romero",
                        "Schultz", "Tanaka", "Urbanova", "Vasquez", "Wolff", "Yilmaz", "Zima", "Molina", "Sato",
                        "Becker", "Riva", "Lund" } }) },
            { { "ml", { "home", "away" } }, { "ou_22.5", { "over", "under" } } }, 0.008, { 1 } },
        { Sport::IceHockey, { 234 },
            { makePool({ { "Rangers", "Bruins", "Maple Leafs", "Canadiens", "Oilers", "Flames", "Penguins", "Capitals",
                             "Avalanche", "Stars", "Kings", "Sharks" },
                cities(), { "Ice", "Blades", "Wings", "Flyers", "Lynx", "Huskies", "Bison", "Grizzlies" } }) },
            { { "1x2", { "home", "draw", "away" } }, { "ou_5.5", { "over", "under" } } }, 0.015, { 1 } },
    };
    return kSports;
}

double round2(double v)
{
    return std::round(v * 100.0) / 100.0;
}

} // namespace

FeedGenerator::FeedGenerator(GeneratorConfig config)
    : m_config(std::move(config))
    , m_rng(m_config.seed)
    , m_bookRng(m_config.seed * 0x9e3779b97f4a7c15ULL + std::uint64_t(m_config.book))
{
    if (m_config.book > 0) {
        // Books differ in how much margin they take, as real ones do.
        constexpr std::array<double, 5> kScales = { 1.0, 0.8, 1.2, 0.9, 1.1 };
        m_bookMarginScale = kScales[std::size_t(m_config.book - 1) % kScales.size()];
    }
    m_config.fixtures = std::max(1, m_config.fixtures);
    m_config.users = std::max(1, m_config.users);
    m_fixtures.reserve(std::size_t(m_config.fixtures));
    for (int i = 0; i < m_config.fixtures; ++i) {
        m_fixtures.push_back(makeFixture());
        queueOpening(i);
    }
}

qint64 FeedGenerator::nowMs(quint64 seq) const
{
    if (m_config.clockBaseMs) {
        return *m_config.clockBaseMs + std::llround(double(seq) * m_config.stepMs);
    }
    return wallClockMs();
}

FeedGenerator::Fixture FeedGenerator::makeFixture()
{
    const auto &sportList = sports();
    // Football dominates a real book; the others share the rest.
    const double r = m_rng.uniform();
    std::size_t chosen = r < 0.55 ? 0 : r < 0.75 ? 1 : r < 0.9 ? 2 : 3;
    // A team (or player) plays one fixture at a time: two free names of one pool, from the chosen
    // sport or, when its names are all playing, the next one.
    std::vector<std::size_t> free;
    const std::vector<QByteArray> *pool = nullptr;
    for (std::size_t tried = 0; tried < sportList.size() && free.size() < 2; ++tried) {
        const SportSpec &candidate = sportList[(chosen + tried) % sportList.size()];
        pool = &candidate.pools[m_rng.below(candidate.pools.size())];
        free.clear();
        for (std::size_t n = 0; n < pool->size(); ++n) {
            if (!m_playing.contains((*pool)[n])) {
                free.push_back(n);
            }
        }
        if (free.size() >= 2) {
            chosen = (chosen + tried) % sportList.size();
        }
    }
    if (free.size() < 2) {
        pool = &sportList[chosen].pools.front();
        free.clear();
    }
    const SportSpec &sport = sportList[chosen];
    Fixture f;
    f.id = "fx-" + QByteArray::number(++m_fixtureCounter);
    f.sport = int(sport.id);
    f.tournament = sport.tournaments[m_rng.below(sport.tournaments.size())];
    if (free.size() >= 2) {
        const std::size_t h = m_rng.below(free.size());
        std::size_t a = m_rng.below(free.size() - 1);
        if (a >= h) {
            ++a;
        }
        f.home = (*pool)[free[h]];
        f.away = (*pool)[free[a]];
    } else {
        // More fixtures than names: the clubs' second teams, numbered so no name plays twice.
        const auto reserve = [&] {
            for (int n = 2;; ++n) {
                const QByteArray name = (*pool)[m_rng.below(pool->size())] + ' ' + QByteArray::number(n);
                if (!m_playing.contains(name)) {
                    return name;
                }
            }
        };
        f.home = reserve();
        m_playing.insert(f.home);
        f.away = reserve();
    }
    m_playing.insert(f.home);
    m_playing.insert(f.away);
    // Half kick off within the next half minute (a feed opened as matches start: they go live
    // soon, and their in-play moment is seen), half on a quarter hour of the next 45 minutes. A
    // fixture goes live only from its start, and is never announced scheduled after it.
    const qint64 now = nowMs(m_seq);
    f.createdMs = now;
    f.startMs = m_rng.chance(0.5) ? (now / 1000 + 1 + qint64(m_rng.below(30))) * 1000
                                  : (now / 900000 + 1 + qint64(m_rng.below(3))) * 900000;
    for (const MarketSpec &spec : sport.markets) {
        Market m;
        m.type = spec.type;
        m.selections = spec.selections;
        m.margin = 0.03 + m_rng.uniform() * 0.04; // a 3-7 % overround
        for (std::size_t i = 0; i < spec.selections.size(); ++i) {
            m.logits.push_back(m_rng.normal() * 0.6);
        }
        m.prices.resize(spec.selections.size());
        m.sent.resize(spec.selections.size());
        reprice(m);
        f.markets.push_back(std::move(m));
    }
    return f;
}

void FeedGenerator::reprice(Market &m)
{
    double sum = 0;
    for (const double l : m.logits) {
        sum += std::exp(l);
    }
    // Implied probabilities under the margin. A heavy favourite's is capped at the 1.01 price's,
    // and the others carry what it cannot: clamped prices alone would sum to under 100 %.
    constexpr double kMaxImplied = 1.0 / 1.01;
    const double book = 1.0 + m.margin;
    double capped = 0;
    double freeShare = 0;
    for (const double l : m.logits) {
        const double p = std::exp(l) / sum;
        if (p * book > kMaxImplied) {
            capped += kMaxImplied;
        } else {
            freeShare += p;
        }
    }
    const double scale = freeShare > 0 ? (book - capped) / freeShare : book;
    for (std::size_t i = 0; i < m.logits.size(); ++i) {
        const double p = std::exp(m.logits[i]) / sum;
        const double implied = p * book > kMaxImplied ? kMaxImplied : p * scale;
        m.prices[i] = std::clamp(round2(1.0 / implied), 1.01, 1000.0);
    }
}

double FeedGenerator::bookPrice(Market &m, std::size_t selection)
{
    // The book's own view of the match: the true strengths, each with an error of the book's own,
    // normalised, under the book's margin. Books disagree on the favourite, not on arithmetic:
    // an arbitrage comes from two books' differing views, never from one book alone.
    m.bookOffsets.resize(m.logits.size());
    m.bookOffsets[selection] = m_config.bookNoise * m_bookRng.normal();
    double sum = 0;
    for (std::size_t i = 0; i < m.logits.size(); ++i) {
        sum += std::exp(m.logits[i] + m.bookOffsets[i]);
    }
    const double p = std::exp(m.logits[selection] + m.bookOffsets[selection]) / sum;
    double price = std::clamp(round2(1.0 / (p * (1.0 + m.margin * m_bookMarginScale))), 1.01, 1000.0);
    // With what it shows for the other selections, the book stays over 100 % (by half a percent).
    double others = 0;
    for (std::size_t j = 0; j < m.sent.size(); ++j) {
        if (j != selection) {
            if (m.sent[j].seq == 0) {
                return price; // not all shown yet
            }
            others += 1.0 / m.sent[j].price;
        }
    }
    if (others < 1.005 - 1.0 / 1000.0) {
        price = std::max(1.01, std::min(price, std::floor(100.0 / (1.005 - others)) / 100.0));
    }
    return price;
}

void FeedGenerator::queueOpening(int fixture)
{
    m_pending.push_back({ EventType::Fixture, fixture, 0, 0 });
    const Fixture &f = m_fixtures[std::size_t(fixture)];
    for (std::size_t m = 0; m < f.markets.size(); ++m) {
        for (std::size_t s = 0; s < f.markets[m].selections.size(); ++s) {
            m_pending.push_back({ EventType::Odds, fixture, int(m), int(s) });
        }
    }
}

void FeedGenerator::step()
{
    const double r = m_rng.uniform();
    if (r < 0.04) {
        stepLifecycle();
    } else if (r < 0.86) {
        stepMarket();
    } else {
        stepBet();
    }
    if (m_pending.empty()) {
        stepMarket(); // every step yields at least one event
    }
}

void FeedGenerator::stepLifecycle()
{
    const int i = int(m_rng.below(m_fixtures.size()));
    Fixture &f = m_fixtures[std::size_t(i)];
    switch (f.status) {
    case FixtureStatus::Scheduled:
        if (nowMs(m_seq) >= f.startMs) { // at kick-off: it starts, or (rarely) is called off
            f.status = m_rng.chance(0.03) ? FixtureStatus::Cancelled : FixtureStatus::Live;
        }
        break;
    case FixtureStatus::Live: {
        // Most updates change nothing (a real feed repeats the fixture as the clock runs). A
        // fixture lives about 330 of these: ~3 goals (or ~100 points a side in basketball), a few
        // suspensions, and at 1,000 fixtures and 50,000 events/s about three minutes, long
        // enough to watch one in the GUI.
        const SportSpec &sport =
            *std::find_if(sports().begin(), sports().end(), [&](const SportSpec &s) { return int(s.id) == f.sport; });
        if (m_rng.chance(sport.scoreChance)) {
            (m_rng.chance(0.5) ? f.scoreHome : f.scoreAway) += sport.points[m_rng.below(sport.points.size())];
        }
        const double r = m_rng.uniform();
        if (r < 0.01) {
            // the clock runs: nothing else changes
        } else if (r < 0.03) {
            f.status = FixtureStatus::Suspended;
        } else if (r < 0.033) {
            f.status = FixtureStatus::Ended;
        }
        break;
    }
    case FixtureStatus::Suspended:
        f.status = FixtureStatus::Live;
        break;
    case FixtureStatus::Ended:
    case FixtureStatus::Cancelled:
        // A finished fixture makes room for a new one; its final state stays in snapshots for a while.
        m_retired.push_back(f.latest);
        if (m_retired.size() > kMaxRetired) {
            m_retired.pop_front();
        }
        m_playing.remove(f.home);
        m_playing.remove(f.away);
        f = makeFixture();
        queueOpening(i);
        return;
    }
    m_pending.push_back({ EventType::Fixture, i, 0, 0 });
}

void FeedGenerator::stepMarket()
{
    const int i = int(m_rng.below(m_fixtures.size()));
    Fixture &f = m_fixtures[std::size_t(i)];
    if (f.status == FixtureStatus::Ended || f.status == FixtureStatus::Cancelled) {
        return;
    }
    const int mi = int(m_rng.below(f.markets.size()));
    Market &m = f.markets[std::size_t(mi)];
    // Move one selection's strength: it shortens or drifts and the others move the other way.
    const std::size_t mover = m_rng.below(m.logits.size());
    m.logits[mover] += m_rng.normal() * (f.status == FixtureStatus::Live ? 0.08 : 0.03);
    m.logits[mover] = std::clamp(m.logits[mover], -4.0, 4.0);
    // The prices before the move, without an allocation per step (markets have a few selections).
    std::array<double, 8> small {};
    std::vector<double> large;
    const double *before = small.data();
    if (m.prices.size() <= small.size()) {
        std::copy(m.prices.begin(), m.prices.end(), small.begin());
    } else {
        large = m.prices;
        before = large.data();
    }
    reprice(m);
    // Prices that shorten go out before those that drift: a client sees the book rise and settle,
    // never dip under 100 % between two updates of one move, as no sportsbook's book does.
    for (const bool shortens : { true, false }) {
        for (std::size_t s = 0; s < m.prices.size(); ++s) {
            if ((m.prices[s] != before[s] || s == mover) && (m.prices[s] < before[s]) == shortens) {
                m_pending.push_back({ EventType::Odds, i, mi, int(s) });
            }
        }
    }
}

void FeedGenerator::stepBet()
{
    m_pending.push_back({ EventType::Bet, 0, 0, 0 });
}

Json::Text FeedGenerator::envelopeHead(EventType type, quint64 seq, qint64 ts) const
{
    Json::Text out;
    out.raw("{\"type\":\"").raw(toWire(type)).raw("\",\"seq\":").uinteger(seq).raw(",\"ts\":").integer(ts);
    out.raw(",\"source\":").string(std::string_view(m_config.stream.constData(), std::size_t(m_config.stream.size())));
    return out;
}

QByteArray FeedGenerator::controlEnvelope(EventType type, quint64 seq) const
{
    return envelopeHead(type, seq, nowMs(seq)).raw('}').take();
}

QByteArray FeedGenerator::errorEnvelope(quint64 seq, const char *code, const QString &message) const
{
    Json::Text out = envelopeHead(EventType::Error, seq, nowMs(seq));
    out.raw(",\"data\":{\"code\":").string(std::string_view(code)).raw(",\"message\":").string(message).raw("}}");
    return out.take();
}

QByteArray FeedGenerator::fixtureJson(const Fixture &f, quint64 seq) const
{
    Json::Text out = envelopeHead(EventType::Fixture, seq, nowMs(seq));
    out.raw(",\"data\":{\"fixture_id\":\"").raw(f.id).raw("\",\"sport_id\":").integer(f.sport);
    out.raw(",\"tournament_id\":").integer(f.tournament).raw(",\"start_time\":\"");
    out.raw(formatIso8601Utc(f.startMs).toLatin1()).raw("\",\"status\":\"").raw(toWire(f.status)).raw('"');
    out.raw(",\"home\":").string(std::string_view(f.home.constData(), std::size_t(f.home.size())));
    out.raw(",\"away\":").string(std::string_view(f.away.constData(), std::size_t(f.away.size())));
    if (f.status != FixtureStatus::Scheduled && f.status != FixtureStatus::Cancelled) {
        out.raw(",\"score\":\"").integer(f.scoreHome).raw('-').integer(f.scoreAway).raw('"');
    }
    return out.raw("}}").take();
}

QByteArray FeedGenerator::oddsJson(
    const Fixture &f, const Market &m, std::size_t selection, const SentPrice &sent) const
{
    Json::Text out = envelopeHead(EventType::Odds, sent.seq, sent.ts);
    out.raw(",\"data\":{\"fixture_id\":\"").raw(f.id).raw("\",\"market_type\":\"").raw(m.type);
    out.raw("\",\"selection\":\"").raw(m.selections[selection]).raw("\",\"odd_value\":").decimal(sent.price, 2);
    out.raw(",\"timestamp\":").integer(sent.timestamp);
    if (sent.suspended) {
        out.raw(",\"status\":\"suspended\"");
    }
    return out.raw("}}").take();
}

QByteArray FeedGenerator::betJson(quint64 seq)
{
    // Each book has punters of its own: its bets come from its own draws (the shared stream's
    // draws stay the same in every book), at the prices it shows.
    Rng &rng = m_config.book > 0 ? m_bookRng : m_rng;
    // Prefer fixtures that are open for betting; fall back to any.
    const Fixture *f = &m_fixtures[rng.below(m_fixtures.size())];
    for (int tries = 0; tries < 8 && f->status != FixtureStatus::Live && f->status != FixtureStatus::Scheduled;
         ++tries) {
        f = &m_fixtures[rng.below(m_fixtures.size())];
    }
    const Market &m = f->markets[rng.below(f->markets.size())];
    const std::size_t s = rng.below(m.selections.size());
    const double odds = m_config.book > 0 && m.sent[s].seq > 0 ? m.sent[s].price : m.prices[s];
    const double stake = std::clamp(round2(rng.logNormal(std::log(20.0), 1.1)), 1.0, 5000.0);
    const double potentialWin = std::max(stake, round2(stake * odds));
    // A few heavy punters place most bets: user index skewed towards low numbers.
    const auto user = quint64(double(m_config.users) * std::pow(rng.uniform(), 2.0)) + 1;
    Json::Text out = envelopeHead(EventType::Bet, seq, nowMs(seq));
    out.raw(",\"data\":{\"bet_id\":\"b-").uinteger(++m_betCounter).raw("\",\"user_id\":\"u-").uinteger(user);
    out.raw("\",\"fixture_id\":\"").raw(f->id).raw("\",\"market_type\":\"").raw(m.type);
    out.raw("\",\"selection\":\"").raw(m.selections[s]).raw("\",\"stake\":").decimal(stake, 2);
    out.raw(",\"odd_value\":").decimal(odds, 2).raw(",\"potential_win\":").decimal(potentialWin, 2);
    out.raw(",\"timestamp\":").integer(nowMs(seq));
    return out.raw("}}").take();
}

GeneratedEvent FeedGenerator::next()
{
    while (m_pending.empty()) {
        step();
    }
    const Pending p = m_pending.front();
    m_pending.pop_front();
    GeneratedEvent ev;
    ev.seq = ++m_seq;
    ev.type = p.type;
    switch (p.type) {
    case EventType::Fixture: {
        Fixture &f = m_fixtures[std::size_t(p.fixture)];
        const qint64 now = nowMs(ev.seq);
        if (f.latest.seq == 0 && f.status == FixtureStatus::Scheduled && f.startMs - now < 1000) {
            // Its first announcement waited behind others (at the start, a thousand fixtures'
            // opening prices: seconds at a low rate) until its kick-off was about to pass: the
            // kick-off moves by that wait, so a fixture is announced before it starts.
            f.startMs = (f.startMs + (now - f.createdMs) + 999) / 1000 * 1000;
        }
        if (f.status == FixtureStatus::Scheduled && now >= f.startMs) {
            f.status = FixtureStatus::Live; // its kick-off passed while the update waited to go out
        }
        ev.json = fixtureJson(f, ev.seq);
        f.latest = ev;
        break;
    }
    case EventType::Odds: {
        Fixture &f = m_fixtures[std::size_t(p.fixture)];
        Market &m = f.markets[std::size_t(p.market)];
        const auto selection = std::size_t(p.selection);
        SentPrice &sent = m.sent[selection];
        sent.seq = ev.seq;
        sent.ts = nowMs(ev.seq);
        sent.timestamp = nowMs(ev.seq) - qint64(m_rng.below(40)); // the source's own clock lags a little
        sent.price = m_config.book > 0 ? bookPrice(m, selection) : m.prices[selection];
        sent.suspended = f.status == FixtureStatus::Suspended;
        ev.json = oddsJson(f, m, selection, sent);
        break;
    }
    default:
        ev.json = betJson(ev.seq);
        break;
    }
    return ev;
}

std::vector<GeneratedEvent> FeedGenerator::snapshot() const
{
    std::vector<GeneratedEvent> out(m_retired.begin(), m_retired.end());
    for (const Fixture &f : m_fixtures) {
        if (f.latest.seq != 0) {
            out.push_back(f.latest);
        }
        for (const Market &m : f.markets) {
            for (std::size_t s = 0; s < m.sent.size(); ++s) {
                if (m.sent[s].seq != 0) {
                    out.push_back(GeneratedEvent { m.sent[s].seq, EventType::Odds, oddsJson(f, m, s, m.sent[s]), {} });
                }
            }
        }
    }
    std::sort(out.begin(), out.end(), [](const GeneratedEvent &a, const GeneratedEvent &b) { return a.seq < b.seq; });
    return out;
}

} // namespace OddsTap

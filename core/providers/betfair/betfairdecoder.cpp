// SPDX-License-Identifier: MIT
#include "betfairdecoder.h"

#include <core/common/sports.h>

#include <QDateTime>
#include <QStringList>
#include <QTimeZone>

namespace OddsTap::Betfair {
namespace {

constexpr qsizetype kMaxRawBytes = 64 * 1024; ///< raw text kept for a reject of a larger line

bool isRacing(const MarketDefinition &def)
{
    return def.eventTypeId == QLatin1String("7") || def.eventTypeId == QLatin1String("4339");
}

FixtureStatus fixtureStatusOf(const MarketDefinition &def)
{
    if (def.status == QLatin1String("CLOSED")) {
        return FixtureStatus::Ended;
    }
    if (def.status == QLatin1String("SUSPENDED")) {
        return FixtureStatus::Suspended;
    }
    return def.inPlay && def.status == QLatin1String("OPEN") ? FixtureStatus::Live : FixtureStatus::Scheduled;
}

std::optional<FixtureStatus> fixtureStatusOf(const CricketChange &c)
{
    if (c.eventStatus == QLatin1String("MATCH_ABANDONED") || c.eventStatus == QLatin1String("ABANDONED")
        || c.eventStatus == QLatin1String("CANCELLED")) {
        return FixtureStatus::Cancelled;
    }
    if (c.fixtureStatus == QLatin1String("PRE_MATCH")) {
        return FixtureStatus::Scheduled;
    }
    if (c.fixtureStatus == QLatin1String("IN_RUNNING")) {
        return FixtureStatus::Live;
    }
    if (c.fixtureStatus == QLatin1String("FINISHED") || c.fixtureStatus == QLatin1String("POST_MATCH")) {
        return FixtureStatus::Ended;
    }
    return std::nullopt;
}

/// "163/7 (20)" per innings that has begun, with the batting side's name.
QString cricketScore(const CricketChange &c)
{
    QStringList parts;
    for (const CricketChange::Innings &i : c.innings) {
        const bool named = !i.battingTeam.isEmpty() && i.battingTeam != QLatin1String("0");
        if (!named && i.runs == 0 && i.wickets == 0) {
            continue; // not begun
        }
        parts << QStringLiteral("%1 %2/%3 (%4)")
                     .arg(named ? i.battingTeam : QStringLiteral("Innings %1").arg(i.number))
                     .arg(i.runs)
                     .arg(i.wickets)
                     .arg(i.overs);
    }
    return parts.join(QStringLiteral(" · "));
}

/// A runner's whole book, level by level: back from the best (highest) price, lay from the best
/// (lowest), traded ascending. The full ladders when the stream sends them; else the best levels
/// it sends instead.
template <typename Add> void forEachBookLevel(const RunnerState &r, Add add)
{
    const auto bestLevels = [&add](BookSide side, const LevelLadder &best) {
        for (const LevelPriceSize &p : best.levels()) {
            add(side, p.price, p.size);
        }
    };
    if (!r.availableToBack.empty()) {
        const auto &points = r.availableToBack.points();
        for (auto it = points.rbegin(); it != points.rend(); ++it) {
            add(BookSide::Back, it->price, it->size);
        }
    } else {
        bestLevels(BookSide::Back, r.bestToBack);
    }
    if (!r.availableToLay.empty()) {
        for (const PriceSize &p : r.availableToLay.points()) {
            add(BookSide::Lay, p.price, p.size);
        }
    } else {
        bestLevels(BookSide::Lay, r.bestToLay);
    }
    for (const PriceSize &p : r.traded.points()) {
        add(BookSide::Traded, p.price, p.size);
    }
}

} // namespace

qint64 sportOfEventType(QStringView eventTypeId)
{
    bool ok = false;
    const qint64 id = eventTypeId.toLongLong(&ok);
    // Betfair's event type ids of the sports OddsTap names; others keep theirs, above 1000.
    static constexpr std::pair<qint64, Sport> kSports[] = {
        { 1, Sport::Football },
        { 2, Sport::Tennis },
        { 7522, Sport::Basketball },
        { 7524, Sport::IceHockey },
        { 4, Sport::Cricket },
        { 7, Sport::HorseRacing },
        { 4339, Sport::GreyhoundRacing },
    };
    for (const auto &[eventType, sport] : kSports) {
        if (ok && id == eventType) {
            return qint64(sport);
        }
    }
    return ok && id > 0 && id < 1000000000 ? 1000 + id : 1000;
}

StreamDecoder::StreamDecoder(StreamLimits limits)
    : m_parser(limits)
    , m_cache(limits)
{ }

Event StreamDecoder::makeEvent(EventType type, const StreamMessage &msg, const FrameContext &ctx)
{
    Event ev;
    ev.type = type;
    ev.serverTsMs = msg.publishTimeMs;
    ev.sourceId = ctx.sourceId;
    ev.receivedAtMs = ctx.receivedAtMs;
    ev.receivedMonoNs = ctx.receivedMonoNs;
    if (ev.advancesStream()) {
        ev.seq = ++m_seq;
    }
    return ev;
}

void StreamDecoder::reject(Reject r, EventBatch &out)
{
    ++m_counts.rejected;
    r.seq = ++m_seq;
    out.rejects.push_back(std::move(r));
}

std::size_t StreamDecoder::decode(QByteArrayView frame, const FrameContext &ctx, EventBatch &out)
{
    ++out.frames;
    out.bytes += quint64(frame.size());
    ++m_counts.lines;
    m_sourceId = ctx.sourceId;
    StreamError error;
    if (!m_parser.parse(frame, m_msg, error)) {
        reject(Reject::of(ctx, error.code, std::move(error.message), frame, kMaxRawBytes), out);
        return 0;
    }
    ++m_counts.mapped;
    // The clocks go back to the exchange on a resume: a sane length only (they are ~20 bytes).
    if (!m_msg.clk.isEmpty() && m_msg.clk.size() <= 256) {
        m_clk = m_msg.clk;
    }
    if (!m_msg.initialClk.isEmpty() && m_msg.initialClk.size() <= 256) {
        m_initialClk = m_msg.initialClk;
    }
    const std::size_t before = out.events.size();
    const quint64 seqBefore = m_seq; // a refused line gives its seqs back: no hole in the stream
    switch (m_msg.op) {
    case StreamMessage::Op::Connection:
        break;
    case StreamMessage::Op::Status:
        if (m_msg.statusCode == QLatin1String("FAILURE")) {
            Event ev = makeEvent(EventType::Error, m_msg, ctx);
            ev.data = FeedErrorData { m_msg.errorCode, m_msg.errorMessage };
            out.events.push_back(std::move(ev));
        }
        break;
    case StreamMessage::Op::MarketChange: {
        if (m_msg.changeType == QLatin1String("HEARTBEAT")) {
            ++m_counts.heartbeats;
            out.events.push_back(makeEvent(EventType::Heartbeat, m_msg, ctx));
        }
        // The stream's clock: the latest publish time (a line without one, or from before, does not
        // take it back).
        m_clockMs = std::max(m_clockMs, m_msg.publishTimeMs);
        forgetClosed(m_clockMs); // first: a market the line opens may take a forgotten one's place
        // A line that would hold more markets than the cap is refused before any of it applies
        // (a half-applied line would leave its other markets' books and prices unsent).
        if (const std::size_t opening = m_cache.newMarketsOverTheCap(m_msg.markets); opening > 0) {
            --m_counts.mapped;
            reject(Reject::of(ctx, RejectCode::OutOfRange,
                       QStringLiteral("the line would make more than %1 markets open at once (%2 held, %3 new)")
                           .arg(m_cache.maxMarkets())
                           .arg(m_cache.size())
                           .arg(opening),
                       frame, kMaxRawBytes),
                out);
            return 0;
        }
        std::vector<std::size_t> lineMarkets;
        QStringList undefined; // markets of the line whose prices wait for a definition
        for (MarketChange &mc : m_msg.markets) {
            ++m_counts.marketChanges;
            m_counts.runnerChanges += mc.runners.size();
            const MarketDelta delta = m_cache.apply(mc, m_msg.publishTimeMs);
            lineMarkets.push_back(delta.marketIndex);
            if (!delta.refused.isEmpty()) {
                // Over a limit only a hostile stream reaches: the line is rejected, and what of it
                // was within the limits stays applied. Its book events are dropped with the rest,
                // so every market it touched sends its whole book with its next change.
                out.events.resize(before);
                m_seq = seqBefore;
                for (const std::size_t index : lineMarkets) {
                    m_booked.erase(index);
                }
                releaseClosed(out);
                --m_counts.mapped;
                reject(Reject::of(ctx, RejectCode::OutOfRange, delta.refused, frame, kMaxRawBytes), out);
                return 0;
            }
            mapMarket(delta, m_msg, ctx, out);
            mapBooks(delta, mc, m_msg, ctx, out);
            if (!delta.market->definition && !mc.runners.empty() && !undefined.contains(mc.id)) {
                undefined.push_back(mc.id);
            }
        }
        releaseClosed(out);
        // A market the same line defined after its prices was sent whole by then.
        undefined.removeIf([this](const QString &id) {
            const MarketState *m = m_cache.market(id);
            return m && m->definition;
        });
        if (!undefined.isEmpty()) {
            --m_counts.mapped; // counted once, as a reject (lines = mapped + rejected)
            // Held until a definition names the market (then sent whole); until then nothing of
            // the line is stored, so it is a reject, not a line that silently changed nothing.
            reject(Reject::of(ctx, RejectCode::MissingField,
                       QStringLiteral("no market definition has come for market %1 (the line that gave it was "
                                      "rejected, or the stream began after it): its prices are held, not stored, "
                                      "until one comes")
                           .arg(undefined.join(QStringLiteral(", "))),
                       frame, kMaxRawBytes),
                out);
        }
        break;
    }
    case StreamMessage::Op::CricketChange:
        for (const CricketChange &c : m_msg.cricket) {
            mapCricket(c, m_msg, ctx, out);
        }
        break;
    }
    return out.events.size() - before;
}

QString StreamDecoder::fixtureIdOf(const MarketState &m)
{
    const MarketDefinition &def = *m.definition;
    if (def.eventId.isEmpty()) {
        return m.id;
    }
    if (isRacing(def) && def.marketTimeMs > 0) {
        // A meeting holds many races, and a race several markets (WIN, PLACE): the race is the
        // meeting's event at its off time ("30388764 16:20", UTC).
        return QStringLiteral("%1 %2").arg(def.eventId,
            QDateTime::fromMSecsSinceEpoch(def.marketTimeMs, QTimeZone::utc()).toString(QStringLiteral("HH:mm")));
    }
    return def.eventId;
}

QString StreamDecoder::marketLabelOf(const MarketState &m)
{
    const MarketDefinition &def = *m.definition;
    const QString type = def.marketType.isEmpty() ? QStringLiteral("MARKET") : def.marketType;
    Fixture &f = m_fixtures[fixtureIdOf(m)];
    const auto it = f.marketOfType.constFind(type);
    if (it == f.marketOfType.constEnd()) {
        f.marketOfType.insert(type, m.id);
        return type;
    }
    return *it == m.id ? type : QStringLiteral("%1 %2").arg(type, def.name.isEmpty() ? m.id : def.name);
}

void StreamDecoder::addLadder(quint64 key, EventBatch &out) const
{
    const std::size_t marketIndex = std::size_t(key >> 24);
    const MarketState &m = m_cache.markets()[marketIndex];
    if ((key & 0xffffff) >= m.runners.size() || marketIndex >= m_names.size()) {
        return; // a full image since dropped it
    }
    const RunnerState &r = m.runners[std::size_t(key & 0xffffff)];
    PriceLadder l;
    l.sourceId = m_sourceId;
    l.fixtureId = m_names[marketIndex].fixtureId;
    l.marketType = m_names[marketIndex].label;
    l.selection = r.displayName();
    l.atMs = m.publishTimeMs;
    l.lastTraded = r.lastTraded;
    l.tradedTotal = r.tradedTotal;
    forEachBookLevel(r, [&l](BookSide side, double price, double size) {
        auto &levels = side == BookSide::Back ? l.back : side == BookSide::Lay ? l.lay : l.traded;
        levels.push_back({ price, size });
    });
    out.ladders.push_back(std::move(l));
}

void StreamDecoder::releaseClosed(EventBatch &out)
{
    // At the line that closed the market, not at a flush (whose moment depends on timing), so
    // that what follows in the stream maps the same way on every run: its last books go to the
    // views now, a long stream does not keep them all, and a later change starts from a whole
    // book again.
    for (const std::size_t index : m_closed) {
        const quint64 first = quint64(index) << 24;
        const quint64 end = quint64(index + 1) << 24;
        for (auto it = m_touched.lower_bound(first); it != m_touched.end() && *it < end;) {
            addLadder(*it, out);
            it = m_touched.erase(it);
        }
        m_cache.releaseBooks(index);
        m_booked.erase(index);
        if (m_closedQueued.insert(index).second) {
            m_closedOrder.push_back({ m_clockMs, index, m_cache.markets()[index].id });
        }
    }
    m_closed.clear();
}

void StreamDecoder::forgetClosed(qint64 nowMs)
{
    while (!m_closedOrder.empty() && nowMs - m_closedOrder.front().closedAtMs >= kForgetClosedAfterMs) {
        const ClosedMarket closed = std::move(m_closedOrder.front());
        m_closedOrder.pop_front();
        m_closedQueued.erase(closed.index);
        const MarketState &m = m_cache.markets()[closed.index];
        // Still the market that closed, and still closed (a stream may open it again).
        if (m.id != closed.id || m.status() != QLatin1String("CLOSED")) {
            continue;
        }
        if (nowMs - m.publishTimeMs < kForgetClosedAfterMs) {
            // Changed since it closed (its settlement, or closed again): that long after its last change.
            m_closedQueued.insert(closed.index);
            m_closedOrder.push_back({ m.publishTimeMs, closed.index, closed.id });
            continue;
        }
        forgetMarket(closed.index);
    }
}

void StreamDecoder::forgetMarket(std::size_t index)
{
    const MarketState &m = m_cache.markets()[index];
    const quint64 first = quint64(index) << 24;
    for (std::size_t i = 0; i < m.runners.size(); ++i) {
        m_quotes.erase(first | i);
    }
    m_touched.erase(m_touched.lower_bound(first), m_touched.lower_bound(quint64(index + 1) << 24));
    m_booked.erase(index);
    if (index < m_names.size()) {
        const auto f = m_fixtures.find(m_names[index].fixtureId);
        if (f != m_fixtures.end()) {
            f->marketStatus.erase(index);
            const bool terminal = f->data.status == FixtureStatus::Ended || f->data.status == FixtureStatus::Cancelled;
            if (f->marketStatus.empty() && (!f->fromScores || terminal)) {
                m_fixtures.erase(f);
            }
        }
        m_names[index] = {};
    }
    m_cache.forget(index);
    ++m_counts.marketsForgotten;
}

void StreamDecoder::flush(EventBatch &out)
{
    for (const quint64 key : m_touched) {
        addLadder(key, out);
    }
    m_touched.clear();
}

void StreamDecoder::mapMarket(
    const MarketDelta &delta, const StreamMessage &msg, const FrameContext &ctx, EventBatch &out)
{
    const MarketState &m = *delta.market;
    if (!m.definition) {
        return; // nothing names it yet: its prices are held, and sent once its definition comes
    }
    const MarketDefinition &def = *m.definition;
    const bool racing = isRacing(def);
    const MarketNames &names = namesOf(delta);
    const QString &fixtureId = names.fixtureId;
    const quint64 marketKey = quint64(delta.marketIndex) << 24;
    if (delta.image) {
        // Runners may have gone with the image: what was sent for them is forgotten.
        std::erase_if(m_quotes, [marketKey](const auto &q) { return (q.first >> 24) == (marketKey >> 24); });
        for (std::size_t i = 0; i < m.runners.size(); ++i) {
            m_touched.insert(marketKey | i);
        }
    }
    for (const std::size_t i : delta.touched) {
        m_touched.insert(marketKey | i);
    }
    if (delta.definitionChanged) {
        Fixture &f = m_fixtures[fixtureId];
        FixtureData &fx = f.data;
        fx.fixtureId = fixtureId;
        fx.sportId = sportOfEventType(def.eventTypeId);
        if (!f.fromScores) {
            fx.startTimeMs = racing || def.openDateMs == 0 ? def.marketTimeMs : def.openDateMs;
        }
        // What the fixture's markets say together: live while any is in play, ended once all are
        // closed (a side market closes at the first goal). The score stream knows the match
        // better (a market suspends at every wicket) until every market has closed; and an ended
        // fixture does not come back.
        f.marketStatus[delta.marketIndex] = fixtureStatusOf(def);
        bool anyLive = false;
        bool allEnded = true;
        bool anySuspended = false;
        for (const auto &[index, status] : f.marketStatus) {
            anyLive |= status == FixtureStatus::Live;
            allEnded &= status == FixtureStatus::Ended;
            anySuspended |= status == FixtureStatus::Suspended;
        }
        const FixtureStatus marketsSay = anyLive ? FixtureStatus::Live
            : allEnded                           ? FixtureStatus::Ended
            : anySuspended                       ? FixtureStatus::Suspended
                                                 : FixtureStatus::Scheduled;
        const bool terminal = fx.status == FixtureStatus::Ended || fx.status == FixtureStatus::Cancelled;
        if (!terminal && (!f.fromScores || marketsSay == FixtureStatus::Ended)) {
            fx.status = marketsSay;
        }
        if (racing) {
            // "Ham 14th Jun 1m Hcap"; a recording without names: "Warwick 16:20" (UTC).
            fx.home = QStringLiteral("%1 %2").arg(def.eventName, def.name).trimmed();
            if (fx.home.isEmpty()) {
                const QString at = QDateTime::fromMSecsSinceEpoch(def.marketTimeMs, QTimeZone::utc())
                                       .toString(QStringLiteral("HH:mm"));
                fx.home = QStringLiteral("%1 %2").arg(def.venue.isEmpty() ? def.countryCode : def.venue, at).trimmed();
            }
        } else if (fx.home.isEmpty() && !def.eventName.isEmpty()) {
            static const QStringList separators { QStringLiteral(" v "), QStringLiteral(" vs "),
                QStringLiteral(" @ ") };
            fx.home = def.eventName;
            for (const QString &sep : separators) {
                if (const qsizetype at = def.eventName.indexOf(sep); at > 0) {
                    fx.home = def.eventName.left(at);
                    fx.away = def.eventName.mid(at + sep.size());
                    break;
                }
            }
        }
        emitFixture(f, msg, ctx, out);
    }
    const bool marketOpen = def.status == QLatin1String("OPEN");
    if (def.status == QLatin1String("CLOSED") && delta.statusChanged) {
        m_closed.insert(delta.marketIndex);
    }
    const QString &marketLabel = names.label;
    const auto quote = [&](std::size_t i) {
        const RunnerState &r = m.runners[i];
        if (!r.lastTraded) {
            return;
        }
        const PriceStatus status =
            marketOpen && r.status == QLatin1String("ACTIVE") ? PriceStatus::Open : PriceStatus::Suspended;
        const quint64 key = (quint64(delta.marketIndex) << 24) | quint64(i);
        auto [it, fresh] = m_quotes.try_emplace(key);
        if (!fresh && it->second.odds == *r.lastTraded && it->second.status == status) {
            return;
        }
        it->second = { *r.lastTraded, status };
        Event ev = makeEvent(EventType::Odds, msg, ctx);
        ev.data = OddsData { fixtureId, marketLabel, r.displayName(), *r.lastTraded, msg.publishTimeMs, status };
        out.events.push_back(std::move(ev));
    };
    for (const MarketDelta::PricedBefore &was : delta.pricedBeforeImage) {
        // The image dropped the runner or states no price for it: its last price, sent open,
        // is one no longer to be had (a closed market kept it open, and an overround read it).
        if (const RunnerState *now = m.runner(was.id, was.handicap); !now || !now->lastTraded) {
            Event ev = makeEvent(EventType::Odds, msg, ctx);
            ev.data =
                OddsData { fixtureId, marketLabel, was.name, was.price, msg.publishTimeMs, PriceStatus::Suspended };
            out.events.push_back(std::move(ev));
        }
    }
    if (delta.statusChanged || delta.image) {
        for (std::size_t i = 0; i < m.runners.size(); ++i) {
            quote(i);
        }
        return;
    }
    for (const std::size_t i : delta.statusChangedRunners) {
        quote(i);
    }
    for (const std::size_t i : delta.ltpChanged) {
        quote(i);
    }
}

const StreamDecoder::MarketNames &StreamDecoder::namesOf(const MarketDelta &delta)
{
    if (delta.marketIndex >= m_names.size()) {
        m_names.resize(delta.marketIndex + 1);
    }
    MarketNames &names = m_names[delta.marketIndex];
    if (delta.definitionChanged || names.fixtureId.isEmpty()) {
        names.fixtureId = fixtureIdOf(*delta.market);
        names.label = marketLabelOf(*delta.market);
    }
    return names;
}

void StreamDecoder::mapBooks(const MarketDelta &delta, const MarketChange &change, const StreamMessage &msg,
    const FrameContext &ctx, EventBatch &out)
{
    const MarketState &m = *delta.market;
    if (!m.definition) {
        return; // held, and sent whole once a definition names the market
    }
    const MarketNames &names = namesOf(delta);
    if (m_booked.insert(delta.marketIndex).second || delta.image) {
        for (const RunnerState &r : m.runners) {
            emitWholeBook(r, names, msg, ctx, out);
        }
        return;
    }
    constexpr unsigned kPriceLadders = RunnerChange::Atb | RunnerChange::Atl | RunnerChange::Trd;
    constexpr unsigned kLevelLadders = RunnerChange::Batb | RunnerChange::Batl;
    for (const RunnerChange &rc : change.runners) {
        if (!(rc.present & (kPriceLadders | kLevelLadders)) && !rc.tv) {
            continue;
        }
        const RunnerState *r = m.runner(rc.id, rc.handicap);
        if (!r) {
            continue;
        }
        if (rc.present & kLevelLadders) {
            emitWholeBook(*r, names, msg, ctx, out);
            continue;
        }
        BookData b { names.fixtureId, names.label, r->displayName(), msg.publishTimeMs, false, rc.tv, {} };
        b.levels.reserve(rc.atb.size() + rc.atl.size() + rc.trd.size());
        for (const auto &[side, points] : { std::pair { BookSide::Back, &rc.atb }, std::pair { BookSide::Lay, &rc.atl },
                 std::pair { BookSide::Traded, &rc.trd } }) {
            for (const PriceSize &p : *points) {
                b.levels.push_back({ side, p.price, std::max(0.0, p.size) });
            }
        }
        Event ev = makeEvent(EventType::Book, msg, ctx);
        ev.data = std::move(b);
        out.events.push_back(std::move(ev));
    }
}

void StreamDecoder::emitWholeBook(
    const RunnerState &r, const MarketNames &names, const StreamMessage &msg, const FrameContext &ctx, EventBatch &out)
{
    BookData b { names.fixtureId, names.label, r.displayName(), msg.publishTimeMs, true, r.tradedTotal, {} };
    forEachBookLevel(r, [&b](BookSide side, double price, double size) { b.levels.push_back({ side, price, size }); });
    Event ev = makeEvent(EventType::Book, msg, ctx);
    ev.data = std::move(b);
    out.events.push_back(std::move(ev));
}

void StreamDecoder::mapCricket(
    const CricketChange &c, const StreamMessage &msg, const FrameContext &ctx, EventBatch &out)
{
    Fixture &f = m_fixtures[c.eventId];
    FixtureData &fx = f.data;
    fx.fixtureId = c.eventId;
    if (fx.sportId == 0) {
        fx.sportId = qint64(Sport::Cricket);
    }
    if (!c.homeTeam.isEmpty()) {
        fx.home = c.homeTeam;
    }
    if (!c.awayTeam.isEmpty()) {
        fx.away = c.awayTeam;
    }
    if (c.expectedStartMs > 0) {
        fx.startTimeMs = c.expectedStartMs;
    }
    f.fromScores = true;
    const bool terminal = fx.status == FixtureStatus::Ended || fx.status == FixtureStatus::Cancelled;
    if (const auto status = fixtureStatusOf(c); status && !terminal) {
        fx.status = *status;
    }
    if (c.hasStats) {
        fx.score = cricketScore(c);
    }
    emitFixture(f, msg, ctx, out);
}

void StreamDecoder::emitFixture(Fixture &f, const StreamMessage &msg, const FrameContext &ctx, EventBatch &out)
{
    if (f.emitted && f.data == f.lastEmitted) {
        return;
    }
    f.emitted = true;
    f.lastEmitted = f.data;
    Event ev = makeEvent(EventType::Fixture, msg, ctx);
    ev.data = f.data;
    out.events.push_back(std::move(ev));
}

} // namespace OddsTap::Betfair

// SPDX-License-Identifier: MIT
#pragma once

#include <core/feed/feeddecoder.h>
#include <core/providers/betfair/betfairmarket.h>

#include <QHash>

#include <deque>
#include <map>
#include <set>
#include <unordered_map>

namespace OddsTap::Betfair {

/// The OddsTap sport of a Betfair event type ("1" football, "2" tennis, "4" cricket, "7" horse
/// racing, ...); 1000 + the id for one OddsTap has no name for.
qint64 sportOfEventType(QStringView eventTypeId);

/// Counts of what the lines of a stream became.
struct DecodeCounts
{
    quint64 lines = 0;
    quint64 mapped = 0; ///< read and applied (they may change nothing OddsTap shows)
    quint64 rejected = 0;
    quint64 marketChanges = 0;
    quint64 runnerChanges = 0;
    quint64 heartbeats = 0;
    quint64 marketsForgotten = 0; ///< closed for kForgetClosedAfterMs of stream time
};

/// The Betfair profile: rebuilds every market from the stream (MarketCache) and maps it onto
/// OddsTap's events. An event is a fixture (a race is a fixture of its own: one meeting holds
/// many), a market's type is the market, a runner is a selection and its last traded price is
/// the odds, open while the market is open and the runner active, suspended otherwise. The
/// cricket score stream (`ccm`) updates the same fixture's teams, score and status.
/// Betfair has no per-event seq: each event gets the next seq of this stream, and so does each
/// rejected line (it stands in the stream where it came), so a file replayed again gives the same
/// seqs and storage recognises its events and its rejects.
class StreamDecoder : public FeedDecoder
{
public:
    explicit StreamDecoder(StreamLimits limits = {});
    std::size_t decode(QByteArrayView frame, const FrameContext &context, EventBatch &out) override;
    /// The latest book of every runner the batch's lines touched.
    void flush(EventBatch &out) override;

    /// How long, in the stream's own time, a closed market is still known after it closed. Then
    /// it is forgotten (with its fixture, once every market of that is): an all-day stream would
    /// otherwise keep every market of the day. What the exchange sends after the close (the
    /// settlement, runners' results) comes well within this. A change for a forgotten market
    /// starts it afresh, and its fixture comes back as its markets say.
    static constexpr qint64 kForgetClosedAfterMs = 30 * 60 * 1000;

    const MarketCache &cache() const { return m_cache; }
    const DecodeCounts &counts() const { return m_counts; }
    std::size_t fixturesHeld() const { return std::size_t(m_fixtures.size()); }
    /// A live stream numbers its events after what storage holds, not from 1 as a file does
    /// (where the same file must give the same seqs).
    void continueAfter(quint64 seq) { m_seq = std::max(m_seq, seq); }
    /// The clock to resume a live stream from (`clk`, `initialClk`).
    const QString &clock() const { return m_clk; }
    const QString &initialClock() const { return m_initialClk; }
    /// The exchange no longer knows the clocks (INVALID_CLOCK): the next subscription asks for a
    /// new image.
    void forgetClocks()
    {
        m_clk.clear();
        m_initialClk.clear();
    }

private:
    struct Fixture
    {
        FixtureData data;
        bool fromScores = false; ///< the score stream has spoken of it: it owns status and start
        std::map<std::size_t, FixtureStatus> marketStatus; ///< by market index: what each market says
        QHash<QString, QString> marketOfType; ///< market type -> the first market id of that type
        bool emitted = false;
        FixtureData lastEmitted;
    };
    struct Quote
    {
        double odds = 0;
        PriceStatus status = PriceStatus::Open;
    };

    /// What a market is called in OddsTap, worked out again only when its definition changes.
    struct MarketNames
    {
        QString fixtureId;
        QString label;
    };

    /// A line rejected: it takes the next seq, as an event would.
    void reject(Reject r, EventBatch &out);
    const MarketNames &namesOf(const MarketDelta &delta);
    void mapMarket(const MarketDelta &delta, const StreamMessage &msg, const FrameContext &ctx, EventBatch &out);
    /// A book event per runner whose book the change altered: its changed prices, or its whole
    /// book where the change cannot be told as prices (the market's first book, an image, the
    /// best-offers ladders that shift by level).
    void mapBooks(const MarketDelta &delta, const MarketChange &change, const StreamMessage &msg,
        const FrameContext &ctx, EventBatch &out);
    void emitWholeBook(const RunnerState &r, const MarketNames &names, const StreamMessage &msg,
        const FrameContext &ctx, EventBatch &out);
    /// The latest book of a runner (market index << 24 | runner index), for the views.
    void addLadder(quint64 key, EventBatch &out) const;
    /// The markets the line closed: their books go to the views and are freed.
    void releaseClosed(EventBatch &out);
    /// Forgets the markets closed kForgetClosedAfterMs or more before @p nowMs (stream time).
    void forgetClosed(qint64 nowMs);
    void forgetMarket(std::size_t index);
    void mapCricket(const CricketChange &c, const StreamMessage &msg, const FrameContext &ctx, EventBatch &out);
    void emitFixture(Fixture &f, const StreamMessage &msg, const FrameContext &ctx, EventBatch &out);
    Event makeEvent(EventType type, const StreamMessage &msg, const FrameContext &ctx);

    /// The fixture a market belongs to: its event, or the market itself for a race.
    static QString fixtureIdOf(const MarketState &m);
    /// The market's type, or, for a second market of the same type in one fixture, its type and
    /// name, so that two markets never share their prices.
    QString marketLabelOf(const MarketState &m);

    StreamParser m_parser;
    /// Runners whose book changed since the last flush: (market index << 24) | runner index.
    std::set<quint64> m_touched;
    std::set<std::size_t> m_closed; ///< markets the line being decoded closed
    /// Closed markets in the order they closed, to forget (forgetClosed()); each once.
    struct ClosedMarket
    {
        qint64 closedAtMs = 0;
        std::size_t index = 0;
        QString id;
    };
    std::deque<ClosedMarket> m_closedOrder;
    std::set<std::size_t> m_closedQueued; ///< the indexes in m_closedOrder
    /// Markets whose whole book has gone out as book events: their later changes go as deltas.
    std::set<std::size_t> m_booked;
    std::vector<MarketNames> m_names; ///< by market index
    QString m_sourceId;
    StreamMessage m_msg;
    MarketCache m_cache;
    QHash<QString, Fixture> m_fixtures;
    /// The last odds sent per (market index, runner index), so an unchanged one is not sent again.
    std::unordered_map<quint64, Quote> m_quotes;
    DecodeCounts m_counts;
    quint64 m_seq = 0;
    qint64 m_clockMs = 0; ///< the latest publish time of a market change: closes and forgetting go by it
    QString m_clk;
    QString m_initialClk;
};

} // namespace OddsTap::Betfair

// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/event.h>

#include <QByteArrayView>
#include <QString>

#include <memory>
#include <optional>
#include <vector>

namespace OddsTap::Betfair {

/// One price and the money at it: available to back or lay, or traded (cumulative per price).
struct PriceSize
{
    double price = 0.0;
    double size = 0.0;
    friend bool operator==(const PriceSize &, const PriceSize &) = default;
};

/// A level of a best-prices ladder (`batb`, `batl`, `bdatb`, `bdatl`): position 0 is the best.
struct LevelPriceSize
{
    int level = 0;
    double price = 0.0;
    double size = 0.0;
    friend bool operator==(const LevelPriceSize &, const LevelPriceSize &) = default;
};

/// A runner as the market definition describes it.
struct RunnerDefinition
{
    qint64 id = 0;
    double handicap = 0.0;
    QString status; ///< ACTIVE, REMOVED, WINNER, LOSER, PLACED, HIDDEN
    std::optional<double> adjustmentFactor;
    QString removalDate; ///< ISO 8601, empty when absent
    QString name; ///< absent from the live stream, present in historical files
    int sortPriority = 0;
    std::optional<double> bsp;
};

/// `marketDefinition`: the market's static and status data, sent whole whenever any of it changes.
struct MarketDefinition
{
    QString status; ///< INACTIVE, OPEN, SUSPENDED, CLOSED
    bool inPlay = false;
    bool complete = true;
    bool bspMarket = false;
    bool bspReconciled = false;
    bool turnInPlayEnabled = false;
    bool crossMatching = false;
    bool runnersVoidable = false;
    QString marketType; ///< MATCH_ODDS, WIN, PLACE, ...
    QString bettingType;
    QString eventId;
    QString eventTypeId;
    QString eventName;
    QString name;
    QString venue;
    QString countryCode;
    qint64 marketTimeMs = 0;
    qint64 openDateMs = 0;
    qint64 settledTimeMs = 0;
    qint64 version = 0;
    int betDelay = 0;
    int numberOfWinners = 0;
    int numberOfActiveRunners = 0;
    std::vector<RunnerDefinition> runners;
};

/// `rc`: what changed for one runner. A ladder in a change replaces the sizes at its prices; a
/// size of 0 removes the price.
struct RunnerChange
{
    enum Field : unsigned
    {
        Atb = 1u << 0,
        Atl = 1u << 1,
        Trd = 1u << 2,
        Spb = 1u << 3,
        Spl = 1u << 4,
        Batb = 1u << 5,
        Batl = 1u << 6,
        Bdatb = 1u << 7,
        Bdatl = 1u << 8,
    };
    qint64 id = 0;
    double handicap = 0.0;
    std::optional<double> ltp;
    std::optional<double> tv;
    std::optional<double> spn;
    std::optional<double> spf;
    unsigned present = 0; ///< which of the ladders below the change carried (Field bits)
    std::vector<PriceSize> atb, atl, trd, spb, spl;
    std::vector<LevelPriceSize> batb, batl, bdatb, bdatl;
};

/// `mc`: one market's change.
struct MarketChange
{
    QString id;
    bool image = false; ///< `img`: a full image that replaces what was held
    bool conflated = false; ///< `con`
    std::optional<double> tv; ///< total matched on the market
    std::optional<MarketDefinition> definition;
    std::vector<RunnerChange> runners;
};

/// `cc` of an `op:ccm` message: the cricket score stream's view of a match.
struct CricketChange
{
    QString eventId;
    QString marketId;
    QString fixtureStatus; ///< PRE_MATCH, IN_RUNNING, POST_MATCH (empty when absent)
    QString eventStatus; ///< MATCH_SCHEDULED, MATCH_STABLE, ... (empty when absent)
    QString eventDescription;
    QString homeTeam;
    QString awayTeam;
    qint64 expectedStartMs = 0;
    struct Innings
    {
        int number = 0;
        QString battingTeam;
        qint64 runs = 0;
        qint64 wickets = 0;
        QString overs;
    };
    std::vector<Innings> innings; ///< empty when the change carries no match stats
    bool hasStats = false;
};

/// One line of a Betfair stream or historical file.
struct StreamMessage
{
    enum class Op : std::uint8_t
    {
        MarketChange, ///< mcm
        CricketChange, ///< ccm
        Connection, ///< connection: the stream's greeting
        Status, ///< status: the answer to a request
    };
    Op op = Op::MarketChange;
    QString clk;
    QString initialClk;
    qint64 publishTimeMs = 0; ///< `pt`
    QString changeType; ///< `ct`: SUB_IMAGE, RESYNC, HEARTBEAT or empty for a delta
    QString statusCode; ///< status: SUCCESS or FAILURE
    QString errorCode; ///< status: why a request failed
    QString errorMessage;
    bool connectionClosed = false;
    std::vector<MarketChange> markets;
    std::vector<CricketChange> cricket;
};

/// Limits on every line (all input is untrusted).
struct StreamLimits
{
    qsizetype maxLineBytes = 16 * 1024 * 1024; ///< a full image of a big market is large
    int maxDepth = 16; ///< messages need 6
    std::size_t maxMarkets = 20000; ///< per message
    /// Markets known at once (open, or closed within StreamDecoder::kForgetClosedAfterMs): a
    /// subscription to every market of a day's sports holds a few thousand.
    std::size_t maxMarketsHeld = 50000;
    std::size_t maxRunners = 2000; ///< per market
    std::size_t maxLadder = 2000; ///< price points per ladder in one change (a ladder has 350 ticks)
    /// Price points held per ladder (MarketCache).
    std::size_t maxLadderPoints = 2000;
    /// Runners and price points held across every market at once: the per-market limits alone
    /// would let a hostile stream hold 50,000 markets of 2,000 runners of 2,000-price ladders.
    /// A day's subscription holds tens of thousands of runners and a few million prices; these
    /// bound the books near 100 MiB of runners and 150 MiB of prices.
    std::size_t maxRunnersHeld = 250000;
    std::size_t maxPricesHeld = 10000000;
    int maxLevel = 100; ///< virtual ladders are 10 deep
};

/// Why a line could not be read, in the feed's reject vocabulary.
struct StreamError
{
    RejectCode code = RejectCode::MalformedJson;
    QString message;
};

/// Parses lines of the Betfair Exchange Stream format (the live stream's messages and the
/// historical files' lines alike) into typed messages. Strict about types and ranges: prices within
/// the exchange's 1.01 to 1000, sizes finite and not negative. Not thread-safe: one per thread.
class StreamParser
{
public:
    explicit StreamParser(StreamLimits limits = {});
    ~StreamParser();
    StreamParser(const StreamParser &) = delete;
    StreamParser &operator=(const StreamParser &) = delete;

    /// Fills @p out from one line; false (with @p error) when the line breaks the format.
    bool parse(QByteArrayView line, StreamMessage &out, StreamError &error);

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

/// The latest time a stream may carry, in ms since the epoch (the year 2255): times become ns
/// since the epoch further on, and that must fit in 64 bits.
inline constexpr qint64 kMaxTimeMs = 9'000'000'000'000;

/// ISO 8601 UTC ("2017-06-14T18:55:00.000Z") to ms since the epoch; 0 when it cannot be read.
qint64 parseIsoTimeMs(QStringView text);

} // namespace OddsTap::Betfair

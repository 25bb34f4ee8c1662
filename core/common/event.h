// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QMetaType>
#include <QObject>
#include <QString>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

namespace OddsTap {
Q_NAMESPACE

/// Envelope types of feed-protocol v1.
enum class EventType : std::uint8_t
{
    Fixture,
    Odds,
    Bet,
    Heartbeat,
    SnapshotBegin,
    SnapshotEnd,
    Error,
    /// A change to one selection's order book. Exchange profiles only: the reference protocol
    /// has no such envelope.
    Book,
};
Q_ENUM_NS(EventType)
inline constexpr int kEventTypeCount = 8;

enum class FixtureStatus : std::uint8_t
{
    Scheduled,
    Live,
    Suspended,
    Ended,
    Cancelled,
};
Q_ENUM_NS(FixtureStatus)

enum class PriceStatus : std::uint8_t
{
    Open,
    Suspended,
};
Q_ENUM_NS(PriceStatus)

/// Wire names (the protocol's spelling) and their inverses; fromWire returns nullopt for unknown text.
std::string_view toWire(EventType type);
std::string_view toWire(FixtureStatus status);
std::string_view toWire(PriceStatus status);
std::optional<EventType> eventTypeFromWire(std::string_view text);
std::optional<FixtureStatus> fixtureStatusFromWire(std::string_view text);
std::optional<PriceStatus> priceStatusFromWire(std::string_view text);
QString displayName(EventType type);

struct FixtureData
{
    QString fixtureId;
    qint64 sportId = 0;
    qint64 tournamentId = 0;
    qint64 startTimeMs = 0; ///< UTC, ms since the epoch
    FixtureStatus status = FixtureStatus::Scheduled;
    QString home; ///< empty when absent
    QString away;
    QString score;
    friend bool operator==(const FixtureData &, const FixtureData &) = default;
};

struct OddsData
{
    QString fixtureId;
    QString marketType;
    QString selection;
    double oddValue = 0.0;
    qint64 timestampMs = 0; ///< when the price changed at the source
    PriceStatus status = PriceStatus::Open;
    friend bool operator==(const OddsData &, const OddsData &) = default;
};

struct BetData
{
    QString betId;
    QString userId;
    QString fixtureId;
    QString marketType;
    QString selection;
    double stake = 0.0;
    std::optional<double> oddValue;
    double potentialWin = 0.0;
    qint64 timestampMs = 0;
    friend bool operator==(const BetData &, const BetData &) = default;
};

enum class BookSide : std::uint8_t
{
    Back, ///< money available to back at the price
    Lay, ///< money available to lay at the price
    Traded, ///< money matched at the price so far
};

/// One price of a book change: the money now at it, 0 when none is left.
struct BookLevel
{
    BookSide side = BookSide::Back;
    double price = 0.0;
    double size = 0.0;
    friend bool operator==(const BookLevel &, const BookLevel &) = default;
};

/// A change to one selection's order book as an exchange publishes it: the prices whose money
/// changed (a delta), or, for an image, the whole book (what it does not list is gone). Replaying
/// a selection's changes in seq order rebuilds its book at any moment.
struct BookData
{
    QString fixtureId;
    QString marketType;
    QString selection;
    qint64 timestampMs = 0; ///< publish time of the change
    bool image = false;
    std::optional<double> tradedTotal; ///< matched on the selection, when the change says
    std::vector<BookLevel> levels; ///< back, lay and traded, in the order the change gave them
    friend bool operator==(const BookData &, const BookData &) = default;
};

/// Payload of an `error` envelope sent by the server.
struct FeedErrorData
{
    QString code;
    QString message;
    friend bool operator==(const FeedErrorData &, const FeedErrorData &) = default;
};

/// Where and when a frame arrived: stamped once per frame by the receiver.
struct FrameContext
{
    QString sourceId; ///< the client's configured source id
    qint64 receivedAtMs = 0; ///< wall clock, ms since the epoch (UTC)
    qint64 receivedMonoNs = 0; ///< monotonic clock, ns (for latency, never for display)
};

/// One validated envelope. Cheap to copy: strings are implicitly shared.
struct Event
{
    EventType type = EventType::Heartbeat;
    quint64 seq = 0;
    qint64 serverTsMs = 0; ///< envelope `ts`
    QString sourceId; ///< the client's configured source id
    QString stream; ///< envelope `source` (server's stream id), empty when absent
    qint64 receivedAtMs = 0;
    qint64 receivedMonoNs = 0;
    std::variant<std::monostate, FixtureData, OddsData, BetData, FeedErrorData, BookData> data;

    /// fixture, odds, bet and book events advance the per-source seq stream; the others do not.
    bool advancesStream() const
    {
        return type == EventType::Fixture || type == EventType::Odds || type == EventType::Bet
            || type == EventType::Book;
    }
    const FixtureData *fixture() const { return std::get_if<FixtureData>(&data); }
    const OddsData *odds() const { return std::get_if<OddsData>(&data); }
    const BetData *bet() const { return std::get_if<BetData>(&data); }
    const FeedErrorData *feedError() const { return std::get_if<FeedErrorData>(&data); }
    const BookData *book() const { return std::get_if<BookData>(&data); }
    friend bool operator==(const Event &, const Event &) = default;
};

/// Stable machine codes for rejected frames and envelopes. The wire names never change once released.
enum class RejectCode : std::uint8_t
{
    EmptyFrame,
    FrameTooLarge,
    InvalidUtf8,
    MalformedJson,
    TooDeep,
    BatchTooLarge,
    NotAnObject,
    MissingField,
    BadType,
    OutOfRange,
    BadValue,
    DuplicateField,
    UnknownType,
    ProtocolError, ///< the WebSocket layer refused a frame that breaks RFC 6455 (close code 1002)
};
Q_ENUM_NS(RejectCode)
inline constexpr int kRejectCodeCount = 14;
std::string_view toWire(RejectCode code);
std::optional<RejectCode> rejectCodeFromWire(std::string_view text);

/// A frame or an envelope that failed decoding or validation. Never dropped: it is stored and shown.
struct Reject
{
    RejectCode code = RejectCode::MalformedJson;
    QString message; ///< names the field and the rule, e.g. "data.odd_value must be > 1.0, got 0.95"
    QByteArray raw; ///< the raw text (the envelope inside a batch; a prefix when the frame is too large)
    bool rawTruncated = false;
    std::optional<quint64> seq; ///< when it could be read
    std::optional<EventType> type; ///< when it could be read
    int batchIndex = -1; ///< position in a batch frame, -1 for a whole frame
    /// It carried the next seq, so it took that seq's place in the stream (a replay serves it there).
    bool tookSeq = false;
    QString sourceId;
    qint64 receivedAtMs = 0;
    qint64 receivedMonoNs = 0;

    /// A reject of @p raw (its first @p maxRawBytes: a frame can be huge) received as @p ctx says.
    static Reject of(
        const FrameContext &ctx, RejectCode code, QString message, QByteArrayView raw, qsizetype maxRawBytes);
};

/// Connection state of one feed source, as its state machine moves.
enum class SourceState : std::uint8_t
{
    Idle,
    Connecting,
    Connected,
    Subscribed,
    Stalled,
    Disconnected,
    BackingOff,
    AuthFailed,
    Stopped,
};
Q_ENUM_NS(SourceState)
inline constexpr int kSourceStateCount = 9;
std::string_view toWire(SourceState state);

/// A transition of a source's state machine; also a row of the connection_events table.
struct ConnectionEvent
{
    QString sourceId;
    quint32 connection = 0; ///< 1-based connection attempt number of this source
    SourceState state = SourceState::Idle;
    QString reason; ///< why (disconnect reason, error text); never contains secrets
    int delayMs = 0; ///< for BackingOff and AuthFailed: time until the next attempt
    quint64 lastSeq = 0; ///< last seq held at the transition
    qint64 atMs = 0;
};

/// A jump in a source's seq stream. Live gaps are loss (filled by resume); compacted ones are the
/// seqs a snapshot skipped because later events superseded them.
struct GapRecord
{
    QString sourceId;
    quint64 expectedSeq = 0; ///< lastSeq + 1 at the time
    quint64 receivedSeq = 0; ///< the seq that arrived instead; compacted: expectedSeq + skipped count
    bool compacted = false;
    quint32 connection = 0;
    qint64 atMs = 0;
    /// The seqs were given up as lost: resumes from before them kept meeting the gap (the server no
    /// longer has them) and the stream went on after them. Recorded when given up, over every seq
    /// given up (the gap's first record says when it was first seen).
    bool givenUp = false;
    quint64 missing() const { return receivedSeq > expectedSeq ? receivedSeq - expectedSeq : 0; }
};

/// One price of an order book and the money at it.
struct LadderLevel
{
    double price = 0.0;
    double size = 0.0;
    friend bool operator==(const LadderLevel &, const LadderLevel &) = default;
};

/// A selection's order book as an exchange publishes it (a Betfair runner): the money available
/// to back and to lay at each price, and what has been matched at each price. Only providers with
/// a book send it (the reference protocol has none).
struct PriceLadder
{
    QString sourceId;
    QString fixtureId;
    QString marketType;
    QString selection;
    qint64 atMs = 0; ///< publish time of the change that made it
    std::optional<double> lastTraded;
    double tradedTotal = 0.0; ///< matched on this selection
    std::vector<LadderLevel> back; ///< available to back, best (highest price) first
    std::vector<LadderLevel> lay; ///< available to lay, best (lowest price) first
    std::vector<LadderLevel> traded; ///< matched per price, ascending by price
    friend bool operator==(const PriceLadder &, const PriceLadder &) = default;
};

/// A frame exactly as it arrived, kept only while a recorder listens (see StreamTracker::setKeepRaw).
struct RawFrame
{
    QByteArray bytes; ///< the message as received (text frames as UTF-8)
    qint64 wallNs = 0; ///< wall clock at receipt, ns since the epoch (UTC)
    qint64 monoNs = 0; ///< monotonic clock at receipt, ns
    quint32 connection = 0;
    bool binary = false;
};

/// A batch's frames as received, kept only while a recorder listens (StreamTracker::setKeepRaw),
/// with each connection event at its place among them (those always: a recording that begins in
/// the middle of a batch still has every connection event, in order). The payloads sit back to back in one
/// buffer, so that keeping a frame costs a copy rather than holding on to its allocation, and
/// this is shared on its own, so that the recorder never holds (and frees, on its thread) a
/// batch's events.
struct ReceivedFrames
{
    struct Frame
    {
        qsizetype offset = 0; ///< into payloads
        qsizetype size = 0;
        qint64 wallNs = 0; ///< wall clock at receipt, ns since the epoch (UTC)
        qint64 monoNs = 0; ///< monotonic clock at receipt, ns
        quint32 connection = 0;
        bool binary = false;
    };
    QString sourceId;
    QByteArray payloads;
    std::vector<Frame> frames;
    std::vector<ConnectionEvent> connectionEvents;
    std::vector<std::uint32_t> connectionEventPos; ///< for each connection event, the frames before it

    void append(QByteArrayView bytes, qint64 wallNs, qint64 monoNs, quint32 connection, bool binary)
    {
        frames.push_back({ payloads.size(), bytes.size(), wallNs, monoNs, connection, binary });
        payloads.append(bytes);
    }
    void appendConnectionEvent(const ConnectionEvent &event)
    {
        connectionEvents.push_back(event);
        connectionEventPos.push_back(std::uint32_t(frames.size()));
    }
    QByteArrayView payload(const Frame &f) const { return QByteArrayView(payloads).sliced(f.offset, f.size); }
    bool empty() const { return frames.empty() && connectionEvents.empty(); }
    /// Calls onFrame(const Frame &) and onConnection(const ConnectionEvent &) in received order.
    template <typename OnFrame, typename OnConnection> void walk(OnFrame &&onFrame, OnConnection &&onConnection) const
    {
        std::size_t ci = 0;
        for (std::size_t fi = 0; fi < frames.size(); ++fi) {
            for (; ci < connectionEvents.size() && connectionEventPos[ci] <= fi; ++ci) {
                onConnection(connectionEvents[ci]);
            }
            onFrame(frames[fi]);
        }
        for (; ci < connectionEvents.size(); ++ci) {
            onConnection(connectionEvents[ci]);
        }
    }
};
using ReceivedFramesPtr = std::shared_ptr<const ReceivedFrames>;

/// What crosses threads: events and rejects of one or more frames, in arrival order per kind, plus
/// the stream bookkeeping of the same frames. A FeedClient's batches hold one source each.
struct EventBatch
{
    QString sourceId; ///< the source of the frames counted below
    std::vector<Event> events;
    std::vector<Reject> rejects;
    std::vector<GapRecord> gaps;
    std::vector<ConnectionEvent> connectionEvents;
    /// The latest book of each selection whose book changed in these frames (exchange profiles).
    /// Live only: not stored, spooled or published; a replay rebuilds them from the frames.
    std::vector<PriceLadder> ladders;
    quint64 frames = 0; ///< frames that produced this batch
    quint64 bytes = 0; ///< their total size
    quint64 envelopes = 0; ///< envelopes received in those frames (a rejected frame counts as one)
    quint64 duplicates = 0; ///< envelopes dropped because their seq was already held
    quint64 discarded = 0; ///< envelopes dropped after a gap, before the resume (they come again)
    quint64 heartbeats = 0;
    quint64 streamAdvances = 0; ///< envelopes (accepted or rejected) that advanced the seq stream
    std::optional<quint64> lastSeq; ///< the source's last seq held after these frames
    /// The source's last seq held before these frames (the previous batch's lastSeq): a batch
    /// whose prevSeq is beyond what storage holds follows a hole (see StorageWriter's leftovers).
    std::optional<quint64> prevSeq;
    /// The frames as received (only while recording), with the connection events among them.
    /// Null when the batch has neither.
    ReceivedFramesPtr received;
    /// Set by a broker writer: "src-1/07", the partition of the source's stream the batch came
    /// through. Writers store a source's partitions in parallel, so storage skips a redelivered
    /// batch by how far that partition is stored (partition_state), not by the source's seq.
    QString partitionKey;
    /// Set by a broker writer: the message's identity (a hash of its bytes), which tells a message
    /// delivered again from a new one that does not move the seq (a reconnect, a gap).
    QByteArray messageId;
    /// Set by a broker writer for a requeued dead letter: stored once under this id, whatever its
    /// seqs (the partition moved on while it was dead).
    QString deadLetterId;

    bool empty() const
    {
        return events.empty() && rejects.empty() && gaps.empty() && connectionEvents.empty() && ladders.empty()
            && frames == 0;
    }
    std::size_t size() const { return events.size() + rejects.size(); }
};

/// A batch as it crosses threads: shared and immutable, so a queued signal copies a pointer, not
/// the thousands of events of the batch.
using BatchPtr = std::shared_ptr<const EventBatch>;

/// The last seq of each source: committed to storage, held by the session, or resumed from.
using SeqMap = std::map<QString, quint64>;

/// Registers the value types above for queued connections. Call once, early in main() or a test.
void registerMetaTypes();

} // namespace OddsTap

Q_DECLARE_METATYPE(OddsTap::Event)
Q_DECLARE_METATYPE(OddsTap::Reject)
Q_DECLARE_METATYPE(OddsTap::EventBatch)
Q_DECLARE_METATYPE(OddsTap::BatchPtr)
Q_DECLARE_METATYPE(OddsTap::ReceivedFramesPtr)
Q_DECLARE_METATYPE(OddsTap::ConnectionEvent)
Q_DECLARE_METATYPE(OddsTap::SeqMap)

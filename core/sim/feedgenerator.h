// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/event.h>
#include <core/common/jsonwriter.h>
#include <core/common/rng.h>
#include <core/sim/eventstream.h>

#include <QByteArray>
#include <QSet>

#include <deque>
#include <optional>
#include <vector>

namespace OddsTap {

struct GeneratorConfig
{
    quint64 seed = 1;
    int fixtures = 200;
    int users = 5000;
    QByteArray stream = "sim-1"; ///< envelope `source`
    /// When set, `ts` and data timestamps come from a simulated clock (base + seq * stepMs), so a
    /// seed reproduces the stream to the byte; otherwise they are the wall clock.
    std::optional<qint64> clockBaseMs;
    double stepMs = 1.0;
    /// 1..N: this generator is book N of several over the same matches (same seed): the same
    /// fixtures, lifecycle and true prices, each book quoting them under a margin of its own with
    /// independent noise, so prices differ across books and arbitrages come and go. 0: one book.
    int book = 0;
    double bookNoise = 0.03; ///< standard deviation of a book's error on each selection's strength (logit)
};

/// A sportsbook in a box: fixtures over several sports with a lifecycle, markets whose prices move
/// as random walks under a bookmaker margin, and bets from a user population. The stream is a pure
/// function of the seed: event N is the same whoever asks and whenever. Lives in: the simulator's
/// thread; not thread-safe.
class FeedGenerator : public EventStream
{
public:
    explicit FeedGenerator(GeneratorConfig config);

    /// Generates the event with seq lastSeq() + 1.
    GeneratedEvent next() override;
    quint64 lastSeq() const override { return m_seq; }

    /// The state as of lastSeq(): the latest fixture envelope of every known fixture and the latest
    /// odds envelope of every selection, each as originally sent (with its own seq), by seq.
    std::vector<GeneratedEvent> snapshot() const override;

    /// Control envelopes (heartbeat, snapshot_begin/end, error) with the given seq.
    QByteArray controlEnvelope(EventType type, quint64 seq) const override;
    QByteArray errorEnvelope(quint64 seq, const char *code, const QString &message) const override;

    const GeneratorConfig &config() const { return m_config; }
    qint64 nowMs(quint64 seq) const override;
    QByteArray streamName() const override { return m_config.stream; }

private:
    /// What the last odds envelope of a selection said: enough to build it again, byte for byte,
    /// for a snapshot. Keeping the envelope itself cost a cold cache line and a free per odds event
    /// (3 % of the CPU of a full-speed ingest run, where the simulator shares the machine).
    struct SentPrice
    {
        quint64 seq = 0; ///< 0 until first sent
        qint64 ts = 0;
        qint64 timestamp = 0;
        double price = 0.0;
        bool suspended = false;
    };
    struct Market
    {
        const char *type;
        std::vector<const char *> selections;
        std::vector<double> logits;
        std::vector<double> prices;
        std::vector<SentPrice> sent; ///< per selection
        std::vector<double> bookOffsets; ///< per selection: this book's error on its strength (books only)
        double margin;
    };
    struct Fixture
    {
        QByteArray id;
        int sport = 1;
        int tournament = 1;
        qint64 startMs = 0;
        qint64 createdMs = 0; ///< the clock when it was made (its first envelope may go out later)
        FixtureStatus status = FixtureStatus::Scheduled;
        QByteArray home;
        QByteArray away;
        int scoreHome = 0;
        int scoreAway = 0;
        std::vector<Market> markets;
        GeneratedEvent latest;
    };
    struct Pending
    {
        EventType type;
        int fixture;
        int market;
        int selection;
    };

    Fixture makeFixture();
    void reprice(Market &market);
    /// What this book quotes for a selection: the true price under its own margin, with noise.
    double bookPrice(Market &market, std::size_t selection);
    void step();
    void stepLifecycle();
    void stepMarket();
    void stepBet();
    void queueOpening(int fixture);
    Json::Text envelopeHead(EventType type, quint64 seq, qint64 ts) const;
    QByteArray fixtureJson(const Fixture &f, quint64 seq) const;
    QByteArray oddsJson(const Fixture &f, const Market &m, std::size_t selection, const SentPrice &sent) const;
    QByteArray betJson(quint64 seq);

    GeneratorConfig m_config;
    Rng m_rng;
    Rng m_bookRng; ///< the book's own noise: the shared stream m_rng draws stays the same in every book
    double m_bookMarginScale = 1.0;
    quint64 m_seq = 0;
    quint64 m_fixtureCounter = 0;
    quint64 m_betCounter = 0;
    std::vector<Fixture> m_fixtures;
    /// Final state of replaced fixtures, the newest kMaxRetired: a client resuming from a snapshot
    /// learns that they ended while it was away (at 50,000 events/s about 90 end a minute).
    std::deque<GeneratedEvent> m_retired;
    static constexpr std::size_t kMaxRetired = 1000;
    QSet<QByteArray> m_playing; ///< teams and players in a fixture that has not finished
    std::deque<Pending> m_pending;
};

} // namespace OddsTap

// SPDX-License-Identifier: MIT
#pragma once

#include <core/alerts/alertrules.h>
#include <core/common/event.h>

#include <QHash>
#include <QMetaType>
#include <QSet>

#include <array>
#include <deque>
#include <map>
#include <vector>

namespace OddsTap {

/// A rule that fired: when (on the stream's clock), where, and what changed.
struct Alert
{
    int ruleIndex = 0; ///< in the rules given to the engine
    QString rule; ///< its name
    AlertKind kind = AlertKind::PriceMove;
    QString sourceId;
    QString fixtureId;
    QString marketType; ///< empty for fixture-wide alerts
    QString selection; ///< empty for market- and fixture-wide alerts
    qint64 atMs = 0; ///< the event's server time; for stale and score alerts, when the time ran out
    quint64 seq = 0; ///< the event that raised it (for stale and score alerts: the first after the time ran out)
    QString before; ///< "2.5", "live", "103.2 %": the value the rule compared with
    QString after;
    friend bool operator==(const Alert &, const Alert &) = default;
};

/// Evaluates alert rules on every event, in stream order, on the stream's own clock (the events'
/// server times), so that a capture replayed later (a back-test) raises exactly the alerts the
/// live run raised. A rule fires at most once per fixture within its cooldown.
/// Lives in: the thread that feeds it (the pipeline's); not thread-safe.
class AlertEngine
{
public:
    explicit AlertEngine(std::vector<AlertRule> rules);

    /// Appends to @p out what @p event fires.
    void onEvent(const Event &event, std::vector<Alert> &out);
    const std::vector<AlertRule> &rules() const { return m_rules; }
    /// Alerts a rule's cooldown held back.
    quint64 suppressed() const { return m_suppressed; }

private:
    struct Selection
    {
        std::deque<std::pair<qint64, double>> history; ///< open prices within the longest window
        std::optional<double> lastOpen;
        PriceStatus status = PriceStatus::Open;
    };
    struct Market
    {
        /// selection -> open price; ordered, so that the overround is summed in the same order on
        /// every run (a floating-point sum depends on it)
        std::map<QString, double> open;
        QSet<QString> suspended; ///< selections whose price is suspended
        bool marketSuspended = false;
        std::optional<double> overround;
        QSet<int> outsideRules; ///< overround rules whose range the market is outside
    };
    struct Fixture
    {
        QString sourceId;
        QString fixtureId;
        std::optional<qint64> sportId;
        std::optional<FixtureStatus> status;
        std::optional<QString> score;
        qint64 lastUpdateMs = 0;
        QSet<int> staleFired; ///< stale rules fired since the last update
        qint64 scoreChangedAtMs = -1; ///< a score change no price has followed yet (-1: none)
        QString scoreBefore;
        QString scoreAfter;
        QSet<int> scoreFired;
    };

    bool inScope(const AlertRule &rule, const Fixture &f, const QString &market, const QString &selection) const;
    void fire(int ruleIndex, const Fixture &f, const QString &market, const QString &selection, qint64 atMs,
        quint64 seq, QString before, QString after, std::vector<Alert> &out);
    Fixture &fixture(const QString &sourceId, const QString &fixtureId);
    void onFixture(const Event &e, const FixtureData &d, std::vector<Alert> &out);
    void onOdds(const Event &e, const OddsData &d, std::vector<Alert> &out);
    void onBet(const Event &e, const BetData &d, std::vector<Alert> &out);
    /// Stale fixtures and unanswered score changes whose time ran out by @p clockMs.
    void sweep(const QString &sourceId, qint64 clockMs, quint64 seq, std::vector<Alert> &out);

    std::vector<AlertRule> m_rules;
    std::array<std::vector<int>, kAlertKindCount> m_byKind; ///< rule indexes of each kind
    qint64 m_longestMoveWindowMs = 0;
    QHash<QString, Fixture> m_fixtures; ///< by source + fixture
    QHash<QString, Market> m_markets; ///< by source + fixture + market
    QHash<QString, Selection> m_selections; ///< by source + fixture + market + selection
    QHash<QString, qint64> m_clock; ///< by source: the latest server time seen
    QHash<QString, qint64> m_nextSweep; ///< by source
    QHash<QString, qint64> m_lastFired; ///< by rule + source + fixture: for the cooldown
    quint64 m_suppressed = 0;
};

} // namespace OddsTap

Q_DECLARE_METATYPE(std::vector<OddsTap::Alert>)

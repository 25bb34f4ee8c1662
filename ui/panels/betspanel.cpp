// SPDX-License-Identifier: MIT
#include "betspanel.h"

#include <ui/widgets/livetable.h>

#include <QLabel>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>
#include <limits>

namespace OddsTap {

BetsPanel::BetsPanel(QWidget *parent)
    : Panel(parent)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *tabs = new QTabWidget(this);
    auto *tape = makeLiveTable(&m_tape, tabs);
    tape->setObjectName(QStringLiteral("betView"));
    for (const auto &[column, width] : std::initializer_list<std::pair<int, int>> { { BetTapeModel::Time, 95 },
             { BetTapeModel::User, 64 }, { BetTapeModel::Fixture, 64 }, { BetTapeModel::Market, 76 },
             { BetTapeModel::Selection, 70 }, { BetTapeModel::Stake, 64 }, { BetTapeModel::Odds, 56 } }) {
        setLiveColumnWidth(tape, column, width);
    }
    tabs->addTab(tape, tr("Tape"));
    auto *exposure = makeLiveTable(&m_exposure, tabs);
    exposure->setObjectName(QStringLiteral("exposureView"));
    tabs->addTab(exposure, tr("Stake and liability (selected fixture)"));
    layout->addWidget(tabs);
    m_note = new QLabel(this);
    m_note->setObjectName(QStringLiteral("betsNote"));
    m_note->setWordWrap(true);
    m_note->hide();
    layout->addWidget(m_note);
}

void BetsPanel::updateNote()
{
    const auto count = [](quint64 n) { return int(std::min<quint64>(n, std::numeric_limits<int>::max())); };
    QStringList parts;
    if (m_notListed > 0) {
        parts << (m_storing ? tr("%Ln bet(s) came faster than the tape lists them and are not in it (it shows the "
                                 "newest; all are stored).",
                      nullptr, count(m_notListed))
                            : tr("%Ln bet(s) came faster than the tape lists them and are not in it (it shows the "
                                 "newest).",
                                nullptr, count(m_notListed)));
    }
    if (m_notInExposure > 0) {
        parts << tr("The stake and liability miss %Ln bet(s) of this fixture that came in a flood.", nullptr,
            count(m_notInExposure));
    }
    m_note->setText(parts.join(QLatin1Char(' ')));
    m_note->setVisible(!parts.isEmpty());
}

void BetsPanel::watch(const QString &sourceId, const QString &fixtureId)
{
    m_sourceId = sourceId;
    m_fixtureId = fixtureId;
    m_exposure.setFixture(sourceId, fixtureId);
    m_notInExposure = 0;
    updateNote();
}

void BetsPanel::applySnapshot(const SessionSnapshot &snapshot)
{
    m_tape.append(snapshot.bets);
    const bool sameWatch = snapshot.watchedSourceId == m_sourceId && snapshot.watchedFixtureId == m_fixtureId;
    quint64 missed = 0;
    if (sameWatch) {
        m_exposure.add(snapshot.watchedBets);
        missed = snapshot.watchedBetsDropped;
    } else {
        // Taken before the session got the new watch: its bets on this fixture are the listed ones.
        m_exposure.add(snapshot.bets);
    }
    if (snapshot.betsDropped > 0 || missed > 0 || snapshot.metrics.storing != m_storing) {
        m_notListed += snapshot.betsDropped;
        m_notInExposure += missed;
        m_storing = snapshot.metrics.storing;
        updateNote();
    }
}

void BetsPanel::reset()
{
    m_tape.clear();
    m_exposure.clear();
    m_notListed = 0;
    m_notInExposure = 0;
    updateNote();
}

} // namespace OddsTap

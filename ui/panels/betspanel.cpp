// SPDX-License-Identifier: MIT
#include "betspanel.h"

#include <ui/widgets/livetable.h>

#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

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
}

void BetsPanel::watch(const QString &sourceId, const QString &fixtureId)
{
    m_sourceId = sourceId;
    m_fixtureId = fixtureId;
    m_exposure.setFixture(sourceId, fixtureId);
}

void BetsPanel::applySnapshot(const SessionSnapshot &snapshot)
{
    m_tape.append(snapshot.bets);
    m_exposure.add(snapshot.bets);
}

void BetsPanel::reset()
{
    m_tape.clear();
    m_exposure.setFixture(m_sourceId, m_fixtureId);
}

} // namespace OddsTap

// SPDX-License-Identifier: MIT
#include "betspanel.h"

#include <ui/widgets/livetable.h>

#include <QLabel>
#include <QLocale>
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
    m_note = new QLabel(this);
    m_note->setObjectName(QStringLiteral("betsNote"));
    m_note->setWordWrap(true);
    m_note->hide();
    layout->addWidget(m_note);
}

void BetsPanel::updateNote()
{
    QStringList parts;
    const QLocale locale;
    if (m_notListed > 0) {
        parts << tr("%1 bets came faster than the tape lists them and are not in it (it shows the newest; "
                    "every bet is stored).")
                     .arg(locale.toString(m_notListed));
    }
    if (m_notInExposure > 0) {
        parts << tr("The stake and liability miss %1 bets of this fixture that came in a flood.")
                     .arg(locale.toString(m_notInExposure));
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
    m_exposure.add(snapshot.watchedBets);
    if (snapshot.betsDropped > 0 || snapshot.watchedBetsDropped > 0) {
        m_notListed += snapshot.betsDropped;
        m_notInExposure += snapshot.watchedBetsDropped;
        updateNote();
    }
}

void BetsPanel::reset()
{
    m_tape.clear();
    m_exposure.setFixture(m_sourceId, m_fixtureId);
    m_notListed = 0;
    m_notInExposure = 0;
    updateNote();
}

} // namespace OddsTap

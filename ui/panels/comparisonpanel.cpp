// SPDX-License-Identifier: MIT
#include "comparisonpanel.h"

#include <ui/widgets/livetable.h>

#include <QHeaderView>
#include <QLabel>
#include <QTableView>
#include <QVBoxLayout>

namespace OddsTap {

ComparisonPanel::ComparisonPanel(QWidget *parent)
    : Panel(parent)
    , m_header(new QLabel(this))
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_header->setObjectName(QStringLiteral("comparisonHeader"));
    m_header->setWordWrap(true);
    m_header->setContentsMargins(4, 2, 4, 2);
    layout->addWidget(m_header);
    m_view = makeLiveTable(&m_model, this);
    m_view->setObjectName(QStringLiteral("comparisonView"));
    m_view->setSortingEnabled(false); // rows stay grouped by market
    m_view->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    layout->addWidget(m_view);
    reset();
}

void ComparisonPanel::applySnapshot(const SessionSnapshot &snapshot)
{
    if (snapshot.watchedFixtureId.isEmpty()) {
        return;
    }
    m_model.apply(snapshot.comparison);
    const auto &c = snapshot.comparison;
    if (!c) {
        m_header->setText(tr("No source prices %1 yet.").arg(snapshot.watchedFixtureId));
        return;
    }
    QStringList arbitrages;
    for (const ComparedMarket &m : c->markets) {
        if (m.arbitrage()) {
            arbitrages << tr("%1 returns %2 %").arg(m.marketType).arg(m.marginPercent(), 0, 'f', 2);
        }
    }
    const QString sources = c->sources.size() == 1
        ? tr("Only %1 prices this fixture: the other sources carry no fixture with its id (or a mapped one) "
             "and its teams.")
              .arg(c->sources.front())
        : tr("%1 sources price it.").arg(c->sources.size());
    m_header->setText(tr("%1 Prices received over %2 s ago, or suspended, are left out of the best. %3")
                          .arg(sources)
                          .arg(double(c->maxAgeMs) / 1000.0)
                          .arg(arbitrages.isEmpty() ? tr("No arbitrage.")
                                                    : tr("Arbitrage: %1 (stakes per 100 in the last column).")
                                                          .arg(arbitrages.join(QStringLiteral(", ")))));
}

void ComparisonPanel::reset()
{
    m_model.apply(std::nullopt);
    m_header->setText(tr("Select a fixture: its prices in every source that carries it are compared here."));
}

} // namespace OddsTap

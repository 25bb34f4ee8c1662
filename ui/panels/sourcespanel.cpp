// SPDX-License-Identifier: MIT
#include "sourcespanel.h"

#include <ui/widgets/livetable.h>

#include <QHBoxLayout>
#include <QHeaderView>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>

namespace OddsTap {

SourcesPanel::SourcesPanel(QWidget *parent)
    : Panel(parent)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    m_view = makeLiveTable(&m_model, this);
    m_view->setObjectName(QStringLiteral("sourceView"));
    m_view->setColumnWidth(SourceTableModel::Id, 100);
    m_view->setColumnWidth(SourceTableModel::State, 140);
    m_view->setColumnWidth(SourceTableModel::Problem, 200); // the whole text is in the tooltip
    for (int c = SourceTableModel::EventsPerSec; c <= SourceTableModel::Rejected; ++c) {
        m_view->setColumnWidth(c, 72);
    }
    // Why a source is down matters more than its counters: shown next to its state.
    m_view->horizontalHeader()->moveSection(SourceTableModel::Problem, SourceTableModel::State + 1);
    layout->addWidget(m_view);
    auto *buttons = new QHBoxLayout;
    auto *connectButton = new QPushButton(tr("Connect"), this);
    connectButton->setObjectName(QStringLiteral("connectSource"));
    connectButton->setToolTip(tr("Connect the selected source again; it resumes after the last seq held"));
    auto *disconnectButton = new QPushButton(tr("Disconnect"), this);
    disconnectButton->setObjectName(QStringLiteral("disconnectSource"));
    disconnectButton->setToolTip(tr("Disconnect the selected source; what arrived so far is stored"));
    auto *addButton = new QPushButton(tr("Add source..."), this);
    addButton->setToolTip(tr("Add a feed: URL, source id and a token file (the token is never shown or saved)"));
    buttons->addWidget(connectButton);
    buttons->addWidget(disconnectButton);
    buttons->addStretch(1);
    buttons->addWidget(addButton);
    layout->addLayout(buttons);
    connect(connectButton, &QPushButton::clicked, this, [this] {
        if (const QString id = selectedSource(); !id.isEmpty()) {
            emit connectRequested(id);
        }
    });
    connect(disconnectButton, &QPushButton::clicked, this, [this] {
        if (const QString id = selectedSource(); !id.isEmpty()) {
            emit disconnectRequested(id);
        }
    });
    connect(addButton, &QPushButton::clicked, this, &SourcesPanel::addRequested);
}

void SourcesPanel::applySnapshot(const SessionSnapshot &snapshot)
{
    m_model.apply(snapshot.metrics.sources, snapshot.metrics.atMs);
}

QString SourcesPanel::selectedSource() const
{
    const QModelIndex i = m_view->currentIndex();
    const SourceStatus *s = m_model.sourceAt(i.isValid() ? i.row() : (m_model.rowCount() == 1 ? 0 : -1));
    return s ? s->sourceId : QString();
}

} // namespace OddsTap

// SPDX-License-Identifier: MIT
#include "sourcespanel.h"

#include <ui/widgets/livetable.h>

#include <QAction>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QMenu>
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
    setLiveColumnWidth(m_view, SourceTableModel::Id, 100);
    setLiveColumnWidth(m_view, SourceTableModel::State, 140);
    setLiveColumnWidth(m_view, SourceTableModel::Problem, 200); // the whole text is in the tooltip
    for (int c = SourceTableModel::EventsPerSec; c <= SourceTableModel::Rejected; ++c) {
        setLiveColumnWidth(m_view, c, 72);
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

    // The same actions in the row's context menu and in the Sources menu.
    const auto action = [this](const QString &name, const QString &text, const QString &tip, auto signal) {
        auto *a = new QAction(text, this);
        a->setObjectName(name);
        a->setToolTip(tip);
        connect(a, &QAction::triggered, this, [this, signal] {
            if (const QString id = selectedSource(); !id.isEmpty()) {
                signal(id);
            }
        });
        m_actions << a;
    };
    action(QStringLiteral("sourceEdit"), tr("Ed&it source..."),
        tr("Change its URL or token file; a connected source reconnects to it at once"),
        [this](const QString &id) { emit editRequested(id); });
    action(QStringLiteral("sourceEnable"), tr("&Enable source"), tr("Start it now and on every start"),
        [this](const QString &id) { emit enableRequested(id, true); });
    action(QStringLiteral("sourceDisable"), tr("D&isable source"),
        tr("Stop it now and do not start it again until enabled; it stays in the list"),
        [this](const QString &id) { emit enableRequested(id, false); });
    action(QStringLiteral("sourceRemove"), tr("&Remove source"),
        tr("Stop it and take it out of the list; what it stored stays in the database"),
        [this](const QString &id) { emit removeRequested(id); });
    m_view->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_view, &QWidget::customContextMenuRequested, this, [this](const QPoint &at) {
        if (!m_view->indexAt(at).isValid()) {
            return;
        }
        QMenu menu;
        menu.addActions(m_actions);
        menu.exec(m_view->viewport()->mapToGlobal(at));
    });
}

QList<QAction *> SourcesPanel::sourceActions() const
{
    return m_actions;
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

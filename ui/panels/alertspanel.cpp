// SPDX-License-Identifier: MIT
#include "alertspanel.h"

#include <core/common/timeutil.h>
#include <ui/widgets/livetable.h>

#include <QFileInfo>
#include <QLabel>
#include <QTableView>
#include <QVBoxLayout>

namespace OddsTap {

AlertsPanel::AlertsPanel(QWidget *parent)
    : Panel(parent)
    , m_header(new QLabel(this))
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_header->setObjectName(QStringLiteral("alertsHeader"));
    m_header->setWordWrap(true);
    m_header->setContentsMargins(4, 2, 4, 2);
    layout->addWidget(m_header);
    m_view = makeLiveTable(&m_model, this);
    m_view->setObjectName(QStringLiteral("alertView"));
    for (const auto &[column, width] :
        std::initializer_list<std::pair<int, int>> { { AlertModel::Time, 92 }, { AlertModel::Rule, 118 },
            { AlertModel::Fixture, 150 }, { AlertModel::Market, 62 }, { AlertModel::Selection, 70 } }) {
        setLiveColumnWidth(m_view, column, width);
    }
    layout->addWidget(m_view);
    const auto select = [this](const QModelIndex &index) {
        if (const Alert *a = m_model.alertAt(index.row())) {
            emit fixtureSelected(a->sourceId, a->fixtureId);
        }
    };
    connect(m_view, &QTableView::activated, this, select);
    connect(m_view, &QTableView::doubleClicked, this, select);
    setRules(QString(), 0);
}

void AlertsPanel::setRules(const QString &path, std::size_t count)
{
    m_header->setText(path.isEmpty()
            ? tr("No alert rules: start with --rules FILE (the format is in docs/alerts.md).")
            : (count == 1 ? tr("1 rule from %1") : tr("%1 rules from %2").arg(count)).arg(QFileInfo(path).fileName()));
}

void AlertsPanel::applySnapshot(const SessionSnapshot &snapshot)
{
    // Receipt of the event that raised it -> on screen: the latency a trader sees (one process,
    // one monotonic clock; replays restamp receipt times, so only live alerts count).
    const qint64 now = monotonicNs();
    for (const Alert &a : snapshot.alerts) {
        if (a.receivedMonoNs > 0 && !snapshot.replay) {
            m_latency.add(std::max<qint64>(0, now - a.receivedMonoNs));
        }
    }
    m_model.append(snapshot.alerts, m_names);
    m_dropped += snapshot.alertsDropped;
    if (!snapshot.alerts.empty()) {
        const Alert &a = snapshot.alerts.back();
        const QString fixture = m_names ? m_names(a.sourceId, a.fixtureId) : QString();
        const QString text = tr("Alert %1: %2 %3 %4")
                                 .arg(a.rule, fixture.isEmpty() ? a.fixtureId : fixture,
                                     a.selection.isEmpty() ? a.marketType : a.selection,
                                     a.before.isEmpty() ? a.after : QStringLiteral("%1 → %2").arg(a.before, a.after))
                                 .simplified();
        emit statusMessage(text);
        if (!snapshot.replay) {
            emit alertsRaised(int(snapshot.alerts.size() + snapshot.alertsDropped), text);
        }
    }
}

void AlertsPanel::reset()
{
    m_model.clear();
    m_dropped = 0;
}

} // namespace OddsTap

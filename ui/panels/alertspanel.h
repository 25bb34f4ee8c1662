// SPDX-License-Identifier: MIT
#pragma once

#include <core/models/alertmodel.h>
#include <ui/panels/panel.h>

class QLabel;
class QTableView;

namespace OddsTap {

/// The alerts the rules fired, newest on top; double-click (or Enter) selects the alert's
/// fixture, so the market, chart and ladder show the moment.
class AlertsPanel : public Panel
{
    Q_OBJECT
public:
    explicit AlertsPanel(QWidget *parent = nullptr);

    void applySnapshot(const SessionSnapshot &snapshot) override;
    void reset() override;
    /// Which rules file the session runs, for the header line ("no rules": how to load some).
    void setRules(const QString &path, std::size_t count);
    /// How a fixture is named in the table ("Home v Away"), as the fixtures list knows it.
    void setFixtureNames(std::function<QString(const QString &sourceId, const QString &fixtureId)> names)
    {
        m_names = std::move(names);
    }

    AlertModel &model() { return m_model; }
    /// From the receipt of the event that raised an alert to its row in the table (the GUI bench).
    const LatencyHistogram &latency() const { return m_latency; }

signals:
    void fixtureSelected(const QString &sourceId, const QString &fixtureId);
    /// The newest alert, for the status bar.
    void statusMessage(const QString &message);
    /// A live snapshot brought @p count alerts, the newest described (notifications).
    void alertsRaised(int count, const QString &newest);

private:
    AlertModel m_model;
    QLabel *m_header;
    QTableView *m_view;
    quint64 m_dropped = 0;
    LatencyHistogram m_latency;
    std::function<QString(const QString &, const QString &)> m_names;
};

} // namespace OddsTap

// SPDX-License-Identifier: MIT
#pragma once

#include <core/models/fixturetablemodel.h>
#include <ui/panels/panel.h>

#include <optional>

class QComboBox;
class QLineEdit;
class QToolButton;
class QTableView;

namespace OddsTap {

class FixtureFilterProxy;

/// Live fixtures of every source: text, sport and status filters above a sortable table. Selecting
/// a row watches that fixture (fixtureSelected).
class FixturesPanel : public Panel
{
    Q_OBJECT
public:
    explicit FixturesPanel(QWidget *parent = nullptr);

    void applySnapshot(const SessionSnapshot &snapshot) override;
    void reset() override;

    FixtureTableModel &model() { return m_model; }
    QTableView *view() const { return m_view; }
    /// The fixture as last shown, or null.
    const FixtureState *fixture(const QString &sourceId, const QString &fixtureId) const;
    /// Selects a fixture as a click would (row of the table as shown); false if out of range.
    bool selectRow(int viewRow);
    /// Selects a fixture as a click on its row would; false when it is not known or filtered out.
    bool selectFixture(const QString &sourceId, const QString &fixtureId);
    /// Selects the first fixture in play as shown (else the first row); false with no rows.
    bool selectLive();
    /// Puts the cursor in the filter (Ctrl+F).
    void focusFilter();

    /// The watch list: fixtureKey()s the user pinned (right-click, or Ctrl+D).
    QSet<QString> watchList() const { return m_model.watched(); }
    void setWatchList(QSet<QString> keys);
    /// Puts a fixtureKey() or selectionKey() on the watch list, or takes it off.
    void toggleWatchKey(const QString &key);
    /// What the filter row holds (a workspace keeps it).
    struct Filters
    {
        QString text;
        QString sport; ///< the sport's name as the table shows it; empty: all
        QString status; ///< the wire spelling; empty: any
        bool watchedOnly = false;
    };
    Filters filters() const;
    void setFilters(const Filters &filters);

signals:
    void fixtureSelected(const OddsTap::FixtureState &fixture);
    void watchListChanged(const QSet<QString> &keys);

private:
    void resort();
    void showColumnMenu(const QPoint &at);
    void toggleWatched(int modelRow);

    FixtureTableModel m_model;
    FixtureFilterProxy *m_proxy = nullptr;
    QTableView *m_view = nullptr;
    QLineEdit *m_filter = nullptr;
    QComboBox *m_sport = nullptr;
    QComboBox *m_status = nullptr;
    QToolButton *m_watchedOnly = nullptr;
    std::optional<qint64> m_lastResortNs; ///< monotonic
    /// The Source column was shown when a second source came, or the user chose (then left be).
    bool m_sourceColumnSettled = false;
};

} // namespace OddsTap

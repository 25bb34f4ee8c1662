// SPDX-License-Identifier: MIT
#pragma once

#include <core/models/comparisonmodel.h>
#include <ui/panels/panel.h>

class QLabel;
class QTableView;

namespace OddsTap {

/// The selected fixture in every source that carries it: each source's price and age per
/// selection, the best and the average, and the market's arbitrage with its stakes, if any.
class ComparisonPanel : public Panel
{
    Q_OBJECT
public:
    explicit ComparisonPanel(QWidget *parent = nullptr);

    void applySnapshot(const SessionSnapshot &snapshot) override;
    void reset() override;

    ComparisonModel &model() { return m_model; }

private:
    ComparisonModel m_model;
    QLabel *m_header;
    QTableView *m_view;
};

} // namespace OddsTap

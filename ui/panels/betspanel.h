// SPDX-License-Identifier: MIT
#pragma once

#include <core/models/bettapemodel.h>
#include <core/models/exposuremodel.h>
#include <ui/panels/panel.h>

namespace OddsTap {

/// The bet tape, and the stake and liability per selection of the watched fixture.
class BetsPanel : public Panel
{
    Q_OBJECT
public:
    explicit BetsPanel(QWidget *parent = nullptr);

    void applySnapshot(const SessionSnapshot &snapshot) override;
    void reset() override;

    BetTapeModel &tape() { return m_tape; }
    /// Counts the exposure of this fixture's bets from now on.
    void watch(const QString &sourceId, const QString &fixtureId);

private:
    BetTapeModel m_tape;
    ExposureModel m_exposure;
    QString m_sourceId;
    QString m_fixtureId;
};

} // namespace OddsTap

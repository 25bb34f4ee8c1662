// SPDX-License-Identifier: MIT
#pragma once

#include <core/models/bettapemodel.h>
#include <core/models/exposuremodel.h>
#include <ui/panels/panel.h>

class QLabel;

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
    void updateNote();
    BetTapeModel m_tape;
    ExposureModel m_exposure;
    QString m_sourceId;
    QString m_fixtureId;
    QLabel *m_note = nullptr; ///< says what the tape and the exposure left out, if anything
    quint64 m_notListed = 0; ///< bets the tape did not list, since the last reset
    quint64 m_notInExposure = 0; ///< the watched fixture's bets the exposure missed, since the watch
    bool m_storing = false;
};

} // namespace OddsTap

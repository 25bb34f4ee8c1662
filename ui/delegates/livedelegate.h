// SPDX-License-Identifier: MIT
#pragma once

#include <QStyledItemDelegate>

namespace OddsTap {

/// Maps the live models' semantic roles to colours from the current palette (light or dark):
/// fixture and source status, price direction, the one-second flash of a changed price,
/// suspended selections greyed, and error severity.
class LiveDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;

protected:
    void initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const override;
};

/// Colours that read well on the palette's base colour.
struct LiveColours
{
    QColor up;
    QColor down;
    QColor bad;
    QColor warn;
    QColor good;
    QColor muted;
    QColor flash;
    QColor arbitrage; ///< the background of a market whose best prices lock a profit
    static LiveColours forPalette(const QPalette &palette);
};

} // namespace OddsTap

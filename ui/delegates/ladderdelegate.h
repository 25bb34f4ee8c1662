// SPDX-License-Identifier: MIT
#pragma once

#include <QStyledItemDelegate>

namespace OddsTap {

/// Paints the ladder as exchange traders know it: money to back on blue, money to lay on pink,
/// the traded volume at each price as a bar, the last traded price's row outlined. Reads the
/// LadderModel's roles, never its text.
class LadderDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;
};

} // namespace OddsTap

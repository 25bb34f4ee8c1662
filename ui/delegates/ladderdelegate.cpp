// SPDX-License-Identifier: MIT
#include "ladderdelegate.h"

#include <core/models/laddermodel.h>

#include <QPainter>

namespace OddsTap {

void LadderDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const bool dark = option.palette.color(QPalette::Base).lightness() < 128;
    painter->save();
    const int side = index.data(SideRole).toInt();
    if (side != 0) {
        const QColor back = dark ? QColor(0x1f, 0x4e, 0x79) : QColor(0xa6, 0xd8, 0xff);
        const QColor lay = dark ? QColor(0x7a, 0x2e, 0x4a) : QColor(0xfa, 0xc9, 0xd1);
        painter->fillRect(option.rect, side < 0 ? back : lay);
    }
    const double traded = index.data(TradedFractionRole).toDouble();
    if (traded > 0) {
        QRect bar = option.rect.adjusted(1, 3, -1, -3);
        bar.setWidth(std::max(1, int(bar.width() * traded)));
        painter->fillRect(bar, dark ? QColor(0x8a, 0x7a, 0x3a) : QColor(0xf2, 0xd4, 0x7a));
    }
    painter->restore();
    QStyleOptionViewItem opt = option;
    if (index.data(LastTradedRole).toBool() && index.column() == LadderModel::Price) {
        opt.font.setBold(true);
        painter->fillRect(option.rect, dark ? QColor(0x6b, 0x5b, 0x12) : QColor(0xff, 0xe0, 0x66));
    }
    QStyledItemDelegate::paint(painter, opt, index);
}

} // namespace OddsTap

// SPDX-License-Identifier: MIT
#include "livedelegate.h"

#include <core/models/roles.h>

#include <QPalette>

namespace OddsTap {

LiveColours LiveColours::forPalette(const QPalette &palette)
{
    const bool dark = palette.color(QPalette::Base).lightness() < 128;
    LiveColours c;
    c.up = dark ? QColor(0x6c, 0xd9, 0x7e) : QColor(0x1b, 0x7f, 0x37);
    c.down = dark ? QColor(0xff, 0x7b, 0x72) : QColor(0xc0, 0x25, 0x25);
    c.bad = c.down;
    c.warn = dark ? QColor(0xf0, 0xb4, 0x4c) : QColor(0xa8, 0x5d, 0x00);
    c.good = c.up;
    c.muted = palette.color(QPalette::Disabled, QPalette::Text);
    c.flash = dark ? QColor(0x3a, 0x4a, 0x6b) : QColor(0xff, 0xf1, 0xb8);
    c.arbitrage = dark ? QColor(0x1f, 0x4a, 0x2c) : QColor(0xd8, 0xf5, 0xdf);
    return c;
}

void LiveDelegate::initStyleOption(QStyleOptionViewItem *option, const QModelIndex &index) const
{
    QStyledItemDelegate::initStyleOption(option, index);
    if (index.data(ElideMiddleRole).toBool()) {
        option->textElideMode = Qt::ElideMiddle;
    }
    const LiveColours c = LiveColours::forPalette(option->palette);
    auto text = [option](const QColor &colour) { option->palette.setColor(QPalette::Text, colour); };
    if (index.data(SuspendedRole).toBool()) {
        text(c.muted);
        option->font.setItalic(true);
    }
    if (index.data(FlashRole).toBool()) {
        option->backgroundBrush = c.flash;
    }
    if (index.data(ArbitrageRole).toBool()) {
        option->backgroundBrush = c.arbitrage;
    }
    if (index.data(BestRole).toBool()) {
        text(c.good);
        option->font.setBold(true);
    }
    const QVariant change = index.data(ChangeRole);
    if (change.isValid() && change.toInt() != 0 && !index.data(SuspendedRole).toBool()) {
        text(change.toInt() > 0 ? c.up : c.down);
    }
    const QVariant status = index.data(StatusRole);
    if (status.isValid()) {
        const QString s = status.toString();
        if (s == QLatin1String("live")) {
            text(c.good);
            option->font.setBold(true);
        } else if (s == QLatin1String("suspended")) {
            text(c.warn);
        } else if (s == QLatin1String("ended") || s == QLatin1String("cancelled")) {
            text(c.muted);
        }
    }
    const QVariant severity = index.data(SeverityRole);
    if (severity.isValid()) {
        const auto level = LogSeverity(severity.toInt());
        if (level == LogSeverity::Error) {
            text(c.bad);
        } else if (level == LogSeverity::Warning) {
            text(c.warn);
        }
    }
}

} // namespace OddsTap

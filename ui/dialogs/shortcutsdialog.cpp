// SPDX-License-Identifier: MIT
#include "shortcutsdialog.h"

#include <QAction>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QShortcut>
#include <QTableWidget>
#include <QVBoxLayout>

#include <set>

namespace OddsTap {

ShortcutsDialog::ShortcutsDialog(QWidget *window)
    : QDialog(window)
{
    setWindowTitle(tr("Keyboard shortcuts"));
    setObjectName(QStringLiteral("shortcutsDialog"));
    std::set<std::pair<QString, QString>> rows; // (what it does, keys), sorted by what it does
    for (const QAction *a : window->findChildren<QAction *>()) {
        QString what = a->text();
        what.remove(QLatin1Char('&'));
        what.remove(QStringLiteral("..."));
        if (!a->shortcut().isEmpty() && !what.isEmpty()) { // unnamed ones are the widgets' own
            rows.insert({ what, a->shortcut().toString(QKeySequence::NativeText) });
        }
    }
    for (const QShortcut *s : window->findChildren<QShortcut *>()) {
        if (!s->key().isEmpty() && !s->whatsThis().isEmpty()) {
            rows.insert({ s->whatsThis(), s->key().toString(QKeySequence::NativeText) });
        }
    }
    auto *table = new QTableWidget(int(rows.size()), 2, this);
    table->setObjectName(QStringLiteral("shortcutsTable"));
    table->setHorizontalHeaderLabels({ tr("Action"), tr("Keys") });
    table->verticalHeader()->hide();
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->setSelectionMode(QAbstractItemView::NoSelection);
    int row = 0;
    for (const auto &[what, keys] : rows) {
        table->setItem(row, 0, new QTableWidgetItem(what));
        table->setItem(row, 1, new QTableWidgetItem(keys));
        ++row;
    }
    table->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    table->horizontalHeader()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(table);
    layout->addWidget(buttons);
    resize(420, 360);
}

} // namespace OddsTap

// SPDX-License-Identifier: MIT
#include "livetable.h"

#include <ui/delegates/livedelegate.h>

#include <QHeaderView>
#include <QTableView>

#include <algorithm>

namespace OddsTap {

QTableView *makeLiveTable(QAbstractItemModel *model, QWidget *parent)
{
    auto *view = new QTableView(parent);
    view->setModel(model);
    view->setItemDelegate(new LiveDelegate(view));
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setSelectionMode(QAbstractItemView::SingleSelection);
    view->setAlternatingRowColors(true);
    view->setWordWrap(false);
    view->setTabKeyNavigation(false);
    view->verticalHeader()->setVisible(false);
    view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() + 6);
    view->horizontalHeader()->setHighlightSections(false);
    view->horizontalHeader()->setStretchLastSection(true);
    view->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    for (int c = 0; c < model->columnCount(); ++c) {
        setLiveColumnWidth(view, c, view->horizontalHeader()->defaultSectionSize());
    }
    return view;
}

void setLiveColumnWidth(QTableView *view, int column, int width)
{
    view->setColumnWidth(column, std::max(width, view->horizontalHeader()->sectionSizeHint(column)));
}

} // namespace OddsTap

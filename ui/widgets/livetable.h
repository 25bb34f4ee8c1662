// SPDX-License-Identifier: MIT
#pragma once

class QAbstractItemModel;
class QTableView;
class QWidget;

namespace OddsTap {

/// A table view as every live panel uses it: rows selected whole, the live delegate, compact rows.
QTableView *makeLiveTable(QAbstractItemModel *model, QWidget *parent);
/// Sets a column's width, but never narrower than its title with the sort arrow
/// (QHeaderView::sectionSizeHint), so that no title is cut at 1280x800. Call it once sorting is
/// switched on; columns it is not called for get their title's width too.
void setLiveColumnWidth(QTableView *view, int column, int width);

} // namespace OddsTap

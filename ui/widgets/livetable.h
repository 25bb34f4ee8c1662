// SPDX-License-Identifier: MIT
#pragma once

class QAbstractItemModel;
class QTableView;
class QWidget;

namespace OddsTap {

/// A table view as every live panel uses it: rows selected whole, the live delegate, compact rows.
QTableView *makeLiveTable(QAbstractItemModel *model, QWidget *parent);

} // namespace OddsTap

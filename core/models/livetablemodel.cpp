// SPDX-License-Identifier: MIT
#include "livetablemodel.h"

#include <QCoreApplication>

namespace OddsTap {

LiveTableModel::LiveTableModel(std::span<const char *const> headers, QObject *parent)
    : QAbstractTableModel(parent)
    , m_headers(headers)
{ }

int LiveTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(size());
}

int LiveTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_headers.size());
}

QVariant LiveTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole || section < 0
        || std::size_t(section) >= m_headers.size()) {
        return QAbstractTableModel::headerData(section, orientation, role);
    }
    // The subclass's class name is the context its tr() would use.
    return QCoreApplication::translate(metaObject()->className(), m_headers[std::size_t(section)]);
}

bool LiveTableModel::validIndex(const QModelIndex &index) const
{
    return checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid);
}

} // namespace OddsTap

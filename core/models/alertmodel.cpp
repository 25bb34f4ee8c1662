// SPDX-License-Identifier: MIT
#include "alertmodel.h"

#include <core/models/cellformat.h>

#include <algorithm>

namespace OddsTap {
namespace {

constexpr const char *kHeaders[] = { QT_TR_NOOP("Time"), QT_TR_NOOP("Rule"), QT_TR_NOOP("Fixture"),
    QT_TR_NOOP("Market"), QT_TR_NOOP("Selection"), QT_TR_NOOP("Change") };
static_assert(std::size(kHeaders) == AlertModel::ColumnCount);

} // namespace

AlertModel::AlertModel(int capacity, QObject *parent)
    : LiveTableModel(kHeaders, parent)
    , m_capacity(std::max(1, capacity))
{ }

std::size_t AlertModel::size() const
{
    return m_rows.size();
}

QVariant AlertModel::data(const QModelIndex &index, int role) const
{
    Q_ASSERT(validIndex(index));
    const Row &row = m_rows[std::size_t(index.row())];
    const Alert &a = row.alert;
    if (role == Qt::DisplayRole || role == SortRole) {
        switch (index.column()) {
        case Time:
            return role == SortRole ? QVariant(a.atMs) : QVariant(CellFormat::timeOfDay(a.atMs));
        case Rule:
            return a.rule;
        case Fixture:
            return row.fixture;
        case Market:
            return a.marketType;
        case Selection:
            return a.selection;
        case Change:
            return a.before.isEmpty() ? a.after : QStringLiteral("%1 → %2").arg(a.before, a.after);
        default:
            return {};
        }
    }
    if (role == Qt::ToolTipRole) {
        return tr("%1 (%2) on %3, fixture %4, seq %5: double-click to show the fixture")
            .arg(a.rule, alertKindName(a.kind), a.sourceId, a.fixtureId)
            .arg(a.seq);
    }
    return {};
}

void AlertModel::append(const std::vector<Alert> &alerts,
    const std::function<QString(const QString &sourceId, const QString &fixtureId)> &fixtureName)
{
    prependNewestFirst(m_rows, alerts.size(), m_capacity, [&](std::size_t i) {
        const Alert &a = alerts[i];
        const QString name = fixtureName ? fixtureName(a.sourceId, a.fixtureId) : QString();
        return Row { a, name.isEmpty() ? a.fixtureId : name };
    });
}

void AlertModel::clear()
{
    beginResetModel();
    m_rows.clear();
    endResetModel();
}

const Alert *AlertModel::alertAt(int row) const
{
    return row >= 0 && row < int(m_rows.size()) ? &m_rows[std::size_t(row)].alert : nullptr;
}

} // namespace OddsTap

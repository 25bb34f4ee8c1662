// SPDX-License-Identifier: MIT
#pragma once

#include <core/alerts/alertengine.h>
#include <core/models/livetablemodel.h>

#include <deque>
#include <functional>

namespace OddsTap {

/// The alerts the rules fired, newest on top, in a ring of fixed capacity.
class AlertModel : public LiveTableModel
{
    Q_OBJECT
public:
    enum Column
    {
        Time,
        Rule,
        Fixture,
        Market,
        Selection,
        Change,
        ColumnCount
    };
    explicit AlertModel(int capacity = 5000, QObject *parent = nullptr);

    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

    /// @p fixtureName: what the Fixture column shows for a fixture ("Home v Away"); empty: its id.
    void append(const std::vector<Alert> &alerts,
        const std::function<QString(const QString &sourceId, const QString &fixtureId)> &fixtureName = {});
    void clear();
    const Alert *alertAt(int row) const;

private:
    std::size_t size() const override;
    int m_capacity;
    struct Row
    {
        Alert alert;
        QString fixture; ///< as shown
    };
    std::deque<Row> m_rows;
};

} // namespace OddsTap

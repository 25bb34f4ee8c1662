// SPDX-License-Identifier: MIT
#include "errorlogmodel.h"

#include <core/common/timeutil.h>
#include <core/models/cellformat.h>

#include <QDateTime>
#include <QLocale>

#include <algorithm>
#include <tuple>

namespace OddsTap {
namespace {

constexpr const char *kHeaders[] = { QT_TR_NOOP("Time"), QT_TR_NOOP("Severity"), QT_TR_NOOP("Kind"),
    QT_TR_NOOP("Source"), QT_TR_NOOP("Seq"), QT_TR_NOOP("Code"), QT_TR_NOOP("Message"), QT_TR_NOOP("Count") };
static_assert(std::size(kHeaders) == ErrorLogModel::ColumnCount);

} // namespace

ErrorLogModel::ErrorLogModel(int capacity, QObject *parent)
    : LiveTableModel(kHeaders, parent)
    , m_capacity(std::max(1, capacity))
{ }

namespace {
QString severityText(LogSeverity s)
{
    switch (s) {
    case LogSeverity::Info:
        return QObject::tr("info");
    case LogSeverity::Warning:
        return QObject::tr("warning");
    case LogSeverity::Error:
        return QObject::tr("error");
    }
    return {};
}
} // namespace

QVariant ErrorLogModel::data(const QModelIndex &index, int role) const
{
    Q_ASSERT(validIndex(index));
    const Row &r = m_rows[std::size_t(index.row())];
    const LogEntry &e = r.entry;
    if (role == Qt::DisplayRole || role == SortRole) {
        const bool sort = role == SortRole;
        switch (index.column()) {
        case Time:
            return sort ? QVariant(e.atMs) : QVariant(CellFormat::timeOfDay(e.atMs));
        case Severity:
            return sort ? QVariant(int(e.severity)) : QVariant(severityText(e.severity));
        case Kind:
            return logKindText(e.kind);
        case Source:
            return e.sourceId;
        case Seq:
            return e.seq ? QVariant(sort ? QVariant(*e.seq) : QVariant(QString::number(*e.seq)))
                         : QVariant(sort ? QVariant(quint64(0)) : QVariant(QString()));
        case Code:
            return e.code;
        case Message:
            return e.message;
        case Count:
            return sort ? QVariant(r.count) : QVariant(QString::number(r.count));
        default:
            return {};
        }
    }
    if (role == SeverityRole) {
        return int(e.severity);
    }
    if (role == Qt::ToolTipRole && index.column() == Message) {
        return e.raw.isEmpty() ? e.message : e.message + QStringLiteral("\n\n") + QString::fromUtf8(e.raw.left(2000));
    }
    if (role == Qt::TextAlignmentRole && (index.column() == Count || index.column() == Seq)) {
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    }
    return {};
}

QString ErrorLogModel::groupKey(const LogEntry &e)
{
    // Rejects group by code and message (their seqs differ); the rest by their text.
    return logKindText(e.kind) + QChar(0x1f) + e.sourceId + QChar(0x1f) + e.code + QChar(0x1f) + e.message;
}

void ErrorLogModel::clear()
{
    beginResetModel();
    m_rows.clear();
    m_keyToSerial.clear();
    m_firstSerial = 0;
    endResetModel();
}

void ErrorLogModel::append(const std::vector<LogEntry> &entries, quint64 dropped)
{
    std::vector<LogEntry> all = entries;
    if (dropped > 0) {
        all.push_back(LogEntry::note(LogKind::Log, LogSeverity::Warning,
            tr("%n more log line(s) in this interval were counted but not listed", nullptr, int(dropped))));
    }
    int firstChanged = int(m_rows.size());
    int lastChanged = -1;
    std::vector<Row> added;
    QHash<QString, std::size_t> addedIndex;
    for (LogEntry &e : all) {
        if (e.raw.size() > kMaxRawBytes) {
            e.rawBytes = e.raw.size();
            // Cut before a character that would be split: the start shown is whole UTF-8 text.
            qsizetype cut = kMaxRawBytes;
            for (int back = 0; back < 3 && cut > 0 && (quint8(e.raw.at(cut)) & 0xc0) == 0x80; ++back) {
                --cut;
            }
            e.raw = e.raw.left(cut); // its own copy: the batch's frame is not held on
        }
        const QString key = groupKey(e);
        const auto it = m_keyToSerial.constFind(key);
        if (it != m_keyToSerial.constEnd() && *it >= m_firstSerial) {
            const int row = int(*it - m_firstSerial);
            Row &r = m_rows[std::size_t(row)];
            r.entry = std::move(e);
            ++r.count;
            firstChanged = std::min(firstChanged, row);
            lastChanged = std::max(lastChanged, row);
            continue;
        }
        if (const auto a = addedIndex.constFind(key); a != addedIndex.constEnd()) {
            added[*a].entry = std::move(e);
            ++added[*a].count;
            continue;
        }
        addedIndex.insert(key, added.size());
        added.push_back({ std::move(e), 1 });
    }
    if (lastChanged >= 0) {
        emit dataChanged(index(firstChanged, 0), index(lastChanged, ColumnCount - 1),
            { Qt::DisplayRole, SortRole, SeverityRole, Qt::ToolTipRole });
    }
    if (added.empty()) {
        return;
    }
    const int overflow = int(m_rows.size() + added.size()) - m_capacity;
    if (overflow > 0) {
        const int remove = std::min(overflow, int(m_rows.size()));
        if (remove > 0) {
            beginRemoveRows({}, 0, remove - 1);
            // Their groups go too: messages carry values (seqs, delays, prices), so over a long run
            // the distinct keys are unbounded.
            for (int row = 0; row < remove; ++row) {
                const QString key = groupKey(m_rows[std::size_t(row)].entry);
                if (const auto it = m_keyToSerial.find(key);
                    it != m_keyToSerial.end() && *it == m_firstSerial + quint64(row)) {
                    m_keyToSerial.erase(it);
                }
            }
            m_rows.erase(m_rows.begin(), m_rows.begin() + remove);
            m_firstSerial += quint64(remove);
            endRemoveRows();
        }
        if (int(added.size()) > m_capacity) {
            added.erase(added.begin(), added.end() - m_capacity);
        }
    }
    const int first = int(m_rows.size());
    beginInsertRows({}, first, first + int(added.size()) - 1);
    for (Row &r : added) {
        m_keyToSerial.insert(groupKey(r.entry), m_firstSerial + m_rows.size());
        m_rows.push_back(std::move(r));
    }
    endInsertRows();
}

const LogEntry *ErrorLogModel::entryAt(int row) const
{
    return row >= 0 && row < int(m_rows.size()) ? &m_rows[std::size_t(row)].entry : nullptr;
}

quint64 ErrorLogModel::countAt(int row) const
{
    return row >= 0 && row < int(m_rows.size()) ? m_rows[std::size_t(row)].count : 0;
}

QString ErrorLogModel::toText(const LogEntry &e, quint64 count)
{
    QStringList fields { formatIso8601Utc(e.atMs), severityText(e.severity), logKindText(e.kind), e.sourceId,
        e.seq ? QString::number(*e.seq) : QString(), e.code, e.message, QString::number(count) };
    QString line = fields.join(QLatin1Char('\t'));
    if (!e.raw.isEmpty()) {
        line += QLatin1Char('\t') + rawText(e);
    }
    return line;
}

QString ErrorLogModel::rawText(const LogEntry &e)
{
    QString text = QString::fromUtf8(e.raw);
    if (e.rawBytes > 0) {
        text += QStringLiteral(" … [the first %1 of %2 bytes]").arg(e.raw.size()).arg(e.rawBytes);
    }
    return text;
}

std::size_t ErrorLogModel::size() const
{
    return m_rows.size();
}

} // namespace OddsTap

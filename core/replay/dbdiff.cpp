// SPDX-License-Identifier: MIT
#include "dbdiff.h"

#include <core/replay/capturefile.h>
#include <core/storage/storage.h>

#include <QFileInfo>
#include <QJsonArray>

#include <deque>

namespace OddsTap {
namespace {

constexpr int kPage = 20000;

using Row = std::vector<std::optional<QByteArray>>;

struct TableSpec
{
    QString name;
    QStringList keys; ///< natural key (source_id first); empty second key: rows keyed by their order per source
    bool secondKeyIsInt = false;
    QStringList values;
    QStringList strictValues; ///< compared only with --strict
    bool strictOnly = false;
};

const std::vector<TableSpec> &tables()
{
    static const std::vector<TableSpec> specs = {
        { QStringLiteral("ingest_state"), { QStringLiteral("source_id") }, false, { QStringLiteral("last_seq") }, {},
            false },
        { QStringLiteral("fixtures"), { QStringLiteral("source_id"), QStringLiteral("fixture_id") }, false,
            { QStringLiteral("seq"), QStringLiteral("ts"), QStringLiteral("sport_id"), QStringLiteral("tournament_id"),
                QStringLiteral("start_time"), QStringLiteral("status"), QStringLiteral("home"), QStringLiteral("away"),
                QStringLiteral("score") },
            { QStringLiteral("received_at") }, false },
        { QStringLiteral("fixture_updates"), { QStringLiteral("source_id"), QStringLiteral("seq") }, true,
            { QStringLiteral("ts"), QStringLiteral("fixture_id"), QStringLiteral("sport_id"),
                QStringLiteral("tournament_id"), QStringLiteral("start_time"), QStringLiteral("status"),
                QStringLiteral("home"), QStringLiteral("away"), QStringLiteral("score") },
            { QStringLiteral("received_at") }, false },
        { QStringLiteral("odds"), { QStringLiteral("source_id"), QStringLiteral("seq") }, true,
            { QStringLiteral("ts"), QStringLiteral("fixture_id"), QStringLiteral("market_type"),
                QStringLiteral("selection"), QStringLiteral("odd_value"), QStringLiteral("timestamp"),
                QStringLiteral("status") },
            { QStringLiteral("received_at") }, false },
        { QStringLiteral("bets"), { QStringLiteral("source_id"), QStringLiteral("seq") }, true,
            { QStringLiteral("ts"), QStringLiteral("bet_id"), QStringLiteral("user_id"), QStringLiteral("fixture_id"),
                QStringLiteral("market_type"), QStringLiteral("selection"), QStringLiteral("stake"),
                QStringLiteral("odd_value"), QStringLiteral("potential_win"), QStringLiteral("timestamp") },
            { QStringLiteral("received_at") }, false },
        { QStringLiteral("books"), { QStringLiteral("source_id"), QStringLiteral("seq") }, true,
            { QStringLiteral("ts"), QStringLiteral("fixture_id"), QStringLiteral("market_type"),
                QStringLiteral("selection"), QStringLiteral("timestamp"), QStringLiteral("image"),
                QStringLiteral("traded_total"), QStringLiteral("back"), QStringLiteral("lay"),
                QStringLiteral("traded") },
            { QStringLiteral("received_at") }, false },
        { QStringLiteral("feed_errors"), { QStringLiteral("source_id") }, false,
            { QStringLiteral("seq"), QStringLiteral("ts"), QStringLiteral("code"), QStringLiteral("message") },
            { QStringLiteral("received_at") }, false },
        { QStringLiteral("rejects"), { QStringLiteral("source_id") }, false,
            { QStringLiteral("seq"), QStringLiteral("code"), QStringLiteral("message"), QStringLiteral("raw"),
                QStringLiteral("raw_truncated") },
            { QStringLiteral("received_at"), QStringLiteral("batch_index") }, false },
        { QStringLiteral("gaps"), { QStringLiteral("source_id") }, false,
            { QStringLiteral("connection"), QStringLiteral("expected_seq"), QStringLiteral("received_seq"),
                QStringLiteral("missing"), QStringLiteral("compacted"), QStringLiteral("detected_at") },
            {}, true },
        { QStringLiteral("connection_events"), { QStringLiteral("source_id") }, false,
            { QStringLiteral("connection"), QStringLiteral("state"), QStringLiteral("reason"),
                QStringLiteral("delay_ms"), QStringLiteral("last_seq"), QStringLiteral("at") },
            {}, true },
    };
    return specs;
}

/// Reads one table of one database in key order, a page at a time (keyset pagination).
class TableCursor
{
public:
    TableCursor(Storage &db, bool postgres, const TableSpec &spec, QStringList values)
        : m_db(db)
        , m_postgres(postgres)
        , m_spec(spec)
        , m_values(std::move(values))
    { }

    /// The next row (key columns first, then the values), or nullopt at the end.
    Result<std::optional<Row>> next()
    {
        if (m_rows.empty() && !m_done) {
            if (auto r = fetch(); !r) {
                return r.error();
            }
        }
        if (m_rows.empty()) {
            return std::optional<Row>();
        }
        Row row = std::move(m_rows.front());
        m_rows.pop_front();
        return std::optional<Row>(std::move(row));
    }

    bool ordinalKeyed() const { return m_spec.keys.size() == 1 && m_spec.name != QLatin1String("ingest_state"); }

private:
    QString text(const QString &column) const
    {
        return m_postgres ? column + QStringLiteral(" COLLATE \"C\"") : column;
    }
    QString valueExpr(const QString &column) const
    {
        if (column == QLatin1String("raw")) {
            return m_postgres ? QStringLiteral("encode(raw, 'hex')") : QStringLiteral("lower(hex(raw))");
        }
        if (column == QLatin1String("raw_truncated") || column == QLatin1String("compacted")
            || column == QLatin1String("image")) {
            return QStringLiteral("CAST(%1 AS INTEGER)").arg(column);
        }
        return column;
    }

    Result<void> fetch()
    {
        // Rows keyed by order carry the id as a hidden second key, for paging only.
        const QString second = ordinalKeyed() ? QStringLiteral("id")
            : m_spec.keys.size() > 1          ? m_spec.keys.at(1)
                                              : QString();
        const bool secondInt = ordinalKeyed() || m_spec.secondKeyIsInt;
        QStringList select { QStringLiteral("source_id") };
        if (!second.isEmpty()) {
            select << second;
        }
        for (const QString &v : m_values) {
            select << valueExpr(v);
        }
        QString sql = QStringLiteral("SELECT %1 FROM %2").arg(select.join(QStringLiteral(", ")), m_spec.name);
        QStringList params;
        if (m_lastKey) {
            if (second.isEmpty()) {
                sql += QStringLiteral(" WHERE %1 > ?").arg(text(QStringLiteral("source_id")));
                params << QString::fromUtf8(m_lastKey->first);
            } else {
                const QString secondCmp = secondInt ? QStringLiteral("%1 > CAST(? AS BIGINT)").arg(second)
                                                    : QStringLiteral("%1 > ?").arg(text(second));
                sql += QStringLiteral(" WHERE (%1 > ? OR (source_id = ? AND %2))")
                           .arg(text(QStringLiteral("source_id")), secondCmp);
                params << QString::fromUtf8(m_lastKey->first) << QString::fromUtf8(m_lastKey->first)
                       << QString::fromUtf8(m_lastKey->second);
            }
        }
        sql += QStringLiteral(" ORDER BY %1").arg(text(QStringLiteral("source_id")));
        if (!second.isEmpty()) {
            sql += QStringLiteral(", ") + (secondInt ? second : text(second));
        }
        sql += QStringLiteral(" LIMIT %1").arg(kPage);
        int got = 0;
        auto r = m_db.query(sql, params, [&](const RowView &view) {
            Row row;
            row.reserve(view.size());
            for (const auto &cell : view) {
                row.push_back(cell ? std::optional<QByteArray>(cell->toByteArray()) : std::nullopt);
            }
            m_lastKey = std::make_pair(
                row[0].value_or(QByteArray()), second.isEmpty() ? QByteArray() : row[1].value_or(QByteArray()));
            m_rows.push_back(std::move(row));
            ++got;
            return true;
        });
        if (!r) {
            return r.error();
        }
        if (got < kPage) {
            m_done = true;
        }
        return {};
    }

    Storage &m_db;
    bool m_postgres;
    const TableSpec &m_spec;
    QStringList m_values;
    std::deque<Row> m_rows;
    std::optional<std::pair<QByteArray, QByteArray>> m_lastKey;
    bool m_done = false;
};

QString shown(const std::optional<QByteArray> &v)
{
    if (!v) {
        return QStringLiteral("NULL");
    }
    QString s = QString::fromUtf8(*v);
    if (s.size() > 300) {
        s = s.left(300) + QStringLiteral("…");
    }
    return s;
}

bool sameValue(const std::optional<QByteArray> &a, const std::optional<QByteArray> &b)
{
    if (a.has_value() != b.has_value()) {
        return false;
    }
    if (!a || *a == *b) {
        return true;
    }
    bool okA = false;
    bool okB = false;
    const double x = a->toDouble(&okA);
    const double y = b->toDouble(&okB);
    return okA && okB && x == y;
}

/// Orders two keys: (source_id bytes, then the second key as integer or bytes).
int compareKeys(const std::pair<QByteArray, QByteArray> &a, const std::pair<QByteArray, QByteArray> &b, bool intSecond)
{
    if (const int c = a.first.compare(b.first); c != 0) {
        return c < 0 ? -1 : 1;
    }
    if (intSecond) {
        const qint64 x = a.second.toLongLong();
        const qint64 y = b.second.toLongLong();
        return x < y ? -1 : (x > y ? 1 : 0);
    }
    const int c = a.second.compare(b.second);
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

Result<std::unique_ptr<Storage>> openExisting(const QString &spec, const QString &connectionName)
{
    auto target = StorageTarget::parse(spec);
    if (!target) {
        return target.error();
    }
    if (target->kind == StorageTarget::Kind::Sqlite && !QFileInfo::exists(target->path)) {
        return Error { QStringLiteral("not_found"), QStringLiteral("database '%1' does not exist").arg(spec) };
    }
    return Storage::openForReading(*target, connectionName);
}

Result<DiffResult> diffDatabases(const QString &specA, const QString &specB, const DiffOptions &options)
{
    auto a = openExisting(specA, QStringLiteral("diff-a"));
    if (!a) {
        return a.error();
    }
    auto b = openExisting(specB, QStringLiteral("diff-b"));
    if (!b) {
        return b.error();
    }
    const bool pgA = specA.startsWith(QLatin1String("postgres"));
    const bool pgB = specB.startsWith(QLatin1String("postgres"));
    DiffResult result;
    result.kind = QStringLiteral("database");
    result.leftOut << QStringLiteral("row ids (id): assigned by each database");
    result.leftOut << QStringLiteral("ingest_state.updated_at: when the commit happened");
    result.leftOut << QStringLiteral(
        "alerts: what the rules of each capture fired, not the feed (back-test a recording to compare them)");
    if (!options.strict) {
        result.leftOut << QStringLiteral("received_at: when each frame arrived (--strict compares it)");
        result.leftOut << QStringLiteral(
            "rejects.batch_index: how the server framed the envelopes; a served replay sends one a frame "
            "(--strict compares it)");
        result.leftOut << QStringLiteral("gaps, connection_events: how the connection went (--strict compares them)");
    }
    for (const TableSpec &spec : tables()) {
        if (spec.strictOnly && !options.strict) {
            continue;
        }
        QStringList values = spec.values;
        if (options.strict) {
            values += spec.strictValues;
        }
        result.compared << spec.name;
        TableCursor ca(*a.value(), pgA, spec, values);
        TableCursor cb(*b.value(), pgB, spec, values);
        const bool ordinal = ca.ordinalKeyed();
        const bool hasSecond = spec.keys.size() > 1 || ordinal;
        const int valueOffset = hasSecond ? 2 : 1;
        const bool intSecond = ordinal || spec.secondKeyIsInt;
        std::map<QByteArray, quint64> ordinalA;
        std::map<QByteArray, quint64> ordinalB;
        quint64 &rows = result.rows[spec.name];
        auto keyOf = [&](const Row &row, std::map<QByteArray, quint64> &ordinals) {
            const QByteArray source = row[0].value_or(QByteArray());
            if (ordinal) {
                return std::make_pair(source, QByteArray::number(++ordinals[source]));
            }
            return std::make_pair(source, hasSecond ? row[1].value_or(QByteArray()) : QByteArray());
        };
        auto keyText = [&](const std::pair<QByteArray, QByteArray> &key) {
            QString t = QStringLiteral("source_id=%1").arg(QString::fromUtf8(key.first));
            if (ordinal) {
                t += QStringLiteral(", row #%1 of the source (in received order)").arg(QString::fromUtf8(key.second));
            } else if (hasSecond) {
                t += QStringLiteral(", %1=%2").arg(spec.keys.at(1), QString::fromUtf8(key.second));
            }
            return t;
        };
        auto ra = ca.next();
        auto rb = cb.next();
        std::optional<std::pair<QByteArray, QByteArray>> ka;
        std::optional<std::pair<QByteArray, QByteArray>> kb;
        const auto keys = [&] {
            if (ra && ra->has_value()) {
                ka = keyOf(**ra, ordinalA);
            }
            if (rb && rb->has_value()) {
                kb = keyOf(**rb, ordinalB);
            }
        };
        const auto advance = [&] {
            ra = ca.next();
            rb = cb.next();
            keys();
        };
        keys();
        while (true) {
            if (!ra) {
                return ra.error();
            }
            if (!rb) {
                return rb.error();
            }
            if (!ra->has_value() && !rb->has_value()) {
                break;
            }
            const int c = !ra->has_value() ? 1 : !rb->has_value() ? -1 : compareKeys(*ka, *kb, intSecond);
            if (c != 0) {
                Divergence d;
                d.table = spec.name;
                d.key = keyText(c < 0 ? *ka : *kb);
                d.what = c < 0 ? QStringLiteral("row only in A") : QStringLiteral("row only in B");
                result.first = d;
                return result;
            }
            const Row &x = **ra;
            const Row &y = **rb;
            for (int i = 0; i < values.size(); ++i) {
                const std::size_t col = std::size_t(valueOffset + i);
                if (!sameValue(x[col], y[col])) {
                    Divergence d;
                    d.table = spec.name;
                    d.key = keyText(*ka);
                    d.column = values.at(i);
                    d.a = x[col] ? std::optional<QString>(shown(x[col])) : std::nullopt;
                    d.b = y[col] ? std::optional<QString>(shown(y[col])) : std::nullopt;
                    d.what = QStringLiteral("value differs");
                    result.first = d;
                    return result;
                }
            }
            ++rows;
            advance();
        }
    }
    return result;
}

Result<DiffResult> diffCaptures(const QString &pathA, const QString &pathB, const DiffOptions &options)
{
    auto a = CaptureReader::open(pathA);
    if (!a) {
        return a.error();
    }
    auto b = CaptureReader::open(pathB);
    if (!b) {
        return b.error();
    }
    DiffResult result;
    result.kind = QStringLiteral("capture");
    result.compared << QStringLiteral("frames") << QStringLiteral("connection_events");
    result.leftOut << QStringLiteral("ord (record numbers), mono_ns (each machine's monotonic clock)")
                   << QStringLiteral("session metadata (version, notes, start and end)");
    if (!options.strict) {
        result.leftOut << QStringLiteral("wall_ns, connection event times (--strict compares them)");
    }
    CaptureRecord x;
    CaptureRecord y;
    quint64 n = 0;
    const auto differ = [&](const QString &column, const QString &va, const QString &vb) {
        Divergence d;
        d.table = x.kind == CaptureRecord::Kind::Frame ? QStringLiteral("frames") : QStringLiteral("connection_events");
        d.key = QStringLiteral("record #%1 (source_id=%2)").arg(n).arg(x.sourceId);
        d.column = column;
        d.a = va.size() > 300 ? va.left(300) + QStringLiteral("…") : va;
        d.b = vb.size() > 300 ? vb.left(300) + QStringLiteral("…") : vb;
        d.what = QStringLiteral("value differs");
        result.first = d;
    };
    while (true) {
        const bool hasA = a.value()->next(x);
        const bool hasB = b.value()->next(y);
        ++n;
        if (!hasA || !hasB) {
            if (hasA != hasB) {
                Divergence d;
                d.table = QStringLiteral("records");
                d.key = QStringLiteral("record #%1").arg(n);
                d.what = hasA ? QStringLiteral("row only in A") : QStringLiteral("row only in B");
                result.first = d;
            }
            break;
        }
        result.rows[QStringLiteral("records")] = n;
        if (x.kind != y.kind) {
            differ(QStringLiteral("kind"),
                x.kind == CaptureRecord::Kind::Frame ? QStringLiteral("frame") : QStringLiteral("connection event"),
                y.kind == CaptureRecord::Kind::Frame ? QStringLiteral("frame") : QStringLiteral("connection event"));
            break;
        }
        if (x.sourceId != y.sourceId) {
            differ(QStringLiteral("source"), x.sourceId, y.sourceId);
            break;
        }
        if (x.kind == CaptureRecord::Kind::Frame) {
            if (x.frame.connection != y.frame.connection) {
                differ(QStringLiteral("connection"), QString::number(x.frame.connection),
                    QString::number(y.frame.connection));
                break;
            }
            if (x.frame.bytes != y.frame.bytes || x.frame.binary != y.frame.binary) {
                differ(QStringLiteral("payload"), QString::fromUtf8(x.frame.bytes), QString::fromUtf8(y.frame.bytes));
                break;
            }
            if (options.strict && x.frame.wallNs != y.frame.wallNs) {
                differ(QStringLiteral("wall_ns"), QString::number(x.frame.wallNs), QString::number(y.frame.wallNs));
                break;
            }
        } else {
            const ConnectionEvent &p = x.connection;
            const ConnectionEvent &q = y.connection;
            if (p.connection != q.connection || p.state != q.state || p.reason != q.reason || p.delayMs != q.delayMs
                || p.lastSeq != q.lastSeq || (options.strict && p.atMs != q.atMs)) {
                const auto describe = [&](const ConnectionEvent &e) {
                    return QStringLiteral("#%1 %2 %3 (%4 ms, last_seq %5, at %6)")
                        .arg(e.connection)
                        .arg(QString::fromLatin1(toWire(e.state).data()), e.reason)
                        .arg(e.delayMs)
                        .arg(e.lastSeq)
                        .arg(e.atMs);
                };
                differ(QStringLiteral("event"), describe(p), describe(q));
                break;
            }
        }
    }
    for (auto *reader : { a.value().get(), b.value().get() }) {
        if (!reader->error().isEmpty()) {
            return Error { QStringLiteral("io_error"), reader->error() };
        }
    }
    return result;
}

bool looksLikeCapture(const QString &spec)
{
    if (spec.startsWith(QLatin1String("postgres"))) {
        return false;
    }
    QFile f(spec);
    if (!f.open(QIODevice::ReadOnly)) {
        return false;
    }
    const QByteArray head = f.read(100);
    // SQLite header: application_id is the big-endian int at offset 68.
    return head.size() == 100 && head.startsWith("SQLite format 3") && head.mid(68, 4) == QByteArray("ODTC");
}

} // namespace

Result<DiffResult> diffStores(const QString &a, const QString &b, const DiffOptions &options)
{
    const bool captureA = looksLikeCapture(a);
    const bool captureB = looksLikeCapture(b);
    if (captureA != captureB) {
        return Error { QStringLiteral("usage"),
            QStringLiteral("'%1' is a %2 and '%3' a %4: compare two databases or two captures")
                .arg(a, captureA ? QStringLiteral("capture") : QStringLiteral("database"), b,
                    captureB ? QStringLiteral("capture") : QStringLiteral("database")) };
    }
    return captureA ? diffCaptures(a, b, options) : diffDatabases(a, b, options);
}

QString DiffResult::toText() const
{
    QString t;
    if (identical()) {
        t = QStringLiteral("identical (%1s)\n").arg(kind);
    } else {
        const Divergence &d = *first;
        t = QStringLiteral("differ: first divergence in %1, %2: %3\n").arg(d.table, d.key, d.what);
        if (!d.column.isEmpty()) {
            t += QStringLiteral("  column %1\n  A: %2\n  B: %3\n")
                     .arg(d.column, d.a.value_or(QStringLiteral("NULL")), d.b.value_or(QStringLiteral("NULL")));
        }
    }
    QStringList counts;
    for (const QString &table : compared) {
        const auto it = rows.find(table);
        counts << QStringLiteral("%1 %2").arg(table).arg(it == rows.end() ? 0 : it->second);
    }
    if (kind == QLatin1String("capture")) {
        counts =
            QStringList { QStringLiteral("records %1")
                              .arg(rows.count(QStringLiteral("records")) ? rows.at(QStringLiteral("records")) : 0) };
    }
    t += (identical() ? QStringLiteral("compared (rows): %1\n")
                      : QStringLiteral("compared (rows equal before the divergence): %1\n"))
             .arg(counts.join(QStringLiteral(", ")));
    t += QStringLiteral("left out: %1\n").arg(leftOut.join(QStringLiteral("; ")));
    return t;
}

QJsonObject DiffResult::toJson() const
{
    QJsonObject o { { QStringLiteral("kind"), kind }, { QStringLiteral("identical"), identical() },
        { QStringLiteral("compared"), QJsonArray::fromStringList(compared) },
        { QStringLiteral("left_out"), QJsonArray::fromStringList(leftOut) } };
    QJsonObject counts;
    for (const auto &[table, n] : rows) {
        counts.insert(table, qint64(n));
    }
    o.insert(QStringLiteral("rows_equal"), counts);
    if (first) {
        o.insert(QStringLiteral("first_divergence"),
            QJsonObject { { QStringLiteral("table"), first->table }, { QStringLiteral("key"), first->key },
                { QStringLiteral("column"), first->column }, { QStringLiteral("what"), first->what },
                { QStringLiteral("a"), first->a ? QJsonValue(*first->a) : QJsonValue() },
                { QStringLiteral("b"), first->b ? QJsonValue(*first->b) : QJsonValue() } });
    }
    return o;
}

} // namespace OddsTap

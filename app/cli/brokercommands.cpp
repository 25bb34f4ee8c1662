// SPDX-License-Identifier: MIT
#include "brokercommands.h"

#include "cliutil.h"
#include "signalwatcher.h"

#include <core/broker/brokertopology.h>
#include <core/broker/brokerwriter.h>
#include <core/common/eventserialization.h>
#include <core/common/timeutil.h>
#include <core/metrics/metricsserver.h>

#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUuid>

#include <atomic>

namespace OddsTap::Cli {
namespace {

const QCommandLineOption kAmqpOption { QStringLiteral("amqp"),
    QStringLiteral("The broker: amqp://user@host:port/vhost (password from ODDSTAP_AMQP_PASSWORD, default guest)."),
    QStringLiteral("url") };

QJsonObject writerSummary(const BrokerWriterStats &s)
{
    QJsonObject rows;
    for (const auto &[table, count] : s.stored.rowsByTable()) {
        rows.insert(QLatin1String(table), qint64(count));
    }
    return QJsonObject {
        { QStringLiteral("messages"), qint64(s.messages) },
        { QStringLiteral("redelivered"), qint64(s.redelivered) },
        { QStringLiteral("commits"), qint64(s.commits) },
        { QStringLiteral("stored"), rows },
        { QStringLiteral("duplicate_events"), qint64(s.stored.duplicateSeqs) },
        { QStringLiteral("dead_letters"), qint64(s.deadLetters) },
        { QStringLiteral("database_outages"), qint64(s.databaseOutages) },
        { QStringLiteral("broker_connects"), qint64(s.brokerReconnects) },
        { QStringLiteral("receive_to_committed_p99_ms"), double(s.receiveToCommitted.percentileNs(99.0)) / 1e6 },
    };
}

} // namespace

int runConsume(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "A broker writer: takes what `capture --publish` collectors send to RabbitMQ off the partition\n"
        "queues and stores it in PostgreSQL, acknowledging each message only after its commit. Run any\n"
        "number, on any machines: each partition has one active writer at a time, in order; a second\n"
        "writer on the same partitions is a standby that takes over when the first goes away. A message\n"
        "the database refuses is retried, then moved to the dead-letter queue (see `dead-letters`).\n"
        "docs/broker.md.\n\n"
        "Exit status: 0 stopped (SIGINT/SIGTERM or --duration; what was not acknowledged stays in the\n"
        "broker for the next writer); 2 usage error, or the database could not be opened; 4 the broker\n"
        "was never reached."));
    parser.addHelpOption();
    parser.addOptions({
        kAmqpOption,
        { QStringLiteral("db"), QStringLiteral("Where to store: postgresql://user@host:port/db."),
            QStringLiteral("url") },
        { QStringLiteral("partitions"),
            QStringLiteral("The partitions to consume, 0-%1: 'all' (default), or a list such as '0-5' or '0,4,8'.")
                .arg(Broker::kPartitions - 1),
            QStringLiteral("list"), QStringLiteral("all") },
        { QStringLiteral("prefetch"), QStringLiteral("Unacknowledged messages per partition (default 64)."),
            QStringLiteral("n"), QStringLiteral("64") },
        { QStringLiteral("max-attempts"),
            QStringLiteral("Attempts at a message the database refuses before it is dead-lettered (default 3)."),
            QStringLiteral("n"), QStringLiteral("3") },
        { QStringLiteral("duration"), QStringLiteral("Stop after this many seconds."), QStringLiteral("s") },
        { QStringLiteral("metrics"),
            QStringLiteral("Serve Prometheus metrics at http://HOST:PORT/metrics (HOST defaults to 127.0.0.1)."),
            QStringLiteral("[host:]port") },
        { QStringLiteral("summary-json"), QStringLiteral("Write the summary as JSON to this file at the end."),
            QStringLiteral("file") },
        { QStringLiteral("quiet"), QStringLiteral("Print nothing but errors.") },
    });
    int exitCode = kExitOk;
    if (!parseOrExplain(parser, arguments, exitCode, Positional::None)) {
        return exitCode;
    }
    const auto usage = [](const QString &message) {
        err() << "oddstap-cli consume: " << message << "\n";
        return kExitUsage;
    };
    if (!parser.isSet(kAmqpOption) || !parser.isSet(QStringLiteral("db"))) {
        return usage(QStringLiteral("--amqp and --db are required"));
    }
    BrokerWriterConfig config;
    auto broker = AmqpTarget::parse(parser.value(kAmqpOption));
    if (!broker) {
        return usage(broker.error().message);
    }
    config.broker = *broker;
    auto db = StorageTarget::parse(parser.value(QStringLiteral("db")));
    if (!db) {
        return usage(db.error().message);
    }
    if (db->kind != StorageTarget::Kind::Postgres) {
        return usage(QStringLiteral("writers store into PostgreSQL (several writers share it; an SQLite file has "
                                    "one writer): give --db postgresql://…"));
    }
    config.database = *db;
    config.partitions = Broker::parsePartitions(parser.value(QStringLiteral("partitions")));
    if (config.partitions.empty()) {
        return usage(QStringLiteral("--partitions must be 'all' or numbers and ranges within 0-%1, got '%2'")
                         .arg(Broker::kPartitions - 1)
                         .arg(parser.value(QStringLiteral("partitions"))));
    }
    qint64 prefetch = config.prefetch;
    qint64 attempts = config.maxAttempts;
    qint64 duration = 0;
    if (!positiveOption(parser, QStringLiteral("prefetch"), prefetch)
        || !positiveOption(parser, QStringLiteral("max-attempts"), attempts)
        || (parser.isSet(QStringLiteral("duration"))
            && !positiveOption(parser, QStringLiteral("duration"), duration))) {
        return kExitUsage;
    }
    config.prefetch = int(std::min<qint64>(prefetch, 65535));
    config.killAfterCommits = qEnvironmentVariable("ODDSTAP_FAULT_KILL_AFTER_COMMITS").toULongLong();
    config.maxAttempts = int(std::min<qint64>(attempts, 1000));
    std::unique_ptr<MetricsServer> metrics;
    if (parser.isSet(QStringLiteral("metrics"))) {
        auto address = parseMetricsAddress(parser.value(QStringLiteral("metrics")));
        if (!address) {
            return usage(address.error().message);
        }
        auto server = MetricsServer::listen(address->first, address->second);
        if (!server) {
            return usage(server.error().message);
        }
        metrics = std::move(*server);
        err() << "metrics on " << metrics->url() << "\n";
        err().flush();
    }
    const bool quiet = parser.isSet(QStringLiteral("quiet"));
    BrokerWriter writer(config);
    if (auto r = writer.open(); !r) {
        err() << "oddstap-cli consume: " << r.error().message << "\n";
        return kExitUsage;
    }
    if (!quiet) {
        QStringList parts;
        for (const int p : config.partitions) {
            parts << QString::number(p);
        }
        err() << "consuming partitions " << parts.join(QLatin1Char(',')) << " of " << config.broker.describe()
              << " into " << config.database.display() << "\n";
        err().flush();
    }
    std::atomic<bool> stop { false };
    SignalWatcher watcher;
    QObject::connect(&watcher, &SignalWatcher::terminationRequested, [&stop](int) { stop = true; });
    const qint64 endNs = duration > 0 ? monotonicNs() + duration * 1000000000LL : 0;
    writer.run([&] { return stop.load() || (endNs && monotonicNs() >= endNs); },
        [&](const BrokerWriterStats &s) {
            if (metrics) {
                metrics->publishText(s.prometheusText());
            }
        },
        [&](const QString &notice) {
            err() << QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs) << " " << notice << "\n";
            err().flush();
        });
    const QJsonObject summary = writerSummary(writer.stats());
    if (parser.isSet(QStringLiteral("summary-json"))) {
        QFile f(parser.value(QStringLiteral("summary-json")));
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(QJsonDocument(summary).toJson()) < 0) {
            err() << "oddstap-cli consume: cannot write " << f.fileName() << ": " << f.errorString() << "\n";
            return kExitUsage;
        }
    }
    if (!quiet) {
        out() << QJsonDocument(summary).toJson(QJsonDocument::Indented);
    }
    if (writer.stats().brokerReconnects == 0) {
        err() << "oddstap-cli consume: never reached the broker at " << config.broker.describe()
              << " (is it running? scripts/services start runs one)\n";
        return 4;
    }
    return kExitOk;
}

int runDeadLetters(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Messages the broker writers could not store, in the dead-letter queue oddstap.dead-letters.\n"
                       "  list      print each one (when, why, partition, source and seqs) as JSON; they stay queued\n"
                       "  requeue   send each back to its partition queue, to be stored once (fix the cause first:\n"
                       "            one that is refused again comes back here)\n\n"
                       "Exit status: 0 ok; 2 usage error or the broker is unreachable."));
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("action"), QStringLiteral("list or requeue"));
    parser.addOption(kAmqpOption);
    int exitCode = kExitOk;
    if (!parseOrExplain(parser, arguments, exitCode)) {
        return exitCode;
    }
    const auto fail = [](const QString &message) {
        err() << "oddstap-cli dead-letters: " << message << "\n";
        return kExitUsage;
    };
    const QStringList positional = parser.positionalArguments();
    if (positional.size() != 1
        || (positional.first() != QLatin1String("list") && positional.first() != QLatin1String("requeue"))) {
        return fail(QStringLiteral("say 'list' or 'requeue'"));
    }
    if (!parser.isSet(kAmqpOption)) {
        return fail(QStringLiteral("--amqp is required"));
    }
    auto target = AmqpTarget::parse(parser.value(kAmqpOption));
    if (!target) {
        return fail(target.error().message);
    }
    auto connection = AmqpConnection::open(*target);
    if (!connection) {
        return fail(connection.error().message);
    }
    AmqpConnection &c = **connection;
    if (auto r = c.declareTopology(); !r) {
        return fail(r.error().message);
    }
    const QString queue = QLatin1String(Broker::kDeadLetterQueue);
    auto depth = c.queueDepth(queue);
    if (!depth) {
        return fail(depth.error().message);
    }
    const bool requeue = positional.first() == QLatin1String("requeue");
    if (requeue) {
        if (auto r = c.enableConfirms(); !r) {
            return fail(r.error().message);
        }
    }
    QJsonArray listed;
    quint64 requeued = 0;
    // Only those there now: one refused again while this runs comes back behind them.
    for (quint64 i = 0; i < *depth; ++i) {
        auto got = c.get(queue);
        if (!got) {
            return fail(got.error().message);
        }
        if (!*got) {
            break;
        }
        const AmqpDelivery &d = **got;
        const auto header = [&d](const char *name) {
            const auto it = d.headers.find(QByteArray(name));
            return it == d.headers.end() ? QString() : QString::fromUtf8(it->second);
        };
        if (!requeue) {
            QJsonObject o { { QStringLiteral("dead_at"), header(Broker::kHeaderDeadAt) },
                { QStringLiteral("error"), header(Broker::kHeaderError) },
                { QStringLiteral("partition"), header(Broker::kHeaderRoutingKey) },
                { QStringLiteral("attempts"), header(Broker::kHeaderAttempts).toInt() },
                { QStringLiteral("bytes"), qint64(d.body.size()) } };
            EventBatch batch;
            if (deserializeBatch(d.body, batch)) {
                o.insert(QStringLiteral("source"), batch.sourceId);
                o.insert(QStringLiteral("events"), qint64(batch.events.size()));
                o.insert(QStringLiteral("rejects"), qint64(batch.rejects.size()));
                if (!batch.events.empty()) {
                    o.insert(QStringLiteral("first_seq"), qint64(batch.events.front().seq));
                    o.insert(QStringLiteral("last_seq"), qint64(batch.events.back().seq));
                }
            } else {
                o.insert(QStringLiteral("source"), QJsonValue());
            }
            listed.append(o);
            continue; // unacknowledged: back in the queue, in order, when the connection closes
        }
        const QByteArray key = header(Broker::kHeaderRoutingKey).toUtf8();
        if (Broker::partitionOf(key) < 0) {
            err() << "oddstap-cli dead-letters: message " << i + 1 << " has no partition ('" << key
                  << "'): left in the queue\n";
            continue;
        }
        std::map<QByteArray, QByteArray> headers;
        QString id = header(Broker::kHeaderDeadLetterId);
        if (id.isEmpty()) {
            id = QUuid::createUuid().toString(QUuid::WithoutBraces);
        }
        headers[Broker::kHeaderDeadLetterId] = id.toUtf8();
        if (auto r = c.publish(QByteArray(Broker::kEventsExchange), key, d.body, headers); !r) {
            return fail(r.error().message);
        }
        if (auto r = c.waitForConfirms(15000); !r) {
            return fail(r.error().message);
        }
        if (auto r = c.ack(d.deliveryTag); !r) {
            return fail(r.error().message); // requeued already: the writers store it once by its id
        }
        ++requeued;
    }
    if (requeue) {
        out() << "requeued " << requeued << " of " << *depth << " dead letter(s)\n";
    } else {
        out() << QJsonDocument(listed).toJson(QJsonDocument::Indented);
    }
    return kExitOk;
}

} // namespace OddsTap::Cli

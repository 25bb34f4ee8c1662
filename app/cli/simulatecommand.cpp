// SPDX-License-Identifier: MIT
#include "simulatecommand.h"

#include "cliutil.h"
#include "signalwatcher.h"

#include <core/common/paths.h>
#include <core/common/timeutil.h>
#include <core/sim/simserver.h>

#include <QCoreApplication>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QTimer>

namespace OddsTap::Cli {

namespace {

constexpr int kExitStatsNotWritten = 1;

bool writeJson(const QString &path, const QJsonObject &json)
{
    // Whole or not at all: a reader never sees half a file.
    if (const QString why = writeWholeFile(path, QJsonDocument(json).toJson(QJsonDocument::Indented)); !why.isEmpty()) {
        err() << "oddstap-cli simulate: stats file: " << why << "\n";
        return false;
    }
    return true;
}

} // namespace

int runSimulate(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Runs the built-in sportsbook: a WebSocket feed server speaking feed-protocol v1, with realistic\n"
        "fixtures, prices and bets, resume and snapshots, and optional fault injection.\n"
        "Prints 'listening on ws://HOST:PORT' once ready. SIGINT/SIGTERM stop it and write --stats-file.\n\n"
        "Exit status: 0 stopped (SIGINT/SIGTERM or --duration) and the stats file, if any, written; 1 the\n"
        "--stats-file could not be written; 2 usage error, or the address or port could not be taken."));
    parser.addHelpOption();
    const QList<QCommandLineOption> options = {
        { QStringLiteral("host"), QStringLiteral("Address to listen on (default 127.0.0.1)."), QStringLiteral("addr"),
            QStringLiteral("127.0.0.1") },
        { QStringLiteral("port"), QStringLiteral("Port; 0 picks a free one (default 0)."), QStringLiteral("port"),
            QStringLiteral("0") },
        { QStringLiteral("rate"), QStringLiteral("Events per second; 0 = as fast as the client reads (default 1000)."),
            QStringLiteral("n"), QStringLiteral("1000") },
        { QStringLiteral("count"), QStringLiteral("Stop generating after N events (default: no limit)."),
            QStringLiteral("n"), QStringLiteral("0") },
        { QStringLiteral("fixtures"), QStringLiteral("Concurrent fixtures (default 200)."), QStringLiteral("n"),
            QStringLiteral("200") },
        { QStringLiteral("batch"), QStringLiteral("Envelopes per frame (default 1)."), QStringLiteral("n"),
            QStringLiteral("1") },
        { QStringLiteral("heartbeat-ms"), QStringLiteral("Heartbeat interval when idle (default 1000)."),
            QStringLiteral("ms"), QStringLiteral("1000") },
        { QStringLiteral("retain"), QStringLiteral("Events kept for resume (default 100000)."), QStringLiteral("n"),
            QStringLiteral("100000") },
        { QStringLiteral("seed"),
            QStringLiteral("Seed: the same seed gives the same stream, to the byte (timestamps from a simulated "
                           "clock). Default: random, wall-clock timestamps."),
            QStringLiteral("n") },
        { QStringLiteral("token-file"),
            QStringLiteral("Require 'Authorization: Bearer <token>' (token read from file)."), QStringLiteral("file") },
        { QStringLiteral("token"), QStringLiteral("Same, token given inline (demos only: visible in ps)."),
            QStringLiteral("token") },
        { QStringLiteral("faults"),
            QStringLiteral("Fault injection: drop_every=N,drop_prob=P,stall_every=N,stall_ms=MS,malformed=P,"
                           "duplicate=P,gap=P"),
            QStringLiteral("spec") },
        { QStringLiteral("stats-file"), QStringLiteral("Write JSON stats here on exit and on SIGINT/SIGTERM."),
            QStringLiteral("file") },
        { QStringLiteral("duration"), QStringLiteral("Exit after this many seconds (default: run until stopped)."),
            QStringLiteral("s"), QStringLiteral("0") },
        { QStringLiteral("books"),
            QStringLiteral("Run N books over the same matches, each on its own port (--port P: P, P+1, ...), each "
                           "quoting under its own margin with independent noise, so prices differ across books and "
                           "arbitrages come and go (default 1: one book)."),
            QStringLiteral("n"), QStringLiteral("1") },
        { QStringLiteral("book-noise"),
            QStringLiteral("With --books: how far a book's price strays from the fair one (standard deviation, "
                           "log terms; default 0.03)."),
            QStringLiteral("x"), QStringLiteral("0.03") },
    };
    parser.addOptions(options);
    int exitCode = kExitOk;
    if (!parseOrExplain(parser, arguments, exitCode)) {
        return exitCode;
    }
    if (!parser.positionalArguments().isEmpty()) {
        err() << "oddstap-cli simulate: unexpected argument '" << parser.positionalArguments().first() << "'\n";
        return kExitUsage;
    }

    SimServerConfig config;
    bool ok = true;
    auto number = [&](const char *name, auto &target, double min, double max) {
        const QString key = QLatin1String(name);
        bool valid = false;
        const double v = parser.value(key).toDouble(&valid);
        if (!valid || v < min || v > max) {
            err() << "oddstap-cli simulate: --" << key << " must be a number between " << min << " and " << max
                  << ", got '" << parser.value(key) << "'\n";
            ok = false;
            return;
        }
        target = static_cast<std::remove_reference_t<decltype(target)>>(v);
    };
    config.host = parser.value(QStringLiteral("host"));
    number("port", config.port, 0, 65535);
    number("rate", config.rate, 0, 1e8);
    number("count", config.count, 0, 1e15);
    number("fixtures", config.generator.fixtures, 1, 100000);
    number("batch", config.batch, 1, 10000);
    number("heartbeat-ms", config.heartbeatMs, 10, 3600000);
    number("retain", config.retain, 1, 1e8);
    double duration = 0;
    number("duration", duration, 0, 1e9);
    int books = 1;
    number("books", books, 1, 20);
    number("book-noise", config.generator.bookNoise, 0, 1);
    if (!ok) {
        return kExitUsage;
    }
    if (parser.isSet(QStringLiteral("seed"))) {
        bool valid = false;
        config.generator.seed = parser.value(QStringLiteral("seed")).toULongLong(&valid);
        if (!valid) {
            err() << "oddstap-cli simulate: --seed must be an unsigned integer\n";
            return kExitUsage;
        }
        config.generator.clockBaseMs = 1798761600000LL; // 2027-01-01T00:00:00Z: a fixed, reproducible clock
        config.generator.stepMs = config.rate > 0 ? std::max(1.0, 1000.0 / config.rate) : 1.0;
    } else {
        config.generator.seed = QRandomGenerator::global()->generate64();
    }
    if (parser.isSet(QStringLiteral("token-file"))) {
        QFile f(parser.value(QStringLiteral("token-file")));
        if (!f.open(QIODevice::ReadOnly)) {
            err() << "oddstap-cli simulate: cannot read token file '" << f.fileName() << "': " << f.errorString()
                  << "\n";
            return kExitUsage;
        }
        config.token = f.readAll().trimmed();
    } else if (parser.isSet(QStringLiteral("token"))) {
        config.token = parser.value(QStringLiteral("token")).toUtf8();
    }
    if ((parser.isSet(QStringLiteral("token-file")) || parser.isSet(QStringLiteral("token")))
        && config.token.isEmpty()) {
        err() << "oddstap-cli simulate: the token is empty\n";
        return kExitUsage;
    }
    if (parser.isSet(QStringLiteral("faults"))) {
        auto faults = FaultPlan::parse(parser.value(QStringLiteral("faults")));
        if (!faults) {
            err() << "oddstap-cli simulate: " << faults.error().message << "\n";
            return kExitUsage;
        }
        config.faults = *faults;
    }

    if (config.port != 0 && int(config.port) + books - 1 > 65535) {
        err() << "oddstap-cli simulate: --port " << config.port << " leaves no room for " << books << " books\n";
        return kExitUsage;
    }
    // Several books share the seed (the same matches) and differ in margin and noise.
    std::vector<std::unique_ptr<SimServer>> servers;
    for (int book = 1; book <= books; ++book) {
        SimServerConfig c = config;
        if (books > 1) {
            c.generator.book = book;
            c.generator.stream = "book-" + QByteArray::number(book);
            c.port = config.port == 0 ? 0 : quint16(config.port + book - 1);
        }
        auto server = std::make_unique<SimServer>(c);
        const auto port = server->start();
        if (!port) {
            err() << "oddstap-cli simulate: " << port.error().message << "\n";
            return kExitUsage;
        }
        out() << "listening on ws://" << config.host << ":" << *port;
        if (books > 1) {
            out() << " (book " << book << " of " << books << ")";
        }
        out() << "\n";
        servers.push_back(std::move(server));
    }
    out().flush();

    const QString statsFile = parser.value(QStringLiteral("stats-file"));
    bool statsWritten = true;
    SimServer &first = *servers.front();
    auto finish = [&] {
        QJsonArray all;
        for (const auto &server : servers) {
            server->stop();
            all.append(server->stats());
        }
        if (!statsFile.isEmpty()) {
            statsWritten = writeJson(
                statsFile, books == 1 ? all.first().toObject() : QJsonObject { { QStringLiteral("books"), all } });
        }
        QCoreApplication::quit();
    };
    SignalWatcher watcher;
    QObject::connect(&watcher, &SignalWatcher::terminationRequested, &first, finish);
    if (duration > 0) {
        QTimer::singleShot(std::chrono::milliseconds(qint64(duration * 1000)), &first, finish);
    }
    QCoreApplication::exec();
    return statsWritten ? kExitOk : kExitStatsNotWritten;
}

} // namespace OddsTap::Cli

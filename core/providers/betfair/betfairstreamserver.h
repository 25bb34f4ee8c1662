// SPDX-License-Identifier: MIT
#pragma once

#include <core/common/result.h>

#include <QObject>
#include <QStringList>

#include <memory>

namespace OddsTap::Betfair {

struct StreamServerConfig
{
    QStringList paths; ///< Betfair stream files, merged on pt as one stream
    QString host = QStringLiteral("127.0.0.1");
    quint16 port = 0; ///< 0: any free port
    double speed = 1.0; ///< the recorded pace by pt, scaled; 0 as fast as possible
    /// TLS as the exchange speaks it (PEM certificate and RSA key); without them, a plain socket
    /// (betfair+tcp://).
    QString tlsCertFile;
    QString tlsKeyFile;
    QByteArray appKey; ///< expected from clients; empty: any
    QByteArray session; ///< expected from clients; empty: any
};

/// Serves Betfair stream files as the Exchange Stream does, to a client under test: TLS, one
/// JSON message per CRLF line, `connection` on accept, `authentication` checked, a
/// `marketSubscription` answered with `status` and then the files' lines, paced by their `pt`,
/// each with this server's clock (its line number) as `clk` (and `initialClk` on the first), and
/// heartbeats at the client's `heartbeatMs` when there is nothing to send. A subscription with a
/// `clk` resumes after that line. The market filter is not applied: every line is sent.
/// Lives in: the thread that created it.
class StreamServer : public QObject
{
    Q_OBJECT
public:
    explicit StreamServer(StreamServerConfig config, QObject *parent = nullptr);
    ~StreamServer() override;
    /// Listens; the port, or why not (the files unreadable, the port taken).
    Result<quint16> start();
    /// Lines in the files (once counted at start).
    quint64 lines() const;

signals:
    /// A client has been sent every line.
    void endReached(quint64 lines);

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace OddsTap::Betfair

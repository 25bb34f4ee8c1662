// SPDX-License-Identifier: MIT
// A WebSocket server written for hostile-server tests: it speaks just enough of RFC 6455 (the
// handshake, reading the client's masked subscribe) and then sends exactly the bytes a test
// gives it, including frames no well-behaved library would send (invalid UTF-8 in a text frame).
#pragma once

#include <QCryptographicHash>
#include <QHostAddress>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpServer>
#include <QTcpSocket>

#include <functional>
#include <optional>

namespace OddsTap::Testing {

class RawWsServer : public QObject
{
public:
    /// What to send after the client subscribed: (connection number from 1, from_seq or none).
    using Script =
        std::function<void(RawWsServer &server, QTcpSocket *socket, int connection, std::optional<quint64> fromSeq)>;

    explicit RawWsServer(Script script)
        : m_script(std::move(script))
    {
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *s = m_server.nextPendingConnection()) {
                s->setParent(this);
                const int number = ++m_connections;
                auto buffer = std::make_shared<QByteArray>();
                auto handshaken = std::make_shared<bool>(false);
                connect(s, &QTcpSocket::readyRead, s, [this, s, number, buffer, handshaken] {
                    buffer->append(s->readAll());
                    if (!*handshaken) {
                        const qsizetype end = buffer->indexOf("\r\n\r\n");
                        if (end < 0) {
                            return;
                        }
                        const QByteArray request = buffer->left(end);
                        buffer->remove(0, end + 4);
                        QByteArray key;
                        for (const QByteArray &line : request.split('\n')) {
                            if (line.toLower().startsWith("sec-websocket-key:")) {
                                key = line.mid(18).trimmed();
                            }
                        }
                        const QByteArray magic = key + QByteArray("258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
                        const QByteArray accept = QCryptographicHash::hash(magic, QCryptographicHash::Sha1).toBase64();
                        const QByteArray response = QByteArray("HTTP/1.1 101 Switching Protocols\r\nUpgrade: "
                                                               "websocket\r\nConnection: Upgrade\r\n"
                                                               "Sec-WebSocket-Accept: ")
                            + accept + QByteArray("\r\n\r\n");
                        s->write(response);
                        *handshaken = true;
                    }
                    QByteArray payload;
                    while (takeClientFrame(*buffer, payload)) {
                        const QJsonObject sub = QJsonDocument::fromJson(payload).object();
                        if (sub.value(QStringLiteral("op")).toString() == QLatin1String("subscribe")) {
                            std::optional<quint64> from;
                            if (sub.contains(QStringLiteral("from_seq"))) {
                                from = quint64(sub.value(QStringLiteral("from_seq")).toInteger());
                            }
                            m_script(*this, s, number, from);
                        }
                    }
                });
            }
        });
    }

    bool listen() { return m_server.listen(QHostAddress::LocalHost, 0); }
    quint16 port() const { return m_server.serverPort(); }
    int connections() const { return m_connections; }

    /// One unmasked, final frame with `opcode` (1 text, 2 binary, 8 close) and exactly these bytes.
    static void sendFrame(QTcpSocket *s, quint8 opcode, const QByteArray &payload)
    {
        QByteArray frame;
        frame.append(char(0x80 | opcode));
        const quint64 n = quint64(payload.size());
        if (n < 126) {
            frame.append(char(n));
        } else if (n < 65536) {
            frame.append(char(126));
            frame.append(char(n >> 8));
            frame.append(char(n & 0xff));
        } else {
            frame.append(char(127));
            for (int i = 7; i >= 0; --i) {
                frame.append(char((n >> (8 * i)) & 0xff));
            }
        }
        frame.append(payload);
        s->write(frame);
    }
    static void sendText(QTcpSocket *s, const QByteArray &payload) { sendFrame(s, 1, payload); }
    static void sendBinary(QTcpSocket *s, const QByteArray &payload) { sendFrame(s, 2, payload); }
    /// A valid bet envelope with this seq.
    static QByteArray bet(quint64 seq)
    {
        return QStringLiteral(R"({"type":"bet","seq":%1,"ts":1798761600000,"data":{"bet_id":"b%1","user_id":"u1",)"
                              R"("fixture_id":"f1","market_type":"1x2","selection":"home","stake":10,)"
                              R"("odd_value":2.5,"potential_win":25,"timestamp":1798761600000}})")
            .arg(seq)
            .toUtf8();
    }

private:
    /// Takes one complete masked client frame off the front of `buffer`.
    static bool takeClientFrame(QByteArray &buffer, QByteArray &payload)
    {
        if (buffer.size() < 2) {
            return false;
        }
        const auto *b = reinterpret_cast<const quint8 *>(buffer.constData());
        quint64 n = b[1] & 0x7f;
        qsizetype pos = 2;
        if (n == 126) {
            if (buffer.size() < 4) {
                return false;
            }
            n = (quint64(b[2]) << 8) | b[3];
            pos = 4;
        } else if (n == 127) {
            if (buffer.size() < 10) {
                return false;
            }
            n = 0;
            for (int i = 0; i < 8; ++i) {
                n = (n << 8) | b[2 + i];
            }
            pos = 10;
        }
        const bool masked = b[1] & 0x80;
        const qsizetype total = pos + (masked ? 4 : 0) + qsizetype(n);
        if (buffer.size() < total) {
            return false;
        }
        payload = buffer.mid(pos + (masked ? 4 : 0), qsizetype(n));
        if (masked) {
            for (qsizetype i = 0; i < payload.size(); ++i) {
                payload[i] = char(payload[i] ^ buffer[pos + (i % 4)]);
            }
        }
        buffer.remove(0, total);
        return true;
    }

    QTcpServer m_server;
    Script m_script;
    int m_connections = 0;
};

} // namespace OddsTap::Testing

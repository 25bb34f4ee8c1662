// SPDX-License-Identifier: MIT
// A real redis-server for the tests, and a synchronous reader of what OddsTap wrote into it.
#pragma once

#include <QProcess>
#include <QStringList>
#include <QTcpServer>
#include <QTest>

#include <hiredis.h>
#include <vector>

namespace OddsTap::Testing {

inline quint16 freePort()
{
    QTcpServer s;
    return s.listen(QHostAddress::LocalHost) ? s.serverPort() : 0;
}

/// A synchronous hiredis connection for reading what the cache wrote.
class RedisReader
{
public:
    explicit RedisReader(quint16 port)
        : m_c(redisConnect("127.0.0.1", port))
    { }
    ~RedisReader()
    {
        if (m_c) {
            redisFree(m_c);
        }
    }
    bool ok() const { return m_c && !m_c->err; }
    /// The reply's elements (an array reply) or its string, as text.
    QStringList command(const QStringList &args)
    {
        std::vector<QByteArray> bytes;
        std::vector<const char *> argv;
        std::vector<size_t> lengths;
        for (const QString &a : args) {
            bytes.push_back(a.toUtf8());
        }
        for (const QByteArray &b : bytes) {
            argv.push_back(b.constData());
            lengths.push_back(size_t(b.size()));
        }
        auto *reply = static_cast<redisReply *>(redisCommandArgv(m_c, int(argv.size()), argv.data(), lengths.data()));
        QStringList out;
        if (!reply) {
            return out;
        }
        if (reply->type == REDIS_REPLY_ARRAY) {
            for (size_t i = 0; i < reply->elements; ++i) {
                out << QString::fromUtf8(reply->element[i]->str, int(reply->element[i]->len));
            }
        } else if (reply->type == REDIS_REPLY_STRING || reply->type == REDIS_REPLY_STATUS) {
            out << QString::fromUtf8(reply->str, int(reply->len));
        } else if (reply->type == REDIS_REPLY_INTEGER) {
            out << QString::number(reply->integer);
        }
        freeReplyObject(reply);
        return out;
    }

private:
    redisContext *m_c;
};

/// Starts redis-server on 127.0.0.1:port, not daemonized: the test owns the process, kills it and
/// starts it again on the same port. False (with a warning) when it does not answer within 10 s.
inline bool startRedis(QProcess &redis, quint16 port)
{
    redis.start(QStringLiteral("redis-server"),
        { QStringLiteral("--port"), QString::number(port), QStringLiteral("--bind"), QStringLiteral("127.0.0.1"),
            QStringLiteral("--save"), QString(), QStringLiteral("--appendonly"), QStringLiteral("no") });
    if (!redis.waitForStarted(10000)) {
        qWarning("redis-server cannot be started (scripts/test installs package redis-server): %s",
            qPrintable(redis.errorString()));
        return false;
    }
    return QTest::qWaitFor([port] { return RedisReader(port).ok(); }, 10000);
}

} // namespace OddsTap::Testing

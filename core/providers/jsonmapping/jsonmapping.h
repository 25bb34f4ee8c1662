// SPDX-License-Identifier: MIT
#pragma once

#include <core/feed/feeddecoder.h>
#include <core/feed/framedecoder.h>

#include <QHash>
#include <QString>

#include <string>
#include <vector>

namespace OddsTap {

/// How a JSON feed of another shape maps onto feed-protocol v1 (docs/providers.md, "Any JSON
/// feed"): where each message keeps its type, seq and time (JSON Pointers, RFC 6901), which of its
/// types are fixture, odds, bet or heartbeat messages, and where each protocol field is found,
/// with values renamed (a status "IN_PLAY" to "live") and times converted.
class JsonMapping
{
public:
    /// How the provider writes a time.
    enum class TimeFormat : std::uint8_t
    {
        AsIs, ///< already as the protocol wants it
        EpochMs,
        EpochSeconds,
        Iso, ///< ISO 8601 text
    };
    struct Field
    {
        std::string name; ///< the protocol's field ("odd_value")
        std::string pointer; ///< where the provider keeps it ("/price/decimal")
        QHash<QString, QString> values; ///< provider value -> protocol value (text values only)
        TimeFormat time = TimeFormat::AsIs;
    };

    static Result<std::shared_ptr<const JsonMapping>> load(const QString &path);
    /// @p origin names the file in messages.
    static Result<std::shared_ptr<const JsonMapping>> parse(const QByteArray &json, const QString &origin);

    const QString &path() const { return m_path; }
    const std::string &typePointer() const { return m_typePointer; }
    const std::string &seqPointer() const { return m_seqPointer; } ///< empty: seqs are assigned in order
    const std::string &tsPointer() const { return m_ts.pointer; } ///< empty: the receive time
    const Field &ts() const { return m_ts; }
    /// One kind of the provider's messages: the event it becomes and where its fields are.
    struct Message
    {
        EventType type = EventType::Heartbeat;
        std::vector<Field> fields;
    };
    /// The message kind of a provider's type value; null for one the mapping does not name.
    const Message *message(const QString &providerType) const;

private:
    QString m_path;
    std::string m_typePointer;
    std::string m_seqPointer;
    Field m_ts;
    QHash<QString, Message> m_messages;
};

/// The JsonMapping profile: each provider message is rewritten into a protocol envelope and
/// validated by the reference decoder, so the rules and reject codes are the protocol's own; a
/// reject keeps the provider's raw text and says where a field was mapped from.
class JsonMappingDecoder : public FeedDecoder
{
public:
    JsonMappingDecoder(std::shared_ptr<const JsonMapping> mapping, DecoderLimits limits);
    ~JsonMappingDecoder() override;
    std::size_t decode(QByteArrayView frame, const FrameContext &context, EventBatch &out) override;
    /// Without a seq pointer the mapping numbers messages itself: after a restart it goes on from
    /// what storage holds, so that new messages are not taken for duplicates.
    void resumeAfter(quint64 seq) override;

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace OddsTap

// SPDX-License-Identifier: MIT
#include <core/feed/feeddecoder.h>
#include <core/feed/framedecoder.h>
#include <core/providers/betfair/betfairdecoder.h>
#include <core/providers/jsonmapping/jsonmapping.h>

namespace OddsTap {

Result<FeedProfile> parseFeedProfile(const QString &text)
{
    if (text.isEmpty() || text.compare(QLatin1String("reference"), Qt::CaseInsensitive) == 0) {
        return FeedProfile {};
    }
    if (text.compare(QLatin1String("betfair"), Qt::CaseInsensitive) == 0) {
        return FeedProfile::betfair();
    }
    if (text.startsWith(QLatin1String("mapping:"))) {
        auto mapping = JsonMapping::load(text.mid(8));
        if (!mapping) {
            return mapping.error();
        }
        return FeedProfile { ProfileKind::JsonMapping, std::move(mapping.value()) };
    }
    return Error { QStringLiteral("usage"),
        QStringLiteral("unknown profile '%1': reference, betfair or mapping:FILE").arg(text) };
}

QString feedProfileName(const FeedProfile &profile)
{
    switch (profile.kind) {
    case ProfileKind::Reference:
        return QStringLiteral("reference");
    case ProfileKind::Betfair:
        return QStringLiteral("betfair");
    case ProfileKind::JsonMapping:
        return QStringLiteral("mapping:") + (profile.mapping ? profile.mapping->path() : QString());
    }
    return QStringLiteral("reference");
}

std::unique_ptr<FeedDecoder> makeFeedDecoder(const FeedProfile &profile, const DecoderLimits &limits)
{
    switch (profile.kind) {
    case ProfileKind::Betfair: {
        Betfair::StreamLimits l;
        // A full image of a big market is larger than any reference frame: the larger limit wins.
        l.maxLineBytes = std::max(l.maxLineBytes, limits.maxFrameBytes);
        return std::make_unique<Betfair::StreamDecoder>(l);
    }
    case ProfileKind::JsonMapping:
        if (profile.mapping) {
            return std::make_unique<JsonMappingDecoder>(profile.mapping, limits);
        }
        break;
    case ProfileKind::Reference:
        break;
    }
    return std::make_unique<FrameDecoder>(limits);
}

} // namespace OddsTap

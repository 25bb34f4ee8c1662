// SPDX-License-Identifier: MIT
#include <core/feed/feeddecoder.h>
#include <core/feed/framedecoder.h>
#include <core/providers/betfair/betfairdecoder.h>

namespace OddsTap {

std::optional<FeedProfile> feedProfileFromName(QStringView name)
{
    if (name.compare(QLatin1String("reference"), Qt::CaseInsensitive) == 0) {
        return FeedProfile::Reference;
    }
    if (name.compare(QLatin1String("betfair"), Qt::CaseInsensitive) == 0) {
        return FeedProfile::Betfair;
    }
    return std::nullopt;
}

QString feedProfileName(FeedProfile profile)
{
    switch (profile) {
    case FeedProfile::Reference:
        return QStringLiteral("reference");
    case FeedProfile::Betfair:
        return QStringLiteral("betfair");
    }
    return QStringLiteral("reference");
}

std::unique_ptr<FeedDecoder> makeFeedDecoder(FeedProfile profile, const DecoderLimits &limits)
{
    switch (profile) {
    case FeedProfile::Betfair: {
        Betfair::StreamLimits l;
        // A full image of a big market is larger than any reference frame: the larger limit wins.
        l.maxLineBytes = std::max(l.maxLineBytes, limits.maxFrameBytes);
        return std::make_unique<Betfair::StreamDecoder>(l);
    }
    case FeedProfile::Reference:
        break;
    }
    return std::make_unique<FrameDecoder>(limits);
}

} // namespace OddsTap

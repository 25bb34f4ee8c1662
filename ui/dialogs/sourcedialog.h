// SPDX-License-Identifier: MIT
#pragma once

#include <core/feed/feedclient.h>

#include <optional>

class QWidget;

namespace OddsTap {

/// Sources ▸ Add source…: a URL, a source id and a token file, checked before it closes.
namespace SourceDialog {

/// Asks for a new source; saves it for the next start and returns it, or nothing when cancelled.
std::optional<FeedSourceConfig> ask(QWidget *parent);

} // namespace SourceDialog

} // namespace OddsTap

// SPDX-License-Identifier: MIT
#pragma once

#include <core/feed/feedclient.h>
#include <ui/settings.h>

#include <optional>

class QWidget;

namespace OddsTap {

/// Sources ▸ Add source… and Edit source…: a URL, a source id and a token file, checked before
/// it closes.
namespace SourceDialog {

/// Asks for a new source; saves it for the next start and returns it, or nothing when cancelled.
std::optional<FeedSourceConfig> ask(QWidget *parent);
/// Edits a saved source's URL and token file (its id names its stream in the database and stays);
/// saves the change and returns the source as it now runs, or nothing when cancelled.
std::optional<FeedSourceConfig> edit(QWidget *parent, const Settings::Source &source);

} // namespace SourceDialog

} // namespace OddsTap

// SPDX-License-Identifier: MIT
#include "logging.h"

Q_LOGGING_CATEGORY(lcFeed, "oddstap.feed", QtInfoMsg)
Q_LOGGING_CATEGORY(lcPipeline, "oddstap.pipeline", QtInfoMsg)
Q_LOGGING_CATEGORY(lcStorage, "oddstap.storage", QtInfoMsg)
Q_LOGGING_CATEGORY(lcSession, "oddstap.session", QtInfoMsg)
Q_LOGGING_CATEGORY(lcCache, "oddstap.cache", QtInfoMsg)
Q_LOGGING_CATEGORY(lcMetrics, "oddstap.metrics", QtInfoMsg)
Q_LOGGING_CATEGORY(lcUi, "oddstap.ui", QtInfoMsg)
Q_LOGGING_CATEGORY(lcCli, "oddstap.cli", QtInfoMsg)

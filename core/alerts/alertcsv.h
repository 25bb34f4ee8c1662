// SPDX-License-Identifier: MIT
#pragma once

#include <core/alerts/alertengine.h>

#include <QByteArray>

namespace OddsTap {

/// Alerts as CSV (RFC 4180), one per line, the same from a live capture (`capture --alerts`) and
/// from a back-test, so the two compare line by line.
QByteArray alertCsvHeader();
QByteArray alertCsvLine(const Alert &alert);

} // namespace OddsTap

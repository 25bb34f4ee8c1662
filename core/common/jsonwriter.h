// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QString>

#include <string_view>

namespace OddsTap::Json {

/// Minimal, fast JSON text building for the hot paths that emit envelopes (simulator, replay).
/// Appends an escaped JSON string (with quotes).
void appendString(QByteArray &out, std::string_view utf8);
void appendString(QByteArray &out, const QString &text);
/// Appends a number with at most `decimals` fraction digits and no trailing zeros ("2.15", "3"),
/// rounded as printf's "%.*f" (exact ties to even); NaN and infinities as null.
void appendDecimal(QByteArray &out, double value, int decimals);
void appendInt(QByteArray &out, qint64 v);
void appendUInt(QByteArray &out, quint64 v);

} // namespace OddsTap::Json

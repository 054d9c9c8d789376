// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include "chatprotocol.h"

#include <QJsonObject>

#include <optional>

// Reading and checking the fields of a chat request, and encoding events: shared by
// the protocol's core (chatprotocol.cpp) and its request handlers (chatrequests.cpp).
namespace WsPlug::ChatFields {

using Problem = ChatProblem;

Problem badField(const QString &field, const QString &message);
Problem notInRoom(const QString &room);
QString encode(const QJsonObject &object);
//! A required string field; a Problem if it is missing, null or not a string.
std::optional<Problem> readString(const QJsonObject &object, const QString &key, QString *out);
//! Room names and nicks end up in other clients' user interfaces: not empty, at most
//! \a maxLength, no padding, no control or format characters.
std::optional<Problem> checkName(const QString &key, const QString &value, int maxLength);
//! The key nicks are unique by in a room.
QString nickKey(const QString &nick);
//! "null", "a number", ...: what a JSON value is, for an error message.
QString jsonTypeName(const QJsonValue &value);

// The largest integer a JSON number (an IEEE double) carries exactly.
inline constexpr double maxExactInteger = 9007199254740992.0;

} // namespace WsPlug::ChatFields

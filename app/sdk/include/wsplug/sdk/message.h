// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QString>
#include <QStringList>
#include <QVariantMap>

namespace WsPlug {

//! Host-wide unique id of a session; never reused while the host runs.
using SessionId = quint64;

//! One complete WebSocket message (all fragments joined).
struct Message
{
    enum class Type { Text, Binary };

    Type type = Type::Text;
    QString text;      //!< set for Type::Text
    QByteArray data;   //!< set for Type::Binary

    static Message fromText(const QString &text) { return {Type::Text, text, {}}; }
    static Message fromBinary(const QByteArray &data) { return {Type::Binary, {}, data}; }
    bool isText() const { return type == Type::Text; }
    bool isBinary() const { return type == Type::Binary; }
};

//! What a plugin may know about a session: plain values, never a socket.
struct SessionInfo
{
    SessionId id = 0;
    QString path;          //!< request path, e.g. "/broadcast/prices"
    QString query;         //!< raw query string without '?', kept for the plugin
    QString route;         //!< the route of the plugin that matched, e.g. "/broadcast"
    QString peerAddress;   //!< e.g. "127.0.0.1" or "::1"
    quint16 peerPort = 0;
    QString subprotocol;   //!< negotiated Sec-WebSocket-Protocol, empty if none
    QDateTime connectedAt;

    // From the bearer token the session presented (routes that require one, see
    // --require-token); all empty otherwise. A refresh (HostContext::refreshToken())
    // updates them: read them again through HostContext::session().
    QString subject;           //!< the token's "sub" claim
    QStringList roles;         //!< the token's "roles" claim (an array of strings, or one space-separated string)
    QVariantMap claims;        //!< every claim of the token, custom ones included
    QDateTime tokenExpiresAt;  //!< the token's "exp" (UTC); null when it has none. The host closes
                               //!< the session with 4001 a grace period after it, unless refreshed
};

} // namespace WsPlug

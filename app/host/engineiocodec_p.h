// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/wsplug_export.h>

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>

namespace WsPlug::Internal {

//! One Engine.IO v4 packet: a type digit and its data (text, or binary bytes).
struct EngineIoPacket
{
    enum Type : char {
        Open = '0', Close = '1', Ping = '2', Pong = '3', Message = '4', Upgrade = '5', Noop = '6',
    };
    Type type = Noop;
    bool binary = false;   //!< a binary message (only with Message)
    QByteArray data;       //!< UTF-8 text, or the binary message's bytes
};

/*
 * The Engine.IO protocol v4 (https://socket.io/docs/v4/engine-io-protocol/) as bytes
 * and values, without I/O: polling payloads (packets joined by \x1e, binary as "b" and
 * base64), the packets of the WebSocket transport, the open packet, the request's
 * query (EIO, transport, sid) and engine.io's error bodies. Unit-tested and fuzzed.
 */
class WSPLUG_EXPORT EngineIoCodec
{
public:
    //! engine.io's error codes (its Server.errors), sent as {"code":N,"message":"..."}.
    enum Error {
        UnknownTransport = 0,
        UnknownSid = 1,
        BadHandshakeMethod = 2,
        BadRequest = 3,
        Forbidden = 4,
        UnsupportedProtocolVersion = 5,
    };
    //! engine.io's JSON body for \a error, e.g. {"code":1,"message":"Session ID unknown"}.
    static QByteArray errorBody(Error error);
    //! engine.io's status for \a error: 403 for Forbidden, else 400.
    static int errorStatus(Error error) { return error == Forbidden ? 403 : 400; }

    //! What an Engine.IO request asks for, from its query string.
    struct Query
    {
        QByteArray eio;         //!< protocol version ("4")
        QByteArray transport;   //!< "polling" or "websocket"
        QByteArray sid;         //!< empty for a handshake
        QString userQuery;      //!< the rest of the query (what the plugin sees), "t" left out
    };
    static Query parseQuery(const QByteArray &query);
    //! The error to answer \a query with before any session is looked up, if any.
    static std::optional<Error> checkQuery(const Query &query);

    //! True if \a path is "<base>/engine.io/" (or without the last slash); \a base then
    //! gets the path the plugin route is matched against ("/" when it is the root).
    static bool splitPath(const QString &path, QString *base);

    //! Appends \a packet to a polling payload (with the separator when not first).
    static void appendToPayload(QByteArray &payload, const EngineIoPacket &packet);
    static QByteArray encodePayload(const QList<EngineIoPacket> &packets);
    //! The text frame carrying \a packet on the WebSocket transport (not for binary).
    static QByteArray encodeText(const EngineIoPacket &packet);

    /*! Decodes the body of a polling POST. False with a one-line reason when it is not
        a well-formed v4 payload: an empty packet, an unknown or server-only type, base64
        that does not decode, text that is not UTF-8, or a message larger than
        \a maxMessageBytes. */
    static bool decodePayload(const QByteArray &body, qint64 maxMessageBytes, QList<EngineIoPacket> *packets,
                              QByteArray *why);
    //! Decodes one text frame of the WebSocket transport (the frame's UTF-8 is Qt's to check).
    static std::optional<EngineIoPacket> decodeText(const QByteArray &text);

    //! The open packet's JSON (without the leading '0').
    static QByteArray openJson(const QByteArray &sid, bool canUpgrade, int pingIntervalMs, int pingTimeoutMs,
                               qint64 maxPayload);
    //! A fresh session id: 20 characters of base64url, as engine.io's.
    static QByteArray newSid();
};

} // namespace WsPlug::Internal

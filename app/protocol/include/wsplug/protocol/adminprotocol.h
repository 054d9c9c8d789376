// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/hoststats.h>
#include <wsplug/pluginregistry.h>
#include <wsplug/session.h>

#include <QJsonArray>
#include <QJsonObject>

// The admin channel's wire format, version 1. docs/admin-protocol.md describes it;
// this is the one implementation of it, used by both ends.
namespace WsPlug::Protocol {

inline constexpr int Version = 1;
inline constexpr char AdminPath[] = "/_admin";

// Server -> client message "type" values.
inline constexpr char TypeSnapshot[] = "snapshot";
inline constexpr char TypeTick[] = "tick";
inline constexpr char TypeReply[] = "reply";

QJsonObject toJson(const SessionSnapshot &session);
SessionSnapshot sessionFromJson(const QJsonObject &object);

//! The compact per-tick counter update of a session: [id, state, inMsgs, outMsgs, inFrames,
//! outFrames, inBytes, outBytes, lastActivityMs, pingRttMs].
QJsonArray toCounterUpdate(const SessionSnapshot &session);
//! Applies an update from toCounterUpdate() to \a session (whose id must match). False if malformed.
bool applyCounterUpdate(const QJsonArray &update, SessionSnapshot *session);
SessionId counterUpdateId(const QJsonArray &update);

QJsonObject toJson(const HandshakeRecord &record);
HandshakeRecord handshakeFromJson(const QJsonObject &object);

QJsonObject toJson(const RateSample &sample);
RateSample rateSampleFromJson(const QJsonObject &object);

QJsonObject toJson(const HostStats &stats);
HostStats statsFromJson(const QJsonObject &object);

QJsonObject toJson(const PluginMetadata &plugin, int sessionCount);
QJsonObject toJson(const RefusedPlugin &plugin);

QString stateName(SessionSnapshot::State state);
SessionSnapshot::State stateFromName(const QString &name);
CloseCause causeFromName(const QString &name);
HandshakeRecord::Outcome outcomeFromName(const QString &name);

//! A client -> server command.
struct Command
{
    enum class Kind { Close, Kick, CloseRoute, Send, List, Get, Handshake, Snapshot };

    qint64 id = 0;            //!< echoed in the reply
    Kind kind = Kind::List;
    SessionId session = 0;    //!< close, kick, send, get
    quint16 code = 1000;      //!< close, closeRoute
    QString reason;           //!< close, closeRoute
    QString route;            //!< closeRoute
    QString text;             //!< send
    quint64 handshake = 0;    //!< handshake
};
QString commandName(Command::Kind kind);

/*! Parses one command message. False with a one-line \a errorString naming the
    problem (not JSON, unknown command, missing or mistyped field, bad close code);
    \a command->id is still filled when the message had a usable id. */
bool parseCommand(const QByteArray &json, Command *command, QString *errorString);
QByteArray serialize(const Command &command);

//! A reply to command \a id: ok with an optional result, or an error.
QByteArray replyOk(qint64 id, const QJsonValue &result = QJsonValue());
QByteArray replyError(qint64 id, const QString &error);

//! \a text as it may appear in a one-line message (an error, a log line): control
//! characters escaped as \uXXXX, at most 64 characters. Peer or config input quoted
//! in a message can then neither break nor forge lines.
QString oneLine(const QString &text);

//! A close frame's reason is at most this many bytes of UTF-8 (RFC 6455 5.5: 125 minus the code).
inline constexpr int MaxCloseReasonBytes = 123;
//! True if a close code may be sent by an operator (1000-1003, 1007-1014, 3000-4999).
bool isSendableCloseCode(int code);

} // namespace WsPlug::Protocol

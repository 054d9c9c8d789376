// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/protocol/types.h>

#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>

// The admin channel's wire format, version 1. docs/admin-protocol.md describes it;
// this is the one implementation of it: the host encodes with these functions, the
// monitor decodes with them, and neither builds or reads a message by hand.
namespace WsPlug::Protocol {

inline constexpr int Version = 1;
inline constexpr char AdminPath[] = "/_admin";

// Server -> client message "type" values.
inline constexpr char TypeSnapshot[] = "snapshot";
inline constexpr char TypeTick[] = "tick";
inline constexpr char TypeReply[] = "reply";
inline constexpr char TypeFrames[] = "frames";

// ---- values ------------------------------------------------------------------

QJsonObject toJson(const SessionSnapshot &session);
SessionSnapshot sessionFromJson(const QJsonObject &object);
//! A "list" reply's result: an array of sessions.
QList<SessionSnapshot> sessionsFromJson(const QJsonValue &array);

//! The compact per-tick counter update: [id, state, inMsgs, outMsgs, inFrames,
//! outFrames, inBytes, outBytes, lastActivityMs, pingRttMs, inText, outText].
QJsonArray toJson(const CounterUpdate &update);
//! False if \a array is not a well-formed update.
bool counterUpdateFromJson(const QJsonArray &array, CounterUpdate *update);

QJsonObject toJson(const HandshakeRecord &record);
HandshakeRecord handshakeFromJson(const QJsonObject &object);

QJsonObject toJson(const RateSample &sample);
RateSample rateSampleFromJson(const QJsonObject &object);

QJsonObject toJson(const HostStats &stats);
HostStats statsFromJson(const QJsonObject &object);

QJsonObject toJson(const PluginInfo &plugin);
PluginInfo pluginFromJson(const QJsonObject &object);
QJsonObject toJson(const PluginRefusal &refusal);
QJsonObject toJson(const PluginEvent &event);
PluginEvent pluginEventFromJson(const QJsonObject &object);
PluginRefusal refusalFromJson(const QJsonObject &object);

QJsonObject toJson(const HostInfo &host);
HostInfo hostInfoFromJson(const QJsonObject &object);
QJsonObject toJson(const ClusterInfo &cluster);
ClusterInfo clusterInfoFromJson(const QJsonObject &object);

// ---- server -> client messages -----------------------------------------------

enum class MessageType { Snapshot, Tick, Reply, Frames, Unknown };
//! The type of a server message (its "type" key).
MessageType messageType(const QJsonObject &message);

//! The whole "snapshot" message (also the result of the "snapshot" command), ready to send.
QByteArray encode(const Snapshot &snapshot);
//! The same, as an object (parsed back from encode()'s text: one definition).
QJsonObject toJson(const Snapshot &snapshot);
Snapshot snapshotFromJson(const QJsonObject &message);

//! The "tick" message, ready to send: lists that are empty are left out.
QByteArray encode(const Tick &tick);
//! The same, as an object (parsed back from encode()'s text).
QJsonObject toJson(const Tick &tick);
Tick tickFromJson(const QJsonObject &message);

//! The "frames" message, sent with a tick to a client that watches sessions.
QJsonObject toJson(const FramesReport &report);
FramesReport framesFromJson(const QJsonObject &message);
QJsonObject toJson(const FrameRecord &frame);
FrameRecord frameFromJson(const QJsonObject &object);

//! A reply to a command.
struct Reply
{
    qint64 id = 0;
    bool ok = false;
    QJsonValue result;    //!< ok only; Undefined when the command returns nothing
    QString error;        //!< !ok only
};
QByteArray replyOk(qint64 id, const QJsonValue &result = QJsonValue());
//! The same for the results of the session list, one session and the snapshot, written
//! straight to text (no QJsonObject in between: the list may hold thousands).
QByteArray replyOk(qint64 id, const QList<SessionSnapshot> &sessions);
QByteArray replyOk(qint64 id, const SessionSnapshot &session);
QByteArray replyOk(qint64 id, const Snapshot &snapshot);
QByteArray replyError(qint64 id, const QString &error);
Reply replyFromJson(const QJsonObject &message);

//! \a message as one compact JSON text, ready to send.
QByteArray encode(const QJsonObject &message);
//! Parses one server message; an empty object if it is not a JSON object.
QJsonObject decode(const QByteArray &message);

// ---- client -> server commands -----------------------------------------------

//! What the "hold" command holds back, to show a heartbeat at work (RFC 6455 5.5.2-3).
enum class HoldKind {
    HostPongs,     //!< "hostPongs": the host answers none of the client's pings
    ClientPongs,   //!< "clientPongs": the host ignores the client's pongs (its heartbeat reaps it)
};
//! What the "fault" command sends: a frame a compliant client must fail the connection on.
enum class Fault {
    OversizedControl,     //!< "oversizedControl": a ping with 126 bytes (5.5: at most 125)
    FragmentedControl,    //!< "fragmentedControl": a ping without FIN (5.5: never fragmented)
    InvalidUtf8,          //!< "invalidUtf8": a text frame that is not UTF-8 (8.1)
    ReservedOpcode,       //!< "reservedOpcode": opcode 0x3 (5.2)
    ReservedBits,         //!< "reservedBits": RSV1 set without an extension (5.2)
    NonMinimalLength,     //!< "nonMinimalLength": 2 bytes in the 16-bit length form (5.2)
};
QString holdName(HoldKind kind);
QString faultName(Fault fault);
//! Every fault, in the order above.
QList<Fault> allFaults();
//! The longest ping payload (RFC 6455 5.5: a control frame carries at most 125 bytes).
inline constexpr int MaxPingPayload = 125;
//! The most frames the "send" command cuts one message into.
inline constexpr int MaxSendFrames = 1000;

// Recording the watched sessions as pcapng ("record", "recordStop", "recordFetch").
inline constexpr qint64 DefaultRecordingBytes = 16 * 1024 * 1024;
inline constexpr qint64 MinRecordingBytes = 4096;
inline constexpr qint64 MaxRecordingBytes = 64 * 1024 * 1024;
//! The most bytes of a recording one "recordFetch" reply carries (before base64).
inline constexpr qint64 RecordingChunkBytes = 256 * 1024;

//! A client -> server command.
struct Command
{
    enum class Kind { Close, Kick, CloseRoute, Send, List, Get, Handshake, Snapshot, Watch, Unwatch,
                      Ping, Hold, Fault, LoadPlugin, ReloadPlugin, UnloadPlugin, Record, RecordStop, RecordFetch,
                      Drain };

    qint64 id = 0;            //!< echoed in the reply
    Kind kind = Kind::List;
    SessionId session = 0;    //!< close, kick, send, get; watch, unwatch (or a route)
    quint16 code = 1000;      //!< close, closeRoute
    QString reason;           //!< close, closeRoute
    QString route;            //!< closeRoute; watch, unwatch (instead of a session)
    QString text;             //!< send (a text message)
    QByteArray data;          //!< send (a binary message: "binary", base64); ping (its payload)
    bool binary = false;      //!< send: data, not text
    int frames = 1;           //!< send: the message cut into this many frames
    HoldKind hold = HoldKind::HostPongs;   //!< hold
    bool on = true;           //!< hold
    Fault fault = Fault::OversizedControl; //!< fault
    QString plugin;           //!< loadPlugin (a file in a plugin directory), reloadPlugin, unloadPlugin (an Id)
    quint64 handshake = 0;    //!< handshake
    qint64 maxBytes = DefaultRecordingBytes;   //!< record
    qint64 offset = 0;        //!< recordFetch
    int periodMs = -1;        //!< drain (-1: the host's --drain-period)
};
QString commandName(Command::Kind kind);

/*! Parses one command message. False with a one-line \a errorString naming the
    problem (not JSON, unknown command, missing or mistyped field, bad close code);
    \a command->id is still filled when the message had a usable id. */
bool parseCommand(const QByteArray &json, Command *command, QString *errorString);
QByteArray serialize(const Command &command);

// ---- rules both ends share ---------------------------------------------------

//! \a text as it may appear in a one-line message (an error, a log line): control
//! characters escaped as \uXXXX, at most 64 characters. Peer or config input quoted
//! in a message can then neither break nor forge lines.
QString oneLine(const QString &text);

//! A close frame's reason is at most this many bytes of UTF-8 (RFC 6455 5.5: 125 minus the code).
inline constexpr int MaxCloseReasonBytes = 123;
//! \a reason cut to MaxCloseReasonBytes of UTF-8, never inside a character.
QString truncatedCloseReason(const QString &reason);
//! True if the host sends close code \a code for an operator or a plugin:
//! 1000-1003, 1007-1014 and 3000-4999 (RFC 6455 7.4; 1004-1006 and 1015 are never sent).
bool isSendableCloseCode(int code);
//! The codes isSendableCloseCode() accepts, as people read them.
inline constexpr char SendableCloseCodes[] = "1000-1003, 1007-1014, 3000-4999";

// ---- frames ------------------------------------------------------------------

//! A frame's payload travels cut to this many bytes (its length is always whole).
inline constexpr int MaxFramePayloadShown = 1024;

//! A frame header's fields (RFC 6455 5.2).
struct FrameHeader
{
    bool fin = false;
    int rsv = 0;                //!< RSV1-3 as bits 2, 1, 0
    int opcode = 0;
    bool masked = false;
    QByteArray maskingKey;      //!< 4 bytes when masked
    int lengthBits = 7;         //!< the form the length took: 7, 16 (126) or 64 (127)
    quint64 payloadLength = 0;
    int size = 0;               //!< header bytes: 2 to 14
};
/*! The header at the start of \a bytes, or false if they do not hold a whole one.
    Any bits are accepted (a reserved opcode, RSV bits, a length not in its shortest
    form): the inspector shows frames as they were, valid or not. */
bool parseFrameHeader(const QByteArray &bytes, FrameHeader *header);
//! "text", "binary", "continuation", "close", "ping", "pong", or "reserved (0x3)".
QString opcodeName(int opcode);
//! True for a length in more bytes than it needs (RFC 6455 5.2: the minimal form must be used).
bool isNonMinimalLength(const FrameHeader &header);
//! True for RSV1, and no other RSV bit, on the first frame of a data message of a session
//! with permessage-deflate: a compressed message (RFC 7692 6). Every other set RSV bit is
//! one no agreed extension defines (RFC 6455 5.2).
bool isCompressedMessage(const FrameRecord &frame, const FrameHeader &header);

} // namespace WsPlug::Protocol

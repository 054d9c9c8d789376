// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/hoststats.h>
#include <wsplug/session.h>

#include "frameencoder_p.h"

#include <QObject>
#include <QSet>

#include <memory>

namespace WsPlug {
class MessageHandlerInterface;
}

namespace WsPlug::Internal {

class FrameSink;
class FrameWatch;
class PluginContext;

/*
 * The connection under a session: what the host needs of it, whatever carries the
 * messages. The WebSocket one is WebSocketTransport; plugins, stats and the admin
 * channel never see it, only the Session.
 */
class SessionTransport
{
public:
    //! How a connection ended that the host did not close itself.
    struct PeerClose
    {
        quint16 code = 1006;
        QString reason;
        CloseCause cause = CloseCause::Error;
    };
    //! Data frames and payload bytes the client sent (as on the wire).
    struct Received
    {
        quint64 frames = 0;
        quint64 bytes = 0;
    };

    virtual ~SessionTransport() = default;

    //! Connected, and no close started underneath the host.
    virtual bool isWritable() const = 0;
    //! A descriptor the host may send() a whole encoded message to directly, or -1
    //! when the transport has data queued (the message must queue behind it).
    virtual int directWriteFd() const = 0;
    //! Writes \a size bytes of an encoded message (whole frames only).
    virtual void write(const char *data, qsizetype size) = 0;
    //! Writes one whole frame given as its header and its payload, and returns what is
    //! unsent after it (unsentBytes()); a transport that can write them without joining
    //! them first overrides this (the default joins them).
    virtual qint64 writeFrame(const char *header, qsizetype headerSize, const QByteArray &payload)
    {
        QByteArray frame;
        frame.reserve(headerSize + payload.size());
        frame.append(header, headerSize).append(payload);
        write(frame.constData(), frame.size());
        return unsentBytes();
    }
    //! Written, not yet taken by the peer.
    virtual qint64 unsentBytes() const = 0;
    //! The largest frame payload a message is cut into.
    virtual qint64 maxFramePayload() const = 0;
    //! A ping with \a payload (at most 125 bytes); its pong arrives as pongReceived().
    virtual void ping(const QByteArray &payload) = 0;
    //! Teaching: the client's pings (no pong goes back) or pongs (the host never hears
    //! back) are dropped on arrival from now on (see ClientFrameFilter::setDropIncoming()).
    virtual void setDropIncoming(bool pings, bool pongs) = 0;
    virtual void close(quint16 code, const QString &reason) = 0;
    virtual void abort() = 0;
    //! Counts since the last call.
    virtual Received takeReceived() = 0;
    //! For a connection that ended without the host asking: who closed it and how.
    virtual PeerClose peerClose() const = 0;
    //! The frame inspector (see FrameWatch): \a sink gets this connection's frames
    //! until unwatchFrames(); frameWatch() is the watch, for what the host sends past
    //! the transport (the fan-out), or nullptr.
    virtual void watchFrames(SessionId session, const QString &route, FrameSink *sink) = 0;
    virtual void unwatchFrames() = 0;
    virtual FrameWatch *frameWatch() const = 0;
    //! The client's close frame, as far as one came: code (-1: none), reason, when.
    struct ClientClose
    {
        int code = -1;
        QString reason;
        qint64 atUs = 0;         //!< steady clock, microseconds
    };
    virtual ClientClose clientClose() const = 0;
    //! The host's close frame, as far as one was written: code (-1: none), reason, when.
    using HostClose = ClientClose;
    virtual HostClose hostClose() const = 0;
};

/*
 * One open connection on a plugin route, as the host keeps it: what the plugin knows
 * (info), its counters and how it ended. It owns its transport, so deleting the
 * Session frees everything the connection took. Transport-neutral: the host's
 * session code (sessions.cpp, sending.cpp) drives it.
 */
class Session final : public QObject
{
public:
    using State = SessionSnapshot::State;

    // No QObject parent: one parent for every session would make each close search
    // its list of children (QObject keeps them in a list). The host owns its sessions:
    // the registry while open, then deleteLater(), or the host's destructor when the
    // event loop never got to them (see pendingDelete).
    Session() = default;
    ~Session() override
    {
        if (pendingDelete)
            pendingDelete->remove(this);
    }

    //! The one conversion from the host's session to the admin protocol's.
    SessionSnapshot view() const;
    bool isOpen() const { return !finished && state == State::Open; }

    SessionTransport *transport = nullptr;   // a QObject child of this session
    SessionInfo info;                        // what the plugin sees
    QString pluginId;
    QString origin;                          // the Origin header, if any
    MessageHandlerInterface *handler = nullptr;
    PluginContext *context = nullptr;
    RouteStats *routeStats = nullptr;        // this session's route aggregate, owned by the stats

    State state = State::Open;
    //! "websocket", "polling", "polling→websocket" (Engine.IO, upgraded at upgradedAt)
    //! or "engine.io websocket". Not in SessionInfo: its layout is the SDK's ABI.
    QString transportName = QStringLiteral("websocket");
    QDateTime upgradedAt;
    //! permessage-deflate: the window its messages are compressed with (9-15); 0: off.
    int deflateWindowBits = 0;
    TrafficCounters in;
    TrafficCounters out;
    // Last activity as ms since the epoch: reading the clock into a QDateTime on every
    // message costs more than the rest of the bookkeeping. view() converts it.
    qint64 lastActivityMs = 0;
    qint64 pingRttMs = -1;
    quint16 closeCode = 0;
    QString closeReason;
    CloseCause closeCause = CloseCause::None;

    qint64 tokenDeadlineMs = 0;     // token exp + grace, ms since the epoch; 0: none
    bool tokenRoute = false;         // on a route that takes a bearer token (it may refresh)
    qint64 lastPingAtMs = 0;        // host clock
    bool awaitingPong = false;
    bool closeRequested = false;     // the host (or an operator) started the close
    bool finished = false;           // removed from the registry, to be deleted (see deliveries)
    bool dirty = false;              // counters changed since the last admin update
    bool backlogAbortQueued = false;
    // Messages being given to the plugin (HostServerPrivate::deliver()): a session
    // finished meanwhile (inside a plugin's nested event loop) is deleted after them.
    int deliveries = 0;
    // Each side's close frame, taken from the transport when it ends.
    SessionTransport::ClientClose clientClose;
    SessionTransport::HostClose hostClose;
    // The rate limits' current one-second window (host clock).
    qint64 rateWindowStartMs = -1000000;
    quint64 rateWindowMessages = 0;
    quint64 rateWindowBytes = 0;
    bool holdHostPongs = false;      // teaching actions (admin "hold")
    bool holdClientPongs = false;
    //! The size of the last message written while nothing was queued: it may pass the
    //! backlog limit (see HostServerPrivate::sendEncoded()).
    qint64 backlogAllowance = 0;
    //! Set once finished: the host's set of sessions whose deleteLater() is pending.
    QSet<Session *> *pendingDelete = nullptr;
};

} // namespace WsPlug::Internal

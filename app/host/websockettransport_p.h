// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include "session_p.h"
#include "websocketconnection_p.h"

namespace WsPlug::Internal {

//! What a transport reports to the host about its session.
class SessionEvents
{
public:
    //! A text message as the client sent it: UTF-8, checked.
    virtual void textReceived(Session *session, const QByteArray &utf8) = 0;
    virtual void binaryReceived(Session *session, const QByteArray &data) = 0;
    virtual void pongReceived(Session *session, qint64 roundTripMs) = 0;
    //! Something was written (by the host or by the transport itself: pongs, close frames).
    virtual void written(Session *session) = 0;
    //! The connection is gone; the session must be finished.
    virtual void disconnected(Session *session) = 0;
    //! The session's transportName changed (an Engine.IO upgrade).
    virtual void transportChanged(Session *session) = 0;

protected:
    ~SessionEvents() = default;
};

/*
 * A session over an upgraded WebSocket connection (the host's own, see
 * WebSocketConnection): what the session needs of it, in SessionTransport's terms. The
 * host writes pre-encoded data frames to the socket itself (see frameencoder_p.h).
 * Per connection that is this object and the socket with its filter.
 */
class WebSocketTransport final : public WebSocketConnection, public SessionTransport
{
public:
    //! Takes \a tcp over (as a child), as a child of \a session.
    WebSocketTransport(Session *session, ConnectionSocket *tcp, const Limits &limits, SessionEvents *events);
    ~WebSocketTransport() override;

    bool isWritable() const override { return WebSocketConnection::isWritable(); }
    int directWriteFd() const override;
    void write(const char *data, qsizetype size) override;
    qint64 writeFrame(const char *header, qsizetype headerSize, const QByteArray &payload) override;
    qint64 unsentBytes() const override { return WebSocketConnection::unsentBytes(); }
    qint64 maxFramePayload() const override { return MaxFramePayload; }
    void ping(const QByteArray &payload) override { WebSocketConnection::ping(payload); }
    void setDropIncoming(bool pings, bool pongs) override;
    void close(quint16 code, const QString &reason) override { WebSocketConnection::close(code, reason); }
    void abort() override { WebSocketConnection::abort(); }
    Received takeReceived() override;
    PeerClose peerClose() const override { return WebSocketConnection::peerClose(); }
    void watchFrames(SessionId session, const QString &route, FrameSink *sink) override;
    void unwatchFrames() override;
    FrameWatch *frameWatch() const override;
    ClientClose clientClose() const override { return WebSocketConnection::clientClose(); }
    HostClose hostClose() const override { return WebSocketConnection::hostClose(); }

    //! A message is cut into frames of at most this (as Qt's default outgoing frame size).
    static constexpr qint64 MaxFramePayload = 512 * 1024;
};

} // namespace WsPlug::Internal

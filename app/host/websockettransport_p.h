// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include "session_p.h"

#include <QPointer>

class QWebSocket;

namespace WsPlug::Internal {

class ConnectionSocket;

//! What a transport reports to the host about its session.
class SessionEvents
{
public:
    //! A text message as the client sent it: UTF-8, checked.
    virtual void textReceived(Session *session, const QByteArray &utf8) = 0;
    virtual void binaryReceived(Session *session, const QByteArray &data) = 0;
    virtual void pongReceived(Session *session, qint64 roundTripMs) = 0;
    //! Something was written (by the host or by Qt itself: pongs, close frames).
    virtual void written(Session *session) = 0;
    //! The connection is gone; the session must be finished.
    virtual void disconnected(Session *session) = 0;
    //! The session's transportName changed (an Engine.IO upgrade).
    virtual void transportChanged(Session *session) = 0;

protected:
    ~SessionEvents() = default;
};

/*
 * A session over an upgraded QWebSocket: every WebSocket specific of a session is
 * here. The host writes pre-encoded frames to the ConnectionSocket under it (see
 * frameencoder_p.h); Qt answers pings and the closing handshake itself.
 */
class WebSocketTransport final : public QObject, public SessionTransport
{
public:
    struct Limits
    {
        qint64 maxFrameBytes = 0;
        qint64 maxMessageBytes = 0;
        int lingerMs = 1000;      // how long a closed connection waits for the peer's FIN
    };

    //! Takes \a socket (and through it \a tcp) over, as a child of \a session.
    WebSocketTransport(Session *session, QWebSocket *socket, ConnectionSocket *tcp,
                       const Limits &limits, SessionEvents *events);
    ~WebSocketTransport() override;

    bool isWritable() const override;
    int directWriteFd() const override;
    void write(const char *data, qsizetype size) override;
    void writeFrame(const char *header, qsizetype headerSize, const QByteArray &payload) override;
    qint64 unsentBytes() const override;
    qint64 maxFramePayload() const override;
    void ping(const QByteArray &payload) override;
    void setDropIncoming(bool pings, bool pongs) override;
    void close(quint16 code, const QString &reason) override;
    void abort() override;
    Received takeReceived() override;
    PeerClose peerClose() const override;
    void watchFrames(SessionId session, const QString &route, FrameSink *sink) override;
    void unwatchFrames() override;
    FrameWatch *frameWatch() const override;
    ClientClose clientClose() const override;
    HostClose hostClose() const override;

private:
    Session *const m_session;
    QWebSocket *const m_socket;
    QPointer<ConnectionSocket> m_tcp;   // a child of the QWebSocket (see HandshakeGate::onUpgraded)
};

} // namespace WsPlug::Internal

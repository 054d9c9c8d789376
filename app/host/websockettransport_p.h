// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include "session_p.h"

#include <QElapsedTimer>
#include <QPointer>

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
 * A session over an upgraded connection: the host's own server side of RFC 6455, with
 * no QWebSocket. The ConnectionSocket's frame filter reads the client's frames once
 * (ClientFrameFilter: data messages whole, control frames checked); this answers pings,
 * reports pongs to the host's own pings, and runs the closing handshake (7.1): the
 * close frame goes out, then TCP closes, lingering so the peer can read it. The host
 * writes pre-encoded data frames to the socket itself (see frameencoder_p.h).
 *
 * Per connection that is this object, the socket and its filter: a QWebSocket, its
 * private object, its data processor and a dozen signal connections are not needed.
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

    //! Takes \a tcp over (as a child).
    WebSocketTransport(Session *session, ConnectionSocket *tcp, const Limits &limits, SessionEvents *events);
    //! Starts reading the client's frames: \a earlyData (what came along with the request
    //! head) first; compressed messages are accepted with \a inflate.
    void start(const QByteArray &earlyData, bool inflate);
    ~WebSocketTransport() override;

    bool isWritable() const override;
    int directWriteFd() const override;
    void write(const char *data, qsizetype size) override;
    void writeFrame(const char *header, qsizetype headerSize, const QByteArray &payload) override;
    qint64 unsentBytes() const override;
    qint64 maxFramePayload() const override { return MaxFramePayload; }
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

    //! A message is cut into frames of at most this (as Qt's default outgoing frame size).
    static constexpr qint64 MaxFramePayload = 512 * 1024;

private:
    void onControl(int opcode, const QByteArray &payload);
    void onPeerClose(const QByteArray &payload);
    //! Fails the connection for a protocol error the client made (RFC 6455 7.1.7).
    void failConnection(quint16 code, const QString &why);
    void writeClose(quint16 code, const QByteArray &reasonUtf8, bool echoEmpty);
    void writeControl(quint8 opcode, const QByteArray &payload);

    Session *const m_session;
    SessionEvents *const m_events;
    QPointer<ConnectionSocket> m_tcp;   // a child of this object
    const Limits m_limits;
    bool m_closeSent = false;
    bool m_peerClosed = false;          // the client's close frame came (and was valid)
    quint16 m_failCode = 0;             // closed for the client's protocol error: the code
    QString m_failReason;
    QElapsedTimer m_pingSent;           // since the host's last ping, while awaiting its pong
    QByteArray m_pingPayload;
};

} // namespace WsPlug::Internal

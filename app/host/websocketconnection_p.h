// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include "session_p.h"

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>

#include <functional>

namespace WsPlug::Internal {

class ConnectionSocket;

/*
 * The host's own server side of RFC 6455 over one upgraded connection, with no
 * QWebSocket: the socket's frame filter reads the client's frames once
 * (ClientFrameFilter: data messages whole, control frames checked), and this answers
 * pings, reports pongs to its own pings and runs the closing handshake (7.1) both ways:
 * its close frame goes out, then TCP closes, lingering so that the peer can read it.
 *
 * Data messages and every write are reported by the socket itself (its onMessage and
 * onWritten), which the owner sets. Sessions use it as WebSocketTransport; the admin
 * channel and Engine.IO's WebSocket as it is.
 */
class WebSocketConnection : public QObject
{
public:
    struct Limits
    {
        qint64 maxFrameBytes = 0;
        qint64 maxMessageBytes = 0;
        int lingerMs = 1000;      // how long a closed connection waits for the peer's FIN
    };

    //! Takes \a tcp over (as a child).
    WebSocketConnection(ConnectionSocket *tcp, const Limits &limits, QObject *parent = nullptr);
    ~WebSocketConnection() override;

    //! A pong that answers this side's last ping, with the round trip.
    std::function<void(qint64 roundTripMs)> onPong;
    //! The connection is gone (TCP closed, however); called once.
    std::function<void()> onDisconnected;

    //! Starts reading the client's frames: \a earlyData (what came along with the request
    //! head) first; compressed messages are accepted with \a inflate.
    void start(const QByteArray &earlyData, bool inflate);
    ConnectionSocket *socket() const;
    //! The peer's address and port, as TCP sees them.
    QString peerAddress() const;
    quint16 peerPort() const;
    //! Written and not yet taken by the peer (see ConnectionSocket::unsentBytes()).
    qint64 unsentBytes() const;

    //! Connected, and no close frame sent.
    bool isWritable() const;
    //! One text message of \a utf8 (checked by the caller), in one frame.
    void sendText(const QByteArray &utf8);
    //! A ping with \a payload (at most 125 bytes).
    void ping(const QByteArray &payload);
    //! Sends the close frame, then closes TCP.
    void close(quint16 code, const QString &reason);
    //! Drops TCP at once (no close frame).
    void abort();

    //! How the connection ended, when this side did not close it.
    SessionTransport::PeerClose peerClose() const;
    SessionTransport::ClientClose clientClose() const;
    SessionTransport::HostClose hostClose() const;

private:
    void onControl(int opcode, QByteArrayView payload);
    void onPeerClose(QByteArrayView payload);
    //! Fails the connection for a protocol error the client made (RFC 6455 7.1.7).
    void failConnection(quint16 code, const QString &why);
    void writeClose(quint16 code, QByteArrayView reasonUtf8, bool echoEmpty);
    void writeControl(quint8 opcode, QByteArrayView payload);

    QPointer<ConnectionSocket> m_tcp;   // a child of this object
    const Limits m_limits;
    bool m_closeSent = false;
    bool m_peerClosed = false;          // the client's close frame came (and was valid)
    quint16 m_failCode = 0;             // closed for the client's protocol error: the code
    QString m_failReason;
    QElapsedTimer m_pingSent;           // since this side's last ping, while its pong is awaited
    QByteArray m_pingPayload;
};

} // namespace WsPlug::Internal

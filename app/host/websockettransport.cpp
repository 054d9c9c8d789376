// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "websockettransport_p.h"

#include "connectionsocket_p.h"

#include <QWebSocket>


namespace WsPlug::Internal {

WebSocketTransport::WebSocketTransport(Session *session, QWebSocket *socket, ConnectionSocket *tcp,
                                       const Limits &limits, SessionEvents *events)
    : QObject(session), m_session(session), m_socket(socket), m_tcp(tcp)
{
    socket->setParent(this);
    tcp->responseHead = QByteArray();   // logged already; do not keep it per connection
    // TCP_NODELAY (whole frames go out at once) comes from the listening socket (see
    // HandshakeGate::listen()).
    // Qt answers pings itself: a peer that pings and never reads must meet the same
    // backlog limit as one that is sent messages, so every write is reported.
    tcp->onWritten = [events, session] { events->written(session); };
    socket->setMaxAllowedIncomingFrameSize(quint64(limits.maxFrameBytes));
    socket->setMaxAllowedIncomingMessageSize(quint64(limits.maxMessageBytes));

    // Data messages come from the host's frame reader as bytes, not through Qt (see
    // ClientFrameFilter): QWebSocket sees the control frames only.
    tcp->onMessage = [events, session](bool text, const QByteArray &payload) {
        if (text)
            events->textReceived(session, payload);
        else
            events->binaryReceived(session, payload);
    };
    connect(socket, &QWebSocket::pong, this,
            [events, session](quint64 elapsed) { events->pongReceived(session, qint64(elapsed)); });
    connect(socket, &QWebSocket::aboutToClose, this, [this, lingerMs = limits.lingerMs] {
        m_session->closingSeen = true;
        // Qt sends the close frame and then closes TCP: linger so the peer can read it,
        // unless this answers the peer's own close. A peer that sent its close frame
        // sends nothing after it (RFC 6455 5.5.1), so nothing can arrive to turn the
        // close into a reset, and a plain close spares a shutdown, a wake-up for the
        // peer's FIN and a timer per connection.
        if (m_tcp && !m_session->finished && m_tcp->peerCloseCode() == ClientFrameFilter::NoClose)
            m_tcp->armLingeringClose(lingerMs);
    });
    connect(socket, &QWebSocket::disconnected, this, [events, session] {
        events->disconnected(session);
    });
}

WebSocketTransport::~WebSocketTransport()
{
    // The socket outlives this object by a moment (it goes with the QWebSocket, a
    // child): nothing it writes then may reach the session, which is being deleted.
    if (m_tcp) {
        m_tcp->onWritten = nullptr;
        m_tcp->onMessage = nullptr;
    }
}

bool WebSocketTransport::isWritable() const
{
    return m_tcp && m_socket->state() == QAbstractSocket::ConnectedState;
}

void WebSocketTransport::watchFrames(SessionId session, const QString &route, FrameSink *sink)
{
    if (m_tcp)
        m_tcp->watchFrames(session, route, sink);
}

void WebSocketTransport::unwatchFrames()
{
    if (m_tcp)
        m_tcp->unwatchFrames();
}

SessionTransport::HostClose WebSocketTransport::hostClose() const
{
    if (!m_tcp || m_tcp->hostCloseAtUs() == 0)
        return {};
    const QByteArray payload = m_tcp->hostClosePayload();
    HostClose close;
    close.atUs = m_tcp->hostCloseAtUs();
    if (payload.size() >= 2) {
        close.code = (static_cast<unsigned char>(payload.at(0)) << 8) | static_cast<unsigned char>(payload.at(1));
        close.reason = QString::fromUtf8(payload.mid(2));
    } else {
        // Written in two parts: Qt's own record of what it sent.
        close.code = int(m_socket->closeCode());
        close.reason = m_socket->closeReason();
    }
    return close;
}

SessionTransport::ClientClose WebSocketTransport::clientClose() const
{
    if (!m_tcp || m_tcp->peerCloseCode() == ClientFrameFilter::NoClose)
        return {};
    return {m_tcp->peerCloseCode(), QString::fromUtf8(m_tcp->peerCloseReason()), m_tcp->peerCloseAtUs()};
}

FrameWatch *WebSocketTransport::frameWatch() const
{
    return m_tcp ? m_tcp->frameWatch() : nullptr;
}

int WebSocketTransport::directWriteFd() const
{
    // Under TLS every byte goes through the QSslSocket: no descriptor to write to.
    return m_tcp && !m_tcp->isTls() && m_tcp->bytesToWrite() == 0 ? int(m_tcp->socketDescriptor()) : -1;
}

void WebSocketTransport::write(const char *data, qsizetype size)
{
    // Whole frames only, on the thread that owns the socket: they never interleave
    // with the control frames QWebSocket writes itself.
    if (m_tcp)
        m_tcp->write(data, size);
}

void WebSocketTransport::writeFrame(const char *header, qsizetype headerSize, const QByteArray &payload)
{
    if (m_tcp)
        m_tcp->writeFrame(header, headerSize, payload);
}

qint64 WebSocketTransport::unsentBytes() const
{
    return m_tcp ? m_tcp->unsentBytes() : 0;
}

qint64 WebSocketTransport::maxFramePayload() const
{
    return qint64(m_socket->outgoingFrameSize());
}

void WebSocketTransport::ping(const QByteArray &payload)
{
    m_socket->ping(payload);
}

void WebSocketTransport::setDropIncoming(bool pings, bool pongs)
{
    if (m_tcp)
        m_tcp->setDropIncoming(pings, pongs);
}

void WebSocketTransport::close(quint16 code, const QString &reason)
{
    m_socket->close(QWebSocketProtocol::CloseCode(code), reason);
}

void WebSocketTransport::abort()
{
    m_socket->abort();
}

SessionTransport::Received WebSocketTransport::takeReceived()
{
    if (!m_tcp)
        return {};
    const ClientFrameFilter::DataReceived wire = m_tcp->takeDataReceived();
    return {wire.frames, wire.bytes};
}

SessionTransport::PeerClose WebSocketTransport::peerClose() const
{
    PeerClose close;
    if (!m_session->closingSeen) {
        // TCP went away without a closing handshake (RFC 6455 7.1.5).
        close.reason = m_socket->errorString();
        return close;
    }
    // Qt started or answered a closing handshake the host did not ask for: either the
    // peer sent a close frame, or Qt closed for a protocol error or size limit. Qt
    // reports both alike (and an empty close as 1000); the frame filter saw what the
    // peer sent.
    close.code = quint16(m_socket->closeCode());
    close.reason = m_socket->closeReason();
    const int peerCode = m_tcp ? m_tcp->peerCloseCode() : ClientFrameFilter::NoClose;
    const bool peerSentIt = peerCode == 1005 ? close.code == 1000 : peerCode == int(close.code);
    const bool protocolError = !peerSentIt
            && (close.code == 1002 || close.code == 1007 || close.code == 1009);
    if (peerSentIt)
        close.code = quint16(peerCode);
    close.cause = protocolError ? CloseCause::Protocol : CloseCause::Client;
    return close;
}

} // namespace WsPlug::Internal

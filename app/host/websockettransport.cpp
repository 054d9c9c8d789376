// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "websockettransport_p.h"

#include "connectionsocket_p.h"
#include "utf8validator_p.h"

#include <wsplug/protocol/adminprotocol.h>

#include <QtEndian>

namespace WsPlug::Internal {

namespace {
enum ControlOpcode : quint8 { Close = 0x8, Ping = 0x9, Pong = 0xA };
} // namespace

WebSocketTransport::WebSocketTransport(Session *session, ConnectionSocket *tcp, const Limits &limits,
                                       SessionEvents *events)
    : QObject(session), m_session(session), m_events(events), m_tcp(tcp), m_limits(limits)
{
    tcp->setParent(this);
    tcp->responseHead = QByteArray();   // logged already; do not keep it per connection
    // TCP_NODELAY (whole frames go out at once) comes from the listening socket (see
    // HandshakeGate::listen()).
    // Pongs are written here too: a peer that pings and never reads must meet the same
    // backlog limit as one that is sent messages, so every write is reported.
    tcp->onWritten = [events, session] { events->written(session); };
    tcp->onMessage = [events, session](bool text, const QByteArray &payload) {
        if (text)
            events->textReceived(session, payload);
        else
            events->binaryReceived(session, payload);
    };
    tcp->onControl = [this](int opcode, const QByteArray &payload) { onControl(opcode, payload); };
    connect(tcp, &QAbstractSocket::disconnected, this, [events, session] { events->disconnected(session); });
}

void WebSocketTransport::start(const QByteArray &earlyData, bool inflate)
{
    if (m_tcp)
        m_tcp->startFiltering(earlyData, m_limits.maxFrameBytes, m_limits.maxMessageBytes, inflate,
                              [this](int code, const QString &why) { failConnection(quint16(code), why); },
                              true);
}

WebSocketTransport::~WebSocketTransport()
{
    // The socket goes with this object: nothing it does meanwhile may reach the
    // session, which is being deleted.
    if (m_tcp) {
        m_tcp->onWritten = nullptr;
        m_tcp->onMessage = nullptr;
        m_tcp->onControl = nullptr;
        QObject::disconnect(m_tcp, nullptr, this, nullptr);
    }
}

void WebSocketTransport::onControl(int opcode, const QByteArray &payload)
{
    switch (opcode) {
    case Ping:
        // RFC 6455 5.5.2: answered with the same payload, unless the close frame is out.
        if (!m_closeSent)
            writeControl(Pong, payload);
        break;
    case Pong:
        // An unsolicited pong, or one for an older ping, is allowed and means nothing (5.5.3).
        if (m_pingSent.isValid() && payload == m_pingPayload) {
            const qint64 rtt = m_pingSent.elapsed();
            m_pingSent.invalidate();
            m_events->pongReceived(m_session, rtt);
        }
        break;
    case Close:
        onPeerClose(payload);
        break;
    default:
        break;   // the filter refuses reserved opcodes
    }
}

void WebSocketTransport::onPeerClose(const QByteArray &payload)
{
    if (payload.size() == 1)
        return failConnection(1002, QStringLiteral("a close frame with a one-byte payload (RFC 6455 5.5.1)"));
    quint16 code = 1005;   // no status code (7.1.5)
    if (payload.size() >= 2) {
        code = qFromBigEndian<quint16>(payload.constData());
        if (!Protocol::isSendableCloseCode(code))
            return failConnection(1002, QStringLiteral("close code %1 is not one a peer may send (RFC 6455 7.4)").arg(code));
        Utf8Validator utf8;
        if (!utf8.feed(payload.constData() + 2, payload.size() - 2) || !utf8.isComplete())
            return failConnection(1007, QStringLiteral("a close reason that is not UTF-8 (RFC 6455 5.5.1)"));
    }
    m_peerClosed = true;
    // Answered with the same code (5.5.1), then TCP closes: the server closes first
    // (7.1.1), and a peer that sent its close frame sends nothing after it, so nothing
    // can arrive to turn the close into a reset: no lingering needed.
    if (!m_closeSent)
        writeClose(code, payload.mid(2), true);
    if (m_tcp)
        m_tcp->close();
}

void WebSocketTransport::failConnection(quint16 code, const QString &why)
{
    if (m_closeSent || !isWritable())
        return;
    m_failCode = code;
    m_failReason = why;
    writeClose(code, Protocol::truncatedCloseReason(why).toUtf8(), false);
    m_tcp->armLingeringClose(m_limits.lingerMs);
    m_tcp->close();
}

void WebSocketTransport::writeClose(quint16 code, const QByteArray &reasonUtf8, bool echoEmpty)
{
    m_closeSent = true;
    QByteArray payload;
    if (!(echoEmpty && code == 1005)) {
        payload.resize(2);
        qToBigEndian<quint16>(code, payload.data());
        payload.append(reasonUtf8.left(Protocol::MaxCloseReasonBytes));
    }
    writeControl(Close, payload);
}

void WebSocketTransport::writeControl(quint8 opcode, const QByteArray &payload)
{
    if (!m_tcp)
        return;
    // One write per frame: the socket notes the host's close frame by its first byte.
    QByteArray frame;
    frame.reserve(2 + payload.size());
    frame.append(char(0x80 | opcode)).append(char(payload.size())).append(payload);
    m_tcp->write(frame);
}

bool WebSocketTransport::isWritable() const
{
    return m_tcp && !m_closeSent && m_tcp->state() == QAbstractSocket::ConnectedState;
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
    close.code = payload.size() >= 2 ? qFromBigEndian<quint16>(payload.constData()) : 1005;
    close.reason = QString::fromUtf8(payload.mid(2));
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
    // with the control frames written here.
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

void WebSocketTransport::ping(const QByteArray &payload)
{
    if (!isWritable())
        return;
    m_pingPayload = payload.left(125);
    m_pingSent.start();
    writeControl(Ping, m_pingPayload);
}

void WebSocketTransport::setDropIncoming(bool pings, bool pongs)
{
    if (m_tcp)
        m_tcp->setDropIncoming(pings, pongs);
}

void WebSocketTransport::close(quint16 code, const QString &reason)
{
    if (!isWritable())
        return;
    writeClose(code, Protocol::truncatedCloseReason(reason).toUtf8(), false);
    // The peer must get to read the close frame: linger, unless this answers its own
    // close (then it sends nothing more; see onPeerClose()).
    if (m_tcp->peerCloseCode() == ClientFrameFilter::NoClose)
        m_tcp->armLingeringClose(m_limits.lingerMs);
    m_tcp->close();
}

void WebSocketTransport::abort()
{
    if (m_tcp)
        m_tcp->abort();
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
    if (m_failCode != 0) {
        close.code = m_failCode;
        close.reason = m_failReason;
        close.cause = CloseCause::Protocol;
    } else if (m_peerClosed) {
        close.code = quint16(m_tcp ? m_tcp->peerCloseCode() : 1005);
        close.reason = m_tcp ? QString::fromUtf8(m_tcp->peerCloseReason()) : QString();
        close.cause = CloseCause::Client;
    } else if (m_tcp) {
        // TCP went away without a closing handshake (RFC 6455 7.1.5): 1006.
        close.reason = m_tcp->errorString();
    }
    return close;
}

} // namespace WsPlug::Internal

// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "websocketconnection_p.h"

#include "connectionsocket_p.h"
#include "frameencoder_p.h"
#include "utf8validator_p.h"

#include <wsplug/protocol/adminprotocol.h>

#include <QtEndian>

#include <algorithm>
#include <cstring>

namespace WsPlug::Internal {

namespace {
enum ControlOpcode : quint8 { Close = 0x8, Ping = 0x9, Pong = 0xA };
} // namespace

WebSocketConnection::WebSocketConnection(ConnectionSocket *tcp, const Limits &limits, QObject *parent)
    : QObject(parent), m_tcp(tcp), m_limits(limits)
{
    tcp->setParent(this);
    tcp->responseHead = QByteArray();   // logged already; do not keep it per connection
    // TCP_NODELAY (whole frames go out at once) comes from the listening socket (see
    // HandshakeGate::listen()).
    tcp->onControl = [this](int opcode, QByteArrayView payload) { onControl(opcode, payload); };
    connect(tcp, &QAbstractSocket::disconnected, this, [this] {
        if (const auto lost = std::exchange(onDisconnected, nullptr))
            lost();
    });
}

WebSocketConnection::~WebSocketConnection()
{
    // The socket goes with this object: nothing it does meanwhile may reach the owner,
    // which may be being deleted.
    if (m_tcp) {
        m_tcp->onWritten = nullptr;
        m_tcp->onMessage = nullptr;
        m_tcp->onControl = nullptr;
        QObject::disconnect(m_tcp, nullptr, this, nullptr);
    }
}

void WebSocketConnection::start(const QByteArray &earlyData, bool inflate)
{
    if (m_tcp)
        m_tcp->startFiltering(earlyData, m_limits.maxFrameBytes, m_limits.maxMessageBytes, inflate,
                              [this](int code, const QString &why) { failConnection(quint16(code), why); });
}

void WebSocketConnection::onControl(int opcode, QByteArrayView payload)
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
            if (onPong)
                onPong(rtt);
        }
        break;
    case Close:
        onPeerClose(payload);
        break;
    default:
        break;   // the filter refuses reserved opcodes
    }
}

void WebSocketConnection::onPeerClose(QByteArrayView payload)
{
    if (payload.size() == 1)
        return failConnection(1002, QStringLiteral("a close frame with a one-byte payload (RFC 6455 5.5.1)"));
    quint16 code = 1005;   // no status code (7.1.5)
    if (payload.size() >= 2) {
        code = qFromBigEndian<quint16>(payload.data());
        if (!Protocol::isSendableCloseCode(code))
            return failConnection(1002, QStringLiteral("close code %1 is not one a peer may send (RFC 6455 7.4)").arg(code));
        Utf8Validator utf8;
        if (!utf8.feed(payload.data() + 2, payload.size() - 2) || !utf8.isComplete())
            return failConnection(1007, QStringLiteral("a close reason that is not UTF-8 (RFC 6455 5.5.1)"));
    }
    m_peerClosed = true;
    // Answered with the same code (5.5.1), then TCP closes: the server closes first
    // (7.1.1), and a peer that sent its close frame sends nothing after it, so nothing
    // can arrive to turn the close into a reset: no lingering needed.
    if (!m_closeSent)
        writeClose(code, payload.size() > 2 ? payload.sliced(2) : QByteArrayView(), true);
    if (m_tcp)
        m_tcp->close();
}

void WebSocketConnection::failConnection(quint16 code, const QString &why)
{
    if (m_closeSent || !isWritable())
        return;
    m_failCode = code;
    m_failReason = why;
    writeClose(code, Protocol::truncatedCloseReason(why).toUtf8(), false);
    m_tcp->armLingeringClose(m_limits.lingerMs);
    m_tcp->close();
}

void WebSocketConnection::writeClose(quint16 code, QByteArrayView reasonUtf8, bool echoEmpty)
{
    m_closeSent = true;
    char payload[2 + Protocol::MaxCloseReasonBytes];
    qsizetype size = 0;
    if (!(echoEmpty && code == 1005)) {
        qToBigEndian<quint16>(code, payload);
        size = 2 + std::min<qsizetype>(reasonUtf8.size(), Protocol::MaxCloseReasonBytes);
        if (size > 2)   // (a null source is undefined even for no bytes)
            std::memcpy(payload + 2, reasonUtf8.data(), size_t(size - 2));
    }
    writeControl(Close, QByteArrayView(payload, size));
}

void WebSocketConnection::writeControl(quint8 opcode, QByteArrayView payload)
{
    if (!m_tcp)
        return;
    // One write per frame (the socket notes the host's close frame by its first byte),
    // from the stack: a flood of pings must not cost an allocation per pong.
    char frame[2 + 125];
    const qsizetype size = std::min<qsizetype>(payload.size(), 125);
    frame[0] = char(0x80 | opcode);
    frame[1] = char(size);
    if (size > 0)
        std::memcpy(frame + 2, payload.data(), size_t(size));
    m_tcp->write(frame, 2 + size);
}

bool WebSocketConnection::isWritable() const
{
    return m_tcp && !m_closeSent && m_tcp->state() == QAbstractSocket::ConnectedState;
}

SessionTransport::HostClose WebSocketConnection::hostClose() const
{
    if (!m_tcp || m_tcp->hostCloseAtUs() == 0)
        return {};
    const QByteArray payload = m_tcp->hostClosePayload();
    SessionTransport::HostClose close;
    close.atUs = m_tcp->hostCloseAtUs();
    close.code = payload.size() >= 2 ? qFromBigEndian<quint16>(payload.constData()) : 1005;
    close.reason = QString::fromUtf8(payload.mid(2));
    return close;
}

SessionTransport::ClientClose WebSocketConnection::clientClose() const
{
    if (!m_tcp || m_tcp->peerCloseCode() == ClientFrameFilter::NoClose)
        return {};
    return {m_tcp->peerCloseCode(), QString::fromUtf8(m_tcp->peerCloseReason()), m_tcp->peerCloseAtUs()};
}

void WebSocketConnection::ping(const QByteArray &payload)
{
    if (!isWritable())
        return;
    m_pingPayload = payload.left(125);
    m_pingSent.start();
    writeControl(Ping, m_pingPayload);
}

void WebSocketConnection::close(quint16 code, const QString &reason)
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

void WebSocketConnection::abort()
{
    if (m_tcp)
        m_tcp->abort();
}

SessionTransport::PeerClose WebSocketConnection::peerClose() const
{
    SessionTransport::PeerClose close;
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

ConnectionSocket *WebSocketConnection::socket() const
{
    return m_tcp;
}

QString WebSocketConnection::peerAddress() const
{
    return m_tcp ? m_tcp->peerAddress().toString() : QString();
}

quint16 WebSocketConnection::peerPort() const
{
    return m_tcp ? m_tcp->peerPort() : 0;
}

qint64 WebSocketConnection::unsentBytes() const
{
    return m_tcp ? m_tcp->unsentBytes() : 0;
}

void WebSocketConnection::sendText(const QByteArray &utf8)
{
    if (!isWritable())
        return;
    char header[MaxFrameHeader];
    const int size = writeFrameHeader(header, quint8(FrameOpcode::Text), quint64(utf8.size()));
    m_tcp->writeFrame(header, size, utf8);
}

} // namespace WsPlug::Internal

// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "websockettransport_p.h"

#include "connectionsocket_p.h"

namespace WsPlug::Internal {

WebSocketTransport::WebSocketTransport(Session *session, ConnectionSocket *tcp, const Limits &limits,
                                       SessionEvents *events)
    : WebSocketConnection(tcp, limits, session)
{
    // Pongs and close frames are written here too: a peer that pings and never reads
    // must meet the same backlog limit as one that is sent messages, so every write
    // is reported.
    tcp->onWritten = [events, session] { events->written(session); };
    tcp->onMessage = [events, session](bool text, const QByteArray &payload) {
        if (text)
            events->textReceived(session, payload);
        else
            events->binaryReceived(session, payload);
    };
    onPong = [events, session](qint64 roundTripMs) { events->pongReceived(session, roundTripMs); };
    onDisconnected = [events, session] { events->disconnected(session); };
}

WebSocketTransport::~WebSocketTransport() = default;

void WebSocketTransport::watchFrames(SessionId session, const QString &route, FrameSink *sink)
{
    if (socket())
        socket()->watchFrames(session, route, sink);
}

void WebSocketTransport::unwatchFrames()
{
    if (socket())
        socket()->unwatchFrames();
}

FrameWatch *WebSocketTransport::frameWatch() const
{
    return socket() ? socket()->frameWatch() : nullptr;
}

int WebSocketTransport::directWriteFd() const
{
    // Under TLS every byte goes through the QSslSocket: no descriptor to write to.
    const ConnectionSocket *tcp = socket();
    return tcp && !tcp->isTls() && tcp->bytesToWrite() == 0 ? int(tcp->socketDescriptor()) : -1;
}

void WebSocketTransport::write(const char *data, qsizetype size)
{
    // Whole frames only, on the thread that owns the socket: they never interleave
    // with the control frames written here.
    if (socket())
        socket()->write(data, size);
}

qint64 WebSocketTransport::writeFrame(const char *header, qsizetype headerSize, const QByteArray &payload)
{
    ConnectionSocket *tcp = socket();
    return tcp ? tcp->writeFrame(header, headerSize, payload) : 0;
}

void WebSocketTransport::setDropIncoming(bool pings, bool pongs)
{
    if (socket())
        socket()->setDropIncoming(pings, pongs);
}

SessionTransport::Received WebSocketTransport::takeReceived()
{
    if (!socket())
        return {};
    const ClientFrameFilter::DataReceived wire = socket()->takeDataReceived();
    return {wire.frames, wire.bytes};
}

} // namespace WsPlug::Internal

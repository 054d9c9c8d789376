// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "engineiotransport_p.h"

#include "connectionsocket_p.h"
#include "engineioserver_p.h"
#include "frameencoder_p.h"
#include "websockettransport_p.h"

#include <limits>

namespace WsPlug::Internal {

namespace {
// What a queued packet costs beyond its data (the QByteArray, the list entry): the
// backlog limit must also stop a flood of tiny messages.
constexpr qint64 PacketOverhead = 64;
} // namespace

EngineIoTransport::EngineIoTransport(Session *session, EngineIoServer *server, const QByteArray &sid,
                                     const Settings &settings, SessionEvents *events, WebSocketConnection *ws)
    : QObject(session), m_session(session), m_server(server), m_events(events), m_sid(sid), m_settings(settings)
{
    m_upgradeTimer.setSingleShot(true);
    connect(&m_upgradeTimer, &QTimer::timeout, this, [this] { dropProbe(); });
    m_pongTimer.setSingleShot(true);
    connect(&m_pongTimer, &QTimer::timeout, this, [this] {
        gone({1006, QStringLiteral("ping timeout: no pong within %1 ms").arg(m_settings.pingTimeoutMs),
              CloseCause::Timeout});
    });
    if (m_settings.ownHeartbeat) {
        connect(&m_pingTimer, &QTimer::timeout, this, [this] { onOwnPing(); });
        m_pingTimer.start(m_settings.pingIntervalMs);
    }
    EngineIoPacket open;
    open.type = EngineIoPacket::Open;
    open.data = EngineIoCodec::openJson(sid, ws == nullptr, m_settings.pingIntervalMs, m_settings.pingTimeoutMs,
                                        m_settings.maxPayload);
    if (ws) {
        adoptWebSocket(ws);
        m_mode = Mode::WebSocket;
        sendOnWebSocket(open);
        // Only now: the host does not know this transport while it is being built.
        ws->socket()->onWritten = [this] { m_events->written(m_session); };
    } else {
        enqueue(open);
    }
}

EngineIoTransport::~EngineIoTransport()
{
    if (m_wsTcp) {
        m_wsTcp->onWritten = nullptr;
        m_wsTcp->onMessage = nullptr;
    }
    if (m_server)
        m_server->forget(m_sid, this);
    if (m_get.socket)
        m_get.socket->abort();
}

bool EngineIoTransport::poll(const EngineIoExchange &get)
{
    if (m_get.socket)
        return false;
    m_get = get;
    if (m_gone) {
        answerGet(QByteArray(1, EngineIoPacket::Close));
        return true;
    }
    // A client whose held GET vanishes (its network went) polls again or times out.
    connect(get.socket, &QTcpSocket::disconnected, this, [this, socket = get.socket.data()] {
        if (m_get.socket == socket)
            m_get = {};
    });
    if (m_mode == Mode::Upgrading || m_closeQueued || !m_queue.isEmpty()) {
        // Upgrading: the client is to stop polling; a GET now gets a noop at once so
        // that it can (engine.io's "fast upgrade" check does the same every 100 ms).
        if (m_mode == Mode::Upgrading) {
            EngineIoPacket noop;
            enqueue(noop);
        }
        scheduleFlush();
    }
    return true;
}

void EngineIoTransport::deliver(const QList<EngineIoPacket> &packets)
{
    for (const EngineIoPacket &p : packets) {
        if (m_gone)
            break;
        received(p);
    }
}

void EngineIoTransport::received(const EngineIoPacket &p)
{
    switch (p.type) {
    case EngineIoPacket::Message:
        ++m_received.frames;
        m_received.bytes += quint64(p.data.size());
        if (p.binary)
            m_events->binaryReceived(m_session, p.data);
        else
            m_events->textReceived(m_session, p.data);
        break;
    case EngineIoPacket::Pong:
        if (m_awaitingPong) {
            m_awaitingPong = false;
            m_pongTimer.stop();
            m_events->pongReceived(m_session, m_sincePing.elapsed());
        }
        break;
    case EngineIoPacket::Ping: {
        EngineIoPacket pong;
        pong.type = EngineIoPacket::Pong;
        pong.data = p.data;
        if (m_mode == Mode::WebSocket) {
            sendOnWebSocket(pong);
        } else {
            enqueue(pong);
            scheduleFlush();
        }
        break;
    }
    case EngineIoPacket::Close:
        gone({1000, QStringLiteral("the client sent a close packet"), CloseCause::Client});
        break;
    default:
        break;
    }
}

bool EngineIoTransport::upgrade(WebSocketConnection *ws)
{
    if (m_mode != Mode::Polling || m_gone || m_closeQueued)
        return false;
    m_mode = Mode::Upgrading;
    adoptWebSocket(ws);
    // What the connection writes on its own (pongs, close frames) meets the backlog limit too.
    ws->socket()->onWritten = [this] { m_events->written(m_session); };
    m_upgradeTimer.start(m_settings.upgradeTimeoutMs);
    return true;
}

void EngineIoTransport::adoptWebSocket(WebSocketConnection *ws)
{
    m_ws = ws;
    m_wsTcp = ws->socket();
    ws->setParent(this);
    // Data messages come from the host's frame reader (see ClientFrameFilter).
    m_wsTcp->onMessage = [this, ws](bool text, const QByteArray &payload) {
        if (ws != m_ws)
            return;
        if (text)
            onWebSocketText(payload);
        else
            onWebSocketBinary(payload);
    };
    ws->onDisconnected = [this, ws] { onWebSocketGone(ws); };
}

void EngineIoTransport::onWebSocketText(const QByteArray &utf8)
{
    const std::optional<EngineIoPacket> p = EngineIoCodec::decodeText(utf8);
    if (m_mode == Mode::Upgrading) {
        if (p && p->type == EngineIoPacket::Ping && p->data == "probe") {
            EngineIoPacket pong;
            pong.type = EngineIoPacket::Pong;
            pong.data = "probe";
            sendOnWebSocket(pong);
            // Release the GET the client holds, so that it can pause polling.
            if (m_get.socket) {
                EngineIoPacket noop;
                enqueue(noop);
                scheduleFlush();
            }
        } else if (p && p->type == EngineIoPacket::Upgrade) {
            finishUpgrade();
        } else {
            dropProbe();   // as engine.io: anything else on the probe ends the attempt
        }
        return;
    }
    if (!p) {
        gone({1002, QStringLiteral("not an Engine.IO packet"), CloseCause::Protocol});
        return;
    }
    received(*p);
}

void EngineIoTransport::onWebSocketBinary(const QByteArray &data)
{
    if (m_mode == Mode::Upgrading) {
        dropProbe();
        return;
    }
    EngineIoPacket p;
    p.type = EngineIoPacket::Message;
    p.binary = true;
    p.data = data;
    received(p);
}

void EngineIoTransport::finishUpgrade()
{
    m_upgradeTimer.stop();
    m_mode = Mode::WebSocket;
    // A GET still held gets a noop: from now on nothing goes by polling.
    if (m_get.socket)
        answerGet(QByteArray(1, EngineIoPacket::Noop));
    m_session->transportName = QStringLiteral("polling→websocket");
    m_session->upgradedAt = QDateTime::currentDateTimeUtc();
    m_session->dirty = true;
    m_events->transportChanged(m_session);
    // What waited for a GET goes first, in order, on the WebSocket.
    const QList<EngineIoPacket> queued = std::exchange(m_queue, {});
    m_queuedBytes = 0;
    for (const EngineIoPacket &p : queued) {
        if (p.type != EngineIoPacket::Noop)
            sendOnWebSocket(p);
    }
    if (m_closeQueued && m_ws)
        m_ws->close(1000, QString());
}

void EngineIoTransport::dropProbe()
{
    if (m_mode != Mode::Upgrading || !m_ws)
        return;
    m_mode = Mode::Polling;
    WebSocketConnection *ws = std::exchange(m_ws, nullptr);
    ws->onDisconnected = nullptr;
    if (m_wsTcp) {
        m_wsTcp->onWritten = nullptr;
        m_wsTcp->onMessage = nullptr;
    }
    m_wsTcp = nullptr;
    m_upgradeTimer.stop();
    ws->abort();
    ws->deleteLater();
    scheduleFlush();
}

void EngineIoTransport::onWebSocketGone(WebSocketConnection *ws)
{
    if (ws != m_ws)
        return;
    if (m_mode == Mode::Upgrading) {
        dropProbe();
        return;
    }
    PeerClose close;
    const int code = m_wsTcp ? m_wsTcp->peerCloseCode() : ClientFrameFilter::NoClose;
    if (code != ClientFrameFilter::NoClose) {
        close.code = quint16(code == 1005 ? 1000 : code);
        close.reason = QStringLiteral("the client closed the WebSocket");
        close.cause = CloseCause::Client;
    } else {
        close.reason = QStringLiteral("transport close: the connection was lost");
    }
    gone(close);
}

void EngineIoTransport::enqueue(EngineIoPacket packet)
{
    m_queuedBytes += packet.data.size() + PacketOverhead;
    m_queue.append(std::move(packet));
}

void EngineIoTransport::scheduleFlush()
{
    // Everything written in one turn of the event loop goes in one response: a burst
    // of messages costs one round trip, not one each.
    if (m_flushQueued)
        return;
    m_flushQueued = true;
    QTimer::singleShot(0, this, [this] {
        m_flushQueued = false;
        flush();
    });
}

void EngineIoTransport::flush()
{
    if (m_mode == Mode::WebSocket || !m_get.socket || (m_queue.isEmpty() && !m_closeQueued))
        return;
    QByteArray payload;
    for (const EngineIoPacket &p : std::as_const(m_queue))
        EngineIoCodec::appendToPayload(payload, p);
    m_queue.clear();
    m_queuedBytes = 0;
    if (m_closeQueued) {
        EngineIoPacket close;
        close.type = EngineIoPacket::Close;
        EngineIoCodec::appendToPayload(payload, close);
    }
    answerGet(payload);
    if (m_closeQueued)
        gone({});
}

void EngineIoTransport::answerGet(const QByteArray &payload)
{
    const EngineIoExchange get = std::exchange(m_get, {});
    disconnect(get.socket, &QTcpSocket::disconnected, this, nullptr);
    if (m_server)
        m_server->reply(get, 200, "text/plain; charset=UTF-8", payload);
}

bool EngineIoTransport::isWritable() const
{
    return !m_gone && !m_closeQueued && (m_mode != Mode::WebSocket || m_wsTcp);
}

void EngineIoTransport::write(const char *data, qsizetype size)
{
    // The host hands over its encoded frames (one frame a message: see
    // maxFramePayload()); Engine.IO wants the messages back as packets.
    const auto *bytes = reinterpret_cast<const uchar *>(data);
    qsizetype at = 0;
    while (size - at >= 2) {
        const bool fin = bytes[at] & 0x80;
        const int opcode = bytes[at] & 0x0f;
        quint64 length = bytes[at + 1] & 0x7f;
        qsizetype header = 2;
        if (length == 126) {
            length = (quint64(bytes[at + 2]) << 8) | bytes[at + 3];
            header = 4;
        } else if (length == 127) {
            length = 0;
            for (int i = 0; i < 8; ++i)
                length = (length << 8) | bytes[at + 2 + i];
            header = 10;
        }
        if (size - at < header + qsizetype(length))
            break;   // never: the host writes whole frames
        if (opcode == 0x1 || opcode == 0x2)
            m_partial = QByteArray(1, char(opcode));   // the message's kind, then its payload
        m_partial.append(data + at + header, qsizetype(length));
        at += header + qsizetype(length);
        if (!fin)
            continue;
        EngineIoPacket p;
        p.type = EngineIoPacket::Message;
        p.binary = m_partial.at(0) == 0x2;
        p.data = m_partial.mid(1);
        m_partial.clear();
        if (m_mode == Mode::WebSocket) {
            sendOnWebSocket(p);
        } else {
            enqueue(std::move(p));
            scheduleFlush();
        }
    }
}

void EngineIoTransport::sendOnWebSocket(const EngineIoPacket &p)
{
    if (!m_wsTcp)
        return;
    // Whole frames through the connection's socket, as WebSocketTransport writes them:
    // never interleaved with the connection's own (pongs, close frames).
    QByteArray frame;
    if (p.binary) {
        appendFrameHeader(frame, 0x2, true, quint64(p.data.size()));
        frame += p.data;
    } else {
        appendFrameHeader(frame, 0x1, true, quint64(p.data.size()) + 1);
        frame += char(p.type);
        frame += p.data;
    }
    m_wsTcp->write(frame);
}

qint64 EngineIoTransport::unsentBytes() const
{
    return m_queuedBytes + (m_mode == Mode::WebSocket && m_wsTcp ? m_wsTcp->unsentBytes() : 0);
}

qint64 EngineIoTransport::maxFramePayload() const
{
    return std::numeric_limits<qint64>::max() / 2;
}

void EngineIoTransport::ping(const QByteArray &)
{
    EngineIoPacket ping;
    ping.type = EngineIoPacket::Ping;
    m_sincePing.start();
    m_awaitingPong = true;
    if (m_mode == Mode::WebSocket) {
        sendOnWebSocket(ping);
    } else {
        enqueue(ping);
        scheduleFlush();
    }
}

void EngineIoTransport::onOwnPing()
{
    if (m_gone || m_awaitingPong)
        return;
    ping({});
    m_pongTimer.start(m_settings.pingTimeoutMs);
}

void EngineIoTransport::close(quint16 code, const QString &reason)
{
    if (m_gone || m_closeQueued)
        return;
    m_closeQueued = true;
    if (m_mode == Mode::WebSocket) {
        EngineIoPacket close;
        close.type = EngineIoPacket::Close;
        sendOnWebSocket(close);
        if (m_ws)
            m_ws->close(code, reason);
        return;
    }
    dropProbe();
    // The close packet goes with the next GET (now, if one is held); the host aborts
    // the session after its grace period if none comes.
    flush();
}

void EngineIoTransport::abort()
{
    gone({1006, QStringLiteral("aborted"), CloseCause::Error});
}

void EngineIoTransport::fail(const QString &reason, CloseCause cause)
{
    gone({1002, reason, cause});
}

void EngineIoTransport::gone(const PeerClose &close)
{
    if (m_gone)
        return;
    m_gone = true;
    m_peerClose = close;
    m_pingTimer.stop();
    m_pongTimer.stop();
    m_upgradeTimer.stop();
    if (m_server)
        m_server->forget(m_sid, this);
    if (m_get.socket) {
        // A held GET ends with a close packet: the client learns at once.
        answerGet(QByteArray(1, EngineIoPacket::Close));
    }
    m_queue.clear();
    m_queuedBytes = 0;
    if (m_ws) {
        if (m_wsTcp) {
            m_wsTcp->onWritten = nullptr;
            m_wsTcp->onMessage = nullptr;
        }
        m_ws->onDisconnected = nullptr;
        if (close.code == 1006)
            m_ws->abort();   // aborted, timed out or lost: no closing handshake
        else if (m_ws->isWritable() && !m_closeQueued)
            m_ws->close(close.code, close.reason);
    }
    m_events->disconnected(m_session);
}

SessionTransport::Received EngineIoTransport::takeReceived()
{
    return std::exchange(m_received, {});
}

void EngineIoTransport::watchFrames(SessionId session, const QString &route, FrameSink *sink)
{
    // The frame inspector reads WebSocket frames: on polling there are none to watch.
    if (m_mode == Mode::WebSocket && m_wsTcp)
        m_wsTcp->watchFrames(session, route, sink);
}

void EngineIoTransport::unwatchFrames()
{
    if (m_wsTcp)
        m_wsTcp->unwatchFrames();
}

FrameWatch *EngineIoTransport::frameWatch() const
{
    return m_wsTcp ? m_wsTcp->frameWatch() : nullptr;
}

} // namespace WsPlug::Internal

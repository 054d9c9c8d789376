// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include "engineiocodec_p.h"
#include "session_p.h"

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QTimer>


namespace WsPlug::Internal {

class ConnectionSocket;
class EngineIoServer;
class WebSocketConnection;
class SessionEvents;

//! A polling request held (a GET) or being answered: where the reply goes and how.
struct EngineIoExchange
{
    QPointer<ConnectionSocket> socket;
    QByteArray origin;       //!< an allowed Origin: the reply carries CORS headers for it
    bool keepAlive = true;   //!< HTTP/1.1 without "Connection: close"
};

/*
 * A session over Engine.IO v4 (docs/fallback.md): HTTP long-polling, upgraded to a
 * WebSocket on the same sid when the client can, or a WebSocket from the start. The
 * host sees one SessionTransport throughout; what the plugin sends is queued while no
 * GET is held (bounded by the host's send backlog limit, through unsentBytes()).
 * EngineIoServer reads the HTTP requests and hands them here.
 */
class EngineIoTransport final : public QObject, public SessionTransport
{
public:
    enum class Mode { Polling, Upgrading, WebSocket };
    struct Settings
    {
        int pingIntervalMs = 25000;
        int pingTimeoutMs = 20000;
        bool ownHeartbeat = false;   //!< the host's heartbeat is off; Engine.IO clients need pings anyway
        qint64 maxMessageBytes = 0;
        qint64 maxFrameBytes = 0;
        int upgradeTimeoutMs = 10000;   //!< engine.io's upgradeTimeout
        qint64 maxPayload = 1000000;    //!< the largest POST body, announced in the open packet
    };

    //! A polling session (the open packet is queued for the handshake GET), or, with
    //! \a ws, a WebSocket-only one (the open packet goes out at once).
    EngineIoTransport(Session *session, EngineIoServer *server, const QByteArray &sid, const Settings &settings,
                      SessionEvents *events, WebSocketConnection *ws = nullptr);
    ~EngineIoTransport() override;

    QByteArray sid() const { return m_sid; }
    Session *session() const { return m_session; }
    Mode mode() const { return m_mode; }

    //! A GET arrived: held until there is something to send. False if one is held already.
    bool poll(const EngineIoExchange &get);
    bool postInFlight() const { return m_postInFlight; }
    void setPostInFlight(bool on) { m_postInFlight = on; }
    //! The packets of a POST (decoded and checked by EngineIoCodec::decodePayload()).
    void deliver(const QList<EngineIoPacket> &packets);
    //! A WebSocket on this sid (transport=websocket&sid=...): the upgrade's probe.
    //! False (and \a ws left to the caller) when one is under way or done already.
    bool upgrade(WebSocketConnection *ws);
    //! The client broke the protocol on the HTTP side: the session ends (cause \a cause).
    void fail(const QString &reason, CloseCause cause);

    // SessionTransport
    bool isWritable() const override;
    int directWriteFd() const override { return -1; }   // packets, never the host's frames as they are
    void write(const char *data, qsizetype size) override;
    qint64 unsentBytes() const override;
    qint64 maxFramePayload() const override;
    void ping(const QByteArray &payload) override;
    void setDropIncoming(bool, bool) override {}
    void close(quint16 code, const QString &reason) override;
    void abort() override;
    Received takeReceived() override;
    PeerClose peerClose() const override { return m_peerClose; }
    void watchFrames(SessionId session, const QString &route, FrameSink *sink) override;
    void unwatchFrames() override;
    FrameWatch *frameWatch() const override;
    ClientClose clientClose() const override { return {}; }
    HostClose hostClose() const override { return {}; }

private:
    void enqueue(EngineIoPacket packet);
    void scheduleFlush();
    void flush();
    void answerGet(const QByteArray &payload);
    void received(const EngineIoPacket &packet);
    void adoptWebSocket(WebSocketConnection *ws);
    void onWebSocketText(const QByteArray &utf8);
    void onWebSocketBinary(const QByteArray &data);
    void onWebSocketGone(WebSocketConnection *ws);
    void dropProbe();
    void finishUpgrade();
    void sendOnWebSocket(const EngineIoPacket &packet);
    void onOwnPing();
    //! Reports the session gone (once), with \a close as the reason when the host did not close it.
    void gone(const PeerClose &close);
    void releaseGet();

    Session *const m_session;
    QPointer<EngineIoServer> m_server;
    SessionEvents *const m_events;
    const QByteArray m_sid;
    const Settings m_settings;
    Mode m_mode = Mode::Polling;

    QList<EngineIoPacket> m_queue;   // waiting for a GET (or, upgrading, for the WebSocket)
    qint64 m_queuedBytes = 0;
    EngineIoExchange m_get;          // the GET held, if any
    bool m_flushQueued = false;
    bool m_postInFlight = false;
    bool m_closeQueued = false;      // the host closed: the close packet is queued
    bool m_gone = false;
    QByteArray m_partial;            // a message the host wrote in more than one frame

    WebSocketConnection *m_ws = nullptr;   // the probe, then the session's WebSocket
    QPointer<ConnectionSocket> m_wsTcp;
    QTimer m_upgradeTimer;
    QTimer m_pingTimer;              // ownHeartbeat only
    QTimer m_pongTimer;
    QElapsedTimer m_sincePing;
    bool m_awaitingPong = false;

    Received m_received;
    PeerClose m_peerClose;
};

} // namespace WsPlug::Internal

// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/hoststats.h>
#include <wsplug/hostserver.h>
#include <wsplug/pluginregistry.h>

#include "frameencoder_p.h"
#include "plugincontext_p.h"
#include "recordingsocket_p.h"
#include "requesthead_p.h"
#include "session_p.h"

#include <QElapsedTimer>
#include <QHash>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <vector>

class QWebSocketServer;

namespace WsPlug {
namespace Internal {

//! Accepts TCP itself so that the host sees every connection before Qt's handshake.
class TcpListener final : public QTcpServer
{
public:
    using QTcpServer::QTcpServer;
    std::function<void(qintptr)> onIncoming;

protected:
    void incomingConnection(qintptr socketDescriptor) override { onIncoming(socketDescriptor); }
};

//! A connection whose request head has not been answered yet.
struct PendingHandshake
{
    QString peerAddress;
    quint16 peerPort = 0;
    qint64 acceptedAtMs = 0;
    bool counted = false;          // counts toward the connection limits
    int refuseStatus = 0;          // decided at accept time (503/429), sent once the head is read
    QByteArray refuseReason;
    bool responded = false;        // refusal written, lingering until the peer goes
    bool handedOver = false;       // given to QWebSocketServer, waiting for its upgrade
    QByteArray requestHead;
    QByteArray earlyData;          // bytes after the head, held back until the session exists
    QString path;
    QString query;
    QString pluginId;
    QString route;
    QDateTime acceptedAt;
    bool admin = false;            // an admin-channel connection: not a user session
    bool http = false;             // a plain HTTP request (/metrics ...): not logged as a handshake
};

} // namespace Internal

class AdminChannel;

class HostServerPrivate
{
public:
    struct FanoutTarget
    {
        Internal::Session *session;
        int fd;        // -1: Qt has data queued for it, so the message must queue too
        qint64 sent;   // what the kernel took; -1 for none
    };

    explicit HostServerPrivate(HostServer *q);
    ~HostServerPrivate();

    // Listening and handshakes
    void onIncoming(qintptr socketDescriptor);
    void onPendingReadyRead(Internal::RecordingSocket *socket);
    void onPendingGone(Internal::RecordingSocket *socket);
    void onPendingTimeout(Internal::RecordingSocket *socket);
    void refuse(Internal::RecordingSocket *socket, int status, const QByteArray &reason);
    void uncount(Internal::PendingHandshake &p);
    void onUpgraded();
    void respondAndClose(Internal::RecordingSocket *socket, const QByteArray &response);
    bool answerHttp(Internal::RecordingSocket *socket, const Internal::RequestHead &head);
    bool checkAdminToken(const Internal::RequestHead &head) const;
    void logHandshake(Internal::PendingHandshake &p, HandshakeRecord::Outcome outcome, int status,
                      const QByteArray &response, const QString &reason, SessionId session = 0);

    // Sessions
    void openSession(QWebSocket *socket, Internal::RecordingSocket *tcp, const Internal::PendingHandshake &p);
    void countReceived(Internal::Session *s, bool text);
    void countReceivedFrames(Internal::Session *s);
    void onTextMessage(Internal::Session *s, const QString &text);
    void onBinaryMessage(Internal::Session *s, const QByteArray &data);
    void finishSession(Internal::Session *s);
    bool send(Internal::Session *s, const QString *text, const QByteArray *data);
    //! Writes a pre-encoded message to \a s, from byte \a offset on (the ones before it
    //! are with the kernel already); false if \a s cannot take it (then or any more).
    bool sendEncoded(Internal::Session *s, const Internal::EncodedMessage &message, bool text,
                     qsizetype offset = 0);
    //! sendEncoded() to each of \a ids that belongs to \a context's plugin; returns how many took it.
    int sendEncodedToMany(const Internal::PluginContext *context, const QList<SessionId> &ids,
                          const Internal::EncodedMessage &message, bool text);
    bool canSend(const Internal::Session *s) const;
    void countSent(Internal::Session *s, const Internal::EncodedMessage &message, bool text, qint64 nowMs);
    static qint64 unsentBytes(QTcpSocket *tcp);
    bool requestClose(Internal::Session *s, quint16 code, const QString &reason, CloseCause cause);
    void abortSession(Internal::Session *s, CloseCause cause, const QString &reason);
    void onHeartbeat();
    //! The session \a id if it belongs to the plugin of \a context, else nullptr.
    Internal::Session *sessionOf(const Internal::PluginContext *context, SessionId id) const;
    //! Runs a plugin callback; a thrown exception closes \a s with 1011.
    template <typename Call>
    void callPlugin(Internal::Session *s, Call &&call);   // defined in hostserver.cpp, its only user

    // Statistics
    void onStatsTick();
    HostStats currentStats() const;
    void countClose(Internal::Session *s);

    // Lifecycle
    void initializePlugins();
    void shutdownPlugins();
    void finishStop();

    qint64 nowMs() const { return m_clock.elapsed(); }

    HostServer *const q;
    HostConfig config;
    QString errorString;
    PluginRegistry registry;
    Internal::TcpListener *listener = nullptr;
    QWebSocketServer *webSocketServer = nullptr;

    QHash<Internal::RecordingSocket *, Internal::PendingHandshake> pending;
    QHash<QString, Internal::RecordingSocket *> handedOverByPeer;   // "addr|port" -> socket
    int pendingCounted = 0;
    int refusing = 0;
    QHash<QString, int> connectionsPerIp;   // sessions + counted handshakes

    QHash<SessionId, Internal::Session *> sessions;
    std::map<QString, std::unique_ptr<Internal::PluginContext>> contexts;
    QStringList initializedPlugins;     // in initialize order
    SessionId nextSessionId = 1;

    //! > 0 while a plugin callback or a plugin's HostContext call is on the stack.
    int pluginCallDepth = 0;
    struct PluginCallGuard
    {
        explicit PluginCallGuard(HostServerPrivate *d) : d(d) { ++d->pluginCallDepth; }
        ~PluginCallGuard() { --d->pluginCallDepth; }
        PluginCallGuard(const PluginCallGuard &) = delete;
        PluginCallGuard &operator=(const PluginCallGuard &) = delete;
        HostServerPrivate *const d;
    };

    // Observability. Counters are plain increments on the data path; everything
    // else happens on the stats tick.
    HostStats stats;                                 // totals; .routes is filled on demand
    std::map<QString, RouteStats> routeStats;        // by route; nodes are stable for Session::routeStats
    std::deque<HandshakeRecord> handshakeLog;        // bounded by config.handshakeLogSize
    quint64 nextHandshakeId = 1;
    std::deque<RateSample> rateHistory;              // bounded by rateHistorySeconds / statsTickMs
    struct TotalsMark
    {
        qint64 timeMs = 0;
        DirectionTotals in;
        DirectionTotals out;
        QHash<QString, std::pair<quint64, quint64>> routeMessages;   // route -> messages in, out
    };
    std::deque<TotalsMark> recentTotals;             // the last second of totals, for rates
    QString adminToken;                              // effective token (configured or generated)
    QByteArray adminTokenMac;                        // HMAC of the token, for constant-time checks
    QByteArray macKey;
    AdminChannel *admin = nullptr;

    QTimer heartbeat;
    QTimer shutdownTimer;
    QTimer statsTimer;
    QElapsedTimer m_clock;
    bool running = false;
    bool stopping = false;
};

} // namespace WsPlug

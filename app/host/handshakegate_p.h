// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/hostconfig.h>
#include <wsplug/hoststats.h>

#include "forwardedfor_p.h"
#include "requesthead_p.h"
#include "tokenverifier_p.h"

#include <QElapsedTimer>
#include <QHash>
#include <QHostAddress>
#include <QObject>
#include <QSslConfiguration>
#include <QTcpServer>

#include <functional>
#include <map>
#include <optional>

class QTimer;

namespace WsPlug::Internal {

class CaptureRecorder;
class ConnectionSocket;

//! A connection whose request head has not been answered yet.
struct PendingHandshake
{
    QString peerAddress;           // the client: the TCP peer, or whom a trusted proxy named
    quint16 peerPort = 0;
    QHostAddress peerHostAddress;  // as the socket reports it
    QString proxyAddress;          // the trusted proxy it came through, if any
    bool viaProxy = false;         // from a trusted proxy: per-address limits wait for the head
    bool ipCounted = false;        // counts toward peerAddress's connection limit
    QElapsedTimer sinceAccept;
    bool counted = false;          // counts toward the connection limits
    int refuseStatus = 0;          // decided at accept time (503/429), sent once the head is read
    QByteArray refuseReason;
    bool responded = false;        // refusal written, lingering until the peer goes
    QByteArray requestHead;
    QByteArray earlyData;          // bytes after the head, read once the session exists
    QString path;
    QString query;
    QString pluginId;
    QString route;
    QString origin;                // the Origin header, for the log
    QString subprotocol;           // the one negotiated, if any
    int deflateWindowBits = 0;     // permessage-deflate agreed: the server's window (9-15); 0: not
    QByteArray extensions;         // ... and the Sec-WebSocket-Extensions value that says so
    QDateTime acceptedAt;
    bool admin = false;            // an admin-channel connection: not a user session
    bool adminReadOnly = false;    // ... with the read-only token
    bool http = false;             // a plain HTTP request (/metrics ...): not logged as a handshake
    bool headOnly = false;         // a HEAD request: every answer is sent without its body
    QString engineIoPath;          // under "<path>/engine.io/": that path (docs/fallback.md), else empty
    bool keptAlive = false;        // the next request on a kept-alive connection (Engine.IO polling)
    bool tokenRequired = false;    // its route takes a bearer token (logged redacted)
    bool bearerOffered = false;    // a "bearer.<token>" subprotocol came (logged redacted)
    std::optional<TokenClaims> token;   // the verified bearer token, on such a route
    // Its entry in the gate's deadline queue (HandshakeGate::m_deadlines).
    std::multimap<qint64, ConnectionSocket *>::iterator deadline;
};

/*
 * Every connection from accept to upgrade. It accepts TCP itself, reads the request
 * head with its own timeout, enforces the connection limits, answers the host's HTTP
 * endpoints, refuses with a real HTTP status, and only then answers the upgrade
 * itself (no QWebSocketServer) and hands the connection to the host. What it needs of
 * the host is in GateHost.
 */
class HandshakeGate final : public QObject
{
public:
    class GateHost
    {
    public:
        virtual int sessionCount() const = 0;
        //! The plugin id and route serving \a path, or empty strings.
        virtual std::pair<QString, QString> routeFor(const QString &path) const = 0;
        //! False (with the reason for a 503) when the plugin cannot take another session.
        virtual bool hasCapacity(const QString &pluginId, QByteArray *why) const = 0;
        //! The subprotocols the plugin \a pluginId speaks, preferred first.
        virtual QStringList subprotocols(const QString &pluginId) const = 0;
        //! 0: the request carries no admin token; 1: the read-only one; 2: the full one.
        virtual int adminAccess(const RequestHead &head) const = 0;
        //! Whether a handshake on \a route (for \a path) must carry a valid bearer token.
        virtual bool requiresToken(const QString &route, const QString &path) const = 0;
        //! The --allowed-origins policy for a browser's \a origin on \a route or \a path.
        virtual bool originAllowed(const QString &route, const QString &path, const QString &origin) const = 0;
        //! The claims of \a token, or nullopt with the reason in \a why.
        virtual std::optional<TokenClaims> verifyToken(const QByteArray &token, QString *why) const = 0;
        virtual int adminClientCount() const = 0;
        //! The response to one of the host's own HTTP endpoints, if \a head asks for one.
        virtual std::optional<QByteArray> httpResponse(const RequestHead &head) = 0;
        virtual void logHandshake(const PendingHandshake &p, HandshakeRecord::Outcome outcome, int status,
                                  const QByteArray &response, const QString &reason, SessionId session) = 0;
        //! The gate upgraded the connection (its 101 is written): a plugin's session, an
        //! Engine.IO WebSocket or the admin channel. The host takes \a tcp over and reads
        //! p.earlyData first.
        virtual void webSocketUpgraded(ConnectionSocket *tcp, const PendingHandshake &p) = 0;
        virtual void refused(const QString &peerAddress, int status, const QString &reason) = 0;
        //! A connection to the TLS port that never became a TLS session (to count and log).
        virtual void tlsFailed(const QString &peerAddress, const QString &reason) = 0;
        //! An Engine.IO request that is not an upgrade: \a socket (its head, \a headLength
        //! bytes, still unread) is the host's now.
        virtual void engineIoRequest(ConnectionSocket *socket, const PendingHandshake &p, const RequestHead &head,
                                     qsizetype headLength) = 0;
        //! Whether an Engine.IO session has the id \a sid.
        virtual bool engineIoKnows(const QByteArray &sid) const = 0;

    protected:
        ~GateHost() = default;
    };

    HandshakeGate(const HostConfig &config, GateHost *host, QObject *parent);
    ~HandshakeGate() override;

    //! Listens on the configured address and port; false with \a errorString if it cannot.
    //! With a TLS configuration set, the port speaks TLS only.
    bool listen(QString *errorString);
    //! The certificate for new TLS handshakes (before listen(): the port speaks TLS).
    void setTlsConfiguration(const QSslConfiguration &configuration);
    QHostAddress serverAddress() const;
    quint16 serverPort() const;
    bool isListening() const;

    //! Stops accepting and aborts every handshake in progress.
    void stop();
    //! stop(), then drops the listener.
    void finish();

    int pendingCount() const { return int(m_pending.size()); }
    //! A kept-alive connection is back for its next request (Engine.IO polling): read
    //! and checked as a new connection, except that its idle end is not logged.
    void adopt(ConnectionSocket *socket);
    //! A session from \a peerAddress ended: it no longer counts toward its address's limit.
    void releaseAddress(const QString &peerAddress);
    //! Connections are recorded by \a recorder (nullptr: none) from their request head on.
    void setCapture(CaptureRecorder *recorder) { m_capture = recorder; }

private:
    class Listener;

    void onIncoming(qintptr socketDescriptor);
    void onEncrypted(QSslSocket *tls);
    void admitConnection(ConnectionSocket *socket, bool keptAlive);
    //! Engine.IO under a plugin route (handshakeengineio.cpp): true once \a p was handed
    //! over or refused; else \a routePath is the path to route and the checks go on.
    bool routeEngineIo(ConnectionSocket *socket, PendingHandshake &p, const RequestHead &head,
                       qsizetype headLength, QString *routePath);
    void onReadyRead(ConnectionSocket *socket);
    void onGone(ConnectionSocket *socket);
    void onTimeout(ConnectionSocket *socket);
    void onDeadlines();
    void forget(QHash<ConnectionSocket *, PendingHandshake>::iterator it);
    //! Answers \a status; the body says \a reason, or \a publicReason when that is set
    //! (\a reason, in detail, only goes to the log).
    void refuse(ConnectionSocket *socket, int status, const QByteArray &reason, const QByteArray &publicReason = {});
    void uncount(PendingHandshake &p);
    void respondAndClose(ConnectionSocket *socket, const QByteArray &response);
    void log(PendingHandshake &p, HandshakeRecord::Outcome outcome, int status,
             const QByteArray &response, const QString &reason, SessionId session = 0);
    void upgrade(ConnectionSocket *socket, PendingHandshake &p, const RequestHead &head, qsizetype headLength);
    // Admission (handshakeadmission.cpp)
    //! The checks after the route is known: subprotocols well formed and spoken, the
    //! origin allowed, the bearer token valid where one is required, permessage-deflate.
    //! False once \a p was refused.
    bool admit(ConnectionSocket *socket, PendingHandshake &p, const RequestHead &head, const QString &pluginId,
               const QString &route);
    //! Picks the subprotocol for \a p from what \a head offers; false (a 400 sent) if
    //! the client offered only ones the route does not speak and the host refuses those.
    //! \a offered: the client's subprotocols, "bearer.<token>" ones left out.
    bool negotiateSubprotocol(ConnectionSocket *socket, PendingHandshake &p, const QList<QByteArray> &offered);

    const HostConfig &m_config;
    GateHost *const m_host;
    QTcpServer *m_listener = nullptr;   // a Listener, or a TlsListener under TLS
    std::optional<QSslConfiguration> m_tls;
    bool m_stopping = false;
    CaptureRecorder *m_capture = nullptr;

    QHash<ConnectionSocket *, PendingHandshake> m_pending;
    // When each pending handshake times out (ms on m_clock), earliest first: one timer
    // for all of them, instead of a timer object per connection that outlives its
    // handshake by the whole timeout.
    std::multimap<qint64, ConnectionSocket *> m_deadlines;
    QTimer *m_deadlineTimer = nullptr;
    QElapsedTimer m_clock;
    int m_pendingCounted = 0;
    int m_refusing = 0;
    QHash<QString, int> m_connectionsPerIp;   // sessions + counted handshakes
    // --max-connects-per-ip-per-s: connections from each address in its current second.
    struct ConnectWindow
    {
        qint64 startMs = -1000000;
        int count = 0;
    };
    //! False if \a address passed its connections a second.
    bool admitConnectRate(const QString &address);
    //! Behind a trusted proxy: the client its headers name becomes \a p's address, and
    //! the per-address limits are checked for it.
    //! The per-address limits for \a p's client: false, or true with the 429 set in \a p.
    bool refusedByAddressLimits(PendingHandshake &p);
    void resolveForwarded(PendingHandshake &p, const RequestHead &head);
    ForwardedFor m_forwardedFor;
    QHash<QString, ConnectWindow> m_connectRate;
    qint64 m_connectRateSweptAt = 0;
    static constexpr int MaxRateAddresses = 65536;
};

} // namespace WsPlug::Internal

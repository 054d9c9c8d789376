// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/hostserver.h>
#include <wsplug/pluginregistry.h>

#include "adminchannel_p.h"
#include "admintoken_p.h"
#include "originpolicy_p.h"
#include "capturerecorder_p.h"
#include "engineioserver_p.h"
#include "clusterengine_p.h"
#include "frameencoder_p.h"
#include "handshakegate_p.h"
#include "handshakelog_p.h"
#include "heaptrimmer_p.h"
#include "plugincontext_p.h"
#include "pluginwatcher_p.h"
#include "session_p.h"
#include "statscollector_p.h"
#include "tokenverifier_p.h"
#include "websockettransport_p.h"

#include <QElapsedTimer>
#include <QProcessEnvironment>
#include <QHash>
#include <QTimer>

#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <utility>
#include <vector>

namespace WsPlug {

namespace Internal {
class PluginWatcher;
class TlsCredentials;
class ProcessHandler;
}

/*
 * The host's hub. Each job has its own file: the handshake gate (handshakegate.cpp),
 * the handshake log, the admin token, the HTTP endpoints, stats (statscollector.cpp),
 * session lifecycle and heartbeat (sessions.cpp), sending and fan-out (sending.cpp),
 * plugin hosting (pluginhost.cpp), the admin channel's view of the host
 * (adminhost.cpp), start and stop (hostserver.cpp). This class holds the state they
 * share and is the narrow interface each of the gate, the admin channel and the
 * session transports sees.
 */
class HostServerPrivate final : public Internal::HandshakeGate::GateHost,
                                public Internal::AdminHost,
                                public Internal::SessionEvents,
                                public Internal::EngineIoServer::Host
{
public:
    explicit HostServerPrivate(HostServer *q);
    ~HostServerPrivate();

    // Start and stop (hostserver.cpp)
    void finishStop();
    void onStatsTick();

    // HandshakeGate::GateHost (hostserver.cpp)
    int sessionCount() const override { return int(sessions.size()); }
    std::pair<QString, QString> routeFor(const QString &path) const override;
    QStringList subprotocols(const QString &pluginId) const override;
    bool hasCapacity(const QString &pluginId, QByteArray *why) const override;
    int adminAccess(const Internal::RequestHead &head) const override { return int(adminToken.access(head)); }
    int adminClientCount() const override { return admin ? admin->clientCount() : 0; }
    bool requiresToken(const QString &route, const QString &path) const override;
    bool originAllowed(const QString &route, const QString &path, const QString &origin) const override
    {
        return originPolicy.allows(route, path, origin);
    }
    std::optional<Internal::TokenClaims> verifyToken(const QByteArray &token, QString *why) const override;
    std::optional<QByteArray> httpResponse(const Internal::RequestHead &head) override;
    void logHandshake(const Internal::PendingHandshake &p, HandshakeRecord::Outcome outcome, int status,
                      const QByteArray &response, const QString &reason, SessionId session) override;
    void webSocketUpgraded(Internal::ConnectionSocket *tcp, const Internal::PendingHandshake &p) override;
    void refused(const QString &peerAddress, int status, const QString &reason) override;
    void tlsFailed(const QString &peerAddress, const QString &reason) override;
    // Engine.IO: the gate's and the Engine.IO server's side (engineiohost.cpp)
    void engineIoRequest(Internal::ConnectionSocket *socket, const Internal::PendingHandshake &p,
                         const Internal::RequestHead &head, qsizetype headLength) override;
    bool engineIoKnows(const QByteArray &sid) const override;
    Internal::Session *openEngineIoSession(const Internal::PendingHandshake &p, const QString &path,
                                           const QString &query, const QString &transportName,
                                           const std::function<Internal::SessionTransport *(Internal::Session *)> &make) override;
    void keepAlive(Internal::ConnectionSocket *socket) override;

    // AdminHost: the host's state as protocol values (adminhost.cpp)
    Protocol::Snapshot snapshot() const override;
    HostStats currentStats() const override;
    Protocol::ClusterInfo clusterInfo() const override;
    QList<SessionSnapshot> sessionList() const override;
    std::optional<SessionSnapshot> findSession(SessionId id) const override;
    std::optional<HandshakeRecord> handshake(quint64 id) const override { return handshakeLog.find(id); }
    QList<Protocol::CounterUpdate> takeCounterUpdates(quint64 share, quint64 shares) override;
    int statsTickMs() const override { return config.statsTickMs; }
    bool closeSession(SessionId id, quint16 code, const QString &reason) override;
    bool kickSession(SessionId id) override;
    int closeRoute(const QString &route, quint16 code, const QString &reason) override;
    int sendMessage(SessionId id, const Protocol::Command &send) override;
    bool ping(SessionId id, const QByteArray &payload) override;
    bool hold(SessionId id, Protocol::HoldKind what, bool on) override;
    bool sendFault(SessionId id, Protocol::Fault fault) override;
    bool servesRoute(const QString &route) const override;
    void updateFrameWatches() override;
    //! Watches \a s's frames (and records them) as the admin channel wants, or stops.
    void updateFrameWatch(Internal::Session *s);
    bool drain(int periodMs) override { return q->drain(periodMs); }
    //! Starts or stops recording the bytes of \a s, as the admin channel wants (its watch is in place).
    void syncRecording(Internal::Session *s);
    Internal::RecordedConnection recordedConnection(const Internal::Session &s) const;
    Protocol::PluginsState pluginsState() const override;
    bool pluginCommand(const Protocol::Command &command, QString *errorString) override;
    //! Logs a plugin event for the admin channel (snapshot history and next tick).
    void notePluginEvent(const QString &kind, const PluginMetadata &plugin, const QString &fileName,
                         const QString &detail);
    Protocol::PluginInfo pluginInfo(const PluginMetadata &md, const Internal::PluginContext *context) const;

    // Session lifecycle and heartbeat (sessions.cpp)
    void openSession(Internal::ConnectionSocket *tcp, const Internal::PendingHandshake &p);
    //! Opens a session for \a p on \a path with \a query over the transport \a make creates.
    Internal::Session *openSession(const Internal::PendingHandshake &p, const QString &path, const QString &query,
                                   const QString &subprotocol, const QString &transportName,
                                   const std::function<Internal::SessionTransport *(Internal::Session *)> &make);
    void finishSession(Internal::Session *s);
    bool requestClose(Internal::Session *s, quint16 code, const QString &reason, CloseCause cause);
    void abortSession(Internal::Session *s, CloseCause cause, const QString &reason);
    //! Counts a message of \a s (\a bytes of payload) against --max-messages-per-s and --max-bytes-per-s;
    //! false (and the session closing with 1008) if it passed one.
    bool withinRateLimits(Internal::Session *s, quint64 bytes);
    void onHeartbeat();
    //! The session \a id if it belongs to the plugin of \a context, else nullptr.
    Internal::Session *sessionOf(const Internal::PluginContext *context, SessionId id) const;
    // SessionEvents
    void textReceived(Internal::Session *s, const QByteArray &utf8) override;
    void binaryReceived(Internal::Session *s, const QByteArray &data) override;
    void pongReceived(Internal::Session *s, qint64 roundTripMs) override;
    void written(Internal::Session *s) override;
    void disconnected(Internal::Session *s) override { finishSession(s); }
    //! An Engine.IO upgrade: the frame watch follows, and the plugin is told.
    void transportChanged(Internal::Session *s) override;
    //! Tells the plugin \a s's transport, if it implements TransportAwareInterface (SDK 2.1).
    void tellTransport(Internal::Session *s);

    // Bearer tokens: a session's claims, its expiry and refresh (tokens.cpp)
    //! Gives \a s the claims of \a token and (re)schedules its expiry.
    void applyToken(Internal::Session *s, const Internal::TokenClaims &token);
    bool refreshToken(Internal::Session *s, const QString &token, QString *errorString);
    void onTokenDeadlines();
    void scheduleTokenTimer();

    // Sending and fan-out (sending.cpp)
    bool send(Internal::Session *s, const QString *text, const QByteArray *data);
    //! send() of a text message given as UTF-8 (SDK 2.2): no conversion.
    bool sendUtf8(Internal::Session *s, const QByteArray &utf8);
    //! Sends one message to \a s (which canSend()); false if it cannot take it (then or any more).
    bool sendPayload(Internal::Session *s, Internal::FrameOpcode opcode, const QByteArray &payload);
    //! \a payload as one message's frames; \a compressed sets RSV1 on the first.
    bool sendFrames(Internal::Session *s, Internal::FrameOpcode opcode, const QByteArray &payload, bool compressed);
    //! After a write to \a s that found \a before bytes unsent and left \a unsent: false,
    //! and \a s cut off, if the write passed the backlog limit.
    bool withinBacklog(Internal::Session *s, qint64 before, qint64 unsent);
    //! Writes a pre-encoded message to \a s, from byte \a offset on (the ones before it
    //! are with the kernel already); false if \a s cannot take it (then or any more).
    bool sendEncoded(Internal::Session *s, const Internal::EncodedMessage &message, bool text,
                     qsizetype offset = 0);
    //! \a payload as one message to each of \a ids that belongs to \a context's plugin,
    //! encoded once (and compressed once per window size for the sessions that agreed on
    //! permessage-deflate); returns how many took it.
    int sendToMany(const Internal::PluginContext *context, const QList<SessionId> &ids,
                   Internal::FrameOpcode opcode, const QByteArray &payload);
    bool canSend(const Internal::Session *s) const;

    // Plugin hosting (pluginhost.cpp)
    void initializePlugins();
    void shutdownPlugins();
    //! Registers a ProcessHandler for each configured --exec route.
    void addExecRoutes();
    QProcessEnvironment processEnvironment(const SessionInfo &session) const;
    //! Runs a plugin callback for \a s; a thrown exception closes \a s with 1011.
    template <typename Call>
    void callPlugin(Internal::Session *s, Call &&call);
    void pluginThrew(Internal::Session *s, const QString &what);
    //! Tells the plugin of \a s that it closed, now or, inside a plugin call, right after it.
    void notifyClosed(Internal::Session *s);
    //! Calls \a handler's initialize(); false with \a why if it fails or throws.
    static bool initializePlugin(MessageHandlerInterface *handler, Internal::PluginContext *context, QString *why);
    //! The context of plugin \a md, with its settings and rights from the config; nullptr
    //! and \a why if the config's rights for it do not fit its metadata.
    std::unique_ptr<Internal::PluginContext> makePluginContext(const PluginMetadata &md, quint64 build, QString *why);
    //! Whether build \a build of a plugin is still initialized (routed or draining).
    bool isLiveBuild(quint64 build) const;

    // Hot plugins: watching, load, reload, drain and unload (hotplugins.cpp)
    QStringList pluginDirs() const;
    //! Watches pluginDirs() from the versions of the files in \a handled on.
    void startWatching(const QList<std::pair<QString, Internal::FileSignature>> &handled);
    bool loadPluginFile(const QString &filePath, QString *errorString);
    bool unloadPlugin(const QString &id, const QString &why, QString *errorString);
    //! The Id of the routed plugin named by \a idOrFile (its Id or its file), or empty.
    QString pluginIdFor(const QString &idOrFile) const;
    //! Keeps the gate's subprotocols and the per-route stats in step with the routes.
    void pluginRoutesChanged();
    //! Build \a build of \a md is no longer routed: its sessions finish or are closed
    //! per unloadGraceMs, then it is shut down and unloaded.
    void drain(quint64 build, const PluginMetadata &md, std::unique_ptr<Internal::PluginContext> context,
               const QString &why);
    void closeDrainingSessions(quint64 build);
    //! Shuts down and unloads draining build \a build once its last session is gone.
    void finishDrain(quint64 build);
    void refusedPlugin(const QString &fileName, const QString &reason);

    qint64 nowMs() const { return m_clock.elapsed(); }

    HostServer *const q;
    HostConfig config;
    QString errorString;
    PluginRegistry registry;
    Internal::HandshakeGate *gate = nullptr;
    std::unique_ptr<Internal::TlsCredentials> tls;   // with --tls-cert only, while running
    Internal::EngineIoServer *engineIo = nullptr;   // "<route>/engine.io/", while running
    Internal::HandshakeLog handshakeLog;
    Internal::AdminToken adminToken;
    Internal::OriginPolicy originPolicy;   // --allowed-origins, set at start()
    Internal::StatsCollector stats;
    Internal::AdminChannel *admin = nullptr;
    std::unique_ptr<Internal::CaptureRecorder> capture;   // with --capture only (capturerecorder.cpp)
    //! The cluster bus under the plugins' ClusterBus, while running; local without --redis.
    std::unique_ptr<Internal::ClusterEngine> cluster;
    //! Makes the cluster engine for config (hostserver.cpp); after every plugin context is gone, reset it.
    void startCluster();

    QHash<SessionId, Internal::Session *> sessions;
    //! Finished sessions whose deleteLater() is still pending; deleted with the host.
    QSet<Internal::Session *> finishedSessions;
    Internal::HeapTrimmer heapTrimmer;
    bool heapTrimQueued = false;
    std::map<QString, std::unique_ptr<Internal::PluginContext>> contexts;
    QStringList initializedPlugins;     // in initialize order
    QHash<QString, Internal::ProcessHandler *> processHandlers;   // --exec routes, owned by the registry
    //! A build no longer routed (its file was removed or replaced) with sessions left.
    struct DrainingPlugin
    {
        PluginMetadata metadata;
        quint64 build = 0;
        MessageHandlerInterface *handler = nullptr;
        std::unique_ptr<Internal::PluginContext> context;
    };
    std::vector<DrainingPlugin> drainingPlugins;   // oldest first
    std::deque<Protocol::PluginEvent> pluginEvents;   // the latest MaxPluginEvents, oldest first
    static constexpr int MaxPluginEvents = 100;
    std::unique_ptr<Internal::PluginWatcher> pluginWatcher;   // with watchPlugins, while running
    int runningProcesses = 0;           // their processes, counted against maxExecProcesses
    SessionId nextSessionId = 1;

    //! > 0 while a plugin callback or a plugin's HostContext call is on the stack.
    int pluginCallDepth = 0;
    //! The session whose message a plugin is being given (see deliver()), or nullptr.
    Internal::Session *delivering = nullptr;
    //! Gives a message of \a s to its plugin (\a call), as the session sessionOf()
    //! finds first: a plugin answers the sender more often than anyone. \a s (and an
    //! outer delivery's session) stays allocated until the call returns, even if it
    //! finishes inside a nested event loop (see finishSession()).
    template<typename Call>
    void deliver(Internal::Session *s, Call &&call)
    {
        Internal::Session *const outer = std::exchange(delivering, s);
        ++s->deliveries;
        callPlugin(s, std::forward<Call>(call));
        delivering = outer;
        // Open when delivery began: finished means finishSession() left the delete here.
        if (--s->deliveries == 0 && s->finished)
            s->deleteLater();
    }
    struct PluginCallGuard
    {
        explicit PluginCallGuard(HostServerPrivate *d) : d(d) { ++d->pluginCallDepth; }
        ~PluginCallGuard() { --d->pluginCallDepth; }
        PluginCallGuard(const PluginCallGuard &) = delete;
        PluginCallGuard &operator=(const PluginCallGuard &) = delete;
        HostServerPrivate *const d;
    };

    Internal::TokenVerifier tokens;
    //! When a session's token (plus the grace period) runs out, in ms since the epoch,
    //! earliest first. Entries of ended or refreshed sessions are skipped when due.
    std::multimap<qint64, SessionId> tokenDeadlines;
    QTimer tokenTimer;

    // Graceful drain (drain.cpp): the sessions still to close, oldest first, over the period.
    bool draining = false;
    QTimer drainTimer;
    QList<SessionId> drainQueue;
    qsizetype drainTotal = 0;
    qint64 drainStartMs = 0;
    int drainPeriodMs = 0;
    void onDrainTick();

    QTimer heartbeat;
    QTimer shutdownTimer;
    QTimer statsTimer;
    QElapsedTimer m_clock;
    bool running = false;
    bool stopping = false;
};

template <typename Call>
void HostServerPrivate::callPlugin(Internal::Session *s, Call &&call)
{
    PluginCallGuard guard(this);
    try {
        call();
    } catch (const std::exception &e) {
        pluginThrew(s, QString::fromLocal8Bit(e.what()));
    } catch (...) {
        pluginThrew(s, QStringLiteral("unknown exception"));
    }
}

} // namespace WsPlug

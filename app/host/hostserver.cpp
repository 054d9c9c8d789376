// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include <wsplug/hostserver.h>

#include "connectionsocket_p.h"
#include "hostserver_p.h"
#include "httpendpoints_p.h"
#include "busenvelope_p.h"
#include "processhandler_p.h"
#include "logging_p.h"
#include "tlscredentials_p.h"

#include <wsplug/protocol/adminprotocol.h>

#include <QHostInfo>

// HostServer's public functions, start and stop, and what the handshake gate asks of
// the host. The rest of the host is in the files named in hostserver_p.h.
namespace WsPlug {

Q_LOGGING_CATEGORY(lcHost, "wsplug.host", QtInfoMsg)
Q_LOGGING_CATEGORY(lcPlugins, "wsplug.plugins", QtInfoMsg)
Q_LOGGING_CATEGORY(lcHandshake, "wsplug.handshake", QtInfoMsg)

using namespace Internal;

HostServerPrivate::HostServerPrivate(HostServer *q)
    : q(q)
{
    m_clock.start();
}

HostServerPrivate::~HostServerPrivate() = default;

HostServer::HostServer(QObject *parent)
    : QObject(parent), d(std::make_unique<HostServerPrivate>(this))
{
    qRegisterMetaType<WsPlug::SessionSnapshot>();
    qRegisterMetaType<WsPlug::HandshakeRecord>();
    qRegisterMetaType<WsPlug::RateSample>();
    qRegisterMetaType<WsPlug::PluginMetadata>();
    d->heartbeat.setParent(this);
    d->shutdownTimer.setParent(this);
    d->shutdownTimer.setSingleShot(true);
    d->statsTimer.setParent(this);
    d->drainTimer.setParent(this);
    connect(&d->drainTimer, &QTimer::timeout, this, [this] { d->onDrainTick(); });
    connect(&d->heartbeat, &QTimer::timeout, this, [this] { d->onHeartbeat(); });
    connect(&d->statsTimer, &QTimer::timeout, this, [this] { d->onStatsTick(); });
    connect(&d->shutdownTimer, &QTimer::timeout, this, [this] { d->finishStop(); });
    // Plugin events, for the admin channel's history and ticks.
    connect(this, &HostServer::pluginLoaded, this, [this](const PluginMetadata &md) {
        d->notePluginEvent(QStringLiteral("loaded"), md, {}, QStringLiteral("serves %1").arg(md.routes.join(QStringLiteral(", "))));
    });
    connect(this, &HostServer::pluginReloaded, this, [this](const PluginMetadata &md, const PluginMetadata &previous) {
        d->notePluginEvent(QStringLiteral("reloaded"), md, {}, QStringLiteral("replaces %1 %2").arg(previous.id, previous.version));
    });
    connect(this, &HostServer::pluginRefused, this, [this](const QString &fileName, const QString &reason) {
        d->notePluginEvent(QStringLiteral("refused"), {}, fileName, reason);
    });
    connect(this, &HostServer::pluginDraining, this, [this](const PluginMetadata &md, int sessions, const QString &why) {
        d->notePluginEvent(QStringLiteral("draining"), md, {}, QStringLiteral("%1; %2 session(s) open").arg(why).arg(sessions));
    });
    connect(this, &HostServer::pluginUnloaded, this, [this](const PluginMetadata &md) {
        d->notePluginEvent(QStringLiteral("unloaded"), md, {}, {});
    });
    d->tokenTimer.setParent(this);
    d->tokenTimer.setSingleShot(true);
    connect(&d->tokenTimer, &QTimer::timeout, this, [this] { d->onTokenDeadlines(); });
}

/*!
    Destroying a running host stops it at once: sessions are aborted (no grace
    period, since there is no event loop left to wait in) and plugins shut down.
*/
HostServer::~HostServer()
{
    if (d->running) {
        d->stopping = true;
        d->finishStop();
    }
    // Sessions are not children of the host (see Session): delete those whose
    // deleteLater() the event loop has not got to.
    const auto finished = std::exchange(d->finishedSessions, {});
    for (Session *s : finished) {
        s->pendingDelete = nullptr;
        delete s;
    }
    // The timers are members of d but children of this: detach before QObject
    // deletes children.
    d->heartbeat.setParent(nullptr);
    d->shutdownTimer.setParent(nullptr);
    d->statsTimer.setParent(nullptr);
    d->drainTimer.setParent(nullptr);
}

void HostServer::setConfig(const HostConfig &config)
{
    d->config = config;
}

HostConfig HostServer::config() const
{
    return d->config;
}

QString HostServer::errorString() const
{
    return d->errorString;
}

bool HostServer::isListening() const
{
    return d->gate && d->gate->isListening();
}

bool HostServer::isRunning() const
{
    return d->running;
}

QHostAddress HostServer::serverAddress() const
{
    return d->gate ? d->gate->serverAddress() : QHostAddress();
}

quint16 HostServer::serverPort() const
{
    return d->gate ? d->gate->serverPort() : 0;
}

const PluginRegistry &HostServer::plugins() const
{
    return d->registry;
}

/*!
    Loads the plugins from the configured directories, initializes them and starts
    listening. Plugins that are refused are reported by plugins().refused(); they
    never make start() fail. start() fails only if the configuration is invalid or
    the address cannot be bound; errorString() then says why in one line.
*/
bool HostServer::start()
{
    if (d->running) {
        d->errorString = QStringLiteral("already running");
        return false;
    }
    if (!d->config.validate(&d->errorString))
        return false;
    if (!d->tokens.configure(d->config, &d->errorString))
        return false;

    // Kept here until the port is listening: a failed start leaves nothing behind.
    std::unique_ptr<TlsCredentials> tls;
    if (!d->config.tlsCertFile.isEmpty()) {
        tls = std::make_unique<TlsCredentials>(d->config.tlsCertFile, d->config.tlsKeyFile, d->config.pluginSettleMs);
        if (!tls->load(&d->errorString))
            return false;
        tls->onReloaded = [this](const QSslConfiguration &c) {
            if (d->gate)
                d->gate->setTlsConfiguration(c);
        };
    }
    auto *gate = new HandshakeGate(d->config, d.get(), this);
    if (tls)
        gate->setTlsConfiguration(tls->configuration());
    if (!gate->listen(&d->errorString)) {
        delete gate;
        return false;
    }
    if (!d->config.captureFile.isEmpty()) {
        d->capture = CaptureRecorder::open(d->config.captureFile, d->config.captureMaxBytes, &d->errorString);
        if (!d->capture) {
            delete gate;
            return false;
        }
        gate->setCapture(d->capture.get());
    }
    d->gate = gate;
    d->tls = std::move(tls);
    d->engineIo = new EngineIoServer(d->config, d.get(), d.get(), this);

    // The files as they were before loading: the watcher reports any change after this.
    const QStringList pluginDirs = d->pluginDirs();
    const auto pluginFiles = d->config.watchPlugins ? PluginWatcher::scan(pluginDirs)
                                                    : QList<std::pair<QString, FileSignature>>();
    d->startCluster();
    d->registry.load(pluginDirs);
    d->addExecRoutes();
    d->initializePlugins();

    QList<std::pair<QString, QString>> routes;
    for (const PluginMetadata &md : d->registry.loaded()) {
        for (const QString &route : md.routes)
            routes.append({route, md.id});
    }
    d->stats.reset(routes, size_t(std::max(1, d->config.rateHistorySeconds * 1000 / d->config.statsTickMs)));
    d->handshakeLog.reset(d->config.handshakeLogSize);
    d->statsTimer.start(d->config.statsTickMs);

    d->adminToken.reset(d->config.adminToken, d->config.adminReadToken);
    QString originError;
    d->originPolicy = Internal::OriginPolicy::parse(d->config.allowedOrigins, &originError).value_or(Internal::OriginPolicy());
    if (d->config.adminEnabled)
        d->admin = new AdminChannel(d.get(), this);

    d->running = true;
    d->stopping = false;
    if (d->config.pingIntervalMs > 0) {
        // One timer for all sessions: each tick pings the sessions that are due and
        // reaps those whose pong is overdue. Its period bounds the timing error.
        const int tick = std::clamp(std::min(d->config.pingIntervalMs, d->config.pongTimeoutMs) / 4, 20, 1000);
        d->heartbeat.start(tick);
    }
    if (d->config.watchPlugins)
        d->startWatching(pluginFiles);
    qCInfo(lcHost).noquote() << "listening on" << serverAddress().toString() + QLatin1Char(':') + QString::number(serverPort());
    return true;
}

QList<SessionSnapshot> HostServer::sessions() const
{
    return d->sessionList();
}

SessionSnapshot HostServer::session(SessionId id) const
{
    return d->findSession(id).value_or(SessionSnapshot());
}

int HostServer::sessionCount() const
{
    return int(d->sessions.size());
}

QList<HandshakeRecord> HostServer::handshakeLog() const
{
    const auto &records = d->handshakeLog.records();
    return QList<HandshakeRecord>(records.cbegin(), records.cend());
}

HostStats HostServer::stats() const
{
    return d->currentStats();
}

QList<RateSample> HostServer::rateHistory() const
{
    const auto &history = d->stats.history();
    return QList<RateSample>(history.cbegin(), history.cend());
}

QString HostServer::adminToken() const
{
    return d->adminToken.token();
}

QUrl HostServer::adminUrl() const
{
    if (!d->running || !d->config.adminEnabled)
        return {};
    QHostAddress address = serverAddress();
    if (address == QHostAddress::Any || address == QHostAddress::AnyIPv4)
        address = QHostAddress::LocalHost;
    else if (address == QHostAddress::AnyIPv6)
        address = QHostAddress::LocalHostIPv6;
    QUrl url;
    url.setScheme(d->tls ? QStringLiteral("wss") : QStringLiteral("ws"));
    url.setHost(address.toString());
    url.setPort(serverPort());
    url.setPath(QLatin1String(Protocol::AdminPath));
    url.setQuery(QStringLiteral("token=") + d->adminToken.token());
    return url;
}

bool HostServer::isTls() const
{
    return d->tls != nullptr;
}

bool HostServer::reloadTlsCertificate(QString *errorString)
{
    if (!d->tls) {
        if (errorString)
            *errorString = QStringLiteral("the host does not speak TLS");
        return false;
    }
    return d->tls->reload(errorString);
}

int HostServer::adminClientCount() const
{
    return d->adminClientCount();
}

int HostServer::pendingHandshakeCount() const
{
    return d->gate ? d->gate->pendingCount() : 0;
}

bool HostServer::closeSession(SessionId id, quint16 code, const QString &reason)
{
    return d->closeSession(id, code, reason);
}

bool HostServer::kickSession(SessionId id)
{
    return d->kickSession(id);
}

void HostServer::stop()
{
    if (!d->running || d->stopping)
        return;
    d->stopping = true;
    qCInfo(lcHost) << "stopping:" << d->sessions.size() << "sessions to close";
    d->gate->stop();
    d->heartbeat.stop();
    if (d->admin)
        d->admin->closeAll(1001, QStringLiteral("server shutting down"));
    // Sessions already closing for another reason finish within the same grace period.
    const auto current = d->sessions.values();
    for (Session *s : current)
        d->requestClose(s, 1001, QStringLiteral("server shutting down"), CloseCause::Shutdown);
    if (d->sessions.isEmpty())
        QTimer::singleShot(0, this, [this] { d->finishStop(); });
    else
        d->shutdownTimer.start(d->config.shutdownGraceMs);
}

void HostServerPrivate::startCluster()
{
    ClusterEngine::Options options;
    if (!config.redisUrl.isEmpty())
        options.redis = RedisAddress::parse(config.redisUrl, nullptr);   // validated by start()
    options.nodeId = config.nodeId.isEmpty()
            ? (QHostInfo::localHostName() + QLatin1Char(':') + QString::number(q->serverPort())).toUtf8()
            : config.nodeId.toUtf8();
    if (!BusEnvelope::isValidName(options.nodeId))
        options.nodeId = "node:" + QByteArray::number(q->serverPort());   // an odd host name
    options.timeoutMs = config.clusterTimeoutMs;
    options.maxQueued = config.clusterQueueSize;
    options.figures = [this] {
        const HostStats now = currentStats();
        const RateSample last = stats.history().empty() ? RateSample() : stats.history().back();
        return ClusterNodes::Figures{qint64(sessions.size()),
                                     {now.in.messages, now.out.messages, now.in.bytes, now.out.bytes,
                                      last.messagesIn, last.messagesOut, last.bytesIn, last.bytesOut}};
    };
    cluster = std::make_unique<ClusterEngine>(options);
    cluster->start();
}

void HostServerPrivate::finishStop()
{
    if (!running)
        return;
    shutdownTimer.stop();
    heartbeat.stop();
    tokenTimer.stop();
    drainTimer.stop();
    drainQueue.clear();
    draining = false;
    tokenDeadlines.clear();
    const auto remaining = sessions.values();
    for (Session *s : remaining) {
        if (s->closeRequested) {
            // Keep the code and reason already recorded (1001 Going Away), only
            // stop waiting for the peer's answer.
            s->transport->abort();
            finishSession(s);
        } else {
            abortSession(s, CloseCause::Shutdown, QStringLiteral("server shutting down"));
        }
    }
    gate->finish();
    gate->setCapture(nullptr);
    gate->deleteLater();
    gate = nullptr;
    engineIo->stop();
    engineIo->deleteLater();
    engineIo = nullptr;
    statsTimer.stop();
    if (admin) {
        admin->abortAll();
        delete admin;
        admin = nullptr;
    }
    pluginWatcher.reset();
    tls.reset();
    shutdownPlugins();
    cluster.reset();   // after the plugins' buses (their contexts) are gone
    if (capture) {
        capture->finish();   // after every connection above was aborted: the file is complete
        capture.reset();
    }
    running = false;
    stopping = false;
    qCInfo(lcHost) << "stopped";
    Q_EMIT q->stopped();
}

void HostServerPrivate::onStatsTick()
{
    const RateSample sample = stats.sample(QDateTime::currentMSecsSinceEpoch(), int(sessions.size()));
    if (admin)
        admin->tick(sample);
    Q_EMIT q->statsSampled(sample);
}

std::pair<QString, QString> HostServerPrivate::routeFor(const QString &path) const
{
    auto match = registry.match(path);
    if (match.first.isEmpty() || !contexts.count(match.first))
        return {};
    return match;
}

bool HostServerPrivate::hasCapacity(const QString &pluginId, QByteArray *why) const
{
    if (draining) {
        *why = "the host is draining";
        return false;
    }
    const auto it = processHandlers.find(pluginId);
    return it == processHandlers.end() || it.value()->hasCapacity(why);
}

QStringList HostServerPrivate::subprotocols(const QString &pluginId) const
{
    for (const PluginMetadata &md : registry.loaded()) {
        if (md.id == pluginId)
            return md.subprotocols;
    }
    return {};
}

std::optional<QByteArray> HostServerPrivate::httpResponse(const RequestHead &head)
{
    EndpointState state;
    state.metrics = config.metricsEnabled;
    state.page = config.pageEnabled;
    if (!isHttpEndpoint(head, state))
        return std::nullopt;
    stats.countHttpRequest();
    state.stats = [this] {
        HostStats st = currentStats();
        --st.pendingHandshakes;   // not this request
        return st;
    };
    const bool clusterReady = !cluster || cluster->isUp() || !config.readyNeedsCluster;
    state.ready = running && !stopping && !draining && !contexts.empty() && clusterReady;
    state.notReadyReason = stopping ? "stopping" : draining ? "draining" : !clusterReady ? "cluster unavailable" : "no plugins loaded";
    if (cluster) {
        const ClusterEngine::Counters &c = cluster->counters();
        state.extraMetrics = renderClusterMetrics({cluster->isClustered(), cluster->isUp(), cluster->queuedCount(),
                                                   c.published, c.delivered, c.queued, c.dropped, c.reconnects,
                                                   c.epochLosses, c.notRecovered});
    }
    return httpEndpointResponse(head, state);
}

void HostServerPrivate::logHandshake(const PendingHandshake &p, HandshakeRecord::Outcome outcome, int status,
                                     const QByteArray &response, const QString &reason, SessionId session)
{
    HandshakeRecord r;
    r.time = p.acceptedAt;
    r.peerAddress = p.peerAddress;
    r.peerPort = p.peerPort;
    r.viaProxy = p.proxyAddress;
    r.request = p.admin || p.tokenRequired || p.bearerOffered ? HandshakeLog::redactedRequest(p.requestHead)
                                                              : p.requestHead;
    r.response = response;
    r.status = status;
    r.outcome = outcome;
    r.reason = reason;
    r.durationMs = p.sinceAccept.elapsed();
    r.path = p.path;
    r.pluginId = p.pluginId;
    r.sessionId = session;
    r.admin = p.admin;
    stats.countHandshake(status);
    const HandshakeRecord &kept = handshakeLog.add(std::move(r));
    if (admin && admin->clientCount() > 0)
        admin->handshakeLogged(kept);
    Q_EMIT q->handshakeLogged(kept);
}

void HostServerPrivate::webSocketUpgraded(ConnectionSocket *tcp, const PendingHandshake &p)
{
    if (p.admin) {
        logHandshake(p, HandshakeRecord::Outcome::Upgraded, 101, tcp->responseHead,
                     p.adminReadOnly ? QStringLiteral("admin, read-only") : QStringLiteral("admin"), 0);
        admin->attach(tcp, p.earlyData, p.adminReadOnly);
        return;
    }
    if (p.engineIoPath.isEmpty()) {
        logHandshake(p, HandshakeRecord::Outcome::Upgraded, 101, tcp->responseHead, QString(), nextSessionId);
        openSession(tcp, p);
        return;
    }
    // An upgrade of a polling session opens none; a WebSocket-only one does.
    const bool upgrade = !EngineIoCodec::parseQuery(p.query.toUtf8()).sid.isEmpty();
    logHandshake(p, HandshakeRecord::Outcome::Upgraded, 101, tcp->responseHead,
                 upgrade ? QStringLiteral("Engine.IO upgrade") : QStringLiteral("Engine.IO"),
                 upgrade ? 0 : nextSessionId);
    engineIo->upgraded(tcp, p);
}

void HostServerPrivate::refused(const QString &peerAddress, int status, const QString &reason)
{
    Q_EMIT q->handshakeRefused(peerAddress, status, reason);
}

void HostServerPrivate::tlsFailed(const QString &peerAddress, const QString &reason)
{
    stats.countTlsFailure();
    qCInfo(lcHandshake).noquote() << "TLS:" << peerAddress << reason;
}

} // namespace WsPlug

// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "hostserver_p.h"

#include "logging_p.h"

#include <QDir>
#include <QFileInfo>

// The admin channel's view of the host: the one place where the host's state becomes
// protocol values, and where operator commands come in.
namespace WsPlug {

using namespace Internal;

HostStats HostServerPrivate::currentStats() const
{
    return stats.current(int(sessions.size()), gate ? gate->pendingCount() : 0, adminClientCount());
}

Protocol::ClusterInfo HostServerPrivate::clusterInfo() const
{
    Protocol::ClusterInfo c;
    if (!cluster || !cluster->isClustered())
        return c;
    c.enabled = true;
    c.up = cluster->isUp();
    c.node = QString::fromUtf8(cluster->nodeId());
    c.redis = cluster->address();
    c.lastError = cluster->lastError();
    c.queued = cluster->queuedCount();
    c.nodes = cluster->nodes();
    c.sessions = cluster->clusterSessions();
    c.traffic = cluster->clusterTraffic();
    return c;
}

Protocol::Snapshot HostServerPrivate::snapshot() const
{
    Protocol::Snapshot s;
    s.cluster = clusterInfo();
    s.protocol = Protocol::Version;
    s.host.version = QStringLiteral(WSPLUG_VERSION);
    s.host.address = q->serverAddress().toString();
    s.host.port = q->serverPort();
    s.host.startedAt = stats.startedAt();
    for (const HostConfig::IntSetting &setting : HostConfig::intSettings())
        s.host.limits.insert(QLatin1String(setting.key), setting.get(config));
    const Protocol::PluginsState plugins = pluginsState();
    s.plugins = plugins.loaded;
    s.drainingPlugins = plugins.draining;
    s.refusedPlugins = plugins.refused;
    s.pluginEvents = QList<Protocol::PluginEvent>(pluginEvents.cbegin(), pluginEvents.cend());
    s.sessions = sessionList();
    s.handshakes = QList<HandshakeRecord>(handshakeLog.records().cbegin(), handshakeLog.records().cend());
    s.tickMs = config.statsTickMs;
    s.samples = QList<RateSample>(stats.history().cbegin(), stats.history().cend());
    s.stats = currentStats();
    return s;
}

QList<SessionSnapshot> HostServerPrivate::sessionList() const
{
    QList<SessionSnapshot> result;
    result.reserve(sessions.size());
    for (const Session *s : sessions)
        result.append(s->view());
    return result;
}

std::optional<SessionSnapshot> HostServerPrivate::findSession(SessionId id) const
{
    const Session *s = sessions.value(id);
    return s ? std::optional<SessionSnapshot>(s->view()) : std::nullopt;
}

QList<Protocol::CounterUpdate> HostServerPrivate::takeCounterUpdates(quint64 share, quint64 shares)
{
    QList<Protocol::CounterUpdate> updates;
    for (auto it = sessions.cbegin(), end = sessions.cend(); it != end; ++it) {
        Session *s = it.value();
        if (it.key() % shares != share || !s->dirty)
            continue;
        s->dirty = false;
        Protocol::CounterUpdate u;
        u.id = s->info.id;
        u.state = s->state;
        u.messagesIn = s->in.messages;
        u.messagesOut = s->out.messages;
        u.framesIn = s->in.frames;
        u.framesOut = s->out.frames;
        u.bytesIn = s->in.bytes;
        u.bytesOut = s->out.bytes;
        u.lastActivityMs = s->lastActivityMs;
        u.pingRttMs = s->pingRttMs;
        u.textIn = s->in.textMessages;
        u.textOut = s->out.textMessages;
        updates.append(u);
    }
    return updates;
}

bool HostServerPrivate::closeSession(SessionId id, quint16 code, const QString &reason)
{
    return requestClose(sessions.value(id), code, reason, CloseCause::Server);
}

bool HostServerPrivate::kickSession(SessionId id)
{
    Session *s = sessions.value(id);
    if (!s || s->finished)
        return false;
    abortSession(s, CloseCause::Kick, QStringLiteral("kicked"));
    return true;
}

Protocol::PluginInfo HostServerPrivate::pluginInfo(const PluginMetadata &md, const PluginContext *context) const
{
    return {md.id, md.name, md.version, md.apiVersion, md.description, md.routes, md.fileName,
            context ? int(context->sessionIds.size()) : 0,
            // As the plugin got them: with its rights and their roles (see PluginRights).
            QJsonObject::fromVariantMap(context ? context->settings() : config.pluginSettings.value(md.id).toMap())};
}

Protocol::PluginsState HostServerPrivate::pluginsState() const
{
    Protocol::PluginsState p;
    for (const PluginMetadata &md : registry.loaded()) {
        const auto context = contexts.find(md.id);
        p.loaded.append(pluginInfo(md, context != contexts.end() ? context->second.get() : nullptr));
    }
    for (const DrainingPlugin &d : drainingPlugins)
        p.draining.append(pluginInfo(d.metadata, d.context.get()));
    for (const RefusedPlugin &r : registry.refused())
        p.refused.append({r.fileName, r.reason});
    return p;
}

bool HostServerPrivate::pluginCommand(const Protocol::Command &cmd, QString *errorString)
{
    using Kind = Protocol::Command::Kind;
    if (cmd.kind == Kind::ReloadPlugin)
        return q->reloadPlugin(cmd.plugin, errorString);
    if (cmd.kind == Kind::UnloadPlugin)
        return q->unloadPlugin(cmd.plugin, errorString);
    // Only a file of a plugin directory: the admin channel must not be a way to make
    // the host run any library on the machine.
    QString file;
    for (const QString &dir : pluginDirs()) {
        const QFileInfo candidate(QDir(dir), cmd.plugin);
        if (candidate.absoluteDir() == QDir(dir).absolutePath() && candidate.isFile()) {
            file = candidate.absoluteFilePath();
            break;
        }
    }
    if (file.isEmpty()) {
        *errorString = QStringLiteral("no file %1 in the plugin directories (%2)")
                           .arg(cmd.plugin, pluginDirs().join(QStringLiteral(", ")));
        return false;
    }
    return q->loadPlugin(file, errorString);
}

void HostServerPrivate::notePluginEvent(const QString &kind, const PluginMetadata &md, const QString &fileName,
                                        const QString &detail)
{
    Protocol::PluginEvent e{QDateTime::currentDateTimeUtc(), kind, md.id, md.version,
                            fileName.isEmpty() ? md.fileName : fileName, detail};
    pluginEvents.push_back(e);
    if (int(pluginEvents.size()) > MaxPluginEvents)
        pluginEvents.pop_front();
    if (admin)
        admin->pluginEvent(e);
}

bool HostServerPrivate::servesRoute(const QString &route) const
{
    const QList<PluginMetadata> plugins = registry.loaded();
    const bool declared = std::any_of(plugins.cbegin(), plugins.cend(),
                                      [&route](const PluginMetadata &md) { return md.routes.contains(route); });
    return declared || !routeFor(route).first.isEmpty();
}

void HostServerPrivate::updateFrameWatches()
{
    for (Session *s : std::as_const(sessions))
        updateFrameWatch(s);
}

void HostServerPrivate::updateFrameWatch(Session *s)
{
    const bool wanted = admin && !s->finished && admin->wantsFrames(s->info.id, s->info.route);
    FrameWatch *watch = s->transport->frameWatch();
    if (wanted && !watch) {
        s->transport->watchFrames(s->info.id, s->info.route, admin);
    } else if (!wanted && watch) {
        if (watch->isRecorded())
            admin->recordingEnds(s->info.id);
        s->transport->unwatchFrames();
    }
    if (wanted)
        syncRecording(s);
}

void HostServerPrivate::syncRecording(Session *s)
{
    FrameWatch *watch = s->transport->frameWatch();
    if (!watch || !admin)
        return;
    const bool recorded = admin->wantsRecording(s->info.id, s->info.route);
    if (recorded == watch->isRecorded())
        return;
    if (recorded)
        admin->recordingBegins(recordedConnection(*s));
    else
        admin->recordingEnds(s->info.id);
    watch->setRecorded(recorded);
}

RecordedConnection HostServerPrivate::recordedConnection(const Session &s) const
{
    RecordedConnection c;
    c.session = s.info.id;
    c.client = QHostAddress(s.info.peerAddress);
    c.clientPort = s.info.peerPort;
    // The listening address; one that listens on every address is drawn as loopback.
    c.server = gate->serverAddress();
    if (c.server == QHostAddress::Any || c.server == QHostAddress::AnyIPv4 || c.server == QHostAddress::AnyIPv6)
        c.server = c.client.protocol() == QAbstractSocket::IPv6Protocol && c.client.toIPv4Address() == 0
                ? QHostAddress(QHostAddress::LocalHostIPv6) : QHostAddress(QHostAddress::LocalHost);
    c.serverPort = gate->serverPort();
    c.connectedAt = s.info.connectedAt;
    const auto &records = handshakeLog.records();
    for (auto it = records.crbegin(); it != records.crend(); ++it) {
        if (it->sessionId == s.info.id) {
            c.request = it->request;
            c.response = it->response;
            break;
        }
    }
    return c;
}

int HostServerPrivate::closeRoute(const QString &route, quint16 code, const QString &reason)
{
    if (!servesRoute(route))
        return -1;
    QList<SessionId> targets;
    for (const Session *s : std::as_const(sessions)) {
        if (s->info.route == route || s->info.path == route)
            targets.append(s->info.id);
    }
    int closed = 0;
    for (SessionId id : std::as_const(targets))
        closed += closeSession(id, code, reason) ? 1 : 0;
    return closed;
}

int HostServerPrivate::sendMessage(SessionId id, const Protocol::Command &cmd)
{
    Session *s = sessions.value(id);
    if (!canSend(s))
        return -1;
    const QByteArray payload = cmd.binary ? cmd.data : cmd.text.toUtf8();
    // Frames of equal size but the last; a message of n bytes makes at most n frames
    // (and an empty one, one).
    const qint64 perFrame = qMax<qint64>(1, (payload.size() + cmd.frames - 1) / cmd.frames);
    const qint64 frameSize = cmd.frames == 1 ? s->transport->maxFramePayload() : perFrame;
    const EncodedMessage m = encodeMessage(cmd.binary ? FrameOpcode::Binary : FrameOpcode::Text, payload, frameSize);
    return sendEncoded(s, m, !cmd.binary) ? m.frames : -1;
}

bool HostServerPrivate::ping(SessionId id, const QByteArray &payload)
{
    Session *s = sessions.value(id);
    if (!canSend(s))
        return false;
    s->transport->ping(payload.left(Protocol::MaxPingPayload));
    return true;
}

bool HostServerPrivate::hold(SessionId id, Protocol::HoldKind what, bool on)
{
    Session *s = sessions.value(id);
    if (!canSend(s))
        return false;
    (what == Protocol::HoldKind::HostPongs ? s->holdHostPongs : s->holdClientPongs) = on;
    s->transport->setDropIncoming(s->holdHostPongs, s->holdClientPongs);
    return true;
}

bool HostServerPrivate::sendFault(SessionId id, Protocol::Fault fault)
{
    Session *s = sessions.value(id);
    if (!canSend(s))
        return false;
    // Each breaks one rule a client must enforce by failing the connection.
    QByteArray frame;
    switch (fault) {
    case Protocol::Fault::OversizedControl:
        appendFrameHeader(frame, 0x9, true, 126);
        frame += QByteArray(126, 'p');
        break;
    case Protocol::Fault::FragmentedControl:
        appendFrameHeader(frame, 0x9, false, 4);
        frame += "frag";
        break;
    case Protocol::Fault::InvalidUtf8:
        appendFrameHeader(frame, 0x1, true, 4);
        frame += QByteArray::fromHex("c328a0a1");   // a lead byte followed by no continuation
        break;
    case Protocol::Fault::ReservedOpcode:
        appendFrameHeader(frame, 0x3, true, 0);
        break;
    case Protocol::Fault::ReservedBits:
        appendFrameHeader(frame, 0x1, true, 2);
        frame[0] = char(frame.at(0) | 0x40);   // RSV1
        frame += "hi";
        break;
    case Protocol::Fault::NonMinimalLength:
        frame += QByteArray::fromHex("817e0002") + "hi";   // 2 in the 16-bit form
        break;
    }
    s->transport->write(frame.constData(), frame.size());
    qCInfo(lcHost).noquote() << QStringLiteral("session %1: sent a faulty frame on purpose (%2)")
                                    .arg(id).arg(Protocol::faultName(fault));
    return true;
}

} // namespace WsPlug

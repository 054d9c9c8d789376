// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "hostserver_p.h"

// The admin channel's view of the host: the one place where the host's state becomes
// protocol values, and where operator commands come in.
namespace WsPlug {

using namespace Internal;

HostStats HostServerPrivate::currentStats() const
{
    return stats.current(int(sessions.size()), gate ? gate->pendingCount() : 0, adminClientCount());
}

Protocol::Snapshot HostServerPrivate::snapshot() const
{
    Protocol::Snapshot s;
    s.protocol = Protocol::Version;
    s.host.version = QStringLiteral(WSPLUG_VERSION);
    s.host.address = q->serverAddress().toString();
    s.host.port = q->serverPort();
    s.host.startedAt = stats.startedAt();
    for (const HostConfig::IntSetting &setting : HostConfig::intSettings())
        s.host.limits.insert(QLatin1String(setting.key), setting.get(config));
    for (const PluginMetadata &md : registry.loaded()) {
        const auto context = contexts.find(md.id);
        s.plugins.append({md.id, md.name, md.version, md.apiVersion, md.description, md.routes, md.fileName,
                          context != contexts.end() ? int(context->second->sessionIds.size()) : 0});
    }
    for (const RefusedPlugin &r : registry.refused())
        s.refusedPlugins.append({r.fileName, r.reason});
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

bool HostServerPrivate::servesRoute(const QString &route) const
{
    const QList<PluginMetadata> plugins = registry.loaded();
    const bool declared = std::any_of(plugins.cbegin(), plugins.cend(),
                                      [&route](const PluginMetadata &md) { return md.routes.contains(route); });
    return declared || !routeFor(route).first.isEmpty();
}

void HostServerPrivate::updateFrameWatches()
{
    for (Session *s : std::as_const(sessions)) {
        const bool wanted = admin && !s->finished && admin->wantsFrames(s->info.id, s->info.route);
        if (wanted && !s->transport->frameWatch())
            s->transport->watchFrames(s->info.id, s->info.route, admin);
        else if (!wanted && s->transport->frameWatch())
            s->transport->unwatchFrames();
    }
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

bool HostServerPrivate::sendText(SessionId id, const QString &text)
{
    return send(sessions.value(id), &text, nullptr);
}

} // namespace WsPlug

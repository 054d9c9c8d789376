// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "adminchannel_p.h"

#include "connectionsocket_p.h"
#include "logging_p.h"


namespace WsPlug::Internal {

AdminChannel::AdminChannel(AdminHost *host, QObject *parent)
    : QObject(parent), m_host(host)
{
}

AdminChannel::~AdminChannel()
{
    abortAll();
}

bool AdminChannel::isReadCommand(Protocol::Command::Kind kind)
{
    using Kind = Protocol::Command::Kind;
    switch (kind) {
    case Kind::List:
    case Kind::Get:
    case Kind::Handshake:
    case Kind::Snapshot:
    case Kind::Watch:
    case Kind::Unwatch:
    case Kind::Record:
    case Kind::RecordStop:
    case Kind::RecordFetch:
        return true;
    case Kind::Close:
    case Kind::Kick:
    case Kind::CloseRoute:
    case Kind::Send:
    case Kind::Ping:
    case Kind::Hold:
    case Kind::Fault:
    case Kind::LoadPlugin:
    case Kind::ReloadPlugin:
    case Kind::UnloadPlugin:
    case Kind::Drain:
        break;
    }
    return false;
}

void AdminChannel::attach(ConnectionSocket *tcp, const QByteArray &earlyData, bool readOnly)
{
    // Commands are small; anything bigger is a mistake or an attack.
    constexpr qint64 MaxCommandBytes = 64 * 1024;
    auto *client = new WebSocketConnection(tcp, {MaxCommandBytes, MaxCommandBytes, 1000}, this);
    if (readOnly)
        m_readOnly.insert(client);
    m_clients.append(client);
    tcp->onMessage = [this, client](bool text, const QByteArray &payload) {
        if (text)
            onCommand(client, QString::fromUtf8(payload));
        else
            client->close(1003, QStringLiteral("commands are JSON text"));
    };
    client->onDisconnected = [this, client] {
        m_clients.removeOne(client);
        m_readOnly.remove(client);
        if (client == m_recordingClient)
            dropRecording();
        if (m_watchers.remove(client))
            m_host->updateFrameWatches();
        client->deleteLater();
        qCInfo(lcHost) << "admin client left;" << m_clients.size() << "attached";
    };
    qCInfo(lcHost).noquote() << "admin client attached from" << tcp->peerAddress().toString()
                              << (readOnly ? "(read-only token)" : "");
    send(client, Protocol::encode(m_host->snapshot()));
    client->start(earlyData, false);
}

void AdminChannel::sessionOpened(Protocol::SessionId id)
{
    if (queueSession(m_openedIds, m_next.omittedOpened, MaxOpenedPerTick))
        m_openedIds.append(id);
}

void AdminChannel::sessionClosed(const std::function<Protocol::SessionSnapshot()> &view)
{
    if (queueSession(m_next.closed, m_next.omittedClosed, MaxClosedPerTick))
        m_next.closed.append(view());
}

void AdminChannel::handshakeLogged(const Protocol::HandshakeRecord &record)
{
    queueForTick(m_next.handshakes, m_next.omittedHandshakes, MaxHandshakesPerTick, record);
}

bool AdminChannel::wantsFrames(Protocol::SessionId id, const QString &route) const
{
    for (const Watcher &w : m_watchers) {
        if (w.wants(id, route))
            return true;
    }
    return false;
}

void AdminChannel::sessionEnded(Protocol::SessionId id)
{
    for (Watcher &w : m_watchers)
        w.sessions.remove(id);
    recordingEnds(id);
}

bool AdminChannel::wantsRecording(Protocol::SessionId id, const QString &route) const
{
    if (!m_recording || m_recording->isFinished())
        return false;
    const auto it = m_watchers.constFind(m_recordingClient);
    return it != m_watchers.cend() && it->wants(id, route);
}

void AdminChannel::recordingBegins(const RecordedConnection &connection)
{
    if (m_recording)
        m_recording->begin(connection);
}

void AdminChannel::recordingEnds(Protocol::SessionId id)
{
    if (m_recording)
        m_recording->end(id);
}

void AdminChannel::bytesSeen(Protocol::SessionId session, Protocol::Direction from, const char *data, qsizetype size)
{
    if (m_recording)
        m_recording->bytes(session, from, data, size);
}

void AdminChannel::dropRecording()
{
    if (!m_recording)
        return;
    const bool wasRecording = !m_recording->isFinished();
    m_recording.reset();
    m_recordingClient = nullptr;
    if (wasRecording)
        m_host->updateFrameWatches();
}

QByteArray AdminChannel::record(WebSocketConnection *client, const Protocol::Command &cmd)
{
    using Kind = Protocol::Command::Kind;
    const bool mine = m_recording && m_recordingClient == client;
    const QString who = QStringLiteral("admin %1 port %2").arg(client->peerAddress()).arg(client->peerPort());
    if (cmd.kind == Kind::Record) {
        if (m_recording && !m_recording->isFinished())
            return Protocol::replyError(cmd.id, mine ? QStringLiteral("this client is recording already")
                                                     : QStringLiteral("another admin client is recording (one recording at a time)"));
        // A finished recording nobody fetched gives way to a new one.
        dropRecording();
        m_recording = std::make_unique<WatchRecording>(cmd.maxBytes);
        m_recordingClient = client;
        m_host->updateFrameWatches();
        qCInfo(lcHost).noquote() << QStringLiteral("%1: recording the watched sessions (at most %2 bytes)").arg(who).arg(cmd.maxBytes);
        return Protocol::replyOk(cmd.id, QJsonObject{{QStringLiteral("maxBytes"), double(cmd.maxBytes)}});
    }
    if (cmd.kind == Kind::RecordStop) {
        if (!mine || m_recording->isFinished())
            return Protocol::replyError(cmd.id, QStringLiteral("this client is not recording"));
        m_recording->finish();
        m_host->updateFrameWatches();
        const qint64 size = m_recording->data().size();
        qCInfo(lcHost).noquote() << QStringLiteral("%1: recording stopped: %2 sessions, %3 bytes%4")
                                        .arg(who).arg(m_recording->sessionCount()).arg(size)
                                        .arg(m_recording->reachedLimit() ? QStringLiteral(" (limit reached)") : QString());
        return Protocol::replyOk(cmd.id, QJsonObject{{QStringLiteral("bytes"), double(size)},
                                                     {QStringLiteral("sessions"), m_recording->sessionCount()},
                                                     {QStringLiteral("reachedLimit"), m_recording->reachedLimit()}});
    }
    if (!mine || !m_recording->isFinished())
        return Protocol::replyError(cmd.id, QStringLiteral("no finished recording to fetch (\"recordStop\" finishes one)"));
    const QByteArray &data = m_recording->data();
    if (cmd.offset > data.size())
        return Protocol::replyError(cmd.id, QStringLiteral("offset %1 is past the recording's %2 bytes").arg(cmd.offset).arg(data.size()));
    const QByteArray chunk = data.mid(qsizetype(cmd.offset), qsizetype(Protocol::RecordingChunkBytes));
    return Protocol::replyOk(cmd.id, QJsonObject{{QStringLiteral("offset"), double(cmd.offset)},
                                                 {QStringLiteral("bytes"), double(data.size())},
                                                 {QStringLiteral("data"), QString::fromLatin1(chunk.toBase64())}});
}

void AdminChannel::frameSeen(Protocol::FrameRecord &&frame)
{
    // Usually one watcher: the last one takes the frame, the others share its bytes.
    Watcher *last = nullptr;
    for (Watcher &w : m_watchers) {
        if (!w.wants(frame.session, frame.route))
            continue;
        if (w.frames.size() >= MaxFramesPerTick) {
            w.omit(frame.session, frame.payloadLength);
            continue;
        }
        if (last)
            last->frames.append(frame);
        last = &w;
    }
    if (last)
        last->frames.append(std::move(frame));
}

void AdminChannel::frameOmitted(Protocol::SessionId session, const QString &route, quint64 payloadBytes)
{
    for (Watcher &w : m_watchers) {
        if (w.wants(session, route))
            w.omit(session, payloadBytes);
    }
}

void AdminChannel::sendFrames()
{
    for (auto it = m_watchers.begin(); it != m_watchers.end(); ++it) {
        Watcher &w = it.value();
        if (w.frames.isEmpty() && w.omitted.isEmpty())
            continue;
        Protocol::FramesReport report;
        report.frames = std::exchange(w.frames, {});
        report.omitted = std::exchange(w.omitted, {}).values();
        send(it.key(), Protocol::encode(Protocol::toJson(report)));
    }
}

QByteArray AdminChannel::watch(WebSocketConnection *client, const Protocol::Command &cmd)
{
    using Kind = Protocol::Command::Kind;
    if (cmd.kind == Kind::Watch) {
        // Checked before a watcher exists: a refused watch leaves nothing behind.
        const Watcher current = m_watchers.value(client);
        if (cmd.session != 0) {
            if (!m_host->findSession(cmd.session))
                return Protocol::replyError(cmd.id, QStringLiteral("no open session %1").arg(cmd.session));
            if (current.sessions.size() >= MaxWatchedSessions && !current.sessions.contains(cmd.session))
                return Protocol::replyError(cmd.id, QStringLiteral("a client watches at most %1 sessions").arg(MaxWatchedSessions));
            m_watchers[client].sessions.insert(cmd.session);
        } else {
            if (!m_host->servesRoute(cmd.route))
                return Protocol::replyError(cmd.id, QStringLiteral("no plugin serves %1").arg(Protocol::oneLine(cmd.route)));
            if (current.routes.size() >= MaxWatchedRoutes && !current.routes.contains(cmd.route))
                return Protocol::replyError(cmd.id, QStringLiteral("a client watches at most %1 routes").arg(MaxWatchedRoutes));
            m_watchers[client].routes.insert(cmd.route);
        }
    } else {
        auto it = m_watchers.find(client);
        if (it != m_watchers.end()) {
            if (cmd.session != 0)
                it->sessions.remove(cmd.session);
            else if (!cmd.route.isEmpty())
                it->routes.remove(cmd.route);
            else
                *it = Watcher{{}, {}, it->frames, it->omitted};
            // Frames already seen still travel with the next tick.
            if (it->sessions.isEmpty() && it->routes.isEmpty() && it->frames.isEmpty() && it->omitted.isEmpty())
                m_watchers.erase(it);
        }
    }
    m_host->updateFrameWatches();
    return Protocol::replyOk(cmd.id);
}

void AdminChannel::pluginEvent(const Protocol::PluginEvent &event)
{
    if (m_clients.isEmpty())
        return;
    m_next.pluginsChanged = true;
    if (m_next.plugins.events.size() < MaxPluginEventsPerTick)
        m_next.plugins.events.append(event);
}

void AdminChannel::tick(const Protocol::RateSample &sample)
{
    sendFrames();
    if (m_clients.isEmpty())
        return;
    Protocol::Tick tick = std::exchange(m_next, {});
    tick.cluster = m_host->clusterInfo();
    if (tick.pluginsChanged) {
        Protocol::PluginsState now = m_host->pluginsState();
        now.events = std::move(tick.plugins.events);
        tick.plugins = std::move(now);
    }
    const QList<Protocol::SessionId> opened = std::exchange(m_openedIds, {});
    tick.opened.reserve(opened.size());
    for (Protocol::SessionId id : opened) {
        if (std::optional<Protocol::SessionSnapshot> s = m_host->findSession(id))
            tick.opened.append(std::move(*s));
    }
    tick.sample = sample;
    tick.stats = m_host->currentStats();
    // Session counters travel about once a second, and only for sessions that changed.
    // Each tick takes its share of the sessions (by id), so that with thousands of busy
    // sessions the work is spread over the second, not one stall of tens of ms.
    const quint64 ticksPerUpdate = quint64(std::max(1, 1000 / m_host->statsTickMs()));
    tick.updated = m_host->takeCounterUpdates(m_tickCount++ % ticksPerUpdate, ticksPerUpdate);
    const QByteArray bytes = Protocol::encode(tick);
    const auto clients = m_clients;
    for (WebSocketConnection *client : clients)
        send(client, bytes);
}

void AdminChannel::send(WebSocketConnection *client, const QByteArray &message)
{
    if (client->unsentBytes() > MaxClientBacklog) {
        qCWarning(lcHost) << "admin client is not reading; dropping it";
        client->abort();
        return;
    }
    client->sendText(message);
}

void AdminChannel::onCommand(WebSocketConnection *client, const QString &text)
{
    Protocol::Command command;
    QString error;
    if (!Protocol::parseCommand(text.toUtf8(), &command, &error)) {
        send(client, Protocol::replyError(command.id, error));
        return;
    }
    using Kind = Protocol::Command::Kind;
    if (m_readOnly.contains(client) && !isReadCommand(command.kind)) {
        send(client, Protocol::replyError(command.id, QStringLiteral("\"%1\" needs the full admin token: this client "
                                                                     "attached with the read-only one")
                                                          .arg(Protocol::commandName(command.kind))));
        return;
    }
    const bool recordCommand = command.kind == Kind::Record || command.kind == Kind::RecordStop
            || command.kind == Kind::RecordFetch;
    const QByteArray reply = command.kind == Kind::Watch || command.kind == Kind::Unwatch ? watch(client, command)
            : recordCommand ? record(client, command)
                            : answer(command);
    // Operator actions are logged with who did them; reads are not.
    const bool pluginCommand = command.kind == Kind::LoadPlugin || command.kind == Kind::ReloadPlugin
            || command.kind == Kind::UnloadPlugin;
    if (command.kind == Kind::Close || command.kind == Kind::Kick || command.kind == Kind::CloseRoute
        || command.kind == Kind::Send || command.kind == Kind::Ping || command.kind == Kind::Hold
        || command.kind == Kind::Fault || command.kind == Kind::Drain || pluginCommand) {
        const Protocol::Reply result = Protocol::replyFromJson(Protocol::decode(reply));
        QString what = command.kind == Kind::CloseRoute ? QStringLiteral("route %1").arg(Protocol::oneLine(command.route))
                : pluginCommand ? Protocol::oneLine(command.plugin)
                : command.kind == Kind::Drain ? QStringLiteral("this host")
                                : QStringLiteral("session %1").arg(command.session);
        if (command.kind == Kind::Close || command.kind == Kind::CloseRoute)
            what += QStringLiteral(" with %1 \"%2\"").arg(command.code).arg(Protocol::oneLine(command.reason));
        if (command.kind == Kind::Send && command.binary)
            what += QStringLiteral(" (%1 bytes, binary, %2 frames)").arg(command.data.size()).arg(command.frames);
        else if (command.kind == Kind::Send)
            what += QStringLiteral(" (%1 characters, %2 frames)").arg(command.text.size()).arg(command.frames);
        else if (command.kind == Kind::Hold)
            what += QStringLiteral(" %1 %2").arg(Protocol::holdName(command.hold), command.on ? QStringLiteral("on") : QStringLiteral("off"));
        else if (command.kind == Kind::Fault)
            what += QLatin1Char(' ') + Protocol::faultName(command.fault);
        qCInfo(lcHost).noquote() << QStringLiteral("admin %1 port %2: %3 %4: %5")
                                        .arg(client->peerAddress()).arg(client->peerPort())
                                        .arg(Protocol::commandName(command.kind), what,
                                             result.ok ? QStringLiteral("done") : Protocol::oneLine(result.error));
    }
    send(client, reply);
}

QByteArray AdminChannel::answer(const Protocol::Command &cmd)
{
    using Kind = Protocol::Command::Kind;
    const QString noSession = QStringLiteral("no open session %1").arg(cmd.session);
    auto okOr = [&](bool ok, const QString &error) {
        return ok ? Protocol::replyOk(cmd.id) : Protocol::replyError(cmd.id, error);
    };
    switch (cmd.kind) {
    case Kind::Close:
        return okOr(m_host->closeSession(cmd.session, cmd.code, cmd.reason), noSession);
    case Kind::Kick:
        return okOr(m_host->kickSession(cmd.session), noSession);
    case Kind::CloseRoute: {
        const int closed = m_host->closeRoute(cmd.route, cmd.code, cmd.reason);
        if (closed < 0)
            return Protocol::replyError(cmd.id, QStringLiteral("no plugin serves %1").arg(Protocol::oneLine(cmd.route)));
        return Protocol::replyOk(cmd.id, QJsonObject{{QStringLiteral("closed"), closed}});
    }
    case Kind::Send: {
        const int frames = m_host->sendMessage(cmd.session, cmd);
        return frames < 0 ? Protocol::replyError(cmd.id, noSession)
                          : Protocol::replyOk(cmd.id, QJsonObject{{QStringLiteral("frames"), frames}});
    }
    case Kind::Ping:
        return okOr(m_host->ping(cmd.session, cmd.data), noSession);
    case Kind::Hold:
        return okOr(m_host->hold(cmd.session, cmd.hold, cmd.on), noSession);
    case Kind::Fault:
        return okOr(m_host->sendFault(cmd.session, cmd.fault), noSession);
    case Kind::LoadPlugin:
    case Kind::ReloadPlugin:
    case Kind::UnloadPlugin: {
        QString why;
        return m_host->pluginCommand(cmd, &why) ? Protocol::replyOk(cmd.id) : Protocol::replyError(cmd.id, Protocol::oneLine(why));
    }
    case Kind::Drain: {
        const int open = int(m_host->sessionList().size());
        return m_host->drain(cmd.periodMs) ? Protocol::replyOk(cmd.id, QJsonObject{{QStringLiteral("sessions"), open}})
                                           : Protocol::replyError(cmd.id, QStringLiteral("the host is draining or stopping already"));
    }
    case Kind::List:
        return Protocol::replyOk(cmd.id, m_host->sessionList());
    case Kind::Get: {
        const auto s = m_host->findSession(cmd.session);
        return s ? Protocol::replyOk(cmd.id, *s) : Protocol::replyError(cmd.id, noSession);
    }
    case Kind::Handshake: {
        const auto r = m_host->handshake(cmd.handshake);
        return r ? Protocol::replyOk(cmd.id, Protocol::toJson(*r))
                 : Protocol::replyError(cmd.id, QStringLiteral("handshake %1 is not in the log (any more)").arg(cmd.handshake));
    }
    case Kind::Snapshot:
        return Protocol::replyOk(cmd.id, m_host->snapshot());
    case Kind::Watch:
    case Kind::Unwatch:
    case Kind::Record:
    case Kind::RecordStop:
    case Kind::RecordFetch:
        break;   // per client: watch(), record()
    }
    return Protocol::replyError(cmd.id, QStringLiteral("unknown command"));
}

void AdminChannel::closeAll(quint16 code, const QString &reason)
{
    const auto clients = m_clients;
    for (WebSocketConnection *client : clients)
        client->close(code, reason);
}

void AdminChannel::abortAll()
{
    m_recording.reset();
    m_recordingClient = nullptr;
    if (!m_watchers.isEmpty()) {
        m_watchers.clear();
        m_host->updateFrameWatches();
    }
    const auto clients = m_clients;
    m_clients.clear();
    m_readOnly.clear();
    for (WebSocketConnection *client : clients) {
        client->onDisconnected = nullptr;
        client->abort();
        client->deleteLater();
    }
}

} // namespace WsPlug::Internal

// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "adminchannel_p.h"

#include "hostserver_p.h"
#include "logging_p.h"

#include <wsplug/protocol/adminprotocol.h>

#include <QJsonDocument>
#include <QWebSocket>

namespace WsPlug {

using namespace Internal;

namespace {
QByteArray compact(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}
} // namespace

AdminChannel::AdminChannel(HostServerPrivate *host)
    : QObject(host->q), m_host(host)
{
}

AdminChannel::~AdminChannel()
{
    abortAll();
}

void AdminChannel::attach(QWebSocket *socket)
{
    socket->setParent(this);
    // Commands are small; anything bigger is a mistake or an attack.
    socket->setMaxAllowedIncomingMessageSize(64 * 1024);
    socket->setMaxAllowedIncomingFrameSize(64 * 1024);
    m_clients.append(socket);
    connect(socket, &QWebSocket::textMessageReceived, this, [this, socket](const QString &text) { onCommand(socket, text); });
    connect(socket, &QWebSocket::binaryMessageReceived, this, [socket] {
        socket->close(QWebSocketProtocol::CloseCodeDatatypeNotSupported, QStringLiteral("commands are JSON text"));
    });
    connect(socket, &QWebSocket::disconnected, this, [this, socket] {
        m_clients.removeOne(socket);
        socket->deleteLater();
        qCInfo(lcHost) << "admin client left;" << m_clients.size() << "attached";
    });
    qCInfo(lcHost).noquote() << "admin client attached from" << socket->peerAddress().toString();
    send(socket, compact(snapshot()));
}

QJsonObject AdminChannel::snapshot() const
{
    const HostServerPrivate *h = m_host;
    const HostConfig &c = h->config;
    QJsonObject limits{{QStringLiteral("maxConnections"), c.maxConnections},
                       {QStringLiteral("maxConnectionsPerIp"), c.maxConnectionsPerIp},
                       {QStringLiteral("handshakeTimeoutMs"), c.handshakeTimeoutMs},
                       {QStringLiteral("maxRequestHeadBytes"), c.maxRequestHeadBytes},
                       {QStringLiteral("maxFrameBytes"), double(c.maxFrameBytes)},
                       {QStringLiteral("maxMessageBytes"), double(c.maxMessageBytes)},
                       {QStringLiteral("maxSendBacklogBytes"), double(c.maxSendBacklogBytes)},
                       {QStringLiteral("pingIntervalMs"), c.pingIntervalMs},
                       {QStringLiteral("pongTimeoutMs"), c.pongTimeoutMs},
                       {QStringLiteral("shutdownGraceMs"), c.shutdownGraceMs},
                       {QStringLiteral("listenBacklog"), c.listenBacklog},
                       {QStringLiteral("handshakeLogSize"), c.handshakeLogSize},
                       {QStringLiteral("maxAdminConnections"), c.maxAdminConnections}};
    QJsonObject host{{QStringLiteral("version"), QStringLiteral(WSPLUG_VERSION)},
                     {QStringLiteral("address"), h->q->serverAddress().toString()},
                     {QStringLiteral("port"), int(h->q->serverPort())},
                     {QStringLiteral("startedAt"), h->stats.startedAt.toString(Qt::ISODateWithMs)},
                     {QStringLiteral("limits"), limits}};

    QJsonArray loaded;
    for (const PluginMetadata &md : h->registry.loaded()) {
        const auto ctx = h->contexts.find(md.id);
        loaded.append(Protocol::toJson(md, ctx != h->contexts.end() ? int(ctx->second->sessionIds.size()) : 0));
    }
    QJsonArray refused;
    for (const RefusedPlugin &r : h->registry.refused())
        refused.append(Protocol::toJson(r));
    QJsonArray sessions;
    for (Session *s : h->sessions)
        sessions.append(Protocol::toJson(s->view()));
    QJsonArray handshakes;
    for (const HandshakeRecord &r : h->handshakeLog)
        handshakes.append(Protocol::toJson(r));
    QJsonArray samples;
    for (const RateSample &r : h->rateHistory)
        samples.append(Protocol::toJson(r));

    return QJsonObject{{QStringLiteral("type"), QLatin1String(Protocol::TypeSnapshot)},
                    {QStringLiteral("protocol"), Protocol::Version},
                    {QStringLiteral("host"), host},
                    {QStringLiteral("plugins"), QJsonObject{{QStringLiteral("loaded"), loaded},
                                                            {QStringLiteral("refused"), refused}}},
                    {QStringLiteral("sessions"), sessions},
                    {QStringLiteral("handshakes"), handshakes},
                    {QStringLiteral("rates"), QJsonObject{{QStringLiteral("tickMs"), c.statsTickMs},
                                                          {QStringLiteral("samples"), samples}}},
                    {QStringLiteral("stats"), Protocol::toJson(h->currentStats())}};
}

void AdminChannel::sessionOpened(const SessionSnapshot &session)
{
    queueForTick(m_opened, m_omittedOpened, MaxOpenedPerTick, [&] { return Protocol::toJson(session); });
}

void AdminChannel::sessionClosed(const SessionSnapshot &session)
{
    queueForTick(m_closed, m_omittedClosed, MaxClosedPerTick, [&] { return Protocol::toJson(session); });
}

void AdminChannel::handshakeLogged(const HandshakeRecord &record)
{
    queueForTick(m_handshakes, m_omittedHandshakes, MaxHandshakesPerTick, [&] { return Protocol::toJson(record); });
}

void AdminChannel::tick(const RateSample &sample)
{
    if (m_clients.isEmpty())
        return;
    QJsonObject message{{QStringLiteral("type"), QLatin1String(Protocol::TypeTick)},
                        {QStringLiteral("sample"), Protocol::toJson(sample)},
                        {QStringLiteral("stats"), Protocol::toJson(m_host->currentStats())}};
    if (!m_opened.isEmpty())
        message.insert(QStringLiteral("opened"), std::exchange(m_opened, {}));
    if (!m_closed.isEmpty())
        message.insert(QStringLiteral("closed"), std::exchange(m_closed, {}));
    if (!m_handshakes.isEmpty())
        message.insert(QStringLiteral("handshakes"), std::exchange(m_handshakes, {}));
    if (m_omittedOpened || m_omittedClosed || m_omittedHandshakes) {
        message.insert(QStringLiteral("omitted"), QJsonObject{{QStringLiteral("opened"), std::exchange(m_omittedOpened, 0)},
                                                              {QStringLiteral("closed"), std::exchange(m_omittedClosed, 0)},
                                                              {QStringLiteral("handshakes"), std::exchange(m_omittedHandshakes, 0)}});
    }
    // Session counters travel about once a second, and only for sessions that changed.
    // Each tick takes its share of the sessions (by id), so that with thousands of busy
    // sessions the work is spread over the second, not one stall of tens of ms.
    const SessionId ticksPerUpdate = SessionId(std::max(1, 1000 / m_host->config.statsTickMs));
    const SessionId share = m_tickCount++ % ticksPerUpdate;
    QJsonArray updated;
    for (auto it = m_host->sessions.cbegin(), end = m_host->sessions.cend(); it != end; ++it) {
        Session *s = it.value();
        if (it.key() % ticksPerUpdate == share && s->dirty) {
            s->dirty = false;
            updated.append(Protocol::toCounterUpdate(s->view()));
        }
    }
    if (!updated.isEmpty())
        message.insert(QStringLiteral("updated"), updated);
    const QByteArray bytes = compact(message);
    const auto clients = m_clients;
    for (QWebSocket *client : clients)
        send(client, bytes);
}

void AdminChannel::send(QWebSocket *client, const QByteArray &message)
{
    if (client->bytesToWrite() > MaxClientBacklog) {
        qCWarning(lcHost) << "admin client is not reading; dropping it";
        client->abort();
        return;
    }
    client->sendTextMessage(QString::fromUtf8(message));
}

void AdminChannel::onCommand(QWebSocket *client, const QString &text)
{
    Protocol::Command cmd;
    QString error;
    if (!Protocol::parseCommand(text.toUtf8(), &cmd, &error)) {
        send(client, Protocol::replyError(cmd.id, error));
        return;
    }
    HostServer *host = m_host->q;
    using Kind = Protocol::Command::Kind;
    auto noSession = [&] { return QStringLiteral("no open session %1").arg(cmd.session); };
    switch (cmd.kind) {
    case Kind::Close:
        if (host->closeSession(cmd.session, cmd.code, cmd.reason))
            send(client, Protocol::replyOk(cmd.id));
        else
            send(client, Protocol::replyError(cmd.id, noSession()));
        return;
    case Kind::Kick:
        if (host->kickSession(cmd.session))
            send(client, Protocol::replyOk(cmd.id));
        else
            send(client, Protocol::replyError(cmd.id, noSession()));
        return;
    case Kind::CloseRoute: {
        QList<SessionId> targets;
        for (const Session *s : std::as_const(m_host->sessions)) {
            if (s->snapshot.info.route == cmd.route || s->snapshot.info.path == cmd.route)
                targets.append(s->snapshot.info.id);
        }
        int closed = 0;
        for (SessionId id : std::as_const(targets))
            closed += host->closeSession(id, cmd.code, cmd.reason) ? 1 : 0;
        send(client, Protocol::replyOk(cmd.id, QJsonObject{{QStringLiteral("closed"), closed}}));
        return;
    }
    case Kind::Send: {
        Session *s = m_host->sessions.value(cmd.session);
        if (s && m_host->send(s, &cmd.text, nullptr))
            send(client, Protocol::replyOk(cmd.id));
        else
            send(client, Protocol::replyError(cmd.id, noSession()));
        return;
    }
    case Kind::List: {
        QJsonArray sessions;
        for (Session *s : std::as_const(m_host->sessions))
            sessions.append(Protocol::toJson(s->view()));
        send(client, Protocol::replyOk(cmd.id, sessions));
        return;
    }
    case Kind::Get: {
        Session *s = m_host->sessions.value(cmd.session);
        if (s)
            send(client, Protocol::replyOk(cmd.id, Protocol::toJson(s->view())));
        else
            send(client, Protocol::replyError(cmd.id, noSession()));
        return;
    }
    case Kind::Handshake:
        for (const HandshakeRecord &r : m_host->handshakeLog) {
            if (r.id == cmd.handshake) {
                send(client, Protocol::replyOk(cmd.id, Protocol::toJson(r)));
                return;
            }
        }
        send(client, Protocol::replyError(cmd.id, QStringLiteral("handshake %1 is not in the log (any more)").arg(cmd.handshake)));
        return;
    case Kind::Snapshot:
        send(client, Protocol::replyOk(cmd.id, snapshot()));
        return;
    }
}

void AdminChannel::closeAll(quint16 code, const QString &reason)
{
    const auto clients = m_clients;
    for (QWebSocket *client : clients)
        client->close(QWebSocketProtocol::CloseCode(code), reason);
}

void AdminChannel::abortAll()
{
    const auto clients = m_clients;
    m_clients.clear();
    for (QWebSocket *client : clients) {
        client->disconnect(this);
        client->abort();
        client->deleteLater();
    }
}

} // namespace WsPlug

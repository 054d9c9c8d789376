// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "hostserver_p.h"

#include "connectionsocket_p.h"
#include "logging_p.h"

// Engine.IO (docs/fallback.md): what the gate and the Engine.IO server ask of the host.
// The protocol is engineioserver.cpp's and engineiotransport.cpp's; a session opened
// here is an ordinary session to plugins, stats and the admin channel.
namespace WsPlug {

using namespace Internal;

void HostServerPrivate::engineIoRequest(ConnectionSocket *socket, const PendingHandshake &p, const RequestHead &head,
                                        qsizetype headLength)
{
    engineIo->handleRequest(socket, p, head, headLength);
}

bool HostServerPrivate::engineIoKnows(const QByteArray &sid) const
{
    return engineIo && engineIo->knows(sid);
}

Session *HostServerPrivate::openEngineIoSession(const PendingHandshake &p, const QString &path, const QString &query,
                                                const QString &transportName,
                                                const std::function<SessionTransport *(Session *)> &make)
{
    if (!contexts.count(p.pluginId)) {
        // Unloaded between the gate's check and now: nothing serves the route.
        gate->releaseAddress(p.peerAddress);
        return nullptr;
    }
    if (transportName == QLatin1String("polling")) {
        logHandshake(p, HandshakeRecord::Outcome::Upgraded, 200, {}, QStringLiteral("Engine.IO polling"),
                     nextSessionId);
    }
    return openSession(p, path, query, QString(), transportName, make);
}

void HostServerPrivate::keepAlive(ConnectionSocket *socket)
{
    if (gate) {
        gate->adopt(socket);
        return;
    }
    socket->abort();
    socket->deleteLater();
}

} // namespace WsPlug

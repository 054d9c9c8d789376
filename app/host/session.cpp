// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "session_p.h"

namespace WsPlug::Internal {

SessionSnapshot Session::view() const
{
    SessionSnapshot s;
    s.id = info.id;
    s.path = info.path;
    s.query = info.query;
    s.route = info.route;
    s.pluginId = pluginId;
    s.peerAddress = info.peerAddress;
    s.peerPort = info.peerPort;
    s.subprotocol = info.subprotocol;
    s.connectedAt = info.connectedAt;
    s.state = state;
    s.in = in;
    s.out = out;
    s.lastActivity = QDateTime::fromMSecsSinceEpoch(lastActivityMs, Qt::UTC);
    s.pingRttMs = pingRttMs;
    s.closeCode = closeCode;
    s.closeReason = closeReason;
    s.closeCause = closeCause;
    if (clientClose.code >= 0)
        s.clientClose = {clientClose.code, clientClose.reason};
    if (hostClose.code >= 0)
        s.hostClose = {hostClose.code, hostClose.reason};
    const bool client = clientClose.code >= 0;
    const bool host = hostClose.code >= 0;
    if (client && host) {
        s.firstClose = clientClose.atUs <= hostClose.atUs ? QStringLiteral("client") : QStringLiteral("host");
        s.closeFramesApartMs = qAbs(hostClose.atUs - clientClose.atUs) / 1000;
    } else if (client || host) {
        s.firstClose = client ? QStringLiteral("client") : QStringLiteral("host");
    }
    s.subject = info.subject;
    s.tokenExpiresAt = info.tokenExpiresAt;
    s.transport = transportName;
    s.upgradedAt = upgradedAt;
    return s;
}

} // namespace WsPlug::Internal

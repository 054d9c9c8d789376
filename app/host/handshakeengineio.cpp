// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "handshakegate_p.h"

#include "connectionsocket_p.h"
#include "engineiocodec_p.h"

// Engine.IO under a plugin route ("<route>/engine.io/", docs/fallback.md): which of
// its requests meet the gate's checks and which go straight to the host's Engine.IO
// code. How a refusal looks and the connection's life are handshakegate.cpp's.
namespace WsPlug::Internal {

bool HandshakeGate::routeEngineIo(ConnectionSocket *socket, PendingHandshake &p, const RequestHead &head,
                                  qsizetype headLength, QString *routePath)
{
    QString base;
    if (p.admin || !EngineIoCodec::splitPath(p.path, &base))
        return false;
    p.engineIoPath = base;
    *routePath = base;
    const EngineIoCodec::Query query = EngineIoCodec::parseQuery(head.query());
    const bool valid = !EngineIoCodec::checkQuery(query).has_value();
    const auto clearRefusal = [this, &p] {
        if (p.refuseStatus != 0) {
            p.refuseStatus = 0;
            --m_refusing;
        }
        uncount(p);
    };
    if (head.isWebSocketUpgrade() && valid && (query.sid.isEmpty() || m_host->engineIoKnows(query.sid))) {
        // The upgrade of a session that exists adds no session: no limit refuses it.
        // Either way Qt upgrades it after the usual checks.
        if (!query.sid.isEmpty())
            clearRefusal();
        return false;
    }
    if (!head.isWebSocketUpgrade() && valid && query.sid.isEmpty() && head.method() == "GET") {
        // A polling handshake opens a session: the same checks as an upgrade.
        if (p.refuseStatus != 0) {
            refuse(socket, p.refuseStatus, p.refuseReason);
            return true;
        }
        const auto [pluginId, route] = m_host->routeFor(base);
        if (pluginId.isEmpty()) {
            refuse(socket, 404, "no handler serves " + head.path());
            return true;
        }
        QByteArray why;
        if (!m_host->hasCapacity(pluginId, &why)) {
            refuse(socket, 503, why);
            return true;
        }
        if (!admit(socket, p, head, pluginId, route))
            return true;
        // Counted as a session from now on, per address until it ends (releaseAddress()).
        if (p.counted) {
            --m_pendingCounted;
            p.counted = false;
        }
    } else {
        // A request of a session, or one Engine.IO answers with its own error: it adds
        // no connection, so no limit refuses it.
        clearRefusal();
        p.route = m_host->routeFor(base).second;
    }
    const PendingHandshake handed = p;
    forget(m_pending.find(socket));
    disconnect(socket, nullptr, this, nullptr);
    m_host->engineIoRequest(socket, handed, head, headLength);
    return true;
}

} // namespace WsPlug::Internal

// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "handshakegate_p.h"

#include "connectionsocket_p.h"
#include "permessagedeflate_p.h"

// Who may upgrade, once a request head is whole and names a route: the subprotocol
// offered, the browser's origin, the bearer token, and how fast one address connects.
// What a refusal looks like and the connection's life are handshakegate.cpp's.
namespace WsPlug::Internal {

namespace {

/*
 * The bearer token of \a head: from "Authorization: Bearer", else a "token" query
 * parameter, else a "bearer.<token>" subprotocol (browsers cannot set headers).
 * The "bearer." entries are taken out of \a offered either way: they are never a
 * subprotocol to negotiate.
 */
QByteArray bearerToken(const RequestHead &head, QList<QByteArray> *offered)
{
    QByteArray fromSubprotocol;
    for (auto it = offered->begin(); it != offered->end();) {
        if (it->startsWith("bearer.")) {
            if (fromSubprotocol.isEmpty())
                fromSubprotocol = it->mid(7);
            it = offered->erase(it);
        } else {
            ++it;
        }
    }
    const QByteArray credential = head.bearerCredential();
    return credential.isEmpty() ? fromSubprotocol : credential;
}

//! \a query with the value of its "token" parameters masked: the session's query is
//! shown to plugins, in the admin protocol and in the monitor, which need the claims,
//! not the credential.
QString withTokenMasked(const QString &query)
{
    QByteArray bytes = query.toUtf8();
    RequestHead::maskQueryParameter(bytes, 0, bytes.size(), "token");
    return QString::fromUtf8(bytes);
}

} // namespace

bool HandshakeGate::admit(ConnectionSocket *socket, PendingHandshake &p, const RequestHead &head,
                          const QString &pluginId, const QString &route)
{
    p.query = QString::fromUtf8(head.query());
    p.origin = QString::fromUtf8(head.header("Origin"));
    p.pluginId = pluginId;
    p.route = route;
    // The admin channel negotiates nothing.
    const QList<QByteArray> subprotocolHeader = p.admin ? QList<QByteArray>() : head.headerList("Sec-WebSocket-Protocol");
    for (const QByteArray &name : subprotocolHeader) {
        if (!RequestHead::isToken(name)) {
            refuse(socket, 400, "Sec-WebSocket-Protocol has a value that is not a token (RFC 6455 4.1)");
            return false;
        }
    }
    QList<QByteArray> offered = subprotocolHeader;
    const QByteArray token = bearerToken(head, &offered);
    p.bearerOffered = offered.size() != subprotocolHeader.size();
    // Engine.IO's "<path>/engine.io/" is checked as the path it serves (docs/fallback.md).
    const QString &path = p.engineIoPath.isEmpty() ? p.path : p.engineIoPath;
    // A browser from an origin the route does not allow: 403, before anything else is
    // looked at (its token included).
    if (!p.admin && !m_host->originAllowed(route, path, p.origin)) {
        refuse(socket, 403, "origin " + head.header("Origin").left(200) + " is not allowed on " + route.toUtf8());
        return false;
    }
    if (!p.admin && m_host->requiresToken(route, path)) {
        // Checked before the upgrade: a client without a valid token never becomes a
        // session. What was wrong goes to the log, not to the client.
        p.tokenRequired = true;
        QString why = QStringLiteral("no bearer token (Authorization, ?token= or a bearer.<token> subprotocol)");
        if (!token.isEmpty())
            p.token = m_host->verifyToken(token, &why);
        if (!p.token) {
            refuse(socket, 401, "bearer token refused: " + why.toUtf8(), "a valid bearer token is required");
            return false;
        }
        p.query = withTokenMasked(p.query);
    }
    if (!p.admin && !negotiateSubprotocol(socket, p, offered))
        return false;
    // permessage-deflate: the host inflates and compresses (docs/conformance.md). An offer it cannot honour is not accepted; the upgrade
    // goes on without it. Engine.IO's WebSocket and the admin channel go without.
    if (!p.admin && p.engineIoPath.isEmpty() && PerMessageDeflate::enabledFor(m_config.deflate, route)) {
        const PerMessageDeflate::Agreement agreed =
                PerMessageDeflate::negotiate(head.headerList("Sec-WebSocket-Extensions"));
        p.deflateWindowBits = agreed.serverWindowBits;
        if (agreed.serverWindowBits)
            p.extensions = agreed.response;
    }
    return true;
}

bool HandshakeGate::negotiateSubprotocol(ConnectionSocket *socket, PendingHandshake &p,
                                         const QList<QByteArray> &offered)
{
    if (offered.isEmpty())
        return true;
    // RFC 6455 4.2.2: the server picks one the client offered, or none. The client's
    // order is its preference: the first one the route speaks wins.
    const QStringList speaks = m_host->subprotocols(p.pluginId);
    for (const QByteArray &name : offered) {
        if (speaks.contains(QString::fromLatin1(name))) {
            p.subprotocol = QString::fromLatin1(name);
            break;
        }
    }
    if (p.subprotocol.isEmpty() && !m_config.upgradeWithoutSubprotocol) {
        // A client that asked for one fails the connection when the answer has none
        // (browsers, node ws, python websockets): say why before the upgrade instead.
        const QByteArray route = p.route.toUtf8();
        const QByteArray speaksWhat = speaks.isEmpty() ? QByteArray("no subprotocol")
                                                       : speaks.join(QStringLiteral(", ")).toLatin1();
        refuse(socket, 400, route + " speaks " + speaksWhat + "; the client offered " + offered.join(", "));
        return false;
    }
    return true;
}

bool HandshakeGate::admitConnectRate(const QString &address)
{
    if (m_config.maxConnectsPerIpPerSecond <= 0)
        return true;
    const qint64 now = m_clock.elapsed();
    // Bounded: past MaxRateAddresses, the windows that ended are dropped first (a storm
    // from many addresses costs a sweep a second at most).
    if (m_connectRate.size() >= MaxRateAddresses && now - m_connectRateSweptAt >= 1000) {
        m_connectRateSweptAt = now;
        for (auto it = m_connectRate.begin(); it != m_connectRate.end();)
            it = now - it->startMs >= 1000 ? m_connectRate.erase(it) : std::next(it);
    }
    ConnectWindow &w = m_connectRate[address];
    if (now - w.startMs >= 1000) {
        w.startMs = now;
        w.count = 0;
    }
    return ++w.count <= m_config.maxConnectsPerIpPerSecond;
}

} // namespace WsPlug::Internal

// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "plugincontext_p.h"

#include "hostserver_p.h"

#include <wsplug/protocol/adminprotocol.h>

namespace WsPlug::Internal {

PluginContext::PluginContext(HostServerPrivate *host, const QString &pluginId, const QVariantMap &settings)
    : m_host(host),
      m_pluginId(pluginId),
      m_settings(settings),
      m_categoryName("wsplug.plugin." + pluginId.toUtf8()),
      m_category(m_categoryName.constData(), QtInfoMsg)
{
}

PluginBus *PluginContext::clusterBus()
{
    if (!m_bus && m_host->cluster) {
        HostServerPrivate *host = m_host;
        // Bus callbacks count as plugin calls: a session that ends inside one is
        // reported after it returns, as for any other callback.
        m_bus = std::make_unique<PluginBus>(m_host->cluster.get(), m_pluginId,
                                            m_category, [host](const std::function<void()> &call) {
            HostServerPrivate::PluginCallGuard guard(host);
            call();
        });
    }
    return m_bus.get();
}

bool PluginContext::sendText(SessionId session, const QString &text)
{
    HostServerPrivate::PluginCallGuard guard(m_host);
    return m_host->send(m_host->sessionOf(this, session), &text, nullptr);
}

bool PluginContext::sendBinary(SessionId session, const QByteArray &data)
{
    HostServerPrivate::PluginCallGuard guard(m_host);
    return m_host->send(m_host->sessionOf(this, session), nullptr, &data);
}

bool PluginContext::sendTextUtf8(SessionId session, const QByteArray &utf8)
{
    HostServerPrivate::PluginCallGuard guard(m_host);
    return m_host->sendUtf8(m_host->sessionOf(this, session), utf8);
}

int PluginContext::broadcastTextUtf8(const QByteArray &utf8, const QList<SessionId> &sessions)
{
    if (sessions.isEmpty())
        return 0;
    return broadcast(FrameOpcode::Text, utf8, sessions);
}

int PluginContext::broadcastTextUtf8ToAll(const QByteArray &utf8)
{
    return broadcastTextUtf8(utf8, sessionIds.values());
}

int PluginContext::broadcast(FrameOpcode opcode, const QByteArray &payload, const QList<SessionId> &sessions)
{
    HostServerPrivate::PluginCallGuard guard(m_host);
    return m_host->sendToMany(this, sessions, opcode, payload);
}

int PluginContext::broadcastText(const QString &text, const QList<SessionId> &sessions)
{
    // An empty list is nobody (broadcastTextToAll() is everyone): nothing to encode.
    // Encoded once for everyone: one UTF-8 conversion, one frame header.
    return sessions.isEmpty() ? 0 : broadcastTextUtf8(text.toUtf8(), sessions);
}

int PluginContext::broadcastBinary(const QByteArray &data, const QList<SessionId> &sessions)
{
    if (sessions.isEmpty())
        return 0;
    return broadcast(FrameOpcode::Binary, data, sessions);
}

int PluginContext::broadcastTextToAll(const QString &text)
{
    return broadcastText(text, sessionIds.values());
}

int PluginContext::broadcastBinaryToAll(const QByteArray &data)
{
    return broadcastBinary(data, sessionIds.values());
}

bool PluginContext::closeSession(SessionId session, quint16 code, const QString &reason)
{
    HostServerPrivate::PluginCallGuard guard(m_host);
    const bool closing = m_host->requestClose(m_host->sessionOf(this, session), code, reason, CloseCause::Server);
    // Who closed a session, and why, is what an operator asks first.
    qCInfo(m_category).noquote() << QStringLiteral("closes session %1 with %2 \"%3\"%4")
                                        .arg(session).arg(code).arg(Protocol::oneLine(reason),
                                             closing ? QString() : QStringLiteral(": refused (no such open session, or not a code the host sends)"));
    return closing;
}

QList<SessionInfo> PluginContext::sessions() const
{
    QList<SessionInfo> result;
    result.reserve(sessionIds.size());
    for (SessionId id : sessionIds) {
        if (const Session *s = m_host->sessionOf(this, id))
            result.append(s->info);
    }
    return result;
}

SessionInfo PluginContext::session(SessionId session) const
{
    const Session *s = m_host->sessionOf(this, session);
    return s ? s->info : SessionInfo();
}

bool PluginContext::refreshToken(SessionId session, const QString &token, QString *errorString)
{
    HostServerPrivate::PluginCallGuard guard(m_host);
    QString why;
    const bool ok = m_host->refreshToken(m_host->sessionOf(this, session), token, &why);
    if (!ok) {
        qCInfo(m_category).noquote() << QStringLiteral("token refresh of session %1 refused: %2").arg(session).arg(why);
        if (errorString)
            *errorString = why;
    }
    return ok;
}

} // namespace WsPlug::Internal

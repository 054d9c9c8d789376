// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
// MonitorClient's operator commands and frame watches: each one command to the host,
// numbered and described for commandFinished() by sendCommand() (monitorclient.cpp).
#include "monitorclient.h"

namespace WsPlug {

void MonitorClient::closeSessions(const QList<SessionId> &ids, quint16 code, const QString &reason)
{
    for (SessionId id : ids) {
        Protocol::Command c;
        c.kind = Protocol::Command::Kind::Close;
        c.session = id;
        c.code = code;
        c.reason = reason;
        sendCommand(c, tr("close session %1 with %2").arg(id).arg(code));
    }
}

void MonitorClient::closeRoute(const QString &route, quint16 code, const QString &reason)
{
    Protocol::Command c;
    c.kind = Protocol::Command::Kind::CloseRoute;
    c.route = route;
    c.code = code;
    c.reason = reason;
    sendCommand(c, tr("close every session of %1 with %2").arg(route).arg(code));
}

void MonitorClient::kickSessions(const QList<SessionId> &ids)
{
    for (SessionId id : ids) {
        Protocol::Command c;
        c.kind = Protocol::Command::Kind::Kick;
        c.session = id;
        sendCommand(c, tr("kick session %1").arg(id));
    }
}

void MonitorClient::sendText(SessionId id, const QString &text)
{
    Protocol::Command c;
    c.kind = Protocol::Command::Kind::Send;
    c.session = id;
    c.text = text;
    sendCommand(c, tr("send a message to session %1").arg(id));
}

void MonitorClient::watchSessions(const QList<SessionId> &ids)
{
    for (SessionId id : ids) {
        Protocol::Command c;
        c.kind = Protocol::Command::Kind::Watch;
        c.session = id;
        if (const qint64 command = sendCommand(c, tr("watch the frames of session %1").arg(id))) {
            m_watchedSessions.insert(id);
            m_watchCommands.insert(command, id);
        }
    }
    Q_EMIT watchesChanged();
}

void MonitorClient::watchRoute(const QString &route)
{
    Protocol::Command c;
    c.kind = Protocol::Command::Kind::Watch;
    c.route = route;
    if (sendCommand(c, tr("watch the frames of %1").arg(route)))
        m_watchedRoutes.insert(route);
    Q_EMIT watchesChanged();
}

void MonitorClient::unwatchAll()
{
    Protocol::Command c;
    c.kind = Protocol::Command::Kind::Unwatch;
    sendCommand(c, tr("stop watching frames"));
    m_watchedSessions.clear();
    m_watchedRoutes.clear();
    Q_EMIT watchesChanged();
}

void MonitorClient::sendMessage(SessionId id, bool binary, const QByteArray &payload, int frames)
{
    Protocol::Command c;
    c.kind = Protocol::Command::Kind::Send;
    c.session = id;
    c.binary = binary;
    if (binary)
        c.data = payload;
    else
        c.text = QString::fromUtf8(payload);
    c.frames = frames;
    sendCommand(c, frames > 1 ? tr("send a %1 message in %2 frames to session %3")
                                    .arg(binary ? tr("binary") : tr("text")).arg(frames).arg(id)
                              : tr("send a %1 message to session %2").arg(binary ? tr("binary") : tr("text")).arg(id));
}

void MonitorClient::ping(SessionId id, const QByteArray &payload)
{
    Protocol::Command c;
    c.kind = Protocol::Command::Kind::Ping;
    c.session = id;
    c.data = payload;
    sendCommand(c, tr("ping session %1").arg(id));
}

void MonitorClient::hold(SessionId id, Protocol::HoldKind what, bool on)
{
    Protocol::Command c;
    c.kind = Protocol::Command::Kind::Hold;
    c.session = id;
    c.hold = what;
    c.on = on;
    const QString held = what == Protocol::HoldKind::HostPongs ? tr("the host's pongs") : tr("its pongs");
    sendCommand(c, on ? tr("hold back %1 for session %2").arg(held).arg(id)
                      : tr("stop holding back %1 for session %2").arg(held).arg(id));
}

void MonitorClient::sendFault(SessionId id, Protocol::Fault fault)
{
    Protocol::Command c;
    c.kind = Protocol::Command::Kind::Fault;
    c.session = id;
    c.fault = fault;
    sendCommand(c, tr("send a faulty frame (%1) to session %2").arg(Protocol::faultName(fault)).arg(id));
}

void MonitorClient::loadPlugin(const QString &fileName)
{
    Protocol::Command c;
    c.kind = Protocol::Command::Kind::LoadPlugin;
    c.plugin = fileName;
    sendCommand(c, tr("load plugin file %1").arg(fileName));
}

void MonitorClient::reloadPlugin(const QString &id)
{
    Protocol::Command c;
    c.kind = Protocol::Command::Kind::ReloadPlugin;
    c.plugin = id;
    sendCommand(c, tr("reload plugin %1").arg(id));
}

void MonitorClient::unloadPlugin(const QString &id)
{
    Protocol::Command c;
    c.kind = Protocol::Command::Kind::UnloadPlugin;
    c.plugin = id;
    sendCommand(c, tr("unload plugin %1").arg(id));
}

} // namespace WsPlug

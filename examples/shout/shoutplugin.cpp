// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "shoutplugin.h"

bool ShoutPlugin::initialize(WsPlug::HostContext *context, QString *)
{
    m_context = context;   // valid until aboutToShutdown() returns
    return true;
}

void ShoutPlugin::sessionOpened(const WsPlug::SessionInfo &session)
{
    qCInfo(m_context->logging()) << "session" << session.id << "from" << session.peerAddress;
}

void ShoutPlugin::messageReceived(WsPlug::SessionId session, const WsPlug::Message &message)
{
    if (message.isBinary()) {
        m_context->closeSession(session, 1003, QStringLiteral("text only"));
        return;
    }
    m_context->sendText(session, message.text.toUpper());
}

void ShoutPlugin::sessionClosed(WsPlug::SessionId, quint16, const QString &)
{
}

void ShoutPlugin::aboutToShutdown()
{
    m_context = nullptr;
}

// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "hotplugin.h"

bool HotPlugin::initialize(WsPlug::HostContext *context, QString *errorString)
{
    Q_UNUSED(errorString)
    m_context = context;
    return true;
}

void HotPlugin::sessionOpened(const WsPlug::SessionInfo &)
{
}

void HotPlugin::messageReceived(WsPlug::SessionId session, const WsPlug::Message &message)
{
    m_context->sendText(session, QStringLiteral(HOT_PLUGIN_BUILD ":") + message.text);
}

void HotPlugin::sessionClosed(WsPlug::SessionId, quint16, const QString &)
{
}

void HotPlugin::aboutToShutdown()
{
    m_context = nullptr;
}

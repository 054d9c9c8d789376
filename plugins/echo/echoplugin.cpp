// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "echoplugin.h"

namespace WsPlug {

bool EchoPlugin::initialize(HostContext *context, QString *errorString)
{
    Q_UNUSED(errorString)
    m_context = context;
    return true;
}

void EchoPlugin::sessionOpened(const SessionInfo &session)
{
    qCDebug(m_context->logging()) << "session" << session.id << "from" << session.peerAddress;
}

void EchoPlugin::messageReceived(SessionId session, const Message &message)
{
    // Fragments were joined by the host, so a fragmented message comes back whole.
    // Text comes to utf8TextReceived() (a host before SDK 2.2 would not load this plugin).
    if (message.isText())
        m_context->sendText(session, message.text);
    else
        m_context->sendBinary(session, message.data);
}

void EchoPlugin::utf8TextReceived(SessionId session, const QByteArray &utf8)
{
    // Checked by the host, so it goes back as it came: no conversion either way.
    m_utf8->sendTextUtf8(session, utf8);
}

void EchoPlugin::sessionClosed(SessionId session, quint16 closeCode, const QString &reason)
{
    qCDebug(m_context->logging()) << "session" << session << "closed" << closeCode << reason;
}

void EchoPlugin::aboutToShutdown()
{
    m_context = nullptr;
    m_utf8 = nullptr;
}

} // namespace WsPlug

// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "echoplugin.h"

namespace WsPlug {

bool EchoPlugin::initialize(HostContext *context, QString *errorString)
{
    if (!m_utf8) {
        *errorString = QStringLiteral("this host gives no UTF-8 text sender (SDK 2.2 needed)");
        return false;
    }
    m_context = context;
    return true;
}

void EchoPlugin::sessionOpened(const SessionInfo &session)
{
    qCDebug(m_context->logging()) << "session" << session.id << "from" << session.peerAddress;
}

void EchoPlugin::messageReceived(SessionId session, const Message &message)
{
    // Fragments were joined by the host, so a fragmented message comes back whole. Only
    // binary comes here: text goes to utf8TextReceived() (this plugin declares SDK 2.2, so
    // every host that loads it delivers text that way).
    Q_ASSERT(message.isBinary());
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

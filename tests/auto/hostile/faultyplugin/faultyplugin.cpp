// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "faultyplugin.h"

#include <stdexcept>

bool FaultyPlugin::initialize(WsPlug::HostContext *context, QString *errorString)
{
    Q_UNUSED(errorString)
    m_context = context;
    return true;
}

void FaultyPlugin::sessionOpened(const WsPlug::SessionInfo &session)
{
    if (session.query == QLatin1String("throw-open"))
        throw std::runtime_error("boom in sessionOpened");
}

void FaultyPlugin::messageReceived(WsPlug::SessionId session, const WsPlug::Message &message)
{
    const QString &text = message.text;
    if (text == QLatin1String("throw-std"))
        throw std::logic_error("boom in messageReceived");
    if (text == QLatin1String("throw-int"))
        throw 42;   // not a std::exception
    if (text == QLatin1String("throw-on-close")) {
        m_throwOnClose.append(session);
        m_context->sendText(session, QStringLiteral("armed"));
        return;
    }
    auto answer = [&](bool result) {
        m_context->sendText(session, result ? QStringLiteral("true") : QStringLiteral("false"));
    };
    if (text == QLatin1String("send-unknown"))
        return answer(m_context->sendText(session + 1000000, QStringLiteral("to nobody")));
    if (text == QLatin1String("close-unknown"))
        return answer(m_context->closeSession(session + 1000000, 1000, QString()));
    if (text == QLatin1String("close-bad-code")) {
        // 1005 and 1006 must never be sent (RFC 6455 7.4.1), 999 is no code at all.
        const bool any = m_context->closeSession(session, 1005, QString())
                || m_context->closeSession(session, 1006, QString())
                || m_context->closeSession(session, 999, QString());
        return answer(any);
    }
    if (text == QLatin1String("close-long-reason"))
        return answer(m_context->closeSession(session, 4000, QString(300, QChar(0x00e9))));
    m_context->sendText(session, text);
}

void FaultyPlugin::sessionClosed(WsPlug::SessionId session, quint16 closeCode, const QString &reason)
{
    Q_UNUSED(closeCode)
    Q_UNUSED(reason)
    if (m_throwOnClose.removeAll(session) > 0)
        throw std::runtime_error("boom in sessionClosed");
}

void FaultyPlugin::aboutToShutdown()
{
    if (m_context->settings().value(QStringLiteral("throwOnShutdown")).toBool())
        throw std::runtime_error("boom in aboutToShutdown");
}

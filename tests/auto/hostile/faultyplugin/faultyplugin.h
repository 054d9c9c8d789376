// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/sdk/messagehandlerinterface.h>

#include <QObject>

/*
 * Misbehaves on request, for the failure-path tests:
 *  - a session opened with the query "throw-open" makes sessionOpened() throw;
 *  - messages "throw-std", "throw-int" make messageReceived() throw;
 *  - "throw-on-close" makes this session's sessionClosed() throw;
 *  - "send-unknown", "close-bad-code", "close-long-reason", "close-unknown" misuse
 *    the HostContext and answer with what it returned;
 *  - the setting {"throwOnShutdown": true} makes aboutToShutdown() throw.
 * Anything else is echoed.
 */
class FaultyPlugin final : public QObject, public WsPlug::MessageHandlerInterface
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID WsPlugMessageHandlerInterface_iid FILE "faulty.json")
    Q_INTERFACES(WsPlug::MessageHandlerInterface)

public:
    bool initialize(WsPlug::HostContext *context, QString *errorString) override;
    void sessionOpened(const WsPlug::SessionInfo &session) override;
    void messageReceived(WsPlug::SessionId session, const WsPlug::Message &message) override;
    void sessionClosed(WsPlug::SessionId session, quint16 closeCode, const QString &reason) override;
    void aboutToShutdown() override;

private:
    WsPlug::HostContext *m_context = nullptr;
    QList<WsPlug::SessionId> m_throwOnClose;
};

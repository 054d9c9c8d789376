// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/sdk/messagehandlerinterface.h>

#include <QObject>

/*
 * Answers every text message with "<build>:<message>", where <build> is the
 * HOT_PLUGIN_BUILD it was compiled with: the same source built as two versions of
 * one plugin (and as other plugins), so that a test sees which build serves a session.
 */
class HotPlugin final : public QObject, public WsPlug::MessageHandlerInterface
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID WsPlugMessageHandlerInterface_iid FILE HOT_PLUGIN_JSON)
    Q_INTERFACES(WsPlug::MessageHandlerInterface)

public:
    Q_INVOKABLE HotPlugin() = default;

    bool initialize(WsPlug::HostContext *context, QString *errorString) override;
    void sessionOpened(const WsPlug::SessionInfo &session) override;
    void messageReceived(WsPlug::SessionId session, const WsPlug::Message &message) override;
    void sessionClosed(WsPlug::SessionId session, quint16 closeCode, const QString &reason) override;
    void aboutToShutdown() override;

private:
    WsPlug::HostContext *m_context = nullptr;
};

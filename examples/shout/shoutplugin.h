// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/sdk/messagehandlerinterface.h>

#include <QObject>

//! Answers every text message in capitals, and refuses binary ones with 1003.
class ShoutPlugin final : public QObject, public WsPlug::MessageHandlerInterface
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID WsPlugMessageHandlerInterface_iid FILE "shout.json")
    Q_INTERFACES(WsPlug::MessageHandlerInterface)

public:
    // Each host makes its own instance with this constructor; it does nothing.
    Q_INVOKABLE ShoutPlugin() = default;

    bool initialize(WsPlug::HostContext *context, QString *errorString) override;
    void sessionOpened(const WsPlug::SessionInfo &session) override;
    void messageReceived(WsPlug::SessionId session, const WsPlug::Message &message) override;
    void sessionClosed(WsPlug::SessionId session, quint16 closeCode, const QString &reason) override;
    void aboutToShutdown() override;

private:
    WsPlug::HostContext *m_context = nullptr;
};

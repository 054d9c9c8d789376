// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/sdk/messagehandlerinterface.h>

#include <QObject>

namespace WsPlug {

//! The reference plugin: read this one first when writing your own.
class EchoPlugin final : public QObject, public MessageHandlerInterface
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID WsPlugMessageHandlerInterface_iid FILE "echo.json")
    Q_INTERFACES(WsPlug::MessageHandlerInterface)

public:
    // Each host makes its own instance through this constructor (see the SDK header).
    Q_INVOKABLE EchoPlugin() = default;

    bool initialize(HostContext *context, QString *errorString) override;
    void sessionOpened(const SessionInfo &session) override;
    void messageReceived(SessionId session, const Message &message) override;
    void sessionClosed(SessionId session, quint16 closeCode, const QString &reason) override;
    void aboutToShutdown() override;

private:
    HostContext *m_context = nullptr;
};

} // namespace WsPlug

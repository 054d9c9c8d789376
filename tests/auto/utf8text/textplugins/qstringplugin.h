// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/sdk/messagehandlerinterface.h>

#include <QObject>

//! Records every text message in the application's "wsplugTextLog" property (a
//! QStringList) as hex, and sends it back.
//! As a plugin built against SDK 2.1 has it: text as QString.
class QStringPlugin final : public QObject, public WsPlug::MessageHandlerInterface
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID WsPlugMessageHandlerInterface_iid FILE "qstring.json")
    Q_INTERFACES(WsPlug::MessageHandlerInterface)

public:
    Q_INVOKABLE QStringPlugin() = default;
    bool initialize(WsPlug::HostContext *context, QString *errorString) override;
    void sessionOpened(const WsPlug::SessionInfo &) override { }
    void messageReceived(WsPlug::SessionId session, const WsPlug::Message &message) override;
    void sessionClosed(WsPlug::SessionId, quint16, const QString &) override { }
    void aboutToShutdown() override { }

private:
    WsPlug::HostContext *m_context = nullptr;
};

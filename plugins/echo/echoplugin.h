// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/sdk/messagehandlerinterface.h>
#include <wsplug/sdk/utf8text.h>

#include <QObject>

namespace WsPlug {

//! The reference plugin: read this one first when writing your own. It takes text as
//! UTF-8 (Utf8TextInterface, SDK 2.2), so that an echo sends back the bytes it got
//! without converting them to QString and back.
class EchoPlugin final : public QObject, public MessageHandlerInterface, public Utf8TextInterface
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID WsPlugMessageHandlerInterface_iid FILE "echo.json")
    Q_INTERFACES(WsPlug::MessageHandlerInterface WsPlug::Utf8TextInterface)

public:
    // Each host makes its own instance through this constructor (see the SDK header).
    Q_INVOKABLE EchoPlugin() = default;

    bool initialize(HostContext *context, QString *errorString) override;
    void sessionOpened(const SessionInfo &session) override;
    void messageReceived(SessionId session, const Message &message) override;
    void sessionClosed(SessionId session, quint16 closeCode, const QString &reason) override;
    void aboutToShutdown() override;

    void setUtf8TextSender(Utf8TextSender *sender) override { m_utf8 = sender; }
    void utf8TextReceived(SessionId session, const QByteArray &utf8) override;

private:
    HostContext *m_context = nullptr;
    Utf8TextSender *m_utf8 = nullptr;
};

} // namespace WsPlug

// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/sdk/messagehandlerinterface.h>
#include <wsplug/sdk/utf8text.h>

#include <QObject>

//! Records every text message in the application's "wsplugTextLog" property (a
//! QStringList) as hex, and sends it back.
//! SDK 2.2: text as UTF-8, recorded and sent back as bytes.
class BytesPlugin final : public QObject, public WsPlug::MessageHandlerInterface, public WsPlug::Utf8TextInterface
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID WsPlugMessageHandlerInterface_iid FILE "bytes.json")
    Q_INTERFACES(WsPlug::MessageHandlerInterface WsPlug::Utf8TextInterface)

public:
    Q_INVOKABLE BytesPlugin() = default;
    bool initialize(WsPlug::HostContext *context, QString *errorString) override;
    void sessionOpened(const WsPlug::SessionInfo &) override { }
    //! Binary only: text comes to utf8TextReceived(). Text here is recorded as "WRONG".
    void messageReceived(WsPlug::SessionId session, const WsPlug::Message &message) override;
    void sessionClosed(WsPlug::SessionId, quint16, const QString &) override { }
    void aboutToShutdown() override { }
    void setUtf8TextSender(WsPlug::Utf8TextSender *sender) override { m_sender = sender; }
    void utf8TextReceived(WsPlug::SessionId session, const QByteArray &utf8) override;

private:
    WsPlug::HostContext *m_context = nullptr;
    WsPlug::Utf8TextSender *m_sender = nullptr;
};

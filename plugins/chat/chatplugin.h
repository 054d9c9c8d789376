// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/sdk/clusterbus.h>
#include <wsplug/sdk/messagehandlerinterface.h>
#include <wsplug/sdk/rights.h>
#include <wsplug/sdk/utf8text.h>

#include <QObject>

#include <memory>

class QTimer;

namespace WsPlug {

class ChatCluster;
class ChatProtocol;
struct ChatResult;

/*
 * The /chat plugin: a thin adapter between the host and ChatProtocol, which holds
 * all the protocol logic (see PROTOCOL.md). In a cluster (--redis) ChatCluster carries
 * room messages and their history over the cluster bus.
 */
class ChatPlugin final : public QObject, public MessageHandlerInterface, public ClusterClientInterface,
                         public Utf8TextInterface
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID WsPlugMessageHandlerInterface_iid FILE "chat.json")
    Q_INTERFACES(WsPlug::MessageHandlerInterface WsPlug::ClusterClientInterface WsPlug::Utf8TextInterface)

public:
    Q_INVOKABLE ChatPlugin();
    ~ChatPlugin() override;

    void setClusterBus(ClusterBus *bus) override { m_bus = bus; }
    //! Requests are parsed from the client's UTF-8 as it came (SDK 2.2); chat's events
    //! still go out as QString (HostContext).
    void setUtf8TextSender(Utf8TextSender *) override { }
    void utf8TextReceived(SessionId session, const QByteArray &utf8) override;
    bool initialize(HostContext *context, QString *errorString) override;
    void sessionOpened(const SessionInfo &session) override;
    void messageReceived(SessionId session, const Message &message) override;
    void sessionClosed(SessionId session, quint16 closeCode, const QString &reason) override;
    void aboutToShutdown() override;

private:
    void apply(SessionId session, const ChatResult &result);

    HostContext *m_context = nullptr;
    std::unique_ptr<ChatProtocol> m_protocol;
    Rights m_rights;
    ClusterBus *m_bus = nullptr;
    std::unique_ptr<ChatCluster> m_cluster;   // with a cluster only
    QTimer *m_expiryTimer = nullptr;
};

} // namespace WsPlug

// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include "broadcastsettings.h"
#include "topicregistry.h"

#include <wsplug/sdk/clusterbus.h>
#include <wsplug/sdk/messagehandlerinterface.h>
#include <wsplug/sdk/rights.h>
#include <wsplug/sdk/utf8text.h>

#include <QHash>
#include <QObject>

#include <memory>

class QTimer;

namespace WsPlug {

class TickerModel;

/*
 * The /broadcast plugin: publish/subscribe by path, plus a built-in ticker topic
 * (see PROTOCOL.md). Every message goes through the host's cluster bus, so a publish
 * on any host of a cluster reaches the topic's subscribers on every host (on a host
 * alone the bus is local). Each message is handed to the host once with the whole
 * local subscriber list, so the host encodes one frame however many subscribers there are.
 * Text stays the UTF-8 it came in, from the publisher to every subscriber
 * (Utf8TextInterface, SDK 2.2).
 */
class BroadcastPlugin final : public QObject, public MessageHandlerInterface, public ClusterClientInterface,
                              public Utf8TextInterface
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID WsPlugMessageHandlerInterface_iid FILE "broadcast.json")
    Q_INTERFACES(WsPlug::MessageHandlerInterface WsPlug::ClusterClientInterface WsPlug::Utf8TextInterface)

public:
    Q_INVOKABLE BroadcastPlugin();
    ~BroadcastPlugin() override;

    void setClusterBus(ClusterBus *bus) override { m_bus = bus; }
    void setUtf8TextSender(Utf8TextSender *sender) override { m_utf8 = sender; }
    void utf8TextReceived(SessionId session, const QByteArray &utf8) override;
    bool initialize(HostContext *context, QString *errorString) override;
    void sessionOpened(const SessionInfo &session) override;
    void messageReceived(SessionId session, const Message &message) override;
    void sessionClosed(SessionId session, quint16 closeCode, const QString &reason) override;
    void aboutToShutdown() override;

private:
    void onTickerTimeout();
    QString publishRefusal() const;
    void received(SessionId session, bool binary, const QByteArray &payload);
    void publish(const QString &topic, SessionId from, bool binary, const QByteArray &payload);
    void onBusMessage(const QString &topic, const BusMessage &message, bool retained, SessionId only);
    void leave(SessionId session);

    HostContext *m_context = nullptr;
    ClusterBus *m_bus = nullptr;
    Utf8TextSender *m_utf8 = nullptr;
    BroadcastSettings m_settings;
    Rights m_rights;
    QByteArray m_node;                    // this host's node id, as the bus data carries it
    BusPublishOptions m_publishOptions;   // the same for every publish
    TopicRegistry m_topics;
    QHash<QString, quint64> m_busSubscriptions;   // topic -> bus subscription, while it has subscribers here
    //! Sessions still waiting for their topic's retained message; a live one first cancels it.
    QHash<QString, QSet<SessionId>> m_awaitingRetained;
    std::unique_ptr<TickerModel> m_ticker;
    QTimer *m_tickerTimer = nullptr;
    quint64 m_refusedPublishes = 0;
};

} // namespace WsPlug

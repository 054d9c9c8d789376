// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include "broadcastsettings.h"
#include "topicregistry.h"

#include <wsplug/sdk/messagehandlerinterface.h>
#include <wsplug/sdk/rights.h>

#include <QObject>

#include <memory>

class QTimer;

namespace WsPlug {

class TickerModel;

/*
 * The /broadcast plugin: publish/subscribe by path, plus a built-in ticker topic
 * (see PROTOCOL.md). Every message is handed to the host once with the whole
 * subscriber list, so the host encodes one frame however many subscribers there are.
 */
class BroadcastPlugin final : public QObject, public MessageHandlerInterface
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID WsPlugMessageHandlerInterface_iid FILE "broadcast.json")
    Q_INTERFACES(WsPlug::MessageHandlerInterface)

public:
    Q_INVOKABLE BroadcastPlugin();
    ~BroadcastPlugin() override;

    bool initialize(HostContext *context, QString *errorString) override;
    void sessionOpened(const SessionInfo &session) override;
    void messageReceived(SessionId session, const Message &message) override;
    void sessionClosed(SessionId session, quint16 closeCode, const QString &reason) override;
    void aboutToShutdown() override;

private:
    void onTickerTimeout();
    QString publishRefusal() const;

    HostContext *m_context = nullptr;
    BroadcastSettings m_settings;
    Rights m_rights;
    TopicRegistry m_topics;
    std::unique_ptr<TickerModel> m_ticker;
    QTimer *m_tickerTimer = nullptr;
};

} // namespace WsPlug

// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/sdk/message.h>

#include <QDateTime>
#include <QString>
#include <QtPlugin>

namespace WsPlug {

/*
 * SDK 2.1, an optional capability (docs/sdk.md): a plugin that also implements this
 * (and lists it in Q_INTERFACES) is told how each of its sessions travels. Most
 * plugins need not care: a session is the same to the plugin whatever the transport.
 *
 * \a transport is "websocket" (a plain WebSocket client), "engine.io websocket"
 * (Engine.IO over a WebSocket from the start), "polling" (Engine.IO long-polling over
 * HTTP, docs/fallback.md) or "polling→websocket" once such a session upgraded, at
 * \a upgradedAt (null before).
 * Called on the host's thread right after sessionOpened(), and again when a polling
 * session upgrades; never for a session that has started closing.
 */
class TransportAwareInterface
{
public:
    virtual ~TransportAwareInterface() = default;
    virtual void sessionTransportChanged(SessionId session, const QString &transport, const QDateTime &upgradedAt) = 0;
};

} // namespace WsPlug

#define WsPlugTransportAwareInterface_iid "org.wsplug.TransportAware/1"
Q_DECLARE_INTERFACE(WsPlug::TransportAwareInterface, WsPlugTransportAwareInterface_iid)

// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/sdk/hostcontext.h>
#include <wsplug/sdk/transportaware.h>
#include <wsplug/sdk/utf8text.h>

#include "frameencoder_p.h"
#include "pluginbus_p.h"

#include <QByteArray>
#include <QSet>

#include <memory>

namespace WsPlug {
class HostServerPrivate;
}

namespace WsPlug::Internal {

//! The HostContext one plugin sees: every call is scoped to the plugin's own sessions.
//! It is also the plugin's Utf8TextSender (SDK 2.2).
class PluginContext final : public HostContext, public Utf8TextSender
{
public:
    PluginContext(HostServerPrivate *host, const QString &pluginId, const QVariantMap &settings);

    bool sendText(SessionId session, const QString &text) override;
    bool sendBinary(SessionId session, const QByteArray &data) override;
    int broadcastText(const QString &text, const QList<SessionId> &sessions) override;
    int broadcastBinary(const QByteArray &data, const QList<SessionId> &sessions) override;
    int broadcastTextToAll(const QString &text) override;
    int broadcastBinaryToAll(const QByteArray &data) override;
    bool closeSession(SessionId session, quint16 code, const QString &reason) override;
    QList<SessionInfo> sessions() const override;
    SessionInfo session(SessionId session) const override;
    bool refreshToken(SessionId session, const QString &token, QString *errorString) override;
    QVariantMap settings() const override { return m_settings; }
    const QLoggingCategory &logging() const override { return m_category; }

    // Utf8TextSender
    bool sendTextUtf8(SessionId session, const QByteArray &utf8) override;
    int broadcastTextUtf8(const QByteArray &utf8, const QList<SessionId> &sessions) override;
    int broadcastTextUtf8ToAll(const QByteArray &utf8) override;

    //! This plugin's view of the host's cluster bus (made on first use).
    PluginBus *clusterBus();
    //! Drops the bus and every callback the plugin gave it: before its library is unloaded.
    void dropBus() { m_bus.reset(); }

    QSet<SessionId> sessionIds;   // kept by HostServerPrivate
    quint64 build = 0;            // the plugin build it serves (PluginRegistry)
    TransportAwareInterface *transportAware = nullptr;   // the plugin, if it implements it (SDK 2.1)
    Utf8TextInterface *utf8Text = nullptr;               // the plugin, if it implements it (SDK 2.2)
    bool draining = false;        // its build is no longer routed: unloaded once sessionIds is empty

private:
    int broadcast(FrameOpcode opcode, const QByteArray &payload, const QList<SessionId> &sessions);

    HostServerPrivate *const m_host;
    const QString m_pluginId;
    const QVariantMap m_settings;
    const QByteArray m_categoryName;   // QLoggingCategory keeps the pointer: must outlive it
    QLoggingCategory m_category;
    std::unique_ptr<PluginBus> m_bus;
};

} // namespace WsPlug::Internal

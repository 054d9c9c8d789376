// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/sdk/message.h>

#include <QList>
#include <QLoggingCategory>
#include <QVariantMap>

namespace WsPlug {

/*
 * Services the host gives one plugin. The host makes one context per plugin and
 * keeps it alive until after the plugin's aboutToShutdown() has returned.
 *
 * Threading: every function here must be called on the host's thread, which is the
 * thread every MessageHandlerInterface callback runs on. Plugins need no locks.
 *
 * Sending never blocks: the data is queued on the session's socket. A session whose
 * unsent data passes the host's per-session backlog limit is cut off by the host
 * (close cause "backlog") and the plugin gets sessionClosed() for it. The host never
 * calls back into the plugin from inside one of these functions: a session that ends
 * during a send or close is reported by sessionClosed() once the call has returned.
 */
class HostContext
{
public:
    virtual ~HostContext() = default;

    //! Queues a text message. Returns false if the session is unknown, closing,
    //! or not on one of this plugin's routes.
    virtual bool sendText(SessionId session, const QString &text) = 0;
    //! Queues a binary message; same rules as sendText().
    virtual bool sendBinary(SessionId session, const QByteArray &data) = 0;

    //! Sends a text message to each listed session (all of this plugin's sessions
    //! when the list is empty). The payload is encoded once. Returns how many were sent.
    virtual int broadcastText(const QString &text, const QList<SessionId> &sessions = {}) = 0;
    //! Binary counterpart of broadcastText().
    virtual int broadcastBinary(const QByteArray &data, const QList<SessionId> &sessions = {}) = 0;

    //! Starts the closing handshake with \a code (1000-4999, RFC 6455 7.4) and \a reason
    //! (at most 123 bytes of UTF-8; longer reasons are cut). sessionClosed() follows.
    virtual bool closeSession(SessionId session, quint16 code, const QString &reason) = 0;

    //! The open sessions on this plugin's routes.
    virtual QList<SessionInfo> sessions() const = 0;
    //! One session of this plugin; id 0 when unknown.
    virtual SessionInfo session(SessionId session) const = 0;

    //! This plugin's settings: the "plugins": { "<Id>": { ... } } object of the host config.
    virtual QVariantMap settings() const = 0;

    //! A logging category named "wsplug.plugin.<Id>".
    virtual const QLoggingCategory &logging() const = 0;
};

} // namespace WsPlug

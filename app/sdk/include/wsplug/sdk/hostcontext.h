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
 * keeps it alive until after the plugin's aboutToShutdown() has returned. Every call
 * is scoped to this plugin: a session on another plugin's route is treated as unknown.
 *
 * Threading: every function here must be called on the host's thread, which is the
 * thread every MessageHandlerInterface callback runs on. Plugins need no locks.
 *
 * Sending never blocks: the data is queued on the session's socket. A session whose
 * unsent data passes the host's per-session backlog limit is cut off by the host
 * (close cause "backlog") and the plugin gets sessionClosed() for it. The host never
 * calls back into the plugin from inside one of these functions: a session that ends
 * during a send or close is reported by sessionClosed() once the call has returned.
 *
 * A session can be sent to, and closed, while it is open: from sessionOpened() until
 * it starts closing (closeSession(), the peer's close frame) or ends. After that every
 * send returns false and sends nothing.
 */
class HostContext
{
public:
    virtual ~HostContext() = default;

    //! Queues a text message. Returns false, and sends nothing, if the session is
    //! unknown, another plugin's, closing or closed; also false if this message passed
    //! the backlog limit and the host cut the session off.
    virtual bool sendText(SessionId session, const QString &text) = 0;
    //! Queues a binary message; same rules as sendText().
    virtual bool sendBinary(SessionId session, const QByteArray &data) = 0;

    //! Sends a text message to each listed session that sendText() would send to, and
    //! skips the others. An empty list sends to nobody. The payload is encoded once.
    //! Returns how many sessions were sent to.
    virtual int broadcastText(const QString &text, const QList<SessionId> &sessions) = 0;
    //! Binary counterpart of broadcastText().
    virtual int broadcastBinary(const QByteArray &data, const QList<SessionId> &sessions) = 0;
    //! broadcastText() to every open session of this plugin (and of no other plugin).
    virtual int broadcastTextToAll(const QString &text) = 0;
    //! Binary counterpart of broadcastTextToAll().
    virtual int broadcastBinaryToAll(const QByteArray &data) = 0;

    //! Starts the closing handshake with \a code and \a reason; sessionClosed() follows
    //! with them, after this call has returned. \a code must be one a server may send
    //! (RFC 6455 7.4): 1000-1003, 1007-1014 or 3000-4999. A \a reason longer than 123
    //! bytes of UTF-8 is cut to at most 123, at a character boundary. Returns false, and does nothing, for any
    //! other code, or if the session is unknown, another plugin's, closing or closed.
    virtual bool closeSession(SessionId session, quint16 code, const QString &reason) = 0;

    //! This plugin's sessions that have not ended yet, closing ones included, in no
    //! particular order. A session leaves the list when it ends, which may be before
    //! the plugin's sessionClosed() for it runs (see above).
    virtual QList<SessionInfo> sessions() const = 0;
    //! One session of this plugin (closing ones included); id 0 when it is unknown,
    //! another plugin's or ended.
    virtual SessionInfo session(SessionId session) const = 0;

    //! Extends \a session with a fresh bearer \a token (e.g. one the client sent in a
    //! message). The host verifies it as at the handshake (signature, exp, nbf, iss,
    //! aud) and that its "sub" is the session's; then the session's claims and expiry
    //! (SessionInfo) are the new token's. Returns false, changing nothing, with the
    //! reason in \a errorString (for the log: tell the client less) if the token is
    //! refused, the session is not an open one of this plugin, or its route takes no token.
    virtual bool refreshToken(SessionId session, const QString &token, QString *errorString) = 0;

    //! This plugin's settings: the "plugins": { "<Id>": { ... } } object of the host
    //! config; empty when there is none.
    virtual QVariantMap settings() const = 0;

    //! A logging category named "wsplug.plugin.<Id>".
    virtual const QLoggingCategory &logging() const = 0;
};

} // namespace WsPlug

// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/sdk/message.h>

#include <QByteArray>
#include <QList>
#include <QtPlugin>

namespace WsPlug {

/*
 * SDK 2.2: text as the UTF-8 it travels in. The host hands it over to a plugin that
 * implements Utf8TextInterface (below), and sends it for it, without converting it to
 * QString and back. Implemented by the host; valid from setUtf8TextSender() until
 * the plugin's aboutToShutdown() has returned. Same rules as HostContext's sends
 * (scope, threading, no callback from inside a call, the backlog limit).
 */
class Utf8TextSender
{
public:
    //! HostContext::sendText() with the text as UTF-8. The host does not check \a utf8:
    //! it must be valid UTF-8 (what the host hands over is), or the client will fail
    //! the connection (RFC 6455 8.1).
    virtual bool sendTextUtf8(SessionId session, const QByteArray &utf8) = 0;
    //! HostContext::broadcastText() with the text as UTF-8, encoded once.
    virtual int broadcastTextUtf8(const QByteArray &utf8, const QList<SessionId> &sessions) = 0;
    //! HostContext::broadcastTextToAll() with the text as UTF-8, encoded once.
    virtual int broadcastTextUtf8ToAll(const QByteArray &utf8) = 0;

protected:
    ~Utf8TextSender() = default;
};

/*
 * SDK 2.2, an optional capability (docs/sdk.md): a plugin that also implements this
 * (and lists it in Q_INTERFACES) gets each text message as the bytes the client sent,
 * UTF-8 checked by the host (a leading U+FEFF kept), through utf8TextReceived()
 * instead of messageReceived(); binary messages still come to messageReceived(). Its
 * setUtf8TextSender() is called once, before initialize().
 */
class Utf8TextInterface
{
public:
    virtual ~Utf8TextInterface() = default;
    virtual void setUtf8TextSender(Utf8TextSender *sender) = 0;
    //! Called like MessageHandlerInterface::messageReceived() (same thread, same rules
    //! for exceptions: a throw closes the session with 1011).
    virtual void utf8TextReceived(SessionId session, const QByteArray &utf8) = 0;
};

} // namespace WsPlug

#define WsPlugUtf8TextInterface_iid "org.wsplug.Utf8Text/1"
Q_DECLARE_INTERFACE(WsPlug::Utf8TextInterface, WsPlugUtf8TextInterface_iid)

// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/sdk/hostcontext.h>
#include <wsplug/sdk/message.h>
#include <wsplug/sdk/version.h>   // generated: WsPlugMessageHandlerInterface_iid, WSPLUG_SDK_VERSION_*

#include <QtPlugin>

namespace WsPlug {

/*
 * The interface a wsplug handler plugin implements.
 *
 * Threading contract: the host creates, initializes, calls and shuts down every
 * plugin on one thread, the host's thread (the embedding program's thread, or the
 * dedicated host thread the monitor uses). Every callback below runs there, one at
 * a time, so a plugin needs no locks. Do not block in a callback: the host serves
 * every connection from this thread. Use QTimer and queued signals, parented to an
 * object the plugin owns, for work that waits.
 *
 * Instances: give the plugin class a default constructor marked Q_INVOKABLE. Each
 * host then makes its own instance of the class, on its own thread. (Without one, the
 * host uses Qt's root instance.) Each host loads its own copy of the plugin file, so
 * two hosts in one process never share plugin state, statics included.
 *
 * Hot reload: a host may load a new build of the plugin while the old one still
 * serves its last sessions; the new build's initialize() runs before the old one's
 * aboutToShutdown(). After aboutToShutdown() the host deletes the instance and unloads
 * the library: leave no object, timer or thread of the plugin running past it.
 *
 * Lifecycle: the constructor does nothing; initialize() is called once, in load
 * order; then sessionOpened()/messageReceived()/sessionClosed() for each session on
 * the plugin's routes; then aboutToShutdown(), in reverse load order, after every
 * session has been closed. Nothing a callback throws takes the host down: a throw
 * from sessionOpened() or messageReceived() closes that session with 1011, one from
 * initialize() refuses the plugin, and one from sessionClosed() or aboutToShutdown()
 * is logged.
 *
 * Compatibility: see docs/sdk.md. A minor SDK release never changes this class.
 */
class MessageHandlerInterface
{
public:
    virtual ~MessageHandlerInterface() = default;

    //! Called once before any session. \a context stays valid until aboutToShutdown()
    //! returns. Return false and set \a errorString to refuse to start; the host then
    //! disables the plugin and reports the reason.
    virtual bool initialize(HostContext *context, QString *errorString) = 0;

    //! A client completed the handshake on one of this plugin's routes.
    virtual void sessionOpened(const SessionInfo &session) = 0;

    //! A complete message arrived (fragments are already joined). None arrives for a
    //! session once closeSession() has been called for it.
    virtual void messageReceived(SessionId session, const Message &message) = 0;

    //! The session ended; called once per session, never from inside a HostContext
    //! call. \a closeCode and \a reason are those of the closing handshake (when the
    //! plugin closed it: its code and its reason as sent); 1006 for an abnormal end.
    //! The session is gone: sending to it returns false.
    virtual void sessionClosed(SessionId session, quint16 closeCode, const QString &reason) = 0;

    //! Last call before the plugin is unloaded; release what initialize() took.
    virtual void aboutToShutdown() = 0;
};

} // namespace WsPlug

Q_DECLARE_INTERFACE(WsPlug::MessageHandlerInterface, WsPlugMessageHandlerInterface_iid)

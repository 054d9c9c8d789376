// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/sdk/messagehandlerinterface.h>

#include <QObject>

/*
 * Calls its HostContext when a client asks and answers the asking session with
 * "=<result>". Commands (space-separated; <ids> is a comma-separated list, maybe empty):
 *   send <id>                  sendText(id, "hello")                    -> =true|false
 *   broadcast <ids>            broadcastText("to some", ids)             -> =count
 *   broadcastbinary <ids>      broadcastBinary("to some", ids)           -> =count
 *   all / allbinary            broadcastTextToAll / broadcastBinaryToAll ("to all") -> =count
 *   close <id> <code> <reason> closeSession(id, code, reason)            -> =true|false
 *   closeself <code>           closeSession() on the asking session, then records what
 *                              sending to it, session() and sessions() give
 *   flood <id>                 broadcastText(256 KiB, {id}) until it returns 0 -> =sends,
 *                              then records whether session(id) still knows it
 *   sessions                   sessions()                                -> =sorted ids
 *   session <id>               session(id)                               -> =id|path|query|route|peer|port
 *   logging                    logging().categoryName()                  -> =name
 *   whoami                                                               -> =the asking session's id
 *
 * Every callback and every result is also appended to the string list in the
 * application's "wsplugProbeLog" property, as "<plugin id> <event>", so that a test
 * sees what the plugin saw. sessionClosed() adds " REENTERED" if it ran inside one of
 * the probe's HostContext calls.
 */
class ProbePlugin final : public QObject, public WsPlug::MessageHandlerInterface
{
    Q_OBJECT
    Q_PLUGIN_METADATA(IID WsPlugMessageHandlerInterface_iid FILE PROBE_PLUGIN_JSON)
    Q_INTERFACES(WsPlug::MessageHandlerInterface)

public:
    Q_INVOKABLE ProbePlugin() = default;

    bool initialize(WsPlug::HostContext *context, QString *errorString) override;
    void sessionOpened(const WsPlug::SessionInfo &session) override;
    void messageReceived(WsPlug::SessionId session, const WsPlug::Message &message) override;
    void sessionClosed(WsPlug::SessionId session, quint16 closeCode, const QString &reason) override;
    void aboutToShutdown() override;

private:
    void record(const QString &event) const;
    void answer(WsPlug::SessionId session, const QString &result);
    //! Runs \a call, a HostContext call, marked as such for sessionClosed().
    template <typename Call>
    auto inContext(Call &&call)
    {
        ++m_inContextCall;
        auto result = call();
        --m_inContextCall;
        return result;
    }

    WsPlug::HostContext *m_context = nullptr;
    QString m_id;
    int m_inContextCall = 0;
};

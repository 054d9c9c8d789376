// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/hoststats.h>
#include <wsplug/session.h>

#include <QDateTime>
#include <QObject>
#include <QPointer>
#include <QWebSocket>

#include "recordingsocket_p.h"

namespace WsPlug {
class MessageHandlerInterface;
}

namespace WsPlug::Internal {

class PluginContext;

/*
 * One upgraded connection. It owns its QWebSocket (and through it the TCP socket),
 * so deleting the Session frees everything the connection took. HostServerPrivate
 * drives it; this class only holds state.
 */
class Session final : public QObject
{
public:
    Session(QWebSocket *socket, QObject *parent)
        : QObject(parent), socket(socket)
    {
        socket->setParent(this);
    }

    QWebSocket *const socket;
    // The TCP socket under the QWebSocket: the host writes pre-encoded frames to it
    // (see frameencoder_p.h). Owned by the QWebSocket.
    QPointer<RecordingSocket> tcp;
    SessionSnapshot snapshot;
    MessageHandlerInterface *handler = nullptr;
    PluginContext *context = nullptr;
    RouteStats *routeStats = nullptr;   // this session's route aggregate, owned by the host

    qint64 lastPingAtMs = 0;        // host clock
    // Last activity as ms since the epoch: reading the clock into a QDateTime on every
    // message costs more than the rest of the bookkeeping. view() fills it in.
    qint64 lastActivityMs = 0;

    //! The snapshot with lastActivity brought up to date.
    const SessionSnapshot &view()
    {
        if (lastActivityMs != m_syncedActivityMs) {
            snapshot.lastActivity = QDateTime::fromMSecsSinceEpoch(lastActivityMs, Qt::UTC);
            m_syncedActivityMs = lastActivityMs;
        }
        return snapshot;
    }
    bool awaitingPong = false;
    bool closeRequested = false;     // the host (or an operator) started the close
    bool closingSeen = false;        // Qt reported aboutToClose
    bool finished = false;           // removed from the registry, deleteLater() pending
    bool dirty = false;              // counters changed since the last admin update
    bool backlogAbortQueued = false;

private:
    qint64 m_syncedActivityMs = -1;
};

} // namespace WsPlug::Internal

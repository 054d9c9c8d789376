// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <wsplug/wsplug_export.h>
#include <wsplug/sdk/message.h>

#include <QDateTime>
#include <QMetaType>

namespace WsPlug {

//! Why a session ended.
enum class CloseCause {
    None,      //!< still open
    Client,    //!< the client sent a close frame
    Server,    //!< closed by the host, a plugin or an operator with a close frame
    Kick,      //!< aborted on purpose (operator kick), no close frame
    Timeout,   //!< no pong within the heartbeat timeout
    Backlog,   //!< the peer stopped reading and unsent data passed the limit
    Protocol,  //!< the peer broke the protocol or a size limit; Qt sent the close code
    Error,     //!< the connection dropped without a close frame (1006)
    Shutdown,  //!< the host stopped (1001)
};
WSPLUG_EXPORT QString closeCauseName(CloseCause cause);

//! Counters of one direction of a session. Bytes are message payload bytes.
struct TrafficCounters
{
    quint64 messages = 0;
    quint64 frames = 0;      //!< data frames; Qt does not show control frames (see README)
    quint64 bytes = 0;
    quint64 textMessages = 0;
    quint64 binaryMessages = 0;
};

//! A copy of one session's state, safe to keep and pass between threads.
struct SessionSnapshot
{
    enum class State { Open, Closing, Closed };

    SessionInfo info;
    QString pluginId;
    State state = State::Open;
    TrafficCounters in;
    TrafficCounters out;
    QDateTime lastActivity;
    qint64 pingRttMs = -1;        //!< last ping round trip, -1 before the first pong
    quint16 closeCode = 0;        //!< set once closed; 1006 for an abnormal end
    QString closeReason;
    CloseCause closeCause = CloseCause::None;
};

} // namespace WsPlug

Q_DECLARE_METATYPE(WsPlug::SessionSnapshot)

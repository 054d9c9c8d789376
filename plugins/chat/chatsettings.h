// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <QString>
#include <QVariantMap>

namespace WsPlug {

/*
 * The /chat plugin's settings, read from HostContext::settings(). Every key is
 * optional; PROTOCOL.md ("Settings") documents each one and its default.
 */
struct ChatSettings
{
    int historySize = 100;          //!< messages kept per room and replayed on join
    int historyKeepSeconds = 600;   //!< how long an empty room's history outlives it
    int maxTextLength = 4096;       //!< "text" of say/private, in UTF-16 code units
    int maxMessageLength = 32768;   //!< a whole incoming frame, in UTF-16 code units
    int maxNickLength = 32;
    int maxRoomNameLength = 64;
    int maxRoomsPerSession = 16;
    int maxBadMessages = 5;         //!< malformed messages in a row before close 1008; 0 = never
    //! Cluster mode: another host's members count as present this long after its last
    //! heartbeat (sent every third of it), so a dead host's members leave.
    int presenceTtlSeconds = 15;

    double messagesPerSecond = 20;  //!< token refill rate; 0 disables the rate limit
    int burst = 40;                 //!< bucket size
    int floodCloseAfter = 40;       //!< rejected messages before close 1008; 0 = never

    static bool fromVariantMap(const QVariantMap &map, ChatSettings *out, QString *errorString);
};

} // namespace WsPlug

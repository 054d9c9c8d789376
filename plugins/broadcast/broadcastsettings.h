// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#pragma once

#include <QString>
#include <QVariantMap>

namespace WsPlug {

/*
 * The /broadcast plugin's settings, read from HostContext::settings(). Every key is
 * optional; PROTOCOL.md ("Settings") documents each one and its default.
 */
struct BroadcastSettings
{
    bool subscribeOnly = false;      //!< every connection is subscribe-only
    bool echo = true;                //!< a publisher that is subscribed gets its own messages
    QString defaultTopic = QStringLiteral("default");   //!< the topic of plain "/broadcast"
    int maxTopicLength = 128;        //!< decoded topic, in UTF-16 code units
    bool retain = false;             //!< a new subscriber gets the topic's last message at once
    //! Messages per topic kept on the cluster bus, so a host that lost Redis for a
    //! moment gets what it missed; at least 1 with retain.
    int historySize = 100;

    bool tickerEnabled = true;
    QString tickerTopic = QStringLiteral("ticker");
    int tickerIntervalMs = 1000;
    QString tickerSymbol = QStringLiteral("WSPLUG");
    double tickerStartPrice = 100.0;

    static bool fromVariantMap(const QVariantMap &map, BroadcastSettings *out, QString *errorString);
};

} // namespace WsPlug

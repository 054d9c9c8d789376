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

    bool tickerEnabled = true;
    QString tickerTopic = QStringLiteral("ticker");
    int tickerIntervalMs = 1000;
    QString tickerSymbol = QStringLiteral("WSPLUG");
    double tickerStartPrice = 100.0;

    static bool fromVariantMap(const QVariantMap &map, BroadcastSettings *out, QString *errorString);
};

} // namespace WsPlug

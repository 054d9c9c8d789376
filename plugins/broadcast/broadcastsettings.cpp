// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "broadcastsettings.h"

#include "topicregistry.h"

#include <wsplug/sdk/settingsreader.h>

namespace WsPlug {

/*!
    Reads \a map (the plugin's settings object) into \a out, starting from the
    defaults. Returns false with a one-line \a errorString for an unknown key, a value
    of the wrong type or one out of range; \a out is then left unchanged.
*/
bool BroadcastSettings::fromVariantMap(const QVariantMap &map, BroadcastSettings *out,
                                       QString *errorString)
{
    BroadcastSettings s;
    SettingsReader top(map, QString(), errorString);
    top.onlyKeys({QStringLiteral("subscribeOnly"), QStringLiteral("echo"),
                  QStringLiteral("defaultTopic"), QStringLiteral("maxTopicLength"),
                  QStringLiteral("ticker"), QStringLiteral("retain"), QStringLiteral("historySize")});
    top.readBool(QStringLiteral("subscribeOnly"), &s.subscribeOnly);
    top.readBool(QStringLiteral("echo"), &s.echo);
    top.readString(QStringLiteral("defaultTopic"), &s.defaultTopic);
    top.readInt(QStringLiteral("maxTopicLength"), 1, 4096, &s.maxTopicLength);
    top.readBool(QStringLiteral("retain"), &s.retain);
    top.readInt(QStringLiteral("historySize"), 0, 10000, &s.historySize);
    QVariantMap tickerMap;
    top.readObject(QStringLiteral("ticker"), &tickerMap);
    if (!top.ok())
        return false;

    SettingsReader ticker(tickerMap, QStringLiteral("ticker."), errorString);
    ticker.onlyKeys({QStringLiteral("enabled"), QStringLiteral("topic"),
                     QStringLiteral("intervalMs"), QStringLiteral("symbol"),
                     QStringLiteral("startPrice")});
    ticker.readBool(QStringLiteral("enabled"), &s.tickerEnabled);
    ticker.readString(QStringLiteral("topic"), &s.tickerTopic);
    // Faster than 20 Hz is no longer a dashboard, it is a load test.
    ticker.readInt(QStringLiteral("intervalMs"), 50, 24 * 3600 * 1000, &s.tickerIntervalMs);
    ticker.readString(QStringLiteral("symbol"), &s.tickerSymbol);
    ticker.readDouble(QStringLiteral("startPrice"), 0.01, 1e12, &s.tickerStartPrice);
    if (!ticker.ok())
        return false;

    QString why;
    if (!TopicRegistry::isValidTopic(s.defaultTopic, s.maxTopicLength, &why)) {
        *errorString = QStringLiteral("setting \"defaultTopic\": %1").arg(why);
        return false;
    }
    if (!TopicRegistry::isValidTopic(s.tickerTopic, s.maxTopicLength, &why)) {
        *errorString = QStringLiteral("setting \"ticker.topic\": %1").arg(why);
        return false;
    }
    *out = s;
    return true;
}

} // namespace WsPlug

// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "chatsettings.h"

#include <wsplug/sdk/settingsreader.h>

namespace WsPlug {

/*!
    Reads \a map (the plugin's settings object) into \a out, starting from the
    defaults. Returns false with a one-line \a errorString for an unknown key, a value
    of the wrong type or one out of range; \a out is then left unchanged.
*/
bool ChatSettings::fromVariantMap(const QVariantMap &map, ChatSettings *out, QString *errorString)
{
    ChatSettings s;
    SettingsReader top(map, QString(), errorString);
    top.onlyKeys({QStringLiteral("historySize"), QStringLiteral("historyKeepSeconds"),
                  QStringLiteral("maxTextLength"), QStringLiteral("maxMessageLength"),
                  QStringLiteral("maxNickLength"), QStringLiteral("maxRoomNameLength"),
                  QStringLiteral("maxRoomsPerSession"), QStringLiteral("maxBadMessages"),
                  QStringLiteral("rateLimit"), QStringLiteral("presenceTtlSeconds")});
    top.readInt(QStringLiteral("historySize"), 0, 100000, &s.historySize);
    top.readInt(QStringLiteral("historyKeepSeconds"), 0, 7 * 24 * 3600, &s.historyKeepSeconds);
    top.readInt(QStringLiteral("maxTextLength"), 1, 1 << 24, &s.maxTextLength);
    top.readInt(QStringLiteral("maxMessageLength"), 64, 1 << 26, &s.maxMessageLength);
    top.readInt(QStringLiteral("maxNickLength"), 1, 1024, &s.maxNickLength);
    top.readInt(QStringLiteral("maxRoomNameLength"), 1, 1024, &s.maxRoomNameLength);
    top.readInt(QStringLiteral("maxRoomsPerSession"), 1, 100000, &s.maxRoomsPerSession);
    top.readInt(QStringLiteral("maxBadMessages"), 0, 1000000, &s.maxBadMessages);
    top.readInt(QStringLiteral("presenceTtlSeconds"), 3, 3600, &s.presenceTtlSeconds);
    QVariantMap rateMap;
    top.readObject(QStringLiteral("rateLimit"), &rateMap);
    if (!top.ok())
        return false;

    SettingsReader rate(rateMap, QStringLiteral("rateLimit."), errorString);
    rate.onlyKeys({QStringLiteral("messagesPerSecond"), QStringLiteral("burst"),
                   QStringLiteral("floodCloseAfter")});
    rate.readDouble(QStringLiteral("messagesPerSecond"), 0, 1e6, &s.messagesPerSecond);
    rate.readInt(QStringLiteral("burst"), 1, 1000000, &s.burst);
    rate.readInt(QStringLiteral("floodCloseAfter"), 0, 1000000, &s.floodCloseAfter);
    if (!rate.ok())
        return false;

    if (s.maxMessageLength < s.maxTextLength) {
        *errorString = QStringLiteral("setting \"maxMessageLength\" (%1) must not be smaller "
                                      "than \"maxTextLength\" (%2)")
                           .arg(s.maxMessageLength).arg(s.maxTextLength);
        return false;
    }
    *out = s;
    return true;
}
} // namespace WsPlug

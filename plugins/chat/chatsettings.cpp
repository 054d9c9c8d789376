// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "chatsettings.h"

#include <QJsonObject>
#include <QSet>

#include <cmath>

namespace WsPlug {

namespace {

bool isNumber(const QVariant &value)
{
    switch (value.typeId()) {
    case QMetaType::Int:
    case QMetaType::UInt:
    case QMetaType::LongLong:
    case QMetaType::ULongLong:
    case QMetaType::Double:
        return true;
    default:
        return false;
    }
}

// A nested object arrives as QVariantMap from a JSON config file, but an embedding
// program may just as well hand us a QJsonObject.
bool toMap(const QVariant &value, QVariantMap *out)
{
    if (value.typeId() == QMetaType::QVariantMap) {
        *out = value.toMap();
        return true;
    }
    if (value.typeId() == QMetaType::QJsonObject) {
        *out = value.toJsonObject().toVariantMap();
        return true;
    }
    return false;
}

bool checkKeys(const QVariantMap &map, const QSet<QString> &known, const QString &prefix,
               QString *errorString)
{
    for (auto it = map.cbegin(); it != map.cend(); ++it) {
        if (!known.contains(it.key())) {
            // Strict on purpose: a misspelt key would otherwise silently keep its default.
            *errorString = QStringLiteral("unknown setting \"%1%2\"").arg(prefix, it.key());
            return false;
        }
    }
    return true;
}

bool readInt(const QVariantMap &map, const QString &key, const QString &prefix, int min, int max,
             int *out, QString *errorString)
{
    const auto it = map.constFind(key);
    if (it == map.cend())
        return true;
    const double value = it->toDouble();
    if (!isNumber(*it) || std::trunc(value) != value) {
        *errorString = QStringLiteral("setting \"%1%2\" must be an integer").arg(prefix, key);
        return false;
    }
    if (value < min || value > max) {
        *errorString = QStringLiteral("setting \"%1%2\" must be between %3 and %4")
                           .arg(prefix, key).arg(min).arg(max);
        return false;
    }
    *out = int(value);
    return true;
}

bool readDouble(const QVariantMap &map, const QString &key, const QString &prefix, double min,
                double max, double *out, QString *errorString)
{
    const auto it = map.constFind(key);
    if (it == map.cend())
        return true;
    const double value = it->toDouble();
    if (!isNumber(*it) || !std::isfinite(value)) {
        *errorString = QStringLiteral("setting \"%1%2\" must be a number").arg(prefix, key);
        return false;
    }
    if (value < min || value > max) {
        *errorString = QStringLiteral("setting \"%1%2\" must be between %3 and %4")
                           .arg(prefix, key).arg(min).arg(max);
        return false;
    }
    *out = value;
    return true;
}

} // namespace

/*!
    Reads \a map (the plugin's settings object) into \a out, starting from the
    defaults. Returns false with a one-line \a errorString for an unknown key, a value
    of the wrong type or one out of range; \a out is then left unchanged.
*/
bool ChatSettings::fromVariantMap(const QVariantMap &map, ChatSettings *out, QString *errorString)
{
    static const QSet<QString> topKeys = {
        QStringLiteral("historySize"),    QStringLiteral("historyKeepSeconds"),
        QStringLiteral("maxTextLength"),  QStringLiteral("maxMessageLength"),
        QStringLiteral("maxNickLength"),  QStringLiteral("maxRoomNameLength"),
        QStringLiteral("maxRoomsPerSession"), QStringLiteral("maxBadMessages"),
        QStringLiteral("rateLimit"),
    };
    static const QSet<QString> rateKeys = {
        QStringLiteral("messagesPerSecond"), QStringLiteral("burst"),
        QStringLiteral("floodCloseAfter"),
    };

    ChatSettings s;
    const QString top;
    if (!checkKeys(map, topKeys, top, errorString)
        || !readInt(map, QStringLiteral("historySize"), top, 0, 100000, &s.historySize, errorString)
        || !readInt(map, QStringLiteral("historyKeepSeconds"), top, 0, 7 * 24 * 3600,
                    &s.historyKeepSeconds, errorString)
        || !readInt(map, QStringLiteral("maxTextLength"), top, 1, 1 << 24, &s.maxTextLength,
                    errorString)
        || !readInt(map, QStringLiteral("maxMessageLength"), top, 64, 1 << 26,
                    &s.maxMessageLength, errorString)
        || !readInt(map, QStringLiteral("maxNickLength"), top, 1, 1024, &s.maxNickLength,
                    errorString)
        || !readInt(map, QStringLiteral("maxRoomNameLength"), top, 1, 1024, &s.maxRoomNameLength,
                    errorString)
        || !readInt(map, QStringLiteral("maxRoomsPerSession"), top, 1, 100000,
                    &s.maxRoomsPerSession, errorString)
        || !readInt(map, QStringLiteral("maxBadMessages"), top, 0, 1000000, &s.maxBadMessages,
                    errorString)) {
        return false;
    }

    const auto rate = map.constFind(QStringLiteral("rateLimit"));
    if (rate != map.cend()) {
        QVariantMap rateMap;
        if (!toMap(*rate, &rateMap)) {
            *errorString = QStringLiteral("setting \"rateLimit\" must be an object");
            return false;
        }
        const QString prefix = QStringLiteral("rateLimit.");
        if (!checkKeys(rateMap, rateKeys, prefix, errorString)
            || !readDouble(rateMap, QStringLiteral("messagesPerSecond"), prefix, 0, 1e6,
                           &s.messagesPerSecond, errorString)
            || !readInt(rateMap, QStringLiteral("burst"), prefix, 1, 1000000, &s.burst,
                        errorString)
            || !readInt(rateMap, QStringLiteral("floodCloseAfter"), prefix, 0, 1000000,
                        &s.floodCloseAfter, errorString)) {
            return false;
        }
    }

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

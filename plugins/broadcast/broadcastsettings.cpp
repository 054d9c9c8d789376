// SPDX-FileCopyrightText: 2026 The wsplug authors
// SPDX-License-Identifier: LGPL-3.0-or-later
#include "broadcastsettings.h"

#include "topicregistry.h"

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

class Reader
{
public:
    Reader(const QVariantMap &map, const QString &prefix, QString *errorString)
        : m_map(map), m_prefix(prefix), m_error(errorString)
    {
    }

    bool ok() const { return m_ok; }

    // Strict on purpose: a misspelt key would otherwise silently keep its default.
    void onlyKeys(const QSet<QString> &known)
    {
        for (auto it = m_map.cbegin(); m_ok && it != m_map.cend(); ++it) {
            if (!known.contains(it.key()))
                fail(QStringLiteral("unknown setting \"%1%2\"").arg(m_prefix, it.key()));
        }
    }

    void readBool(const QString &key, bool *out)
    {
        const auto it = m_map.constFind(key);
        if (!m_ok || it == m_map.cend())
            return;
        if (it->typeId() != QMetaType::Bool)
            return fail(QStringLiteral("setting \"%1%2\" must be true or false").arg(m_prefix, key));
        *out = it->toBool();
    }

    void readInt(const QString &key, int min, int max, int *out)
    {
        const auto it = m_map.constFind(key);
        if (!m_ok || it == m_map.cend())
            return;
        const double value = it->toDouble();
        if (!isNumber(*it) || std::trunc(value) != value)
            return fail(QStringLiteral("setting \"%1%2\" must be an integer").arg(m_prefix, key));
        if (value < min || value > max) {
            return fail(QStringLiteral("setting \"%1%2\" must be between %3 and %4")
                            .arg(m_prefix, key).arg(min).arg(max));
        }
        *out = int(value);
    }

    void readDouble(const QString &key, double min, double max, double *out)
    {
        const auto it = m_map.constFind(key);
        if (!m_ok || it == m_map.cend())
            return;
        const double value = it->toDouble();
        if (!isNumber(*it) || !std::isfinite(value) || value < min || value > max) {
            return fail(QStringLiteral("setting \"%1%2\" must be a number between %3 and %4")
                            .arg(m_prefix, key).arg(min).arg(max));
        }
        *out = value;
    }

    void readString(const QString &key, QString *out)
    {
        const auto it = m_map.constFind(key);
        if (!m_ok || it == m_map.cend())
            return;
        if (it->typeId() != QMetaType::QString)
            return fail(QStringLiteral("setting \"%1%2\" must be a string").arg(m_prefix, key));
        *out = it->toString();
    }

    // A nested object arrives as QVariantMap from a JSON config file, but an embedding
    // program may just as well hand us a QJsonObject.
    void readObject(const QString &key, QVariantMap *out)
    {
        const auto it = m_map.constFind(key);
        if (!m_ok || it == m_map.cend())
            return;
        if (it->typeId() == QMetaType::QVariantMap)
            *out = it->toMap();
        else if (it->typeId() == QMetaType::QJsonObject)
            *out = it->toJsonObject().toVariantMap();
        else
            fail(QStringLiteral("setting \"%1%2\" must be an object").arg(m_prefix, key));
    }

    void fail(const QString &message)
    {
        if (m_ok)
            *m_error = message;
        m_ok = false;
    }

private:
    const QVariantMap &m_map;
    QString m_prefix;
    QString *m_error;
    bool m_ok = true;
};

} // namespace

/*!
    Reads \a map (the plugin's settings object) into \a out, starting from the
    defaults. Returns false with a one-line \a errorString for an unknown key, a value
    of the wrong type or one out of range; \a out is then left unchanged.
*/
bool BroadcastSettings::fromVariantMap(const QVariantMap &map, BroadcastSettings *out,
                                       QString *errorString)
{
    BroadcastSettings s;
    Reader top(map, QString(), errorString);
    top.onlyKeys({QStringLiteral("subscribeOnly"), QStringLiteral("echo"),
                  QStringLiteral("defaultTopic"), QStringLiteral("maxTopicLength"),
                  QStringLiteral("ticker")});
    top.readBool(QStringLiteral("subscribeOnly"), &s.subscribeOnly);
    top.readBool(QStringLiteral("echo"), &s.echo);
    top.readString(QStringLiteral("defaultTopic"), &s.defaultTopic);
    top.readInt(QStringLiteral("maxTopicLength"), 1, 4096, &s.maxTopicLength);
    QVariantMap tickerMap;
    top.readObject(QStringLiteral("ticker"), &tickerMap);
    if (!top.ok())
        return false;

    Reader ticker(tickerMap, QStringLiteral("ticker."), errorString);
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
